"""Which worker serves a request: the live versions and the route table.

Explicit routes come first (``example.com/api/*``, ``*.example.com/*``; the longest pattern that matches wins),
then the first label of the Host header as a worker name (``hello.localhost:8787`` → ``hello``).
Swapping a worker's live version replaces one dict entry: a request already holding the old
:class:`WorkerScript` finishes on it, new ones get the new one.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from edgeworker.isolates.types import WorkerScript

NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_ROUTE_RE = re.compile(r"^(\*?[A-Za-z0-9.\-]*|\*)(/[^\s]*)?$")


class RouteError(ValueError):
    pass


def valid_name(name: str) -> bool:
    return NAME_RE.fullmatch(name) is not None


@dataclass(frozen=True)
class Route:
    pattern: str
    worker: str
    host: str  # lower-case; may start with "*"
    path: str  # may end with "*"

    @classmethod
    def parse(cls, pattern: str, worker: str) -> Route:
        if not isinstance(pattern, str) or not pattern.strip():
            raise RouteError(f"route {pattern!r} must be a non-empty string such as 'example.com/api/*'")
        text = pattern.strip()
        for scheme in ("https://", "http://"):
            if text.lower().startswith(scheme):
                text = text[len(scheme) :]
        host, slash, path = text.partition("/")
        path = "/" + path if slash else "/*"
        if not host or not _ROUTE_RE.match(host + path) or "*" in host[1:] or "*" in path[:-1]:
            raise RouteError(
                f"route {pattern!r} is not a pattern such as 'example.com/api/*' or '*.example.com/*' "
                "(a '*' may only start the host or end the path)"
            )
        return cls(pattern, worker, host.lower(), path)

    def matches(self, host: str, path: str) -> bool:
        if self.host.startswith("*"):
            # "*.example.com" is every subdomain; "*example.com" also the apex (as on Cloudflare)
            if not host.endswith(self.host[1:]):
                return False
        elif host != self.host:
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    @property
    def specificity(self) -> tuple[int, int]:
        return (len(self.pattern), 0 if "*" in self.pattern else 1)


def _strip_port(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


@functools.lru_cache(maxsize=4096)
def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class Registry:
    """The live version of every worker, and the routes they claim."""

    def __init__(self) -> None:
        self._live: dict[str, WorkerScript] = {}
        self._routes: dict[str, list[Route]] = {}
        self._table: list[Route] = []
        self.catch_all: str | None = None  # dev mode: one worker for every host and path

    def set_live(self, script: WorkerScript, routes: list[str]) -> None:
        parsed = [Route.parse(p, script.name) for p in routes]
        self._live[script.name] = script
        self._routes[script.name] = parsed
        self._rebuild()

    def remove(self, name: str) -> None:
        self._live.pop(name, None)
        self._routes.pop(name, None)
        self._rebuild()

    def _rebuild(self) -> None:
        table = [r for routes in self._routes.values() for r in routes]
        table.sort(key=lambda r: r.specificity, reverse=True)
        self._table = table

    def get(self, name: str) -> WorkerScript | None:
        return self._live.get(name)

    def names(self) -> list[str]:
        return sorted(self._live)

    def match_route(self, host: str, path: str) -> WorkerScript | None:
        """The worker an explicit route gives this host (no port) and path, if any."""
        for route in self._table:
            if route.matches(host, path):
                return self._live.get(route.worker)
        return None

    def match(self, host_header: str, path: str) -> WorkerScript | None:
        if self.catch_all is not None:
            return self._live.get(self.catch_all)
        host = _strip_port(host_header)
        routed = self.match_route(host, path)
        if routed is not None:
            return routed
        if "." in host and not _is_ip(host):
            label = host.split(".", 1)[0]
            return self._live.get(label)
        return None
