"""The OpenAPI document: valid OpenAPI 3.1, and every route the app serves is in it."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from api.reference.openapi import CHRONOS, document

# Not API: files for the browser.
UNDOCUMENTED_PREFIXES = ("/static", "/ui")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def served(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every route."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(UNDOCUMENTED_PREFIXES):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods or ()
                   if method not in IGNORED_METHODS}
    return routes


def documented() -> set[tuple[str, str]]:
    return {(method, path) for path, item in document()["paths"].items() for method in item}


def mirrored(routes: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The routes with Chronos's /v1/scheduler ones also under /scheduler (listed once)."""
    return routes | {(m, "/scheduler" + p.removeprefix(CHRONOS)) for m, p in routes
                     if p.startswith(CHRONOS + "/")}


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(document())


def test_every_route_is_documented_and_every_documented_route_served(
    client: FlaskClient,
) -> None:
    routes = served(client.application)
    assert routes - mirrored(documented()) == set(), "routes missing from api/reference/openapi.py"
    assert documented() - routes == set(), "documented routes the app does not serve"


def test_the_document_is_served_at_openapi_json(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"
    assert response.get_json()["paths"].keys() == document()["paths"].keys()


def test_the_docs_page_renders_the_document_with_nothing_from_elsewhere(
    client: FlaskClient,
) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'fetch("/openapi.json")' in page
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page) == []
