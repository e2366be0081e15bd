"""The HTTP server of the API: waitress for plain HTTP, cheroot when TLS is asked for.

waitress has no TLS. cheroot (CherryPy's WSGI server, maintained with it) is a threaded
pure-Python server like waitress, and its builtin adapter uses the standard `ssl` module,
so HTTPS needs no proxy in front and no compiled dependency.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Protocol

from flask import Flask

THREADS = 16


class ApiServer(Protocol):
    port: int
    scheme: str

    def run(self) -> None: ...

    def close(self) -> None: ...


class _Waitress:
    scheme = "http"

    def __init__(self, app: Flask, host: str, port: int) -> None:
        import waitress

        self._server = waitress.create_server(app, host=host, port=port, threads=THREADS,
                                              channel_timeout=3600, ident="dromos")
        self.port = int(self._server.effective_port)

    def run(self) -> None:
        self._server.run()

    def close(self) -> None:
        self._server.close()


class _CherootTls:
    scheme = "https"

    def __init__(self, app: Flask, host: str, port: int, cert: Path, key: Path) -> None:
        from cheroot.ssl.builtin import BuiltinSSLAdapter
        from cheroot.wsgi import Server

        self._server = Server((host, port), app, numthreads=THREADS, server_name="dromos")
        adapter = BuiltinSSLAdapter(str(cert), str(key))
        adapter.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._server.ssl_adapter = adapter
        self._server.prepare()  # binds now, so the port is known before run()
        self.port = int(self._server.bind_addr[1])

    def run(self) -> None:
        self._server.serve()

    def close(self) -> None:
        self._server.stop()


def create_server(
    app: Flask, host: str, port: int, tls_cert: Path | None = None, tls_key: Path | None = None
) -> ApiServer:
    """A bound server for `app`: HTTPS when a certificate and its key are given."""
    if tls_cert is not None and tls_key is not None:
        return _CherootTls(app, host, port, tls_cert, tls_key)
    return _Waitress(app, host, port)
