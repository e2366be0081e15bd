"""The web UI's apps page at 100 and 1,000 apps, in headless Chromium against `dromos dev`.

For each size: the apps are created with one `PUT /v2/apps` (0 instances, so nothing
launches; 10 groups), then the page is loaded `--loads` times. Measured: navigation start
to the first draw of the data (`performance.mark("dromos-ready")`), the time to redraw
every app as one flat list (typing in the filter box: the first 200 rows drawn; then
"show all"; layout included), and, as the floor
measured in the same run, one `GET /v2/apps` from Python (the page cannot be faster than
the API it reads).

    .venv/bin/python -m bench ui_apps [--loads 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests
from selenium.webdriver import Chrome

from tests.support.browser import chromium
from tests.support.dev import Dev, running_dev

SIZES = (100, 1000)
ROWS_SHOWN = 200  # api/ui/static/js/dom.js: a long list shows this many rows until asked
GROUPS = 10

FLAT_REDRAW_JS = """
const filter = document.getElementById('filter');
const rows = () => document.querySelectorAll('#apps tbody tr[data-app]').length;
let start = performance.now();
filter.value = '/bench/';
filter.dispatchEvent(new Event('input'));
document.body.offsetHeight;  // force layout
const capped = [performance.now() - start, rows()];
const more = document.querySelector('#apps [data-show-all]');
start = performance.now();
if (more) more.click();
document.body.offsetHeight;
return [...capped, performance.now() - start, rows()];
"""


def add_apps(dev: Dev, start: int, count: int) -> None:
    apps = [{"id": f"/bench/g{i % GROUPS}/app{i:05d}", "cmd": "sleep 1000", "cpus": 0.01,
             "mem": 16, "instances": 0} for i in range(start, start + count)]
    response = requests.put(dev.url + "/v2/apps", json=apps, timeout=120)
    response.raise_for_status()


def api_ms(dev: Dev) -> float:
    started = time.perf_counter()
    requests.get(dev.url + "/v2/apps", timeout=60).raise_for_status()
    return (time.perf_counter() - started) * 1000


def load_ms(browser: Chrome, dev: Dev) -> float:
    browser.get(dev.url + "/ui/apps")
    deadline = time.monotonic() + 60
    while not browser.execute_script("return document.body.dataset.ready === 'true'"):
        if time.monotonic() > deadline:
            raise RuntimeError("the apps page never drew")
        time.sleep(0.01)
    mark = browser.execute_script(
        "return performance.getEntriesByName('dromos-ready')[0].startTime")
    return float(mark)


def measure(browser: Chrome, dev: Dev, size: int, loads: int) -> dict[str, float]:
    api = [api_ms(dev) for _ in range(loads)]
    first, flat, every = [], [], []
    for _ in range(loads):
        first.append(load_ms(browser, dev))
        redraw, shown, redraw_all, shown_all = browser.execute_script(FLAT_REDRAW_JS)
        if shown != min(size, ROWS_SHOWN) or shown_all != size:
            raise RuntimeError(f"the flat list shows {shown} then {shown_all} of {size} apps")
        flat.append(float(redraw))
        every.append(float(redraw_all))
    return {"api": statistics.median(api), "first": statistics.median(first),
            "flat": statistics.median(flat), "all": statistics.median(every)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with running_dev(work / "dromos") as dev, chromium(work / "chromium") as browser:
            print("| apps | GET /v2/apps (Python) | page load to first draw "
                  f"| filtered list ({ROWS_SHOWN} rows shown) | show all |")
            print("|-----:|------:|------:|------:|------:|")
            created = 0
            for size in SIZES:
                add_apps(dev, created, size - created)
                created = size
                row = measure(browser, dev, size, args.loads)
                print(f"| {size} | {row['api']:.0f} ms | {row['first']:.0f} ms "
                      f"| {row['flat']:.0f} ms | {row['all']:.0f} ms |", flush=True)


if __name__ == "__main__":
    main()
