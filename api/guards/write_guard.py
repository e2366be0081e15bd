"""No cross-origin writes: what a page on another origin could make a browser send is refused.

A browser sends a "simple" POST (a form, or `text/plain`) to any origin without asking first,
so a write is refused when its body is not JSON (415; Marathon consumes only
application/json) and when the browser says it comes from another origin (403), unless
that origin was allowed with `--cors-origin`. CORS headers go only to allowed origins.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import Forbidden, UnsupportedMediaType

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"


def install(app: Flask, allowed_origins: tuple[str, ...]) -> None:
    allowed = frozenset(origin.rstrip("/") for origin in allowed_origins)

    @app.before_request
    def _refuse_foreign_writes() -> None:
        if request.method not in WRITES:
            return
        if _from_other_origin(allowed):
            raise Forbidden("Cross-origin writes are refused (see --cors-origin)")
        has_body = bool(request.content_length) or bool(request.get_data(cache=True))
        if (request.content_type or has_body) and request.mimetype != JSON:
            raise UnsupportedMediaType(f"Unsupported Media Type: writes take {JSON}")

    @app.after_request
    def _cors(response: Response) -> Response:
        origin = request.headers.get("Origin", "").rstrip("/")
        if origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
            response.headers["Vary"] = "Origin"
        return response


def _from_other_origin(allowed: frozenset[str]) -> bool:
    """True when a browser marks the request as sent by a page of another, unallowed origin."""
    origin = request.headers.get("Origin")
    if origin is not None:
        origin = origin.rstrip("/")
        return origin != request.host_url.rstrip("/") and origin not in allowed
    # A browser that sends no Origin still says where the request came from.
    return request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")
