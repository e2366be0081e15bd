"""A headless Chromium per test module, beside the module's `dromos dev` (../conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.browser import chromium
from tests.support.dev import Dev

WAIT_S = 30.0


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


@pytest.fixture
def open_page(browser: Chrome, dev: Dev) -> Callable[[str], Chrome]:
    """Load a UI path and wait until its script has drawn it."""

    def load(path: str) -> Chrome:
        browser.get(dev.url + path)
        WebDriverWait(browser, WAIT_S).until(
            lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
        return browser

    return load


def wait_text(browser: Chrome, selector: str, text: str, timeout_s: float = WAIT_S) -> str:
    """The text of the first element at `selector` that contains `text`, once there is one
    (the page redraws from live events, so elements are looked up afresh each time)."""

    def found(d: Chrome) -> str | bool:
        for element in d.find_elements(By.CSS_SELECTOR, selector):
            if text in element.text:
                return str(element.text)
        return False

    try:
        return str(WebDriverWait(browser, timeout_s, 0.1, (StaleElementReferenceException,))
                   .until(found))
    except TimeoutException:
        shown = [e.text for e in browser.find_elements(By.CSS_SELECTOR, selector + ", #flash")]
        raise AssertionError(f"no {selector} with text {text!r}; the page shows {shown}") from None


def fill_form(browser: Chrome, form_id: str, **fields: str) -> None:
    """Type each field's value (or choose it, in a select) and submit the form."""
    form = browser.find_element(By.ID, form_id)
    for name, value in fields.items():
        element = form.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_visible_text(value)
        else:
            element.clear()
            element.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
