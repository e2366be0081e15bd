"""Server slots: each backend holds a fixed number of servers, filled or left in maintenance.

A member joining or leaving a backend then changes one slot through HAProxy's runtime API
(`set server <b>/<s> addr <ip> port <p>` and `state ready`, or `state maint`), with no
reload; only a backend that runs out of slots, or a change outside the servers, needs
one. A member keeps its slot while it stays, so the configuration rendered for a reload
puts every server where the runtime API had put it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Address = tuple[str, int]  # (IPv4 address, port)
Slots = tuple[Address | None, ...]

MIN_SLOTS = 8


def server_name(index: int) -> str:
    return f"s{index + 1}"


def sized(members: Iterable[Address]) -> Slots:
    """Fresh slots for `members`: room for as many again (at least MIN_SLOTS)."""
    ordered = sorted(set(members))
    capacity = max(MIN_SLOTS, 2 * len(ordered))
    return tuple(ordered) + (None,) * (capacity - len(ordered))


def assign(slots: Slots, members: Iterable[Address]) -> Slots | None:
    """`slots` holding exactly `members`: those staying keep their slot, those joining take
    the first free ones; None when they do not fit."""
    wanted = set(members)
    kept = [address if address in wanted else None for address in slots]
    joining = sorted(wanted.difference(kept))
    free = [index for index, address in enumerate(kept) if address is None]
    if len(joining) > len(free):
        return None
    for index, address in zip(free, joining, strict=False):
        kept[index] = address
    return tuple(kept)


def fit(slots: Slots | None, members: Iterable[Address]) -> Slots:
    """`assign` where the members fit, else fresh slots."""
    members = list(members)
    placed = None if slots is None else assign(slots, members)
    return placed if placed is not None else sized(members)


def commands(backend: str, old: Sequence[Address | None], new: Sequence[Address | None]) -> (
    list[str]
):
    """Runtime API commands that turn a backend's `old` slots into `new` (same length)."""
    out = []
    for index, (before, after) in enumerate(zip(old, new, strict=True)):
        if before == after:
            continue
        server = f"{backend}/{server_name(index)}"
        if after is None:
            out.append(f"set server {server} state maint")
        else:
            out.append(f"set server {server} addr {after[0]} port {after[1]}")
            out.append(f"set server {server} state ready")
    return out
