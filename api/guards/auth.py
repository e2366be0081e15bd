"""Who may call the API: HTTP basic users and bearer tokens, each a viewer or an operator.

Auth is on when credentials are given: `--http-credentials user:password` (Marathon's and
Chronos's flag; operators; also from DROMOS_HTTP_CREDENTIALS) and `--credentials-file`,
lines of `name:role:hash`. A hash `scrypt$...` is a password (HTTP basic), `sha256$<hex>` a
bearer token (`Authorization: Bearer <token>`); `dromos hash-secret` makes either. Only
hashes are kept in memory; secrets are never logged. Viewers read (GET, HEAD, OPTIONS),
operators also write. /ping stays open, and /metrics with `--open-metrics`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

VIEWER, OPERATOR = "viewer", "operator"
ROLES = (VIEWER, OPERATOR)
READS = frozenset({"GET", "HEAD", "OPTIONS"})
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class CredentialsError(ValueError):
    """A credentials file or flag that cannot be read; the scheduler refuses to start."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in base64."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    parts = (str(_SCRYPT["n"]), str(_SCRYPT["r"]), str(_SCRYPT["p"]),
             base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    return "scrypt$" + "$".join(parts)


def hash_token(token: str) -> str:
    """`sha256$<hex>`: tokens are long random strings, so a fast hash keeps them safe."""
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


def _scrypt_matches(stored: str, password: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(got, expected)


class Authenticator:
    """Checks the Authorization header of each request against the configured principals."""

    def __init__(self, passwords: dict[str, tuple[str, str]],
                 tokens: dict[str, Principal]) -> None:
        self._passwords = passwords  # user -> (role, scrypt hash)
        self._tokens = tokens  # sha256 hex -> principal
        # scrypt costs ~50 ms by design: a password once verified is remembered by a
        # keyed digest, so a client sending it on every request pays that only once.
        self._verified: dict[bytes, Principal] = {}
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._passwords or self._tokens)

    def principal(self, header: str | None) -> Principal | None:
        """Who the Authorization header names, or None when it proves nothing."""
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() == "bearer":
            digest = hashlib.sha256(value.strip().encode()).hexdigest()
            return self._tokens.get(digest)
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, binascii.Error):
            return None
        return self._basic(user, password)

    def _basic(self, user: str, password: str) -> Principal | None:
        entry = self._passwords.get(user)
        if entry is None:
            return None
        seen = hmac.digest(self._key, f"{user}:{password}".encode(), "sha256")
        with self._lock:
            known = self._verified.get(seen)
        if known is not None:
            return known
        if not _scrypt_matches(entry[1], password):
            return None
        principal = Principal(user, entry[0])
        with self._lock:
            self._verified[seen] = principal
        return principal


def load(flag_credentials: Iterable[str], credentials_file: Path | None) -> Authenticator:
    """The authenticator for `--http-credentials` entries and the lines of `credentials_file`."""
    passwords: dict[str, tuple[str, str]] = {}
    tokens: dict[str, Principal] = {}
    for entry in flag_credentials:
        user, sep, password = entry.partition(":")
        if not sep or not user:
            raise CredentialsError("--http-credentials takes user:password")
        passwords[user] = (OPERATOR, hash_password(password))
    lines = credentials_file.read_text().splitlines() if credentials_file else []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, role, hashed = [*line.strip().split(":", 2), "", ""][:3]
        if role not in ROLES or not name:
            raise CredentialsError(f"{credentials_file}:{number}: expected name:role:hash "
                                   f"with a role of {', '.join(ROLES)}")
        if hashed.startswith("sha256$"):
            tokens[hashed.removeprefix("sha256$")] = Principal(name, role)
        elif hashed.startswith("scrypt$"):
            passwords[name] = (role, hashed)
        else:
            raise CredentialsError(f"{credentials_file}:{number}: the hash must start with "
                                   "scrypt$ or sha256$ (see `dromos hash-secret`)")
    return Authenticator(passwords, tokens)


def install(app: Flask, authenticator: Authenticator, open_metrics: bool) -> None:
    """Refuse every request without valid credentials (401), and writes by viewers (403)."""
    if not authenticator.enabled:
        return
    open_paths = {"/ping"} | ({"/metrics"} if open_metrics else set())

    @app.before_request
    def _authenticate() -> None:
        if request.path in open_paths:
            return
        principal = authenticator.principal(request.headers.get("Authorization"))
        if principal is None:
            challenge = WWWAuthenticate("basic", {"realm": "dromos"})
            raise Unauthorized("Invalid credentials", www_authenticate=challenge)
        if request.method not in READS and principal.role != OPERATOR:
            raise Forbidden(f"{principal.name} may only read (role {principal.role})")
        g.principal = principal
