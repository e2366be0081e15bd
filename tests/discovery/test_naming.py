from __future__ import annotations

from discovery.naming import app_label, dns_label, domain, haproxy_name, task_name


def test_labels_follow_mesos_dns_rfc1123_rule() -> None:
    assert dns_label("My_App.v2") == "my-app-v2"
    assert dns_label("-web!-") == "web"
    assert dns_label("a" * 80) == "a" * 63


def test_nested_app_ids_flatten_as_mesos_dns_does() -> None:
    assert task_name("/prod/web") == "web.prod"
    assert app_label("/prod/web") == "web-prod"
    assert app_label("/apiserver") == "apiserver"


def test_framework_names_keep_their_dots() -> None:
    assert domain("Marathon.Prod") == "marathon.prod"


def test_haproxy_names_are_marathon_lb_style() -> None:
    assert haproxy_name("/prod/web", 10000) == "prod_web_10000"
