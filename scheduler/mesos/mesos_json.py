"""Mesos v1 JSON pieces every TaskInfo is made of, written once for apps and jobs alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.mesos.resources import Resources

Json = dict[str, Any]

NANOS_PER_SECOND = 1_000_000_000


def resources(scalars: Resources, ports: tuple[int, ...] = ()) -> list[Json]:
    """Resource list: the non-zero scalars, then one single-port range per host port."""
    named = (("cpus", scalars.cpus), ("mem", scalars.mem), ("disk", scalars.disk),
             ("gpus", scalars.gpus))
    out: list[Json] = [
        {"name": name, "type": "SCALAR", "scalar": {"value": float(value)}}
        for name, value in named
        if value
    ]
    if ports:
        ranges = [{"begin": port, "end": port} for port in ports]
        out.append({"name": "ports", "type": "RANGES", "ranges": {"range": ranges}})
    return out


def environment(variables: Mapping[str, str]) -> Json:
    """An Environment message."""
    return {"variables": [{"name": k, "value": v} for k, v in variables.items()]}


def labels(pairs: Mapping[str, str]) -> Json:
    """A Labels message."""
    return {"labels": [{"key": k, "value": v} for k, v in pairs.items()]}


def uri(value: str, extract: bool, executable: bool, cache: bool, output_file: str | None) -> Json:
    """A CommandInfo.URI."""
    out: Json = {"value": value, "extract": extract, "executable": executable, "cache": cache}
    if output_file:
        out["output_file"] = output_file
    return out


def duration(seconds: float) -> Json:
    """A DurationInfo."""
    return {"nanoseconds": int(seconds * NANOS_PER_SECOND)}
