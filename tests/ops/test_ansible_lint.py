"""ansible/ passes ansible-lint's production profile and every playbook parses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.ops.ops_support import ANSIBLE_DIR, PLAYBOOKS, ansible_tool, ops_env


def test_lint_passes_the_production_profile_with_nothing_skipped(tmp_path: Path) -> None:
    config = (ANSIBLE_DIR / ".ansible-lint").read_text()
    assert "profile: production" in config
    assert "skip_list" not in config and "warn_list" not in config
    result = subprocess.run(
        [ansible_tool("ansible-lint"), "--offline", "--nocolor"],
        cwd=ANSIBLE_DIR, env=ops_env(tmp_path), capture_output=True, text=True, timeout=110,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stderr + result.stdout
    assert "0 failure(s), 0 warning(s)" in output
    assert "Profile 'production' was required, and it passed" in output


def test_no_rule_is_silenced_inline() -> None:
    offenders = [
        str(path.relative_to(ANSIBLE_DIR))
        for path in ANSIBLE_DIR.rglob("*")
        if path.suffix in {".yml", ".yaml", ".j2", ".cfg"} and "noqa" in path.read_text()
    ]
    assert offenders == []


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda path: path.name)
def test_playbook_passes_syntax_check(playbook: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [ansible_tool("ansible-playbook"), "-i", "inventories/vagrant/hosts.yml",
         "--syntax-check", playbook.name],
        cwd=ANSIBLE_DIR, env=ops_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
