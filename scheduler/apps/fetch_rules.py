"""An app's `fetch` (or the legacy `uris`): what Mesos's fetcher puts into its sandbox."""

from __future__ import annotations

from scheduler.apps.model import FetchUri
from scheduler.apps.reader import Reader

_ARCHIVES = (".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip")
_MAX_URI = 1024


def read_fetch(r: Reader) -> tuple[FetchUri, ...]:
    if r.has("fetch") and r.has("uris"):
        r.problems.violation(r.path or "/", "Give either uris or fetch, not both")
    if r.has("uris"):
        return tuple(
            FetchUri(uri, extract=uri.endswith(_ARCHIVES)) for uri in r.strings("uris") or ()
        )
    fetched = []
    for f in r.children("fetch"):
        uri = f.string("uri")
        if not uri:
            f.problems.violation(f.at("uri"), "must not be empty")
        elif len(uri) > _MAX_URI:
            f.problems.violation(f.at("uri"), f"must be at most {_MAX_URI} characters")
        fetched.append(
            FetchUri(
                uri or "",
                extract=f.boolean("extract") is not False,
                executable=bool(f.boolean("executable")),
                cache=bool(f.boolean("cache")),
                dest_path=f.string("destPath"),
            )
        )
    return tuple(fetched)
