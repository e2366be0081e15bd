"""Pack the parts of the Dromos repository that pip needs into one tar file.

Runs on the Ansible controller. The archive is reproducible (sorted names, fixed
owners and times, no bytecode), so an unchanged source gives a byte-identical
file and copying it to a host reports no change. Usage:
    pack_source.py SOURCE_DIR ARCHIVE ITEM [ITEM ...]
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path

TOP = "dromos-src"
# Any fixed time works; ZIP (hence wheel building) rejects times before 1980.
MTIME = 1577836800
SKIPPED_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def files_of(source: Path, item: str) -> list[Path]:
    """Every file under source/item (or item itself), bytecode and caches left out."""
    root = source / item
    if root.is_file():
        return [root]
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info")]
        found += [Path(folder, name) for name in names if not name.endswith(".pyc")]
    return found


def pack(source: Path, items: list[str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(p for item in items for p in files_of(source, item)):
            info = tarfile.TarInfo(f"{TOP}/{path.relative_to(source).as_posix()}")
            data = path.read_bytes()
            info.size = len(data)
            info.mtime = MTIME
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    source, archive, items = Path(argv[1]), Path(argv[2]), argv[3:]
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(pack(source, items))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
