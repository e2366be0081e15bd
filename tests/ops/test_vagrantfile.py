"""The Vagrantfile validates, with its provider blocks and its ansible provisioner."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.ops.ops_support import REPO, missing, system_tool


def vagrant(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run vagrant on the repository's Vagrantfile, keeping its state under tmp_path."""
    environ = dict(os.environ)
    environ.update(
        VAGRANT_CWD=str(REPO),
        VAGRANT_HOME=str(tmp_path / "vagrant-home"),
        VAGRANT_DOTFILE_PATH=str(tmp_path / "dot-vagrant"),
        VAGRANT_CHECKPOINT_DISABLE="1",
        **env,
    )
    return subprocess.run(
        [system_tool("vagrant"), *args], env=environ, capture_output=True, text=True, timeout=60,
    )


@pytest.fixture
def libvirt(tmp_path: Path) -> dict[str, str]:
    """Environment selecting the libvirt provider, whose plugin checks its config block."""
    if "vagrant-libvirt" not in vagrant(tmp_path, "plugin", "list").stdout:
        missing("the vagrant-libvirt plugin is not installed; run `tools/install_ops_deps.sh`")
    return {"VAGRANT_DEFAULT_PROVIDER": "libvirt"}


def test_validates_without_a_hypervisor(tmp_path: Path) -> None:
    result = vagrant(tmp_path, "validate", "--ignore-provider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validated successfully" in result.stdout


def test_libvirt_provider_block_validates(tmp_path: Path, libvirt: dict[str, str]) -> None:
    result = vagrant(tmp_path, "validate", **libvirt)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("agents", ["1", "3"])
def test_defines_one_master_and_the_requested_agents(
    tmp_path: Path, libvirt: dict[str, str], agents: str
) -> None:
    result = vagrant(tmp_path, "status", "--machine-readable", DROMOS_AGENTS=agents, **libvirt)
    assert result.returncode == 0, result.stdout + result.stderr
    machines = sorted({line.split(",")[1] for line in result.stdout.splitlines()
                       if line.split(",")[2:3] == ["state"]})
    assert machines == sorted(["master", *(f"agent{i}" for i in range(1, int(agents) + 1))])
