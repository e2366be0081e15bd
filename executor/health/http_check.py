"""HTTP health probe: GET <scheme>://127.0.0.1:<port><path>, redirects followed, 200-399 healthy."""

from __future__ import annotations

import http.client
import ssl
import time
import urllib.error
import urllib.request

from executor.health.probe import ProbeResult


class HttpProbe:
    """Probes a task's HTTP endpoint on the loopback address; TLS certificates are not checked."""

    def __init__(self, port: int, path: str = "/", scheme: str = "http", ipv6: bool = False):
        host = "[::1]" if ipv6 else "127.0.0.1"
        self.url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=unverified)
        )

    def __call__(self, timeout_s: float) -> ProbeResult:
        started = time.monotonic()
        try:
            with self._opener.open(self.url, timeout=timeout_s or None) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, http.client.HTTPException) as exc:
            return ProbeResult(False, f"GET {self.url} failed: {exc}")
        if timeout_s and time.monotonic() - started > timeout_s:
            return ProbeResult(False, f"GET {self.url} timed out after {timeout_s:g}s")
        return ProbeResult(200 <= status < 400, f"GET {self.url} returned {status}")
