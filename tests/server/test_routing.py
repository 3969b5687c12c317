from __future__ import annotations

import pytest

from edgeworker.isolates.types import WorkerScript
from edgeworker.limits.settings import WorkerLimits
from edgeworker.server.routing import Registry, Route, RouteError, valid_name


def script(name: str, version: int = 1) -> WorkerScript:
    return WorkerScript(name, version, "modules", "", 0, {}, WorkerLimits())


@pytest.mark.parametrize("name", ["a", "hello", "my-worker-2", "0abc", "a" * 63])
def test_valid_names(name: str) -> None:
    assert valid_name(name)


@pytest.mark.parametrize("name", ["", "-a", "Hello", "a_b", "a.b", "a" * 64, "é", "a b", "../x"])
def test_invalid_names(name: str) -> None:
    assert not valid_name(name)


def test_explicit_route_beats_host_label() -> None:
    reg = Registry()
    reg.set_live(script("api"), ["hello.localhost/api/*"])
    reg.set_live(script("hello"), [])
    assert reg.match("hello.localhost:8787", "/api/users").name == "api"  # type: ignore[union-attr]
    assert reg.match("hello.localhost:8787", "/other").name == "hello"  # type: ignore[union-attr]


def test_longest_route_wins() -> None:
    reg = Registry()
    reg.set_live(script("short"), ["example.com/*"])
    reg.set_live(script("long"), ["example.com/api/v1/*"])
    reg.set_live(script("wild"), ["*.example.com/*"])
    assert reg.match("example.com", "/api/v1/x").name == "long"  # type: ignore[union-attr]
    assert reg.match("example.com", "/api/v2").name == "short"  # type: ignore[union-attr]
    assert reg.match("a.example.com", "/").name == "wild"  # type: ignore[union-attr]
    assert reg.match("example.org", "/") is None


def test_exact_path_route() -> None:
    reg = Registry()
    reg.set_live(script("exact"), ["example.com/health"])
    assert reg.match("example.com", "/health").name == "exact"  # type: ignore[union-attr]
    assert reg.match("example.com", "/health/x") is None


def test_host_label_needs_a_dotted_name_not_an_ip() -> None:
    reg = Registry()
    reg.set_live(script("127"), [])
    reg.set_live(script("localhost"), [])
    assert reg.match("127.0.0.1:8787", "/") is None
    assert reg.match("localhost:8787", "/") is None
    assert reg.match("LOCALHOST.example", "/").name == "localhost"  # type: ignore[union-attr]


def test_swap_replaces_the_live_version_and_routes() -> None:
    reg = Registry()
    reg.set_live(script("w", 1), ["a.com/*"])
    held = reg.match("a.com", "/")
    reg.set_live(script("w", 2), ["b.com/*"])
    assert held is not None and held.version == 1  # a request in flight keeps what it had
    assert reg.match("a.com", "/") is None
    assert reg.match("b.com", "/").version == 2  # type: ignore[union-attr]
    reg.remove("w")
    assert reg.match("b.com", "/") is None


def test_catch_all_serves_every_host() -> None:
    reg = Registry()
    reg.set_live(script("dev"), [])
    reg.catch_all = "dev"
    assert reg.match("anything:1", "/x").name == "dev"  # type: ignore[union-attr]


@pytest.mark.parametrize("pattern", ["", "   ", "exa*mple.com/*", "example.com/a*b", "example .com/*"])
def test_bad_route_patterns(pattern: str) -> None:
    with pytest.raises(RouteError):
        Route.parse(pattern, "w")


def test_route_with_scheme_and_no_path() -> None:
    route = Route.parse("https://Example.com", "w")
    assert route.host == "example.com" and route.path == "/*"
