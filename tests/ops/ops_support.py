"""Helpers for the ops checks: where the ansible/ tree and the ops tools are."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "ansible"
OPS_BIN = REPO / ".venv-ops" / "bin"
PLAYBOOKS = sorted(ANSIBLE_DIR.glob("*.yml"))


def missing(reason: str) -> None:
    """Skip locally, fail in CI: CI installs every ops tool itself, so there a
    missing one is a broken install step, not a reason to skip."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def ansible_tool(name: str) -> str:
    """Path of a tool from the ops virtualenv (ansible-core, ansible-lint)."""
    path = OPS_BIN / name
    if not path.exists():
        missing(f"{path} is missing; run `make ops-deps`")
    return str(path)


def system_tool(name: str) -> str:
    """Path of a tool from a Debian package (vagrant, systemd-analyze)."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed; run `tools/install_ops_deps.sh`")
    assert path is not None
    return path


def ops_env(tmp_path: Path) -> dict[str, str]:
    """Environment for ansible tools: ops venv first on PATH, state kept under tmp_path."""
    env = dict(os.environ)
    env["PATH"] = f"{OPS_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_HOME"] = str(tmp_path / "ansible-home")
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp_path / "ansible-tmp")
    env["ANSIBLE_NOCOLOR"] = "1"
    env.pop("VIRTUAL_ENV", None)
    return env
