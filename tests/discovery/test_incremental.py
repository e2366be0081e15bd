"""DNS records and the Consul catalog changed app by app (and job by job) end where a
fresh start on the final state begins: whatever the order of the changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from discovery.consul_catalog import CatalogBook
from discovery.dns_records import ZoneBook
from tests.discovery.strategies import Json, changes


def resolve(host: str) -> str | None:
    return None if host.endswith(".invalid") else {"localhost": "127.0.0.1"}.get(host, host)


JOB_TASKS = st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(("j1", "j2", "j3")), "host": st.sampled_from(("127.0.0.2", "x.invalid")),
    "ports": st.just([]), "state": st.sampled_from(("TASK_RUNNING", "TASK_STAGING")),
}), max_size=2)
JOB_CHANGES = st.lists(st.tuples(st.sampled_from(("backup", "Nightly_Backup", "report")),
                                 st.none() | JOB_TASKS), max_size=6)


def final_state(steps: list) -> dict:
    state: dict = {}
    for key, body in steps:
        if body is None:
            state.pop(key, None)
        else:
            state[key] = body
    return state


@settings(max_examples=100, deadline=None)
@given(changes, JOB_CHANGES)
def test_the_zone_changed_piece_by_piece_is_the_zone_of_the_final_state(
    app_steps: list[tuple[str, Json | None]], job_steps: list
) -> None:
    book = ZoneBook("dromos", "mesos", resolve)
    for app_id, body in app_steps:
        book.apply({app_id: body}, {})
    for job, tasks in job_steps:
        book.apply({}, {job: tasks})
    fresh = ZoneBook("dromos", "mesos", resolve)
    fresh.apply(final_state(app_steps), final_state(job_steps))
    assert book.zone == fresh.zone


@settings(max_examples=100, deadline=None)
@given(changes)
def test_the_catalog_changed_app_by_app_is_the_catalog_of_the_final_state(
    steps: list[tuple[str, Json | None]]
) -> None:
    book = CatalogBook("dc1", resolve)
    services: dict = {}
    for app_id, body in steps:
        for name, service in book.apply({app_id: body}).items():
            if service is None:
                services.pop(name, None)
            else:
                services[name] = service
    fresh = CatalogBook("dc1", resolve).apply(final_state(steps))
    assert services == {n: s for n, s in fresh.items() if s is not None}
