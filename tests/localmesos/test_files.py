"""The agent's files API with Mesos's semantics, on real files of a sandbox tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from localmesos.agent.files import MAX_READ_BYTES, FilesError, browse, read


@pytest.fixture
def root(tmp_path: Path) -> Path:
    sandbox = tmp_path / "slaves" / "S0" / "frameworks" / "f" / "executors" / "e" / "runs" / "c"
    sandbox.mkdir(parents=True)
    (sandbox / "stdout").write_text("hello world\n")
    return tmp_path / "slaves" / "S0"


def stdout(root: Path) -> str:
    return str(next(root.rglob("stdout")))


def test_offset_minus_one_answers_the_size_without_data(root: Path) -> None:
    assert read(root, stdout(root), -1, -1) == {"data": "", "offset": 12}


def test_offset_and_length_select_the_bytes(root: Path) -> None:
    assert read(root, stdout(root), 6, 5) == {"data": "world", "offset": 6}


def test_reading_past_the_end_answers_the_size(root: Path) -> None:
    assert read(root, stdout(root), 40, 5) == {"data": "", "offset": 12}


def test_a_read_returns_at_most_sixteen_pages(root: Path) -> None:
    big = Path(stdout(root)).with_name("big")
    big.write_bytes(b"x" * (MAX_READ_BYTES + 10))
    assert len(read(root, str(big), 0, -1)["data"]) == MAX_READ_BYTES


@pytest.mark.parametrize("path", ["/etc/passwd", "{root}/../../outside", "{root}/nope"])
def test_paths_outside_a_sandbox_or_missing_are_not_found(root: Path, path: str) -> None:
    (root.parent.parent / "outside").write_text("secret")
    with pytest.raises(FilesError) as error:
        read(root, path.format(root=root), 0, 10)
    assert error.value.status == 404


def test_a_directory_cannot_be_read_but_can_be_browsed(root: Path) -> None:
    directory = str(Path(stdout(root)).parent)
    with pytest.raises(FilesError, match="Cannot read a directory") as error:
        read(root, directory, 0, 10)
    assert error.value.status == 400
    [entry] = browse(root, directory)
    assert entry["path"] == stdout(root)
    assert entry["size"] == 12
    assert entry["mode"].startswith("-rw")


def test_a_missing_path_parameter_is_a_400(root: Path) -> None:
    with pytest.raises(FilesError) as error:
        read(root, None, 0, 1)
    assert error.value.status == 400
