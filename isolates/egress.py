"""The egress policy of outbound ``fetch()``: which addresses a worker may reach.

On by default. A request is refused when its scheme is not http(s), its port is a mail port, or any address its
host resolves to is loopback, link-local (incl. cloud metadata), private (RFC 1918), CGNAT, unique-local,
unspecified, multicast/reserved, or an IPv4-mapped/-compatible/NAT64/6to4 form of one of those. Numeric host
spellings (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are parsed the way the WHATWG URL parser and
``inet_aton`` do, so they cannot slip past as "hostnames".

The check runs where the connection is made (``GuardedBackend.connect_tcp``): the host is resolved once, every
address is checked, and the socket connects to a checked address while TLS still uses the original hostname for SNI
and certificate checks. A DNS answer that changes between two connections (rebinding) is checked again.

An operator allow-list (``EDGEWORKER_ALLOW_EGRESS``: comma-separated hostnames or CIDR networks / IPs) lifts the
address rules for those hosts or networks (never the scheme rule); tests use it to reach upstreams on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import ipaddress
import os
import socket
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port → the addresses to try, in order
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOW_ENV = "EDGEWORKER_ALLOW_EGRESS"
MAIL_PORTS = frozenset({25, 465, 587})
SCHEMES = frozenset({"http", "https"})

_net = ipaddress.ip_network
BLOCKED_NETWORKS: tuple[tuple[IPNetwork, str], ...] = (
    (_net("0.0.0.0/8"), "an unspecified address"),
    (_net("10.0.0.0/8"), "a private (RFC 1918) address"),
    (_net("100.64.0.0/10"), "a carrier-grade NAT address"),
    (_net("127.0.0.0/8"), "a loopback address"),
    (_net("169.254.0.0/16"), "a link-local address"),
    (_net("172.16.0.0/12"), "a private (RFC 1918) address"),
    (_net("192.0.0.0/24"), "a reserved address"),
    (_net("192.0.2.0/24"), "a documentation address"),
    (_net("192.168.0.0/16"), "a private (RFC 1918) address"),
    (_net("198.18.0.0/15"), "a benchmarking address"),
    (_net("198.51.100.0/24"), "a documentation address"),
    (_net("203.0.113.0/24"), "a documentation address"),
    (_net("224.0.0.0/4"), "a multicast address"),
    (_net("240.0.0.0/4"), "a reserved address"),
    (_net("::/128"), "an unspecified address"),
    (_net("::1/128"), "a loopback address"),
    (_net("fc00::/7"), "a unique-local address"),
    (_net("fe80::/10"), "a link-local address"),
    (_net("fec0::/10"), "a site-local address"),
    (_net("ff00::/8"), "a multicast address"),
    (_net("2001:db8::/32"), "a documentation address"),
    (_net("100::/64"), "a discard-only address"),
)


class EgressBlocked(Exception):
    """The policy refused a request; the message says why (it becomes the TypeError's message in JS)."""


def parse_ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """A host in any numeric IPv4 spelling (WHATWG URL "IPv4 parser", as inet_aton): 2130706433, 0x7f.1, 0177.0.0.1."""
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not parts or len(parts) > 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if part == "":
            return None
        try:
            if part[:2].lower() == "0x":
                n = int(part[2:], 16) if part[2:] else 0
            elif len(part) > 1 and part[0] == "0":
                n = int(part[1:], 8)
            else:
                if not part.isdigit():
                    return None
                n = int(part, 10)
        except ValueError:
            return None
        numbers.append(n)
    last = numbers.pop()
    if any(n > 255 for n in numbers) or last >= 256 ** (4 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(numbers):
        value += n * 256 ** (3 - i)
    return ipaddress.IPv4Address(value)


def parse_ip(host: str) -> IPAddress | None:
    """An IP literal (IPv6 with or without brackets, any IPv4 spelling), else None for a hostname."""
    h = host.strip()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if ":" in h:
        try:
            return ipaddress.IPv6Address(h.split("%", 1)[0])
        except ValueError:
            return None
    return parse_ipv4_number(h)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4 forms."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    packed = ip.packed
    if packed[:12] == bytes(12) and int(ip) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        return ipaddress.IPv4Address(packed[12:])
    if packed[:12] == bytes.fromhex("0064ff9b0000000000000000"):
        return ipaddress.IPv4Address(packed[12:])
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why an address may not be reached, or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(inner)
            if reason is not None:
                return reason
    for network, reason in BLOCKED_NETWORKS:
        if ip.version == network.version and ip in network:
            return reason
    return None


def _parse_allow(entries: Iterable[str]) -> tuple[frozenset[str], tuple[IPNetwork, ...]]:
    hosts: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            hosts.add(entry.rstrip("."))
    return frozenset(hosts), tuple(networks)


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        addr = str(sockaddr[0])
        if addr not in seen:
            seen.append(addr)
    return seen


DENY_ENV = "EDGEWORKER_DENY_EGRESS"


@functools.cache
def _local_addresses() -> frozenset[str]:
    """This machine's own addresses (Linux: the LOCAL entries of /proc/net/fib_trie, and hostname lookups)."""
    found: set[str] = set()
    try:
        with open("/proc/net/fib_trie") as f:
            lines = f.read().splitlines()
        for before, line in zip(lines, lines[1:], strict=False):
            if "/32 host LOCAL" in line:
                found.add(before.strip().split()[-1])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(str(info[4][0]))
    except OSError:
        pass
    return frozenset(found)


@dataclass(frozen=True)
class EgressPolicy:
    """What outbound fetch() may reach. ``enabled=False`` turns every address rule off (scheme rule stays)."""

    allow_hosts: frozenset[str] = frozenset()
    allow_networks: tuple[IPNetwork, ...] = ()
    # (address, port) of the node's own admin API, which no allow-list opens; address None: any of this machine's
    deny: tuple[tuple[IPAddress | None, int], ...] = ()
    enabled: bool = True
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_allow_list(cls, entries: Iterable[str], *, resolver: Resolver = system_resolver) -> EgressPolicy:
        hosts, networks = _parse_allow(entries)
        return cls(allow_hosts=hosts, allow_networks=networks, resolver=resolver)

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None) -> EgressPolicy:
        env = os.environ if environ is None else environ
        policy = cls.from_allow_list(env.get(ALLOW_ENV, "").split(","))
        deny: list[tuple[IPAddress | None, int]] = []
        for entry in env.get(DENY_ENV, "").split(","):
            host, _, port = entry.strip().rpartition(":")
            if not port.isdigit():
                continue
            ip = parse_ip(host.strip("[]"))
            deny.append((None if ip is None or ip.is_unspecified else ip, int(port)))
        return dataclasses.replace(policy, deny=tuple(deny))

    def _denied(self, ip: IPAddress, port: int) -> bool:
        for address, denied_port in self.deny:
            if port != denied_port:
                continue
            if address is None:
                if ip.is_loopback or ip.is_unspecified or str(ip) in _local_addresses():
                    return True
            elif ip == address or (address.is_loopback and ip.is_loopback):
                return True
        return False

    def _host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".").strip("[]") in self.allow_hosts

    def _ip_allowed(self, ip: IPAddress) -> bool:
        return any(ip.version == n.version and ip in n for n in self.allow_networks)

    def check_url(self, url: str) -> None:
        """The checks that need no DNS: scheme, port, literal addresses. Raises EgressBlocked."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            raise EgressBlocked(f"Fetch API cannot load {url}: scheme {scheme!r} is not allowed (only http and https)")
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise EgressBlocked(f"Fetch API cannot load {url}: invalid port") from None
        self.check_target(host, port)

    def check_target(self, host: str, port: int) -> None:
        if not host:
            raise EgressBlocked("Fetch API cannot load a URL without a host")
        literal = parse_ip(host)
        if literal is not None and self._denied(literal, port):
            raise EgressBlocked(f"Fetch API cannot connect to {host}:{port}: it is this node's admin API")
        if port in MAIL_PORTS and not self._host_allowed(host):
            raise EgressBlocked(f"Fetch API cannot connect to port {port}: mail ports are blocked")
        ip = parse_ip(host)
        if ip is not None:
            self.check_address(host, ip)

    def check_address(self, host: str, ip: IPAddress) -> None:
        if not self.enabled or self._host_allowed(host) or self._ip_allowed(ip):
            return
        reason = blocked_reason(ip)
        if reason is not None:
            raise EgressBlocked(f"Fetch API cannot connect to {host}: it resolves to {ip}, {reason}")

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolves a host for a connection and checks every address; returns the addresses to connect to."""
        self.check_target(host, port)
        literal = parse_ip(host)
        if literal is not None:
            return [str(literal)]
        try:
            answers = await self.resolver(host, port)
        except OSError as e:
            raise EgressBlocked(f"Fetch API cannot resolve {host}: {e.strerror or e}") from None
        if not answers:
            raise EgressBlocked(f"Fetch API cannot resolve {host}")
        addresses: list[str] = []
        for answer in answers:
            ip = parse_ip(answer)
            if ip is None:
                raise EgressBlocked(f"Fetch API cannot connect to {host}: the resolver answered {answer!r}")
            if self._denied(ip, port):
                raise EgressBlocked(f"Fetch API cannot connect to {host}:{port}: it is this node's admin API")
            self.check_address(host, ip)  # one bad answer blocks the host: no picking the good one
            addresses.append(str(ip))
        return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks and connects to a checked address (no second lookup)."""

    def __init__(self, policy: EgressPolicy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.policy.resolve(host, port)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                error = e
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressBlocked("Fetch API cannot connect to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
