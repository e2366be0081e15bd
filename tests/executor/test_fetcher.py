from __future__ import annotations

import http.server
import os
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from executor.fetcher import FetchFailed, UriSpec, fetch
from executor.runner import Orchestrator
from executor.status import TaskState
from tests.executor.conftest import RecordingSink, task_info


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a directory."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    path = tmp_path / "sandbox"
    path.mkdir()
    return path


def test_a_plain_path_is_copied_into_the_sandbox(tmp_path: Path, sandbox: Path) -> None:
    source = tmp_path / "config.txt"
    source.write_text("hello")
    fetch(UriSpec(str(source)), sandbox)
    assert (sandbox / "config.txt").read_text() == "hello"


def test_an_http_archive_is_downloaded_and_extracted(
    served: tuple[str, Path], tmp_path: Path, sandbox: Path
) -> None:
    url, root = served
    payload = tmp_path / "app.sh"
    payload.write_text("echo hi\n")
    with tarfile.open(root / "app.tgz", "w:gz") as archive:
        archive.add(payload, arcname="bin/app.sh")
    fetch(UriSpec(f"{url}/app.tgz"), sandbox)
    assert (sandbox / "bin" / "app.sh").read_text() == "echo hi\n"


def test_extract_false_keeps_the_archive_and_executable_sets_exec_bits(
    served: tuple[str, Path], sandbox: Path
) -> None:
    url, root = served
    (root / "tool").write_text("#!/bin/sh\necho tool\n")
    (root / "data.tgz").write_bytes(b"not really an archive")
    fetch(UriSpec(f"{url}/data.tgz", extract=False), sandbox)
    fetch(UriSpec(f"{url}/tool", executable=True, output_file="renamed"), sandbox)
    assert (sandbox / "data.tgz").read_bytes() == b"not really an archive"
    assert os.access(sandbox / "renamed", os.X_OK)


def test_a_missing_or_unsupported_uri_fails(served: tuple[str, Path], sandbox: Path) -> None:
    url, _ = served
    with pytest.raises(FetchFailed, match="404"):
        fetch(UriSpec(f"{url}/missing.txt"), sandbox)
    with pytest.raises(FetchFailed, match="scheme"):
        fetch(UriSpec("hdfs://namenode/file"), sandbox)


def test_a_task_starts_with_its_uris_in_place_or_fails_when_one_cannot_be_fetched(
    orchestrator: Orchestrator, sink: RecordingSink, tmp_path: Path
) -> None:
    (tmp_path / "input.txt").write_text("42")
    ok = task_info("fetched", {"value": "test $(cat input.txt) = 42", "shell": True,
                               "uris": [{"value": str(tmp_path / "input.txt")}]})
    broken = task_info("unfetched", {"value": "true", "shell": True,
                                     "uris": [{"value": str(tmp_path / "absent.txt")}]})
    orchestrator.launch(ok)
    orchestrator.launch(broken)
    assert sink.wait_terminal("fetched").state is TaskState.FINISHED
    failed = sink.wait_terminal("unfetched")
    assert failed.state is TaskState.FAILED and "absent.txt" in failed.message


def test_a_slow_fetch_holds_up_neither_a_kill_nor_other_launches(
    orchestrator: Orchestrator, sink: RecordingSink, tmp_path: Path
) -> None:
    root = tmp_path / "slow"
    root.mkdir()

    class Slow(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            time.sleep(2)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    (root / "big.bin").write_bytes(b"x")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/big.bin"
        started = time.monotonic()
        orchestrator.launch(task_info("fetching", {"value": "touch ran; sleep 30",
                                                   "shell": True, "uris": [{"value": url}]}))
        orchestrator.launch(task_info("quick", "exit 0"))
        assert sink.wait_terminal("quick").state is TaskState.FINISHED
        orchestrator.kill("fetching")
        killed = sink.wait_terminal("fetching")
        assert killed.state is TaskState.KILLED
        assert time.monotonic() - started < 1.5  # well before the 2 s download ends
        time.sleep(2.5)  # the download finishes; the killed task must not start after it
        assert sink.states("fetching")[-1] is TaskState.KILLED
        assert not list(tmp_path.rglob("fetching/ran"))
    finally:
        server.shutdown()
        server.server_close()


def test_an_archive_member_cannot_land_outside_the_sandbox(
    served: tuple[str, Path], tmp_path: Path, sandbox: Path
) -> None:
    url, root = served
    payload = tmp_path / "evil.txt"
    payload.write_text("owned\n")
    with tarfile.open(root / "evil.tgz", "w:gz") as archive:
        archive.add(payload, arcname="../escaped.txt")
    with pytest.raises(FetchFailed, match="outside"):
        fetch(UriSpec(f"{url}/evil.tgz"), sandbox)
    assert not (sandbox.parent / "escaped.txt").exists()
