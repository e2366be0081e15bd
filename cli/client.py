"""The HTTP client the commands share: JSON in and out, server errors as readable messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
import requests

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT_S = 30.0
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class Client:
    """Talks to one Dromos API; every failure becomes a click error that names the cause."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._call("POST", path, params=params, json=body)

    def put(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._call("PUT", path, params=params, json=body)

    def delete(self, path: str, **params: Any) -> Any:
        return self._call("DELETE", path, params=params)

    def text(self, path: str, **params: Any) -> str:
        return str(self._send("GET", path, params=params).text)

    def stream(self, path: str, **params: Any) -> Iterator[str]:
        """A streamed text answer, piece by piece as the server sends it."""
        response = self._send("GET", path, params=params, stream=True, timeout=None)
        with response:
            yield from response.iter_content(chunk_size=None, decode_unicode=True)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_S)
        headers = JSON_HEADERS if method in ("POST", "PUT") else {"Accept": "application/json"}
        try:
            response = requests.request(method, self.url + path, headers=headers, **kwargs)
        except requests.RequestException as error:
            raise click.ClickException(f"cannot reach Dromos at {self.url}: {error}") from error
        if response.status_code >= 400:
            raise click.ClickException(error_message(response))
        return response


def error_message(response: requests.Response) -> str:
    """The server's message, with Marathon's per-field details when it gave them."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text.strip()}"
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}: {body}"
    lines = [f"HTTP {response.status_code}: {body.get('message', body)}"]
    details = body.get("details")
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict):
            lines.append(f"  {detail.get('path', '')}: {'; '.join(detail.get('errors', []))}")
    return "\n".join(lines)
