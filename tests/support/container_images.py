"""A busybox image for tests of the docker containerizer, built locally (no registry is
reachable): Debian's busybox-static binary and its applet links, `podman import`ed once
under a tag named by the binary's hash, so a new busybox gets a new image.

    with podman_environment():
        image = busybox_image()
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from localmesos.agent.docker_run import OWNER_LABEL

PODMAN = "podman"
BUSYBOX = Path("/bin/busybox")
CONTAINERS_CONF = Path(__file__).with_name("containers.conf")
IMAGE = "localhost/dromos-test-busybox"


@contextlib.contextmanager
def podman_environment() -> Iterator[None]:
    """CONTAINERS_CONF set to the tests' podman settings, for podman and localmesos
    processes started meanwhile."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONTAINERS_CONF", str(CONTAINERS_CONF))
        yield


def podman(*args: str) -> str:
    """Run podman (in the tests' settings, see `podman_environment`); its stdout."""
    assert os.environ.get("CONTAINERS_CONF") == str(CONTAINERS_CONF)
    done = subprocess.run([PODMAN, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def podman_as_dockers_cli(directory: Path) -> Path:
    """A `docker` in `directory` that is podman, except that it answers `--version` as
    Docker's own CLI does. An agent drives it as Docker's CLI (an attached `run`, no
    passthrough log driver) while podman does the work: no Docker daemon runs here."""
    script = directory / "docker"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = --version ]; then echo "Docker version 28.2.2, build e6534b4"; exit 0; fi\n'
        f'exec {PODMAN} "$@"\n'
    )
    script.chmod(0o755)
    return script


def owned_containers(master_id: str) -> list[str]:
    """Every container (running or not) that an agent of the cluster of master `master_id`
    labelled as its own (agent ids start with their master's)."""
    listed = podman("ps", "-a", "--filter", f"label={OWNER_LABEL}", "--format",
                    f'{{{{.ID}}}} {{{{index .Labels "{OWNER_LABEL}"}}}}')  # fmt: skip
    return [line.split()[0] for line in listed.splitlines()
            if line.split()[1].startswith(master_id)]


def _rootfs(binary: bytes) -> bytes:
    """A tarball of /bin/busybox and a link per applet, as busybox --install makes them."""
    applets = subprocess.run(
        [str(BUSYBOX), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("bin", "tmp"):
            entry = tarfile.TarInfo(directory)
            entry.type, entry.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(entry)
        entry = tarfile.TarInfo("bin/busybox")
        entry.size, entry.mode = len(binary), 0o755
        tar.addfile(entry, io.BytesIO(binary))
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
    return buffer.getvalue()


def busybox_image() -> str:
    """The tag of the busybox test image, imported unless podman has it already."""
    binary = BUSYBOX.read_bytes()
    tag = f"{IMAGE}:{hashlib.sha256(binary).hexdigest()[:16]}"
    exists = subprocess.run([PODMAN, "image", "exists", tag], capture_output=True)
    if exists.returncode != 0:
        done = subprocess.run(
            [PODMAN, "import", "-", tag], input=_rootfs(binary), capture_output=True, timeout=120
        )
        assert done.returncode == 0, done.stderr.decode()
    return tag
