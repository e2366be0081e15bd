from __future__ import annotations

from collections import Counter

import pytest

from scheduler.launch.constraints import Constraint, Operator, check, field_value


def c(field: str, operator: Operator, value: str | None = None) -> Constraint:
    return Constraint(field, operator, value)


def test_field_value_maps_hostname_fields_to_the_hostname() -> None:
    attributes = (("rack", "r1"), ("hostname", "not-this"))
    assert field_value("hostname", "host1", attributes) == "host1"
    assert field_value("@hostname", "host1", attributes) == "host1"
    assert field_value("rack", "host1", attributes) == "r1"
    assert field_value("zone", "host1", attributes) is None


def test_unique_accepts_a_value_without_instances() -> None:
    assert check(c("hostname", Operator.UNIQUE), "host2", ["host1"]) is None


def test_unique_rejects_a_value_already_taken() -> None:
    reason = check(c("hostname", Operator.UNIQUE), "host1", ["host1"])
    assert reason == "hostname UNIQUE (1 instance already on host1)"


def test_cluster_with_a_value_accepts_only_that_value() -> None:
    constraint = c("rack", Operator.CLUSTER, "r1")
    assert check(constraint, "r1", []) is None
    assert check(constraint, "r2", []) == "rack CLUSTER r1 (agent has r2)"


def test_cluster_without_a_value_is_pinned_by_the_first_placement() -> None:
    constraint = c("rack", Operator.CLUSTER)
    assert check(constraint, "r2", []) is None
    assert check(constraint, "r1", ["r1", "r1"]) is None
    assert check(constraint, "r2", ["r1"]) == "rack CLUSTER (instances run on r1, agent has r2)"


def test_group_by_accepts_values_with_the_fewest_instances() -> None:
    constraint = c("rack", Operator.GROUP_BY)
    assert check(constraint, "r2", ["r1", "r1", "r2"]) is None
    assert check(constraint, "r3", ["r1", "r2"]) is None
    assert check(constraint, "r1", ["r1", "r2"]) is None


def test_group_by_rejects_a_value_ahead_of_the_others() -> None:
    reason = check(c("rack", Operator.GROUP_BY), "r1", ["r1", "r1", "r2"])
    assert reason == "rack GROUP_BY (2 instances on r1, fewest on a value is 1)"


def test_group_by_with_a_count_waits_for_values_not_seen_yet() -> None:
    constraint = c("rack", Operator.GROUP_BY, "3")
    assert check(constraint, "r1", ["r1", "r2"]) == (
        "rack GROUP_BY 3 (1 instance on r1, fewest on a value is 0)"
    )
    assert check(constraint, "r3", ["r1", "r2"]) is None
    assert check(constraint, "r1", ["r1", "r2", "r3"]) is None


def test_group_by_spreads_onto_values_known_without_instances() -> None:
    known = Counter({"r1": 1, "r2": 0})
    reason = check(c("rack", Operator.GROUP_BY), "r1", known)
    assert reason == "rack GROUP_BY (1 instance on r1, fewest on a value is 0)"
    assert check(c("rack", Operator.GROUP_BY), "r2", known) is None


def test_like_needs_a_full_match() -> None:
    constraint = c("rack", Operator.LIKE, "rack-[12]")
    assert check(constraint, "rack-1", []) is None
    assert check(constraint, "rack-10", []) == "rack LIKE rack-[12] (agent has rack-10)"


def test_unlike_rejects_a_full_match_only() -> None:
    constraint = c("rack", Operator.UNLIKE, "rack-[12]")
    assert check(constraint, "rack-10", []) is None
    assert check(constraint, "rack-1", []) == "rack UNLIKE rack-[12] (agent has rack-1)"


def test_max_per_allows_up_to_the_limit() -> None:
    constraint = c("rack", Operator.MAX_PER, "2")
    assert check(constraint, "r1", ["r1"]) is None
    assert check(constraint, "r1", ["r1", "r1"]) == "rack MAX_PER 2 (2 instances already on r1)"


@pytest.mark.parametrize("operator", [Operator.IS, Operator.EQUALS])
def test_is_and_equals_need_an_equal_value(operator: Operator) -> None:
    constraint = c("os", operator, "centos")
    assert check(constraint, "centos", []) is None
    assert check(constraint, "ubuntu", []) == f"os {operator.value} centos (agent has ubuntu)"


def test_is_compares_numbers_to_three_decimals() -> None:
    assert check(c("weight", Operator.IS, "2.0"), "2", []) is None
    assert check(c("weight", Operator.IS, "0.1235"), "0.124", []) is None
    assert check(c("weight", Operator.IS, "2.01"), "2", []) == "weight IS 2.01 (agent has 2)"


@pytest.mark.parametrize(
    "constraint",
    [
        c("rack", Operator.UNIQUE),
        c("rack", Operator.CLUSTER, "r1"),
        c("rack", Operator.GROUP_BY),
        c("rack", Operator.LIKE, ".*"),
        c("rack", Operator.MAX_PER, "5"),
        c("rack", Operator.IS, "r1"),
        c("rack", Operator.EQUALS, "r1"),
    ],
)
def test_an_agent_without_the_attribute_is_rejected(constraint: Constraint) -> None:
    reason = check(constraint, None, [])
    assert reason is not None
    assert reason.endswith("(agent has no rack attribute)")


def test_an_agent_without_the_attribute_satisfies_unlike() -> None:
    assert check(c("rack", Operator.UNLIKE, "r1"), None, []) is None


def test_counts_work_like_the_list_of_values() -> None:
    constraint = c("rack", Operator.MAX_PER, "2")
    assert check(constraint, "r1", Counter({"r1": 2})) == check(constraint, "r1", ["r1", "r1"])


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        (c("rack", Operator.MAX_PER, "two"), "rack MAX_PER two (value is not an integer)"),
        (c("rack", Operator.GROUP_BY, "x"), "rack GROUP_BY x (value is not an integer)"),
        (c("rack", Operator.LIKE, "(["), "rack LIKE ([ (value is not a valid regular expression)"),
    ],
)
def test_unusable_values_reject_with_a_reason_instead_of_raising(
    constraint: Constraint, message: str
) -> None:
    assert check(constraint, "r1", []) == message
