"""The DNS server over a `Zone`, on UDP and TCP, answers built by dnslib.

Authoritative for its origin: a name it does not hold is NXDOMAIN with the SOA in the
authority section, a name it holds with no record of the asked type is NOERROR with
no answer. SRV answers carry the targets' A records in the additional section.
"""

from __future__ import annotations

import random
import time
from typing import Any

from dnslib import QTYPE, RCODE, RR, SOA, SRV, A, DNSRecord
from dnslib.server import BaseResolver, DNSServer

from discovery.dns_records import Zone
from discovery.shutdown import stop_together


class _QuietLogger:
    """dnslib logs every request to stdout otherwise."""

    def __getattr__(self, _name: str) -> Any:
        return lambda *args: None


class ZoneResolver(BaseResolver):
    def __init__(self, zone: Zone, ttl: int) -> None:
        self.zone = zone
        self.ttl = ttl
        self.serial = int(time.time())

    def update(self, zone: Zone) -> None:
        self.zone = zone  # one reference swap: readers see the old zone or the new one
        self.serial += 1

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        zone = self.zone
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        if name != zone.origin and not name.endswith("." + zone.origin):
            reply.header.rcode = RCODE.REFUSED
            return reply
        if qtype in ("A", "ANY"):
            for ip in _shuffled(zone.a.get(name, ())):
                reply.add_answer(RR(name, QTYPE.A, rdata=A(ip), ttl=self.ttl))
        if qtype in ("SRV", "ANY"):
            for record in _shuffled(zone.srv.get(name, ())):
                reply.add_answer(RR(name, QTYPE.SRV, ttl=self.ttl,
                                    rdata=SRV(0, 1, record.port, record.target)))
                for ip in zone.a.get(record.target, ()):
                    reply.add_ar(RR(record.target, QTYPE.A, rdata=A(ip), ttl=self.ttl))
        if not reply.rr:
            if not zone.has(name):
                reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(RR(zone.origin, QTYPE.SOA, ttl=self.ttl, rdata=SOA(
                f"ns1.{zone.origin}", f"root.ns1.{zone.origin}",
                (self.serial, 60, 600, 86400, self.ttl))))
        return reply


def _shuffled(records: tuple[Any, ...]) -> list[Any]:
    # As Mesos-DNS does: clients that take the first answer spread over the instances.
    return random.sample(records, len(records))


class DnsServers:
    """The UDP and the TCP server on one port."""

    def __init__(self, resolver: ZoneResolver, host: str, port: int, tries: int = 20) -> None:
        """`port` 0 picks one free for both UDP and TCP."""
        self.resolver = resolver
        for attempt in range(1, tries + 1):
            self.udp = DNSServer(resolver, address=host, port=port, logger=_QuietLogger())
            bound = self.udp.server.server_address[1]
            try:
                self.tcp = DNSServer(resolver, address=host, port=bound, tcp=True,
                                     logger=_QuietLogger())
                break
            except OSError:
                self.udp.server.server_close()
                if port or attempt == tries:
                    raise  # the UDP port's TCP twin is taken
        self.port = bound

    def start(self) -> None:
        self.udp.start_thread()
        self.tcp.start_thread()

    def stop(self) -> None:
        stop_together(self.udp.stop, self.tcp.stop)
        self.udp.server.server_close()
        self.tcp.server.server_close()
