"""One probe of one target: an HTTP(S) GET or a TCP connect, on raw asyncio streams.

A health check needs only the status line of an HTTP answer, so the probe reads that
line and closes the connection: no client library, no body, no pooled sockets (10,000
idle keep-alive connections would cost more file descriptors than they save). A
readiness check that keeps its last response reads the answer to its end (bounded).
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from dataclasses import dataclass, replace

_STATUS_LINE_LIMIT = 1024
_RESPONSE_LIMIT = 64 * 1024  # of a kept response: headers and body are cut beyond it


class Protocol(enum.Enum):
    HTTP = "HTTP"
    HTTPS = "HTTPS"
    TCP = "TCP"


class Verdict(enum.Enum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    IGNORED = "ignored"  # a 1xx answer with ignoreHttp1xx: health stays as it was


@dataclass(frozen=True)
class Target:
    """What to probe and how often; `key` is (task id, index of the check in the app)."""

    key: tuple[str, int]
    host: str
    port: int
    protocol: Protocol
    path: str = "/"
    interval_s: float = 60.0
    timeout_s: float = 20.0
    ignore_http1xx: bool = False
    ipv6: bool = False
    ready_statuses: tuple[int, ...] = ()  # a readiness check: only these statuses pass
    keep_response: bool = False  # read the whole answer into `Outcome.response`


@dataclass(frozen=True)
class HttpResponse:
    status: int
    content_type: str
    body: str


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    cause: str | None = None
    response: HttpResponse | None = None


def _unverified_context() -> ssl.SSLContext:
    """Marathon does not verify task certificates: tasks use self-signed ones."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


_TLS = _unverified_context()


def http_verdict(status: int, ignore_http1xx: bool) -> Outcome:
    """200-399 healthy; 1xx ignored when asked to, anything else unhealthy."""
    if 200 <= status < 400:
        return Outcome(Verdict.HEALTHY)
    if 100 <= status < 200 and ignore_http1xx:
        return Outcome(Verdict.IGNORED)
    return Outcome(Verdict.UNHEALTHY, f"HTTP status {status}")


def ready_verdict(status: int, ready_statuses: tuple[int, ...]) -> Outcome:
    if status in ready_statuses:
        return Outcome(Verdict.HEALTHY)
    return Outcome(Verdict.UNHEALTHY, f"HTTP status {status}")


def parse_status_line(line: bytes) -> int:
    """The status code of `HTTP/1.x NNN reason`; ValueError when it is not one."""
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        raise ValueError(f"not an HTTP status line: {line[:80]!r}")
    return int(parts[1])


async def probe(target: Target, address: str) -> Outcome:
    """Probe `target` at `address` (its resolved host) within its timeout."""
    try:
        async with asyncio.timeout(target.timeout_s):
            if target.protocol is Protocol.TCP:
                return await _tcp(address, target.port)
            return await _http(target, address)
    except TimeoutError:
        return Outcome(Verdict.UNHEALTHY, f"timed out after {target.timeout_s:g}s")
    except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        return Outcome(Verdict.UNHEALTHY, f"{type(exc).__name__}: {exc}")


async def _tcp(address: str, port: int) -> Outcome:
    _, writer = await asyncio.open_connection(address, port)
    writer.close()
    return Outcome(Verdict.HEALTHY)


async def _http(target: Target, address: str) -> Outcome:
    https = target.protocol is Protocol.HTTPS
    reader, writer = await asyncio.open_connection(
        address, target.port, ssl=_TLS if https else None,
        server_hostname=target.host if https else None, limit=_STATUS_LINE_LIMIT,
    )
    response = None
    try:
        path = target.path if target.path.startswith("/") else "/" + target.path
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {target.host}:{target.port}\r\n"
            "User-Agent: dromos-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n"
            .encode("latin-1")
        )
        status = parse_status_line(await reader.readuntil(b"\n"))
        if target.keep_response:
            response = _response(status, await _read_to_end(reader))
    finally:
        writer.close()
    if target.ready_statuses:
        outcome = ready_verdict(status, target.ready_statuses)
    else:
        outcome = http_verdict(status, target.ignore_http1xx)
    return replace(outcome, response=response)


async def _read_to_end(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < _RESPONSE_LIMIT and (chunk := await reader.read(_RESPONSE_LIMIT - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _response(status: int, rest: bytes) -> HttpResponse:
    """The answer after its status line (sent with Connection: close, so not chunked
    by most servers; a chunked body is kept as it came)."""
    head, _, body = rest.partition(b"\r\n\r\n")
    content_type = ""
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-type":
            content_type = value.strip().decode("latin-1")
    return HttpResponse(status, content_type, body.decode("utf-8", errors="replace"))
