"""The dromos role installs a working Dromos on a machine without systemd.

It runs for real over a local connection into a temporary root, renders the
unit instead of enabling it, and is idempotent. Then Dromos is started the way
the rendered unit would start it, and must answer /ping.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import psycopg
import pytest

from tests.ops.ops_support import ANSIBLE_DIR, REPO, ansible_tool, ops_env, system_tool
from tests.support.postgres import running_postgres
from tests.support.tls import self_signed_pair

# One role install serves every test here; under xdist they stay on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

# What the role needs from the repository; caches and virtualenvs stay behind,
# so that other tests writing bytecode cannot change the source mid-test.
SOURCE_IGNORED = shutil.ignore_patterns(
    ".git", ".venv*", "__pycache__", "*.pyc", ".*_cache", "*.egg-info", "build", "data",
    ".vagrant", "tests", "bench",
)


@dataclass(frozen=True)
class Installed:
    root: Path
    unit: Path
    env_file: Path
    runs: tuple[str, str]
    cert: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recap_changed(output: str) -> int:
    match = re.search(r"^localhost\s*:.*\bchanged=(\d+).*\bfailed=0\b", output, re.MULTILINE)
    assert match, output[-3000:]
    return int(match.group(1))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Apply the role twice to a temporary root; keep both runs' output."""
    playbook_cmd = ansible_tool("ansible-playbook")
    tmp = tmp_path_factory.mktemp("dromos-role")
    root = tmp / "root"
    for folder in ("etc/default", "etc/systemd/system"):
        (root / folder).mkdir(parents=True)
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=SOURCE_IGNORED)
    user, group = pwd_names()
    cert, key = self_signed_pair(tmp)
    variables = {
        "dromos_prefix": str(root / "opt/dromos"),
        "dromos_source_dir": str(source),
        "dromos_python": sys.executable,
        "dromos_system_packages": [],
        "dromos_user": user,
        "dromos_group": group,
        "dromos_create_user": False,
        "dromos_data_dir": str(root / "var/lib/dromos"),
        "dromos_env_file": str(root / "etc/default/dromos"),
        "dromos_unit_dir": str(root / "etc/systemd/system"),
        "dromos_manage_service": False,
        # Nothing listens there: the scheduler must serve its API regardless.
        "dromos_master": f"127.0.0.1:{free_port()}",
        "dromos_http_host": "127.0.0.1",
        "dromos_http_port": free_port(),
        "dromos_hostname": "127.0.0.1",
        # The API over HTTPS: the role's TLS option is what this install exercises.
        "dromos_tls_cert_src": str(cert),
        "dromos_tls_key_src": str(key),
        "dromos_tls_ca_src": str(cert),  # standbys proxy to the leader over HTTPS
        "dromos_tls_dir": str(root / "etc/dromos/tls"),
        "ansible_python_interpreter": sys.executable,
    }
    (tmp / "vars.json").write_text(json.dumps(variables))
    env = ops_env(tmp)
    env["ANSIBLE_ROLES_PATH"] = str(ANSIBLE_DIR / "roles")
    command = [playbook_cmd, "-i", "localhost,", str(Path(__file__).with_name("dromos_local.yml")),
               "-e", f"@{tmp / 'vars.json'}"]

    def run() -> str:
        result = subprocess.run(command, env=env, cwd=tmp, capture_output=True, text=True,
                                timeout=170)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        return result.stdout

    first = run()
    second = run()
    unit = root / "etc/systemd/system/dromos.service"
    return Installed(root, unit, root / "etc/default/dromos", (first, second), cert)


def pwd_names() -> tuple[str, str]:
    """The current user and group: the service runs as them in this test."""
    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


def test_second_run_changes_nothing(installed: Installed) -> None:
    first, second = installed.runs
    assert recap_changed(first) > 0
    assert recap_changed(second) == 0


