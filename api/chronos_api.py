"""Chronos's /v1/scheduler API, also served under /scheduler for old clients."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("chronos", __name__, url_prefix="/v1/scheduler")
legacy_blueprint = Blueprint("chronos_legacy", __name__, url_prefix="/scheduler")
