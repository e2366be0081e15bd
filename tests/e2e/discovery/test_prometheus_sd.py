"""Debian's Prometheus with marathon_sd_configs pointed at `dromos dev` finds the
instances of an app as scrape targets."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.dev import running_dev, wait_for
from tests.support.localmesos import free_port

pytestmark = [pytest.mark.e2e]

JSON = {"Content-Type": "application/json"}
CONFIG = """\
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: dromos
    marathon_sd_configs:
      - servers: ["{url}"]
        refresh_interval: 1s
"""


@contextlib.contextmanager
def running_prometheus(work: Path, dromos_url: str) -> Iterator[str]:
    work.mkdir(parents=True, exist_ok=True)
    (work / "prometheus.yml").write_text(CONFIG.format(url=dromos_url))
    address = f"127.0.0.1:{free_port()}"
    with open(work / "prometheus.log", "ab") as log:
        process = subprocess.Popen(
            ["prometheus", f"--config.file={work / 'prometheus.yml'}",
             f"--web.listen-address={address}", f"--storage.tsdb.path={work / 'data'}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://{address}"
    finally:
        process.terminate()
        process.wait(20)


def targets(prometheus: str) -> set[str]:
    with contextlib.suppress(requests.RequestException):
        body = requests.get(f"{prometheus}/api/v1/targets", timeout=5).json()
        return {t["labels"]["instance"] for t in body["data"]["activeTargets"]
                if t["labels"].get("job") == "dromos"}
    return set()


def test_marathon_sd_discovers_the_instances(tmp_path: Path) -> None:
    with running_dev(tmp_path / "dev") as dev, \
            running_prometheus(tmp_path / "prometheus", dev.url) as prometheus:
        requests.post(f"{dev.url}/v2/apps", headers=JSON, timeout=10, json={
            "id": "/metrics/exporter", "cmd": "sleep 600", "instances": 2, "cpus": 0.05,
            "mem": 16, "portDefinitions": [{"port": 0, "name": "metrics"}],
        }).raise_for_status()

        def expected() -> set[str]:
            tasks = dev.get("/v2/apps/metrics/exporter")["app"]["tasks"]
            return {f"{t['host']}:{t['ports'][0]}" for t in tasks if t.get("ports")}

        wanted = wait_for(lambda: len(e := expected()) == 2 and e, 60, "two tasks")
        wait_for(lambda: targets(prometheus) == wanted, 60,
                 lambda: f"Prometheus targets {targets(prometheus)}, wanted {wanted}")
