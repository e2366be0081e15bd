"""The HTTP client the commands share: JSON in and out, server errors as readable messages.

Like Marathon's clients, it takes the URLs of several scheduler instances (any of them
serves the whole API): a request that cannot reach one goes to the next, and the one that
answered is asked first from then on. A write moves on only when its connection was never
made or it was refused with 503 (no leader, nothing applied), so it is not applied twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click
import requests
from urllib3.exceptions import NewConnectionError

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT_S = 30.0
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class Unavailable(click.ClickException):
    """No instance could be reached, or the one reached knows no leader yet (503): what a
    failover looks like from outside, so a caller that waits may try again."""


class Client:
    """Talks to a Dromos API through `urls` (comma-separated); every failure becomes a click
    error that names the cause."""

    def __init__(self, urls: str) -> None:
        self.urls = [url.strip().rstrip("/") for url in urls.split(",") if url.strip()]

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
        failures = []
        for url in list(self.urls):
            try:
                response = requests.request(method, url + path, headers=headers, **kwargs)
            except requests.RequestException as error:
                failures.append(f"cannot reach Dromos at {url}: {error}")
                if method != "GET" and not _never_connected(error):
                    # The write may have arrived: no other instance may repeat it.
                    raise click.ClickException(failures[-1]) from error
                continue
            if response.status_code == 503:  # nothing was applied: another may answer
                failures.append(f"{url}: {error_message(response)}")
                continue
            self.urls.remove(url)
            self.urls.insert(0, url)
            if response.status_code >= 400:
                raise click.ClickException(error_message(response))
            return response
        raise Unavailable("\n".join(failures))


def _never_connected(error: requests.RequestException) -> bool:
    """Whether the request failed before a connection was made (nothing was sent)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


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
