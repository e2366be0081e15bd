"""RecordIO framing, refuse_seconds rules and Mesos duration strings."""

from __future__ import annotations

import pytest

from localmesos import recordio
from localmesos.master.offers import refuse_seconds
from localmesos.model import duration_string, is_uuid, new_uuid


def test_record_is_length_newline_compact_ascii_json() -> None:
    record = recordio.encode({"type": "X", "text": "é\n"})
    length, _, payload = record.partition(b"\n")
    assert int(length) == len(payload)
    assert b"\n" not in payload and b" " not in payload
    assert payload.isascii()


def test_records_decode_back_from_a_stream_cut_anywhere() -> None:
    stream = recordio.encode({"a": 1}) + recordio.encode({"b": 2})
    buffer = bytearray(stream[:5])
    assert recordio.decode_stream(buffer) == []
    buffer += stream[5:]
    assert recordio.decode_stream(buffer) == [{"a": 1}, {"b": 2}]
    assert buffer == b""


@pytest.mark.parametrize(
    ("filters", "seconds"),
    [
        (None, 5.0),
        ({}, 5.0),
        ({"refuse_seconds": 0}, 0.0),
        ({"refuse_seconds": 2.5}, 2.5),
        ({"refuse_seconds": -1}, 5.0),
        ({"refuse_seconds": "x"}, 5.0),
        ({"refuse_seconds": 1e12}, 365 * 24 * 3600.0),
    ],
)
def test_refuse_seconds_follows_mesos_rules(filters: object, seconds: float) -> None:
    assert refuse_seconds(filters) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5secs"), (7, "7secs"), (900, "15mins"), (7200, "2hrs"), (0.5, "500ms")],
)
def test_durations_carry_a_unit(seconds: float, text: str) -> None:
    assert duration_string(seconds) == text


def test_uuids_are_sixteen_bytes_in_base64() -> None:
    assert is_uuid(new_uuid())
    assert not is_uuid("c2hvcnQ=")
    assert not is_uuid("not base64!")
