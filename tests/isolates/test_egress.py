"""The egress policy (isolates/egress.py). No test here sends traffic anywhere: resolvers are injected, and the
decision is made before any connection exists."""

from __future__ import annotations

import ipaddress

import pytest

from edgeworker.isolates.egress import EgressBlocked, EgressPolicy, GuardedBackend, blocked_reason, parse_ip


def resolving(*answers: list[str]) -> tuple[EgressPolicy, list[str]]:
    """A policy whose resolver gives the next answer on each call (a rebinding DNS server gives two)."""
    calls: list[str] = []
    pending = list(answers)

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return pending.pop(0) if len(pending) > 1 else pending[0]

    return EgressPolicy(resolver=resolver), calls


BLOCKED = [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "169.254.169.254",  # cloud metadata
    "169.254.0.1",
    "fe80::1",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.254",
    "fc00::1",
    "fd12:3456::1",
    "0.0.0.0",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "224.0.0.1",
    "255.255.255.255",
]
ALLOWED = ["93.184.216.34", "1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", BLOCKED)
async def test_blocked_addresses(address: str) -> None:
    policy, _ = resolving([address])
    with pytest.raises(EgressBlocked, match="cannot connect to example.test"):
        await policy.resolve("example.test", 443)
    with pytest.raises(EgressBlocked):
        await policy.resolve(address, 443)  # the address as a literal host


@pytest.mark.parametrize("address", ALLOWED)
async def test_public_addresses(address: str) -> None:
    policy, _ = resolving([address])
    assert await policy.resolve("example.test", 443) == [str(ipaddress.ip_address(address))]


@pytest.mark.parametrize(
    "spelling",
    [
        "2130706433",
        "0177.0.0.1",
        "0x7f.1",
        "0x7f000001",
        "127.1",
        "0177.1",
        "017700000001",
        "[::ffff:7f00:1]",
        "127.0.0.1.",
    ],
)
def test_numeric_spellings_of_loopback(spelling: str) -> None:
    assert parse_ip(spelling) is not None
    with pytest.raises(EgressBlocked, match="loopback"):
        EgressPolicy().check_url(f"http://{spelling}/")


def test_numeric_spellings_parse_like_inet_aton() -> None:
    assert str(parse_ip("2130706433")) == "127.0.0.1"
    assert str(parse_ip("0x7f.1")) == "127.0.0.1"
    assert str(parse_ip("0xa9.0xfe.0xa9.0xfe")) == "169.254.169.254"
    assert str(parse_ip("2852039166")) == "169.254.169.254"
    assert parse_ip("example.com") is None
    assert parse_ip("1.2.3.4.5") is None
    assert parse_ip("256.1.1.1") is None
    assert parse_ip("08.1.1.1") is None  # not octal


def test_schemes_and_mail_ports() -> None:
    policy = EgressPolicy()
    for url in ["ftp://example.com/", "file:///etc/passwd", "gopher://example.com/", "ws://example.com/"]:
        with pytest.raises(EgressBlocked, match="scheme"):
            policy.check_url(url)
    for port in (25, 465, 587):
        with pytest.raises(EgressBlocked, match="mail ports"):
            policy.check_url(f"http://example.com:{port}/")
    policy.check_url("https://example.com:8443/")  # no DNS needed to pass this part


async def test_one_bad_answer_blocks_the_host() -> None:
    policy, _ = resolving(["93.184.216.34", "10.0.0.5"])
    with pytest.raises(EgressBlocked, match="10.0.0.5"):
        await policy.resolve("mixed.example", 80)


async def test_dns_rebinding_is_checked_on_every_connection() -> None:
    """First answer public, second private: the second connection is refused."""
    policy, calls = resolving(["93.184.216.34"], ["127.0.0.1"])
    assert await policy.resolve("rebind.example", 80) == ["93.184.216.34"]
    with pytest.raises(EgressBlocked, match="loopback"):
        await policy.resolve("rebind.example", 80)
    assert calls == ["rebind.example", "rebind.example"]


