"""The files API of a Mesos agent over its work dir: browse, read and download.

Paths are the sandbox paths the agent's `/state` gives (`directory`), anything below the
work dir, or Mesos' virtual `/frameworks/<F>/executors/<E>/runs/<latest|C>/...`.
`read` follows Mesos: no offset (or -1), one at or past the end, or a length of 0 answers
the file's size with no data, as pagers probe it; no length (or -1) reads to the end; one
read returns at most 16 pages.
"""

from __future__ import annotations

import grp
import mimetypes
import os
import pwd
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

MAX_READ_BYTES = 16 * 4096

WorkDir = Callable[[web.Request], Path]
WORK_DIR: web.AppKey[WorkDir] = web.AppKey("work_dir")


def add_routes(app: web.Application, work_dir: WorkDir) -> None:
    app[WORK_DIR] = work_dir
    for prefix in ("/files", "/slave(1)/files"):
        app.router.add_get(f"{prefix}/browse", _browse)
        app.router.add_get(f"{prefix}/browse.json", _browse)
        app.router.add_get(f"{prefix}/read", _read)
        app.router.add_get(f"{prefix}/read.json", _read)
        app.router.add_get(f"{prefix}/download", _download)
        app.router.add_get(f"{prefix}/download.json", _download)


def resolve(work_dir: Path, virtual: str) -> Path | None:
    """The real path for a requested one, or None if it is outside the work dir."""
    parts = Path(virtual).parts
    if parts[:2] == ("/", "frameworks"):
        matches = sorted(work_dir.glob("slaves/*")) if (work_dir / "slaves").is_dir() else []
        if not matches:
            return None
        path = matches[-1].joinpath(*parts[1:])
    else:
        path = Path(virtual)
    real = Path(os.path.realpath(path))
    root = Path(os.path.realpath(work_dir))
    return real if real == root or root in real.parents else None


def _path(request: web.Request) -> Path:
    virtual = request.query.get("path")
    if not virtual:
        raise web.HTTPBadRequest(text="Expecting 'path=value' in query.")
    real = resolve(request.app[WORK_DIR](request), virtual)
    if real is None or not real.exists():
        raise web.HTTPNotFound(text=f"No such file or directory: {virtual}")
    return real


def _file_info(virtual: str, path: Path) -> dict[str, Any]:
    info = path.stat()
    return {
        "path": virtual,
        "nlink": info.st_nlink,
        "size": info.st_size,
        "mtime": int(info.st_mtime),
        "mode": stat.filemode(info.st_mode),
        "uid": _name(pwd.getpwuid, info.st_uid),
        "gid": _name(grp.getgrgid, info.st_gid),
    }


def _name(lookup: Callable[[int], Any], number: int) -> str:
    try:
        return str(lookup(number)[0])
    except KeyError:
        return str(number)


async def _browse(request: web.Request) -> web.Response:
    path = _path(request)
    virtual = request.query["path"].rstrip("/") or "/"
    if not path.is_dir():
        return web.json_response([_file_info(virtual, path)])
    entries = sorted(path.iterdir())
    return web.json_response([_file_info(f"{virtual}/{e.name}", e) for e in entries])


def _number(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "-1")
    try:
        value = int(raw)
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"Failed to parse {name}: {raw!r}") from error
    if value < -1:
        raise web.HTTPBadRequest(text=f"Negative {name} provided: {value}")
    return value


async def _read(request: web.Request) -> web.Response:
    path = _path(request)
    offset, length = _number(request, "offset"), _number(request, "length")
    if path.is_dir():
        raise web.HTTPBadRequest(text="Cannot read a directory.")
    size = path.stat().st_size
    if offset == -1 or offset >= size or length == 0:
        return web.json_response({"data": "", "offset": size})
    if length == -1 or length > MAX_READ_BYTES:
        length = MAX_READ_BYTES
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    return web.json_response({"data": data.decode("utf-8", "replace"), "offset": offset})


async def _download(request: web.Request) -> web.StreamResponse:
    path = _path(request)
    if path.is_dir():
        raise web.HTTPBadRequest(text="Cannot download a directory.")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return web.FileResponse(
        path,
        headers={
            "Content-Type": kind,
            "Content-Disposition": f"attachment; filename={path.name}",
        },
    )