def test_rendered_unit_passes_systemd_analyze_verify(installed: Installed) -> None:
    result = subprocess.run([system_tool("systemd-analyze"), "verify", str(installed.unit)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    unit = installed.unit.read_text()
    for setting in ("Restart=on-failure", f"EnvironmentFile={installed.env_file}",
                    "NoNewPrivileges=yes", "ProtectSystem=strict"):
        assert setting in unit
    assert oct(installed.env_file.stat().st_mode & 0o777) == "0o640"


def test_installed_dromos_started_as_the_unit_says_answers_ping(installed: Installed) -> None:
    env = environment_file(installed.env_file)
    argv = exec_start(installed.unit, env)
    assert argv[0] == str(installed.root / "opt/dromos/venv/bin/dromos")
    data_dir = Path(env["DROMOS_DATA_DIR"])
    assert oct((installed.root / "etc/dromos/tls/key.pem").stat().st_mode & 0o777) == "0o640"
    with started(argv, env, cwd=data_dir) as process:
        url = f"https://127.0.0.1:{env['DROMOS_PORT']}/ping"
        tls = ssl.create_default_context(cafile=installed.cert)
        assert wait_for_pong(url, process, data_dir / "dromos.log", tls) == "pong"


def environment_file(path: Path) -> dict[str, str]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def exec_start(unit: Path, env: dict[str, str]) -> list[str]:
    """The unit's command line, expanded as systemd does: ${X} is one word, $X splits."""
    line = next(v for k, _, v in (ln.partition("=") for ln in unit.read_text().splitlines())
                if k == "ExecStart")
    words: list[str] = []
    for word in shlex.split(line):
        if re.fullmatch(r"\$\w+", word):
            words += env[word[1:]].split()
        else:
            words.append(Template(word).substitute(env))
    return words


@contextmanager
def started(argv: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run argv in its own process group, output to cwd/dromos.log; kill the group after."""
    with (cwd / "dromos.log").open("wb") as log:
        process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for_pong(url: str, process: subprocess.Popen[bytes], log: Path,
                  tls: ssl.SSLContext) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"dromos exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=tls) as response:
                return str(response.read().decode().strip())
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no answer from {url} within 60 s:\n{log.read_text()}")


def test_two_installed_schedulers_on_postgresql_elect_one_leader(
    installed: Installed, tmp_path: Path
) -> None:
    """The HA settings: the role's unit and environment, pointed at a shared PostgreSQL,
    run as two instances: one leads, both name it, the standby proxies to it over HTTPS."""
    env = environment_file(installed.env_file)
    assert env["DROMOS_LEASE"] == "3.0"
    with running_postgres() as server:
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE dromos")
        ports = [free_port(), free_port()]
        tls = ssl.create_default_context(cafile=installed.cert)
        with contextlib.ExitStack() as stack:
            for i, port in enumerate(ports):
                data_dir = tmp_path / f"instance-{i}"
                data_dir.mkdir()
                own = {**env, "DROMOS_DB_URL": server + "/dromos", "DROMOS_PORT": str(port),
                       "DROMOS_DATA_DIR": str(data_dir)}
                process = stack.enter_context(started(exec_start(installed.unit, own), own,
                                                      cwd=data_dir))
                wait_for_pong(f"https://127.0.0.1:{port}/ping", process, data_dir / "dromos.log",
                              tls)
            infos = [wait_for_leader(port, tls) for port in ports]
            standby = next(p for p, info in zip(ports, infos, strict=True)
                           if not info["elected"])
            with urllib.request.urlopen(f"https://127.0.0.1:{standby}/v2/apps", timeout=20,
                                        context=tls) as answer:
                assert json.loads(answer.read()) == {"apps": []}
    assert sorted(info["elected"] for info in infos) == [False, True]
    leader = next(info for info in infos if info["elected"])
    assert {info["leader"] for info in infos} == {
        f"127.0.0.1:{leader['http_config']['http_port']}"}


def wait_for_leader(port: int, tls: ssl.SSLContext) -> dict[str, Any]:
    """/v2/info of the instance on `port` once it names a leader."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/v2/info", timeout=20,
                                    context=tls) as answer:
            info: dict[str, Any] = json.loads(answer.read())
        if info["leader"]:
            return info
        time.sleep(0.2)
    raise AssertionError(f"the instance on {port} named no leader within 60 s")
