"""The agent's files API, as Mesos serves it: /files/read and /files/browse of sandboxes.

`GET /files/read?path=P&offset=N&length=L` answers `{"data": ..., "offset": N}`; offset -1
(or one at or past the end) answers the file's size as the offset and no data; a read
returns at most MAX_READ_BYTES. `GET /files/browse?path=D` lists a directory as Mesos
does (path, size, mode, mtime, ...). Only paths inside the agent's sandboxes are served
(Mesos serves only the paths it attached: the executors' directories); others are 404.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

# Mesos reads at most 16 pages per call.
MAX_READ_BYTES = 16 * 4096

SandboxRoot = Callable[[], Path]
ROOT: web.AppKey[SandboxRoot] = web.AppKey("files_root")


class FilesError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def add_routes(app: web.Application, root: SandboxRoot) -> None:
    """Serve the files API for sandboxes under `root()` (the agent's `slaves/<id>` dir)."""
    app[ROOT] = root
    for path in ("/files/read", "/files/read.json"):
        app.router.add_get(path, _read)
    for path in ("/files/browse", "/files/browse.json"):
        app.router.add_get(path, _browse)


def sandbox_path(root: Path, virtual: str | None) -> Path:
    """The real path of `virtual`, refused unless it lies inside `root`."""
    if not virtual:
        raise FilesError(400, "Expecting 'path=value' in query.\n")
    resolved = Path(virtual).resolve()
    if resolved != root.resolve() and root.resolve() not in resolved.parents:
        raise FilesError(404, "File not found.\n")
    if not resolved.exists():
        raise FilesError(404, "File not found.\n")
    return resolved


def _integer(query: Any, name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise FilesError(400, f"Failed to parse {name}: {error}.\n") from error
    if value < -1:
        raise FilesError(400, f"Negative {name} provided: {value}.\n")
    return value


def read(root: Path, virtual: str | None, offset: int, length: int) -> dict[str, Any]:
    """What /files/read answers for these parameters (length -1: as much as allowed)."""
    path = sandbox_path(root, virtual)
    if path.is_dir():
        raise FilesError(400, "Cannot read a directory.\n")
    size = path.stat().st_size
    if offset == -1 or offset >= size:
        return {"data": "", "offset": size}
    count = MAX_READ_BYTES if length == -1 else min(length, MAX_READ_BYTES)
    with path.open("rb") as file:
        file.seek(offset)
        data = file.read(count)
    return {"data": data.decode("utf-8", errors="replace"), "offset": offset}


def browse(root: Path, virtual: str | None) -> list[dict[str, Any]]:
    """What /files/browse answers: the entries of a directory, or the file itself."""
    path = sandbox_path(root, virtual)
    entries = sorted(path.iterdir()) if path.is_dir() else [path]
    return [_entry(entry) for entry in entries]


def _entry(path: Path) -> dict[str, Any]:
    info = path.lstat()
    return {
        "path": str(path),
        "nlink": info.st_nlink,
        "size": info.st_size,
        "mtime": int(info.st_mtime),
        "mode": stat.filemode(info.st_mode),
        "uid": str(info.st_uid),
        "gid": str(info.st_gid),
    }


async def _read(request: web.Request) -> web.Response:
    try:
        offset = _integer(request.query, "offset", -1)
        length = _integer(request.query, "length", -1)
        body = read(request.app[ROOT](), request.query.get("path"), offset, length)
    except FilesError as error:
        return web.Response(status=error.status, text=error.message)
    return web.json_response(body)


async def _browse(request: web.Request) -> web.Response:
    try:
        body = browse(request.app[ROOT](), request.query.get("path"))
    except FilesError as error:
        return web.Response(status=error.status, text=error.message)
    return web.json_response(body)
