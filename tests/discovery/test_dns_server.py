"""The DNS server answering with dnslib's client and with Debian's dig, on UDP and TCP."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from discovery.dns_records import ZoneBook
from discovery.dns_server import DnsServers, ZoneResolver
from tests.discovery.conftest import app, task


@pytest.fixture
def servers() -> Iterator[DnsServers]:
    book = ZoneBook("dromos", "mesos", lambda h: h)
    resolver = ZoneResolver(book.zone, ttl=3)
    running = DnsServers(resolver, "127.0.0.1", 0)
    running.start()
    book.apply({"/web": app("/web", 10000, task("t1", 31000), task("t2", 31001))}, {})
    resolver.update(book.zone)
    yield running
    running.stop()


def ask(servers: DnsServers, name: str, qtype: str, tcp: bool = False) -> DNSRecord:
    packet = DNSRecord.question(name, qtype).send("127.0.0.1", servers.port, tcp=tcp,
                                                  timeout=5)
    return DNSRecord.parse(packet)


def dig(servers: DnsServers, *args: str) -> str:
    return subprocess.run(["dig", "@127.0.0.1", "-p", str(servers.port), "+short", *args],
                          capture_output=True, text=True, check=True, timeout=20).stdout


@pytest.mark.parametrize("tcp", [False, True])
def test_a_records_over_udp_and_tcp(servers: DnsServers, tcp: bool) -> None:
    reply = ask(servers, "web.dromos.mesos", "A", tcp)
    assert reply.header.rcode == RCODE.NOERROR and reply.header.aa
    assert [str(rr.rdata) for rr in reply.rr] == ["127.0.0.1"]
    assert reply.rr[0].ttl == 3


def test_srv_answers_carry_ports_and_the_targets_addresses(servers: DnsServers) -> None:
    reply = ask(servers, "_web._tcp.dromos.mesos", "SRV")
    assert sorted(rr.rdata.port for rr in reply.rr) == [31000, 31001]
    assert {str(rr.rname) for rr in reply.ar} == {str(rr.rdata.target) for rr in reply.rr}


def test_unknown_names_are_nxdomain_with_the_soa(servers: DnsServers) -> None:
    reply = ask(servers, "nothing.dromos.mesos", "A")
    assert reply.header.rcode == RCODE.NXDOMAIN
    assert QTYPE[reply.auth[0].rtype] == "SOA"
    assert ask(servers, "web.dromos.mesos", "SRV").header.rcode == RCODE.NOERROR


def test_dig_reads_a_srv_and_nxdomain(servers: DnsServers) -> None:
    assert dig(servers, "web.service.mesos", "A").split() == ["127.0.0.1"]
    assert "31000" in dig(servers, "+tcp", "_web._tcp.dromos.mesos", "SRV")
    full = subprocess.run(["dig", "@127.0.0.1", "-p", str(servers.port), "gone.dromos.mesos"],
                          capture_output=True, text=True, timeout=20).stdout
    assert "status: NXDOMAIN" in full