async def test_backend_connects_only_to_the_checked_address() -> None:
    """GuardedBackend resolves once and hands the inner backend the checked IP, never the name."""
    policy, calls = resolving(["93.184.216.34"], ["169.254.169.254"])
    connected: list[tuple[str, int]] = []

    class Recorder:
        async def connect_tcp(self, host: str, port: int, **kwargs: object) -> object:
            connected.append((host, port))
            return object()

    backend = GuardedBackend(policy, Recorder())
    await backend.connect_tcp("rebind.example", 443)
    with pytest.raises(EgressBlocked, match="link-local"):
        await backend.connect_tcp("rebind.example", 443)
    assert connected == [("93.184.216.34", 443)]
    assert calls == ["rebind.example", "rebind.example"]


async def test_allow_list_hosts_and_networks() -> None:
    async def loopback(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    policy = EgressPolicy.from_allow_list(["127.0.0.0/8", "internal.test", " "], resolver=loopback)
    assert await policy.resolve("anything.example", 80) == ["127.0.0.1"]
    assert await policy.resolve("127.0.0.1", 8080) == ["127.0.0.1"]
    with pytest.raises(EgressBlocked):
        await policy.resolve("10.0.0.1", 80)
    by_name = EgressPolicy.from_allow_list(["Internal.Test"], resolver=loopback)
    assert await by_name.resolve("internal.test", 80) == ["127.0.0.1"]
    with pytest.raises(EgressBlocked):
        await by_name.resolve("other.test", 80)
    with pytest.raises(EgressBlocked, match="scheme"):
        by_name.check_url("ftp://internal.test/")


def test_from_env() -> None:
    policy = EgressPolicy.from_env({"EDGEWORKER_ALLOW_EGRESS": "127.0.0.1, ::1,upstream.local"})
    assert policy.allow_hosts == frozenset({"upstream.local"})
    assert [str(n) for n in policy.allow_networks] == ["127.0.0.1/32", "::1/128"]
    assert EgressPolicy.from_env({}).allow_networks == ()


def test_blocked_reason_names_the_range() -> None:
    assert blocked_reason(ipaddress.ip_address("169.254.169.254")) == "a link-local address"
    assert blocked_reason(ipaddress.ip_address("100.64.0.1")) == "a carrier-grade NAT address"
    assert blocked_reason(ipaddress.ip_address("::ffff:192.168.0.1")) == "a private (RFC 1918) address"
    assert blocked_reason(ipaddress.ip_address("8.8.8.8")) is None


def test_the_nodes_admin_api_is_denied_whatever_the_allow_list_says() -> None:
    policy = EgressPolicy.from_env(
        {"EDGEWORKER_ALLOW_EGRESS": "127.0.0.0/8,10.0.0.0/8", "EDGEWORKER_DENY_EGRESS": "127.0.0.1:8788"}
    )
    with pytest.raises(EgressBlocked, match="admin API"):
        policy.check_url("http://127.0.0.1:8788/api/workers")
    with pytest.raises(EgressBlocked, match="admin API"):
        policy.check_url("http://127.0.0.2:8788/")  # any loopback spelling of it
    policy.check_url("http://127.0.0.1:8787/")  # the data plane stays reachable when allowed
    policy.check_url("http://10.1.2.3:8788/")  # another machine's 8788 is not the node's


def test_an_admin_api_on_every_interface_is_denied_on_this_machines_addresses() -> None:
    policy = EgressPolicy.from_env({"EDGEWORKER_ALLOW_EGRESS": "0.0.0.0/0", "EDGEWORKER_DENY_EGRESS": "0.0.0.0:8788"})
    with pytest.raises(EgressBlocked, match="admin API"):
        policy.check_url("http://127.0.0.1:8788/")
    policy.check_url("http://93.184.216.34:8788/")  # a public address is not this machine
