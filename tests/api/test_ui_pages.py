"""The web UI's pages and files as the server hands them out (the browser tests in
tests/e2e/ui show what they do)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from api.ui import PAGES


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_renders_its_frame_and_loads_the_script(
    client: FlaskClient, page: str,
) -> None:
    response = client.get(f"/ui/{page}?id=/web&job=nightly")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'data-page="{page}"' in html
    assert '<script type="module" src="/ui/static/js/main.js">' in html


def test_query_values_are_escaped_in_the_page(client: FlaskClient) -> None:
    html = client.get('/ui/app?id=/x"><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("path", ["/", "/ui", "/ui/"])
def test_the_root_and_ui_open_the_apps_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (301, 302, 308)
    assert client.get(path, follow_redirects=True).request.path == "/ui/apps"


def test_an_unknown_page_is_not_found(client: FlaskClient) -> None:
    assert client.get("/ui/nothing-here").status_code == 404


def test_every_script_the_pages_import_is_served_as_javascript(client: FlaskClient) -> None:
    main = client.get("/ui/static/js/main.js")
    assert main.mimetype in ("text/javascript", "application/javascript")
    imported = set(re.findall(r'"\./(\w+\.js)"', main.get_data(as_text=True)))
    seen: set[str] = set()
    while imported - seen:
        name = (imported - seen).pop()
        seen.add(name)
        response = client.get(f"/ui/static/js/{name}")
        assert response.status_code == 200, name
        assert response.mimetype in ("text/javascript", "application/javascript"), name
        imported |= set(re.findall(r'from "\./(\w+\.js)"', response.get_data(as_text=True)))
    assert {"apps.js", "graph.js", "live.js", "form_errors.js"} <= seen
