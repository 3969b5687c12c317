"""A node: the store, the live versions, the isolate pool, and the two HTTP servers around them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import uvicorn
from prometheus_client import CollectorRegistry, generate_latest

from edgeworker.isolates.pool import (
    HostCrashed,
    HostStartFailed,
    IsolatePool,
    Overloaded,
    PoolSettings,
    Quarantined,
    ScriptFailed,
)
from edgeworker.isolates.types import WorkerResponse
from edgeworker.limits.metrics import PrometheusObserver
from edgeworker.limits.outcome import Outcome
from edgeworker.limits.settings import LimitError, WorkerLimits, check_within
from edgeworker.server.app import new_request_id
from edgeworker.server.config import NodeSettings
from edgeworker.server.modules import ModuleError, check_modules, encode_source
from edgeworker.server.protocol import DataPlaneProtocol
from edgeworker.server.routing import Registry, Route, RouteError, valid_name
from edgeworker.server.store import SqliteStore, Version

if TYPE_CHECKING:
    from edgeworker.server.cluster import Cluster

log = logging.getLogger("edgeworker")
console_log = logging.getLogger("edgeworker.console")

MAX_FETCH_DEPTH = 16
NAME_RULE = "worker names are 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit"


class DeployError(Exception):
    """A deploy or admin call that cannot be done; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def load_admin_token(data_dir: Path) -> tuple[str, Path | None]:
    """``$EDGEWORKER_ADMIN_TOKEN``, else ``<data>/admin-token`` (made on first start, mode 0600)."""
    token = os.environ.get("EDGEWORKER_ADMIN_TOKEN", "").strip()
    if token:
        return token, None
    path = data_dir / "admin-token"
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token, path
    token = secrets.token_hex(32)  # hex: a token starting with "-" would read as a flag to the CLI
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return token, path


def _check_name(name: str) -> None:
    if not valid_name(name):
        raise DeployError(400, f"invalid worker name {name!r}: {NAME_RULE}")


def _string_map(data: Any, field: str, values_must_be_strings: bool) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DeployError(400, f"field '{field}' must be an object of names to values")
    for key, value in data.items():
        if not key or not isinstance(key, str):
            raise DeployError(400, f"field '{field}' has an empty name")
        if values_must_be_strings and not isinstance(value, str):
            raise DeployError(400, f"{field}.{key} must be a string, not {type(value).__name__}")
    return dict(data)


class Node:
    def __init__(self, settings: NodeSettings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = SqliteStore(settings.data_dir / "edgeworker.db")
        self.admin_token, self.token_path = load_admin_token(settings.data_dir)
        self.registry = Registry()
        self.registry.catch_all = settings.dev_worker
        self.metrics_registry = CollectorRegistry()
        self.pool = IsolatePool(
            PoolSettings(
                isolate_hosts=settings.isolate_hosts,
                max_isolates_per_worker=settings.max_isolates_per_worker,
                max_isolates=settings.max_isolates,
                warm_spares=settings.warm_spares,
                idle_timeout_s=settings.idle_timeout_s,
                queue_timeout_s=settings.queue_timeout_s,
                spare_memory_mb=settings.limits.memory_mb,
                startup_cpu_ms=settings.node_limits.startup_cpu_ms,
                host_memory_mb=settings.node_limits.host_memory_mb,
                allow_egress=settings.allow_egress,
            )
        )
        self.observer = PrometheusObserver(self.metrics_registry, self.pool.isolate_states, self.pool.heap_by_worker)
        self.pool.observer = self.observer
        self.pool.local_fetch = self.local_fetch
        self.cf_properties: dict[str, Any] = {"colo": "local"}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.cluster: Cluster | None = None  # the node's other processes, when it runs several (primary only)

    async def start(self) -> None:
        await self.pool.start()
        for record in self.store.list_workers():
            live = self.store.live_version(record.name)
            if live is not None:
                self._go_live(live)

    async def close(self) -> None:
        await self.pool.close()
        self.store.close()

    def healthy(self) -> bool:
        """At least one isolate host runs and passed its start-up check."""
        hosts = self.pool.hosts
        return any(h.alive and h.ready is not None and h.ready.done() and h.ready.exception() is None for h in hosts)

    # -- logs ------------------------------------------------------------------------------------------------

    def log_worker(self, worker: str, version: int, request_id: str, result: WorkerResponse, phase: str = "") -> None:
        where = f"{worker}@{version} {request_id}" + (f" {phase}" if phase else "")
        for level, text in result.logs:
            if self.settings.log_console:
                print(f"[{where}] {level}: {text}", file=sys.stdout, flush=True)
            else:
                console_log.info("[%s] console.%s: %s", where, level, text)
        if result.outcome is Outcome.OK:
            return
        if result.error:
            stack = result.error.get("stack") or f"{result.error.get('name')}: {result.error.get('message')}"
            log.error("[%s] %s: %s", where, result.outcome.value, stack)
        else:
            log.error("[%s] %s", where, result.outcome.value)

    # -- deploys ---------------------------------------------------------------------------------------------

    def _limits(self, data: Any) -> WorkerLimits:
        try:
            limits = WorkerLimits.from_mapping(data, self.settings.limits)
            check_within(limits, self.settings.max_limits)
        except LimitError as exc:
            raise DeployError(400, str(exc)) from None
        return limits

    def _check_env(self, vars: dict[str, Any], secrets: dict[str, str]) -> None:
        node = self.settings.node_limits
        names = set(vars) | set(secrets)
        if len(names) > node.env_vars:
            raise DeployError(400, f"{len(names)} vars and secrets is more than the limit of {node.env_vars}")
        for field, values in (("vars", vars), ("secrets", secrets)):
            for key, value in values.items():
                size = len(value.encode() if isinstance(value, str) else json.dumps(value).encode())
                if size > node.env_var_kb * 1024:
                    raise DeployError(
                        400, f"{field}.{key} is {size} bytes, more than the limit of {node.env_var_kb} KB per value"
                    )

    def _routes(self, name: str, routes: Any) -> list[str]:
        if not isinstance(routes, list) or not all(isinstance(r, str) for r in routes):
            raise DeployError(400, "field 'routes' must be a list of patterns such as 'example.com/api/*'")
        try:
            parsed = [Route.parse(r, name) for r in routes]
        except RouteError as exc:
            raise DeployError(400, str(exc)) from None
        for other in self.registry.names():
            if other == name:
                continue
            live = self.store.live_version(other)
            theirs = {Route.parse(r, other).pattern.strip().lower() for r in (live.routes if live else [])}
            for route in parsed:
                if route.pattern.strip().lower() in theirs:
                    raise DeployError(409, f"route {route.pattern!r} already belongs to worker {other!r}")
        return [r.pattern for r in parsed]

    async def deploy_request(self, name: str, data: dict[str, Any]) -> Version:
        """Validate an admin PUT body and deploy it."""
        _check_name(name)
        unknown = sorted(set(data) - {"script", "modules", "main", "vars", "secrets", "routes", "limits"})
        if unknown:
            raise DeployError(
                400, f"unknown field {unknown[0]!r}; known: script, modules, main, vars, secrets, routes, limits"
            )
        if ("script" in data) == ("modules" in data):
            raise DeployError(400, "give the worker as either 'script' or 'modules' (with 'main'), not both or neither")
        script = data.get("script")
        if "modules" not in data and "main" in data:
            raise DeployError(400, "field 'main' goes with 'modules'")
        if "modules" in data and not isinstance(data["modules"], dict):
            raise DeployError(400, "field 'modules' must be an object of module names to {type, content}")
        if "script" in data and (not isinstance(script, str) or not script.strip()):
            raise DeployError(400, "field 'script' must be the worker's JavaScript source as a non-empty string")
        return await self.deploy(
            name,
            script if isinstance(script, str) else "",
            vars=_string_map(data.get("vars"), "vars", values_must_be_strings=False),
            secrets=_string_map(data.get("secrets"), "secrets", values_must_be_strings=True),
            routes=data.get("routes"),
            limits=data.get("limits"),
            modules=data.get("modules"),
            main=data.get("main"),
        )

    async def deploy(
        self,
        name: str,
        script: str,
        *,
        vars: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        routes: Any = None,  # as a client sent them: checked here (_routes)
        limits: Any = None,
        modules: Any = None,
        main: Any = None,
    ) -> Version:
        """Check a script in a throwaway isolate, store it as a new version and make it live atomically.

        With ``modules`` (name → {type, content | content_b64}) and ``main``, the worker is those modules, linked
        into one script (``script`` is unused; the version's ``source`` keeps the modules, see server/modules.py).
        Secrets not given carry over from the live version (as ``wrangler secret put`` keeps them); so do
        routes when none are given."""
        _check_name(name)
        script_mb = self.settings.node_limits.script_mb
        if modules is not None:
            try:
                modules, main = check_modules(modules, main, script_mb * 1024 * 1024)
            except ModuleError as exc:
                raise DeployError(400, str(exc)) from None
            script = encode_source(modules, main)
        elif len(script.encode()) > script_mb * 1024 * 1024:
            raise DeployError(400, f"script is larger than the limit of {script_mb} MB")
        worker_limits = self._limits(limits)
        async with self._locks[name]:
            previous = self.store.live_version(name)
            merged_secrets = {**(previous.secrets if previous else {}), **(secrets or {})}
            self._check_env(vars or {}, merged_secrets)
            route_list = self._routes(name, routes if routes is not None else (previous.routes if previous else []))
            env = {"vars": vars or {}, "secrets": merged_secrets}
            try:
                checked = await self.pool.check(
                    script, env, worker_limits.memory_mb, f"{name}@check", modules=modules, main=main
                )
            except ScriptFailed as failed:  # (not exc: mypyc gives one name one type)
                if failed.info.message.startswith("script startup exceeded"):
                    self.observer.limit_exceeded(name, "startup")
                raise DeployError(400, f"script error: {failed.info}", script_error=failed.info.to_dict()) from None
            version = self.store.add_version(
                Version(
                    worker=name,
                    version=0,
                    created_at=0.0,
                    source=script,
                    format=checked["format"],
                    code=checked["code"],
                    line1_offset=int(checked["line1"]),
                    vars=vars or {},
                    secrets=merged_secrets,
                    routes=route_list,
                    limits=worker_limits,
                )
            )
            self._go_live(version)
            await self._changed(name)
            log.info("deployed %s version %d (%s)", name, version.version, version.format)
            return version

    def _go_live(self, version: Version) -> None:
        self.registry.set_live(version.script(), version.routes)
        self.pool.retire(version.worker, version.version)

    async def _changed(self, name: str) -> None:
        """Every process of the node serves the new state of ``name`` before the admin call answers."""
        if self.cluster is not None:
            await self.cluster.changed(name)

    def refresh(self, name: str) -> None:
        """Serve what the store says is live for ``name`` now (another process of the node changed it)."""
        live = self.store.live_version(name)
        if live is None:
            self.registry.remove(name)
            self.pool.retire(name, None)
        else:
            self._go_live(live)

    async def metrics_text(self) -> bytes:
        """The Prometheus exposition: with several processes, every process's counts added up."""
        if self.cluster is None:
            return generate_latest(self.metrics_registry)
        from edgeworker.server.cluster import samples, sum_samples

        return sum_samples([*samples(self.metrics_registry), *await self.cluster.metric_samples()])

    def _live_or_404(self, name: str) -> Version:
        _check_name(name)
        live = self.store.live_version(name)
        if live is None:
            raise DeployError(404, f"no worker named {name!r}")
        return live

    async def change_secret(self, name: str, key: str, value: str | None) -> Version:
        """A new version with one secret set (or removed); the script and everything else stay."""
        async with self._locks[name]:
            live = self._live_or_404(name)
            secrets_now = dict(live.secrets)
            if value is None:
                if key not in secrets_now:
                    raise DeployError(404, f"worker {name!r} has no secret named {key!r}")
                del secrets_now[key]
            else:
                if not key:
                    raise DeployError(400, "a secret needs a name")
                secrets_now[key] = value
                self._check_env(live.vars, secrets_now)
            version = self.store.add_version(
                Version(
                    worker=name,
                    version=0,
                    created_at=0.0,
                    source=live.source,
                    format=live.format,
                    code=live.code,
                    line1_offset=live.line1_offset,
                    vars=live.vars,
                    secrets=secrets_now,
                    routes=live.routes,
                    limits=live.limits,
                )
            )
            self._go_live(version)
            await self._changed(name)
            return version

    async def rollback(self, name: str, number: Any) -> Version:
        async with self._locks[name]:
            live = self._live_or_404(name)
            if number is None:
                older = [v for v in self.store.list_versions(name) if v.version < live.version]
                if not older:
                    raise DeployError(400, f"worker {name!r} has no version before {live.version} to roll back to")
                target = older[-1]
            else:
                if isinstance(number, bool) or not isinstance(number, int):
                    raise DeployError(400, "field 'version' must be a version number")
                found = self.store.get_version(name, number)
                if found is None:
                    raise DeployError(404, f"worker {name!r} has no version {number}")
                target = found
            self.store.set_live(name, target.version)
            self._go_live(target)
            await self._changed(name)
            log.info("rolled %s back to version %d", name, target.version)
            return target

    async def delete(self, name: str) -> None:
        async with self._locks[name]:
            self._live_or_404(name)
            self.store.delete_worker(name)
            self.registry.remove(name)
            self.pool.retire(name, None)
            await self._changed(name)
            log.info("deleted %s", name)

    # -- fetch() between workers of this node ------------------------------------------------------------------

    async def local_fetch(self, req: dict[str, Any], body: bytes, depth: int) -> tuple[dict[str, Any], bytes]:
        """A worker's fetch() to a URL that an explicit route of this node claims, or to ``NAME.localhost``, is
        answered by that worker through the dispatcher, with no network hop; ``{"local": False}`` otherwise.
        Workers fetching each other in a loop stop at a depth of MAX_FETCH_DEPTH."""
        if self.registry.catch_all is not None:  # dev: one worker answers every host, so nothing is "ours"
            return {"local": False}, b""
        url = urlsplit(req["url"])
        host = (url.hostname or "").lower()
        script = self.registry.match_route(host, url.path or "/")
        if script is None and host.endswith(".localhost"):
            script = self.registry.get(host.split(".", 1)[0])
        if script is None:
            return {"local": False}, b""
        if depth > MAX_FETCH_DEPTH:
            return {
                "local": True,
                "error": f"Subrequest depth limit of {MAX_FETCH_DEPTH} exceeded (a fetch loop?)",
            }, b""
        request_id = new_request_id()
        meta = {
            "method": req["method"],
            "url": req["url"],
            "headers": [(k, v) for k, v in req["headers"]],
            "rid": request_id,
            "cf": self.cf_properties,
            "depth": depth,
        }

        def finished(done: WorkerResponse) -> None:
            self.log_worker(script.name, script.version, request_id, done, phase="waitUntil")

        try:
            result = await self.pool.fetch(script, meta, body, finished)
        except (Quarantined, Overloaded, HostCrashed, ScriptFailed) as exc:
            return {"local": True, "status": 503, "statusText": "", "headers": [["content-type", "text/plain"]]}, (
                f"{type(exc).__name__}: {exc}\n".encode()
            )
        self.log_worker(script.name, script.version, request_id, result)
        if result.outcome is not Outcome.OK:
            status = 503 if result.outcome.is_limit else 500
            return {"local": True, "status": status, "statusText": "", "headers": []}, result.outcome.value.encode()
        out = result.body
        if result.stream is not None:
            parts = [out]
            while True:
                item = await result.stream.get()
                if isinstance(item, bytes):
                    parts.append(item)
                    continue
                if isinstance(item, Exception) or item.get("outcome", "ok") != "ok":
                    return {"local": True, "error": "the worker's response body stream failed"}, b""
                break
            out = b"".join(parts)
        headers = [[k, v] for k, v in result.headers]
        return {"local": True, "status": result.status, "statusText": "", "headers": headers}, out

    # -- descriptions ----------------------------------------------------------------------------------------

    def deploy_answer(self, version: Version) -> dict[str, Any]:
        return {"name": version.worker, "version": version.version, "format": version.format, "routes": version.routes}

    def describe_all(self) -> list[dict[str, Any]]:
        out = []
        for record in self.store.list_workers():
            live = self.store.live_version(record.name)
            out.append(
                {
                    "name": record.name,
                    "version": record.live_version,
                    "routes": live.routes if live else [],
                    "updated_at": record.updated_at,
                }
            )
        return out

    def describe(self, name: str) -> dict[str, Any]:
        live = self._live_or_404(name)
        return {
            "name": name,
            "version": live.version,
            "format": live.format,
            "routes": live.routes,
            "vars": live.vars,
            "secrets": sorted(live.secrets),
            "limits": live.limits.to_dict(),
            "updated_at": live.created_at,
            "quarantined": (name, live.version) in self.pool.quarantined,
        }

    def versions(self, name: str) -> list[dict[str, Any]]:
        live = self._live_or_404(name)
        return [
            {"version": v.version, "created_at": v.created_at, "live": v.version == live.version, "format": v.format}
            for v in self.store.list_versions(name)
        ]

    def secret_names(self, name: str) -> list[str]:
        return sorted(self._live_or_404(name).secrets)

    async def deploy_folder(self, folder: Path) -> None:
        """Deploy every ``*.js`` in a folder as a worker named after the file, unless that source is live."""
        for path in sorted(folder.glob("*.js")):
            name = path.stem.lower()
            if not valid_name(name):
                log.warning("not deploying %s: %s", path, NAME_RULE)
                continue
            source = path.read_text(encoding="utf-8")
            live = self.store.live_version(name)
            if live is not None and live.source == source:
                continue
            try:
                await self.deploy(name, source)
            except DeployError as exc:
                log.error("could not deploy %s: %s", path, exc.message)


# -- running a node ------------------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal handling: the node runs two and stops both itself."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: Any, settings: NodeSettings, data_plane: bool = False) -> _Server:
    """A data plane's or the admin API's uvicorn server."""
    config = uvicorn.Config(
        app,
        http=DataPlaneProtocol if data_plane else "auto",
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
        server_header=False,
        # the node sees the socket's peer: X-Forwarded-For from a client is not trusted
        proxy_headers=False,
    )
    return _Server(config)


def _adopter(server: _Server) -> Callable[[socket.socket, bytes], None]:
    """Takes a client connection another front process passed on (and the bytes of its request) into ``server``,
    the primary's data plane, as if it had accepted it (server/cluster.py)."""
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def protocol() -> DataPlaneProtocol:
        return DataPlaneProtocol(config=server.config, server_state=server.server_state, app_state={})

    async def take(sock: socket.socket, data: bytes) -> None:
        try:
            _, adopted = await loop.connect_accepted_socket(protocol, sock=sock)
        except OSError:
            sock.close()
            return
        adopted.data_received(data)

    def adopt(sock: socket.socket, data: bytes) -> None:
        task = loop.create_task(take(sock, data))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return adopt


def _bind(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:  # one socket per front process on one port: the kernel spreads the connections over them
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


async def serve_node(
    settings: NodeSettings, dev_script: Path | None = None, dev_env: dict[str, Any] | None = None
) -> int:
    from edgeworker.server.admin import build_admin_app
    from edgeworker.server.app import build_app
    from edgeworker.server.cluster import Cluster, settings_for

    several = settings.processes > 1 and dev_script is None
    data_sock = _bind(settings.host, settings.port, reuse_port=several)
    admin_sock = _bind(settings.admin_host, settings.admin_port) if dev_script is None else None
    node = Node(settings_for(settings, 0))
    deny_egress = ""
    if admin_sock is not None:  # workers' fetch() may never reach the admin API, whatever --allow-egress says
        admin_host, admin_port = admin_sock.getsockname()[:2]
        deny_egress = f"[{admin_host}]:{admin_port}" if ":" in admin_host else f"{admin_host}:{admin_port}"
        node.pool.deny_egress = deny_egress
    cluster: Cluster | None = None
    if several:
        cluster = Cluster(node, settings, data_sock, deny_egress)
        node.cluster = cluster
        node.pool.node_wide = cluster
    await node.start()
    if node.token_path is not None:
        log.info("admin token in %s", node.token_path)
    servers: list[_Server] = []
    tasks: list[asyncio.Task[None]] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        if settings.deploy_dir is not None:
            await node.deploy_folder(settings.deploy_dir)
        if cluster is not None:
            await cluster.start()
            log.info("%d processes serve the data plane", settings.processes)
        watcher: asyncio.Task[None] | None = None
        if dev_script is not None:
            watcher = loop.create_task(_watch_dev(node, dev_script, dev_env or {}))
        pairs: list[tuple[Any, socket.socket, str]] = [(build_app(node), data_sock, "data plane")]
        if admin_sock is not None:
            pairs.append((build_admin_app(node), admin_sock, "admin API"))
        for app, sock, what in pairs:
            server = http_server(app, settings, data_plane=what == "data plane")
            servers.append(server)
            tasks.append(loop.create_task(server.serve(sockets=[sock])))
            log.info("%s on %s", what, _url(sock))
            if cluster is not None and what == "data plane":
                cluster.adopting(_adopter(server))
        print(f"edgeworker: ready; data plane on {_url(data_sock)}", file=sys.stderr, flush=True)
        done_waiter = loop.create_task(stop.wait())
        await asyncio.wait([done_waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        log.info("shutting down: letting requests in flight finish (at most %.0fs)", settings.shutdown_timeout_s)
        for server in servers:
            server.should_exit = True
        stopping = [*tasks] + ([loop.create_task(cluster.stop())] if cluster is not None else [])
        await asyncio.gather(*stopping, return_exceptions=True)
        if watcher is not None:
            watcher.cancel()
    finally:
        if cluster is not None:
            await cluster.stop()
        await node.close()
        data_sock.close()
        if admin_sock is not None:
            admin_sock.close()
    log.info("stopped")
    return 0


async def _watch_dev(node: Node, script: Path, env: dict[str, Any]) -> None:
    """``edgeworker dev``: deploy the file, then again whenever it changes."""
    last: float | None = None
    while True:
        try:
            mtime = script.stat().st_mtime
        except OSError:
            mtime = None
        if mtime is not None and mtime != last:
            last = mtime
            try:
                source = script.read_text(encoding="utf-8")
                version = await node.deploy(
                    "dev", source, vars=env.get("vars"), secrets=env.get("secrets"), limits=env.get("limits")
                )
                print(f"edgeworker dev: serving {script} (version {version.version})", file=sys.stderr, flush=True)
            except (DeployError, OSError, UnicodeDecodeError) as exc:
                print(f"edgeworker dev: {script}: {getattr(exc, 'message', exc)}", file=sys.stderr, flush=True)
        await asyncio.sleep(0.3)


def _run(coro: Any) -> int:
    try:
        import uvloop

        return int(uvloop.run(coro))
    except ImportError:
        return int(asyncio.run(coro))


def run_node(settings: NodeSettings) -> int:
    _configure_logging()
    try:
        return _run(serve_node(settings))
    except (OSError, HostStartFailed) as exc:
        print(f"edgeworker: error: {exc}", file=sys.stderr)
        return 1


def run_dev(
    script: Path,
    *,
    settings: NodeSettings,
    vars: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> int:
    """Serve one script for every host and path, redeploying it when it changes; console output to stdout."""
    _configure_logging()
    logging.getLogger("edgeworker").setLevel(logging.WARNING)
    from dataclasses import replace

    dev_settings = replace(settings, dev_worker="dev", log_console=True, warm_spares=min(settings.warm_spares, 1))
    env = {"vars": vars or {}, "secrets": secrets or {}, "limits": settings.limits.to_dict()}
    try:
        return _run(serve_node(dev_settings, dev_script=script, dev_env=env))
    except (OSError, HostStartFailed) as exc:
        print(f"edgeworker: error: {exc}", file=sys.stderr)
        return 1
