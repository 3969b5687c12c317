"""The node's side of the isolate hosts: supervision, the isolate pool, and dispatch of one request.

Isolates live in child processes (``host.py``). This module starts them, restarts one within a second when it
dies, and keeps the pool: per worker version, idle isolates are reused; spare isolates with the runtime already
loaded are kept warm on the hosts; idle ones are dropped after a timeout; caps hold per worker and per node.
One request runs in an isolate at a time. A worker whose requests keep killing hosts is quarantined until
its next deploy.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import sys
import time
import zlib
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from edgeworker.isolates import _ipc
from edgeworker.isolates.types import ScriptErrorInfo, WorkerResponse, WorkerScript
from edgeworker.limits.metrics import NullObserver, Observer
from edgeworker.limits.outcome import Outcome

# How an isolate host process starts (then --fd N): not ``-m edgeworker.isolates.host``, since a module mypyc
# compiled (setup.py) has no code object for -m to run.
HOST_COMMAND = ("-c", "from edgeworker.isolates.host import main; main()")

log = logging.getLogger("edgeworker.pool")

# A host gets this long beyond a request's own wall limit before the node kills it as hung.
HOST_GRACE_S = 5.0
SWEEP_S = 0.5  # how often calls to a host are checked against their deadlines
# Host deaths within QUARANTINE_WINDOW_S with a worker's request in them before that worker is quarantined.
QUARANTINE_STRIKES = 3
QUARANTINE_WINDOW_S = 300.0
# A worker whose request hit the CPU limit runs at the lowest scheduling priority for this long afterwards.
CPU_PENALTY_S = 30.0
# How long a request waits for an isolate of its worker that has answered and is settling, before making another.
FINISHING_WAIT_S = 0.05
PENALTY_NICE = 19
# fetch() between workers of the node goes at most 16 deep; nested requests may exceed a worker's isolate cap by
# that much, so a worker calling itself cannot wait forever for an isolate its own callers hold
NESTED_EXTRA = 16
# A worker's home host takes its new isolates until this many of the home's isolates are busy.
SPILL_BUSY = 4
STARTUP_WALL_S = 5.0
HOST_READY_S = 60.0  # how long the node waits at start for its isolate hosts' self-test
REFILL_DELAY_S = 0.1  # a spare that was taken is replaced this long after
HOME_WAIT_S = 5.0  # how long a new isolate waits for its worker's home host to be replaced after a crash


class HostCrashed(Exception):
    """The isolate host died (or hung and was killed) while it held this request."""


class HostStartFailed(Exception):
    """No isolate host could start (each exited before it was ready): the node cannot run workers."""


class Overloaded(Exception):
    """No isolate of this worker became free within the queue timeout."""


class Quarantined(Exception):
    def __init__(self, worker: str) -> None:
        super().__init__(
            f"worker {worker!r} is quarantined: its requests killed the isolate host {QUARANTINE_STRIKES} times; "
            "deploy a new version to lift it"
        )


class ScriptFailed(Exception):
    """A script did not compile, or its top level threw, in an isolate."""

    def __init__(self, info: ScriptErrorInfo) -> None:
        super().__init__(str(info))
        self.info = info


@dataclass(frozen=True)
class PoolSettings:
    isolate_hosts: int = 2
    max_isolates_per_worker: int = 32
    max_isolates: int = 256
    warm_spares: int = 2
    idle_timeout_s: float = 300.0
    queue_timeout_s: float = 10.0
    spare_memory_mb: int = 128
    startup_cpu_ms: int = 400
    host_memory_mb: int | None = None
    allow_egress: tuple[str, ...] = ()


class NodeWide(Protocol):
    """What the node's processes share when it runs several (server/cluster.py): each worker's isolate cap counts
    across them, and crash strikes add up to one quarantine. A single-process node has none of this."""

    def take(self, worker: str, cap: int, have: int) -> asyncio.Future[bool]:
        """A slot for one more isolate of ``worker`` under ``cap`` node-wide (``have``: how many this process holds):
        True once granted, False if refused. Cancelling the future gives the slot back (or withdraws the ask)."""
        ...

    def give(self, worker: str) -> None:
        """An isolate of ``worker`` is gone: its slot is free."""
        ...

    def strike(self, worker: str, version: int) -> None:
        """An isolate host died with a request of this version in it."""
        ...


@dataclass(eq=False)
class Isolate:
    id: int
    host: HostProcess
    memory_mb: int
    key: tuple[str, int] | None = None  # None: a warm spare
    busy: bool = False
    gone: bool = False  # its host closed it
    heap_bytes: int = 0  # V8 heap in use, as last reported by its host
    last_used: float = field(default_factory=time.monotonic)


class HostProcess:
    """One isolate host child process and the socket to it."""

    def __init__(
        self,
        index: int,
        on_exit: Callable[[HostProcess, int | None], None],
        on_gone: Callable[[Isolate, str], None],
        memory_mb: int | None = None,
        allow_egress: tuple[str, ...] = (),
        on_subfetch: Callable[[HostProcess, dict[str, Any], bytes], None] = lambda host, header, body: None,
        deny_egress: str = "",
    ) -> None:
        self.index = index
        self._on_subfetch = on_subfetch
        self._memory_mb = memory_mb
        self._allow_egress = allow_egress
        self._deny_egress = deny_egress
        self._on_exit = on_exit
        self._on_gone = on_gone
        self._proc: asyncio.subprocess.Process | None = None
        self._channel: _ipc.FrameProtocol | None = None
        self.ready: asyncio.Future[None] | None = None  # done once the host said "ready" (its V8 self-test passed)
        self._pending: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}
        self._deadlines: dict[int, tuple[float, float]] = {}  # mid → (loop time it must be answered by, timeout)
        self._sweep_timer: asyncio.TimerHandle | None = None
        self._finish: dict[int, Callable[[dict[str, Any]], None]] = {}
        self._early_fin: dict[int, dict[str, Any]] = {}
        # streamed response bodies in flight: chunks (bytes), then the "end" header (dict), or HostCrashed
        self._streams: dict[int, asyncio.Queue[bytes | dict[str, Any] | Exception]] = {}
        self._claimed: set[int] = set()
        self._ended: set[int] = set()
        self._mids = itertools.count(1)
        self._reader_task: asyncio.Task[None] | None = None
        self.alive = False
        # it asked to be replaced (an isolate's thread would not stop): no new work; it exits after its requests
        self.retiring = False
        self.isolates: set[Isolate] = set()
        # workers with something in flight here (for quarantine), counted per message
        self.in_flight: dict[str, int] = defaultdict(int)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self) -> None:
        parent, child = socket.socketpair()
        try:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *HOST_COMMAND,
                "--fd",
                str(child.fileno()),
                pass_fds=(child.fileno(),),
                env={
                    **os.environ,
                    "EDGEWORKER_HOST_MEMORY_MB": str(self._memory_mb or ""),
                    "EDGEWORKER_ALLOW_EGRESS": ",".join(self._allow_egress),
                    "EDGEWORKER_DENY_EGRESS": self._deny_egress,
                },
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C for the node is the node's to handle
            )
        finally:
            child.close()
        self.ready = asyncio.get_running_loop().create_future()
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())  # a restarted host's is not awaited
        self._channel = await _ipc.connect(parent, self._frame, self._lost)
        self.alive = True

    def _lost(self, exc: Exception | None) -> None:
        """The socket to the host closed (once): it died, or we closed it (then _died has nothing to do)."""
        self._reader_task = asyncio.get_running_loop().create_task(self._died())

    def _frame(self, header: dict[str, Any], body: bytes) -> None:
        mid = header.get("mid", 0)
        kind = header.get("t")
        if kind == "ready":
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
        elif kind == "fin":
            done = self._finish.pop(mid, None)
            if done is not None:
                done(header)
            else:  # it came before the caller of the request's "res" had run again
                self._early_fin[mid] = header
        elif kind == "subfetch":
            self._on_subfetch(self, header, body)
        elif kind == "chunk":
            self.stream_queue(mid).put_nowait(body)
        elif kind == "end":
            self.stream_queue(mid).put_nowait(header)
            if mid in self._claimed:  # its reader has it; otherwise take_stream() will
                self._claimed.discard(mid)
                self._streams.pop(mid, None)
            else:
                self._ended.add(mid)
        elif kind == "retiring":
            self.retiring = True
            self._on_exit(self, None)
        elif kind == "gone":  # the host closed an isolate on its own (JS ran outside a request)
            for iso in list(self.isolates):
                if iso.id == header.get("iso"):
                    self._on_gone(iso, header.get("outcome", "error"))
        else:
            fut = self._pending.pop(mid, None)
            if fut is not None and not fut.done():
                fut.set_result((header, body))

    async def _died(self) -> None:
        if not self.alive:
            return
        self.alive = False
        code: int | None = None
        if self._proc is not None:
            if self._proc.returncode is None:
                try:
                    self._proc.kill()
                except ProcessLookupError:
                    pass
            code = await self._proc.wait()
        if self._channel is not None:
            self._channel.close()
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(HostStartFailed(f"isolate host {self.pid} exited with code {code} at start"))
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(HostCrashed(f"isolate host {self.pid} exited with {code}"))
        self._pending.clear()
        for queue in self._streams.values():
            queue.put_nowait(HostCrashed(f"isolate host {self.pid} exited with {code} while streaming"))
        self._streams.clear()
        finish = list(self._finish.values())
        self._finish.clear()
        for done in finish:
            done({"outcome": Outcome.HOST_CRASHED.value, "condemned": True, "logs": []})
        self._on_exit(self, code)

    def kill(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            try:
                self._proc.kill()
            except ProcessLookupError:
                pass

    async def call(
        self,
        header: dict[str, Any],
        body: bytes = b"",
        *,
        timeout: float | None = None,
        worker: str | None = None,
        upload: AsyncIterator[bytes] | None = None,
    ) -> tuple[dict[str, Any], bytes]:
        """Send one message and wait for its answer. ``upload``: the rest of a request body, still arriving from
        the client, sent behind the message in "body" frames while the worker runs."""
        if not self.alive or self._channel is None:
            raise HostCrashed("isolate host is not running")
        mid = next(self._mids)
        header["mid"] = mid
        fut: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        self._pending[mid] = fut
        if worker is not None:
            self.in_flight[worker] += 1
        pump: asyncio.Task[None] | None = None
        try:
            self._channel.send(header, body)
            if upload is not None:
                pump = asyncio.get_running_loop().create_task(self._pump_upload(mid, upload))
            if timeout is not None:
                # one sweep for all the calls in flight, rather than a timer each (a timer is ~2 µs a request)
                self._deadlines[mid] = (asyncio.get_running_loop().time() + timeout, timeout)
                if self._sweep_timer is None:
                    self._sweep_timer = asyncio.get_running_loop().call_later(SWEEP_S, self._sweep)
            return await fut
        finally:
            self._deadlines.pop(mid, None)
            self._pending.pop(mid, None)
            if pump is not None and not pump.done():  # the worker answered without reading all of it: keep reading
                pump.add_done_callback(lambda t: t.cancelled() or t.exception())
            if worker is not None:
                self.in_flight[worker] -= 1
                if not self.in_flight[worker]:
                    del self.in_flight[worker]

    def _sweep(self) -> None:
        """Every SWEEP_S while calls are in flight: a call past its deadline means the host hung."""
        self._sweep_timer = None
        now = asyncio.get_running_loop().time()
        for mid, (deadline, timeout) in list(self._deadlines.items()):
            fut = self._pending.get(mid)
            if now >= deadline and fut is not None:
                self._hung(fut, timeout)
        if self._deadlines:
            self._sweep_timer = asyncio.get_running_loop().call_later(SWEEP_S, self._sweep)

    def _hung(self, fut: asyncio.Future[tuple[dict[str, Any], bytes]], timeout: float) -> None:
        if fut.done():
            return
        log.error("isolate host %s did not answer within %.1fs; killing it", self.pid, timeout)
        self.kill()
        fut.set_exception(HostCrashed(f"isolate host {self.pid} hung and was killed"))

    async def _pump_upload(self, mid: int, upload: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in upload:
                self.send({"t": "body", "mid": mid}, chunk)
        except Exception as exc:  # the client went away, or the body is over the size limit
            self.send({"t": "body", "mid": mid, "error": str(exc) or type(exc).__name__})
        else:
            self.send({"t": "body", "mid": mid, "end": True})

    def stream_queue(self, mid: int) -> asyncio.Queue[bytes | dict[str, Any] | Exception]:
        queue = self._streams.get(mid)
        if queue is None:
            queue = self._streams[mid] = asyncio.Queue()
        return queue

    def take_stream(self, mid: int) -> asyncio.Queue[bytes | dict[str, Any] | Exception]:
        """The queue of a streamed body, for its one reader: its chunks may all have come (and its end) before
        the reader got here, or still be coming."""
        queue = self.stream_queue(mid)
        if mid in self._ended:
            self._ended.discard(mid)
            self._streams.pop(mid, None)
        else:
            self._claimed.add(mid)
        return queue

    def on_finish(self, mid: int, callback: Callable[[dict[str, Any]], None]) -> None:
        early = self._early_fin.pop(mid, None)
        if early is not None:
            callback(early)
        else:
            self._finish[mid] = callback

    def send(self, header: dict[str, Any], body: bytes = b"") -> None:
        if self.alive and self._channel is not None:
            self._channel.send(header, body)

    async def close(self, timeout: float = 5.0) -> None:
        self.alive = False
        if self._channel is not None:
            self._channel.close()
        if self._proc is not None and self._proc.returncode is None:
            try:
                await asyncio.wait_for(self._proc.wait(), timeout)
            except TimeoutError:
                self.kill()
                await self._proc.wait()
        if self._reader_task is not None:
            self._reader_task.cancel()


class IsolatePool:
    def __init__(self, settings: PoolSettings, observer: Observer | None = None) -> None:
        self.settings = settings
        self.observer: Observer = observer or NullObserver()
        self.hosts: list[HostProcess] = []
        self._ids = itertools.count(1)
        self._idle: dict[tuple[str, int], deque[Isolate]] = defaultdict(deque)
        self._spares: deque[Isolate] = deque()
        self._spares_coming = 0  # spares being made (counted so that refills do not overshoot warm_spares)
        self._per_worker: dict[str, int] = defaultdict(int)
        self._total = 0
        self._waiters: dict[str, deque[asyncio.Future[None]]] = defaultdict(deque)
        self._strikes: dict[tuple[str, int], list[float]] = defaultdict(list)
        self.quarantined: set[tuple[str, int]] = set()
        # set when the node runs several processes: caps per worker and strikes count across them
        self.node_wide: NodeWide | None = None
        self._shed: set[str] = set()  # workers another process waits to have an isolate of (see shed())
        self._live: dict[str, int] = {}  # worker -> live version; isolates of other versions are not reused
        self._cpu_exceeded_at: dict[str, float] = {}
        self._finishing: dict[tuple[str, int], int] = {}  # isolates that answered and are settling, per version
        self._background: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._reaper: asyncio.Task[None] | None = None
        # "host:port" of the node's own admin API, which workers' fetch() may never reach (set by the node)
        self.deny_egress = ""
        # set by the node: runs a worker's fetch() on a worker of this node; (answer header, body)
        self.local_fetch: Callable[[dict[str, Any], bytes, int], Awaitable[tuple[dict[str, Any], bytes]]] | None = None

    # -- life cycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the isolate hosts and wait until they are ready; raises HostStartFailed if none could start."""
        self.hosts = [self._new_host(i) for i in range(self.settings.isolate_hosts)]
        await asyncio.gather(*(h.start() for h in self.hosts))
        waits = [h.ready for h in self.hosts if h.ready is not None]
        outcomes = await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), HOST_READY_S)
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        if len(failed) == len(outcomes):
            raise HostStartFailed(
                f"no isolate host could start (see the message above); {failed[0] if failed else 'none configured'}"
            )
        self._fill_spares()
        self._reaper = asyncio.get_running_loop().create_task(self._reap())

    async def close(self) -> None:
        self._closing = True
        if self._reaper is not None:
            self._reaper.cancel()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*(h.close() for h in self.hosts), return_exceptions=True)

    def _new_host(self, index: int) -> HostProcess:
        return HostProcess(
            index,
            self._host_exited,
            self._isolate_gone,
            self.settings.host_memory_mb,
            self.settings.allow_egress,
            self._subfetch,
            self.deny_egress,
        )

    def _subfetch(self, host: HostProcess, header: dict[str, Any], body: bytes) -> None:
        """A worker's fetch() asks whether its URL is served by a worker of this node (see ``local_fetch``)."""

        async def answer() -> None:
            reply: dict[str, Any]
            out = b""
            if self.local_fetch is None:
                reply = {"local": False}
            else:
                try:
                    reply, out = await self.local_fetch(header["req"], body, int(header.get("depth", 1)))
                except Exception as exc:  # never leave the worker's fetch() waiting
                    log.exception("same-node fetch failed")
                    reply = {"local": True, "error": f"internal error: {type(exc).__name__}"}
            host.send({"t": "subres", "sid": header.get("sid"), **reply}, out)

        self._spawn(answer())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _host_exited(self, host: HostProcess, code: int | None) -> None:
        """A host died (or, with ``host.retiring``, asked to be replaced): its slot gets a new host at once."""
        if self._closing:
            return
        if host.retiring:
            if host.alive:  # it said it is retiring: replace it now, let its requests in flight finish
                log.error("isolate host %s (slot %d) is retiring; starting a new one", host.pid, host.index)
                for iso in list(host.isolates):
                    if not iso.busy:
                        self._forget(iso, "host_retired")
                self._spawn(self._restart(host))
            else:  # and now it is gone
                for iso in list(host.isolates):
                    self._forget(iso, "host_retired")
            return
        if code == _ipc.EXIT_SELF_TEST:
            log.critical(
                "isolate host %s (slot %d) found that the installed mini-racer does not work as edgeworker needs "
                "(see its message above); it is not restarted. Install the mini-racer version pyproject.toml names.",
                host.pid,
                host.index,
            )
            for iso in list(host.isolates):
                self._forget(iso, "host_crashed")
            return
        log.error("isolate host %s (slot %d) exited with code %s; starting a new one", host.pid, host.index, code)
        self.observer.host_crashed(code)
        for iso in list(host.isolates):
            self._forget(iso, "host_crashed")
        for worker, version in list(self._suspects(host)):
            if self.node_wide is not None:
                self.node_wide.strike(worker, version)
            else:
                self.strike(worker, version)
        self._spawn(self._restart(host))

    def strike(self, worker: str, version: int) -> bool:
        """Count a host death against a version; True when that quarantines it (QUARANTINE_STRIKES within the
        window)."""
        now = time.monotonic()
        strikes = [t for t in self._strikes[(worker, version)] if now - t < QUARANTINE_WINDOW_S] + [now]
        self._strikes[(worker, version)] = strikes
        if len(strikes) < QUARANTINE_STRIKES or (worker, version) in self.quarantined:
            return False
        log.error("quarantining worker %s version %d: it killed %d isolate hosts", worker, version, len(strikes))
        self.quarantine(worker, version)
        self.observer.worker_quarantined(worker)
        return True

    def quarantine(self, worker: str, version: int) -> None:
        if self._live.get(worker, version) == version:  # a version replaced meanwhile is not held back
            self.quarantined.add((worker, version))
            self._wake_all()

    def shed(self, worker: str, idle_only: bool = False) -> None:
        """Another process of the node needs a slot of this worker, all of which are taken: one of our isolates of
        it goes, an idle one now, else (unless ``idle_only``: the asker has isolates of its own to wait for) the
        next to finish its request."""
        idle = self._idle.get((worker, self._live.get(worker, -1)))
        if idle:
            self._dispose(idle.popleft(), "shed")
        elif not idle_only:  # (with none yet, a slot granted to us may be on its way: its isolate goes after it)
            self._shed.add(worker)

    def _isolate_gone(self, iso: Isolate, reason: str) -> None:
        if iso.key is not None:
            log.warning("isolate of %s@%d was closed by its host: %s", iso.key[0], iso.key[1], reason)
        iso.gone = True
        if not iso.busy:  # a busy one goes when its request ends (see _release)
            self._forget(iso, reason)

    def _suspects(self, host: HostProcess) -> dict[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = {}
        for label, n in host.in_flight.items():
            name, _, version = label.rpartition("@")
            if version.isdigit():
                out[(name, int(version))] = n
        return out

    async def _restart(self, dead: HostProcess) -> None:
        fresh = self._new_host(dead.index)
        try:
            await fresh.start()
        except OSError:
            log.exception("could not start an isolate host; retrying in 1s")
            await asyncio.sleep(1)
            self._spawn(self._restart(dead))
            return
        self.hosts[dead.index] = fresh
        self._fill_spares()
        self._wake_all()

    # -- bookkeeping -----------------------------------------------------------------------------------------

    def _forget(self, iso: Isolate, reason: str) -> None:
        """Drop an isolate from the books (its host already lost it, or is told to dispose of it)."""
        iso.host.isolates.discard(iso)
        if iso.key is None:
            if iso in self._spares:
                self._spares.remove(iso)
            self._total -= 1
            return
        idle = self._idle.get(iso.key)
        if idle is not None and iso in idle:
            idle.remove(iso)
        self._per_worker[iso.key[0]] -= 1
        if not self._per_worker[iso.key[0]]:
            self._shed.discard(iso.key[0])
        self._total -= 1
        if self.node_wide is not None:
            self.node_wide.give(iso.key[0])
        self.observer.isolate_disposed(iso.key[0], reason)
        self._wake(iso.key[0])

    def _dispose(self, iso: Isolate, reason: str) -> None:
        self._forget(iso, reason)
        iso.host.send({"t": "dispose", "iso": iso.id})

    def _wake(self, worker: str) -> None:
        waiters = self._waiters.get(worker)
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return

    def _wake_all(self) -> None:
        for worker in list(self._waiters):
            self._wake(worker)

    def isolate_states(self) -> dict[tuple[str, str], int]:
        states: dict[tuple[str, str], int] = defaultdict(int)
        for host in self.hosts:
            for iso in host.isolates:
                if iso.key is None:
                    states[("", "spare")] += 1
                else:
                    states[(iso.key[0], "busy" if iso.busy else "idle")] += 1
        return dict(states)

    def heap_by_worker(self) -> dict[str, int]:
        heap: dict[str, int] = defaultdict(int)
        for host in self.hosts:
            for iso in host.isolates:
                if iso.key is not None:
                    heap[iso.key[0]] += iso.heap_bytes
        return dict(heap)

    def _live_host(self, worker: str | None = None) -> HostProcess:
        """Where a new isolate goes. A worker has a home host (by a hash of its name), so that what one worker
        does to its host — an allocation that aborts V8 — reaches only the workers that share that home, never
        the others; a busy home spills over to the least busy host. In a node of several front processes it does
        not: a busy worker's other isolates are in the other processes (server/cluster.py), and the first one's
        hosts stay with the workers whose home they are."""
        alive = [h for h in self.hosts if h.alive and not h.retiring]
        if not alive:
            raise HostCrashed("no isolate host is running")
        if worker is not None:
            home = self.hosts[zlib.crc32(worker.encode()) % len(self.hosts)]
            if home in alive and (self.node_wide is not None or sum(1 for i in home.isolates if i.busy) < SPILL_BUSY):
                return home
        return min(alive, key=lambda h: (sum(1 for i in h.isolates if i.busy), len(h.isolates)))

    def _fill_spares(self) -> None:
        if self._closing:
            return
        missing = self.settings.warm_spares - len(self._spares) - self._spares_coming
        for _ in range(max(0, min(missing, self.settings.max_isolates - self._total))):
            self._spawn(self._make_spare())

    async def _make_spare(self) -> None:
        self._spares_coming += 1
        try:
            await self._new_spare()
        finally:
            self._spares_coming -= 1

    async def _new_spare(self) -> None:
        alive = [h for h in self.hosts if h.alive and not h.retiring]
        if not alive:
            return
        # spread the spares over the hosts, so every worker's home host has one
        host = min(alive, key=lambda h: (sum(1 for i in h.isolates if i.key is None), len(h.isolates)))
        iso = Isolate(next(self._ids), host, self.settings.spare_memory_mb)
        self._total += 1
        host.isolates.add(iso)
        iso.busy = True
        try:
            header, _ = await host.call({"t": "spare", "iso": iso.id, "memory_mb": iso.memory_mb}, timeout=30)
        except HostCrashed:
            return  # _forget ran when the host went
        if header.get("t") != "ok" or not host.alive:
            log.error("could not make a spare isolate: %s", header.get("error"))
            self._forget(iso, "error")
            return
        iso.busy = False
        self._spares.append(iso)

    async def _reap(self) -> None:
        interval = max(0.05, min(1.0, self.settings.idle_timeout_s / 4))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for key, idle in list(self._idle.items()):
                for iso in list(idle):
                    if now - iso.last_used > self.settings.idle_timeout_s:
                        self._dispose(iso, "idle")
                if not idle:
                    self._idle.pop(key, None)
            self._fill_spares()

    # -- versions --------------------------------------------------------------------------------------------

    def retire(self, worker: str, live_version: int | None) -> None:
        """A new version went live (or the worker was deleted): old versions' idle isolates go now, busy ones
        after their request. Deploying also lifts a quarantine."""
        if live_version is None:
            self._live.pop(worker, None)
        else:
            self._live[worker] = live_version
        for key, idle in list(self._idle.items()):
            if key[0] == worker and key[1] != live_version:
                for iso in list(idle):
                    self._dispose(iso, "replaced")
                self._idle.pop(key, None)
        for key in [k for k in self.quarantined if k[0] == worker and k[1] != live_version]:
            self.quarantined.discard(key)

    # -- requests --------------------------------------------------------------------------------------------

    async def _acquire(self, script: WorkerScript, nested: bool = False) -> Isolate:
        deadline = time.monotonic() + self.settings.queue_timeout_s
        waited_for_finishing = False
        waited_for_home = False
        while True:
            if script.key in self.quarantined:
                raise Quarantined(script.name)
            idle = self._idle.get(script.key)
            while idle:
                iso = idle.pop()
                if iso.host.alive and not iso.host.retiring:
                    iso.busy = True
                    return iso
                self._forget(iso, "host_retired")
            if not waited_for_finishing and self._finishing.get(script.key, 0) > 0:
                # one of its isolates has answered and is just settling (see the host's "fin"): it is free in a
                # moment, far sooner than a new isolate would be ready
                waited_for_finishing = True
                fut_free: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters[script.name].append(fut_free)
                try:
                    await asyncio.wait_for(fut_free, FINISHING_WAIT_S)
                except TimeoutError:
                    pass
                continue
            # a worker that keeps hitting its CPU limit gets one isolate at a time, at the lowest priority
            cap = 1 if self._nice(script.name) else self.settings.max_isolates_per_worker
            if nested:  # a fetch() from a worker of this node, whose caller holds an isolate: never wait on ourselves
                cap += NESTED_EXTRA
            if self._per_worker[script.name] < cap:
                if not waited_for_home and not self._home_up(script.name):
                    waited_for_home = True
                    await self._wait_for_home(script.name)
                    continue  # look again: an isolate may be free by now, and the caps may have changed
                if self.node_wide is not None:
                    leased = await self._lease(script.name, cap, deadline)
                    if leased is None:
                        continue  # one of our own isolates of it came free meanwhile
                    if not leased:
                        raise self._overloaded(script.name)
                if self._total >= self.settings.max_isolates:
                    self.evict_lru()
                if self._total < self.settings.max_isolates or self._spares:
                    try:
                        host = self._live_host(script.name)
                    except HostCrashed:
                        if self.node_wide is not None:
                            self.node_wide.give(script.name)
                        raise
                    # from here on the isolate holds the slot: it is given back when the isolate is forgotten
                    return await self._start_isolate(script, host)
                if self.node_wide is not None:
                    self.node_wide.give(script.name)  # at our share of the node's cap after all
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._overloaded(script.name)
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters[script.name].append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass

    def _overloaded(self, worker: str) -> Overloaded:
        return Overloaded(f"no isolate of worker {worker!r} became free within {self.settings.queue_timeout_s:g}s")

    async def _lease(self, worker: str, cap: int, deadline: float) -> bool | None:
        """A node-wide slot for one more isolate of ``worker``: True, False (none within the queue timeout), or
        None when an isolate of ours came free first (the ask is withdrawn)."""
        assert self.node_wide is not None
        lease = self.node_wide.take(worker, cap, self._per_worker.get(worker, 0))
        freed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[worker].append(freed)
        try:
            await asyncio.wait((lease, freed), timeout=max(0.0, deadline - time.monotonic()),
                               return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            if not freed.done():
                freed.cancel()
        if freed.done() and not freed.cancelled():
            if not lease.done():
                lease.cancel()  # withdraws the ask
            elif not lease.cancelled() and lease.result():
                self.node_wide.give(worker)
            return None
        if lease.done():
            return lease.result()
        lease.cancel()
        return False

    def _lru_idle(self) -> deque[Isolate] | None:
        """The deque of idle isolates whose first went idle longest ago (each deque is in the order its isolates
        went idle: the oldest is on the left)."""
        return min((idle for idle in self._idle.values() if idle), key=lambda i: i[0].last_used, default=None)

    def oldest_idle(self) -> float | None:
        """When the least recently used idle isolate last finished a request (time.monotonic()), if there is one."""
        oldest = self._lru_idle()
        return None if oldest is None else oldest[0].last_used

    def evict_lru(self, than: float | None = None) -> bool:
        """Drop the least recently used idle isolate (if it went idle no later than ``than``): whether one went. At
        the node's cap (and, in a node of several processes, when the primary asks: server/cluster.py)."""
        oldest = self._lru_idle()
        if oldest is None or (than is not None and oldest[0].last_used > than):
            return False
        self._dispose(oldest.popleft(), "evicted")
        return True

    def _home_up(self, worker: str) -> bool:
        home = self.hosts[zlib.crc32(worker.encode()) % len(self.hosts)]
        return home.alive and not home.retiring

    async def _wait_for_home(self, worker: str) -> None:
        """Wait (a little) while a worker's home host is being replaced after a crash: the worker whose request
        killed it would otherwise take its next isolate to a neighbour's home, and kill that one too."""
        deadline = time.monotonic() + HOME_WAIT_S
        while not self._closing and time.monotonic() < deadline and not self._home_up(worker):
            await asyncio.sleep(0.02)

    async def _start_isolate(self, script: WorkerScript, host: HostProcess) -> Isolate:
        spare = next((s for s in self._spares if s.host is host), None)
        if spare is not None and not self._nice(script.name):  # a penalised worker pays for its own isolates
            iso = spare
            self._spares.remove(spare)
            self._spawn_refill()
        else:
            iso = Isolate(next(self._ids), host, script.limits.memory_mb)
            self._total += 1
            iso.host.isolates.add(iso)
        iso.key = script.key
        iso.busy = True
        iso.memory_mb = script.limits.memory_mb
        self._per_worker[script.name] += 1
        self.observer.isolate_created(script.name)
        msg = {
            "t": "load",
            "iso": iso.id,
            "memory_mb": iso.memory_mb,
            "code": script.code,
            "format": script.format,
            "line1": script.line1_offset,
            "env": script.env,
            "startup_cpu_ms": self.settings.startup_cpu_ms,
            "nice": self._nice(script.name),
            "worker": _label(script),  # isolates of one version may share a batch (isolates/host.py)
        }
        try:
            header, _ = await iso.host.call(msg, timeout=STARTUP_WALL_S + HOST_GRACE_S, worker=_label(script))
        except HostCrashed:
            raise
        except BaseException:
            self._dispose(iso, "error")
            raise
        if header.get("t") != "ok":
            self._forget(iso, "error")
            err = header.get("script_error")
            if err:
                raise ScriptFailed(
                    ScriptErrorInfo(err["name"], err["message"], err.get("line"), err.get("column"), err.get("module"))
                )
            raise HostCrashed(f"isolate host could not load the worker: {header.get('error')}")
        return iso

    def _spawn_refill(self) -> None:
        # A little later: making a spare (loading the runtime) is ~15-25 ms of CPU, which on a small machine would
        # compete with the very request that took the spare.
        asyncio.get_running_loop().call_later(REFILL_DELAY_S, self._refill)

    def _refill(self) -> None:
        if not self._closing and len(self._spares) + self._spares_coming < self.settings.warm_spares:
            self._spawn(self._make_spare())

    def _release(self, iso: Isolate, condemned: bool, reason: str) -> None:
        iso.busy = False
        iso.last_used = time.monotonic()
        if iso not in iso.host.isolates:
            return  # forgotten already (host died)
        if iso.gone:
            self._forget(iso, reason)
            return
        if iso.host.retiring:
            self._forget(iso, "host_retired")
            return
        if condemned or not iso.host.alive or iso.key is None:
            self._dispose(iso, reason)
            return
        if iso.key in self.quarantined:
            self._dispose(iso, "quarantined")
            return
        if self._live.get(iso.key[0]) != iso.key[1]:
            self._dispose(iso, "replaced")
            return
        if iso.key[0] in self._shed:
            self._shed.discard(iso.key[0])
            self._dispose(iso, "shed")
            return
        self._idle[iso.key].append(iso)
        self._wake(iso.key[0])

    async def fetch(
        self,
        script: WorkerScript,
        request: dict[str, Any],
        body: bytes,
        on_finish: Callable[[WorkerResponse], None],
        upload: AsyncIterator[bytes] | None = None,
    ) -> WorkerResponse:
        """Run one request. ``on_finish`` gets the outcome and logs of ``waitUntil`` work, if any was left (and only
        if there are logs, or the outcome is not ok).

        Raises Overloaded, Quarantined, ScriptFailed or HostCrashed when no isolate could run it."""
        wall_ms = script.limits.wall_ms
        label = _label(script)
        for attempt in range(2):
            iso = await self._acquire(script, nested=int(request.get("depth", 0)) > 0)
            msg = {
                "t": "fetch",
                "iso": iso.id,
                "wall_ms": wall_ms,
                "wait_until_ms": wall_ms,
                "cpu_ms": script.limits.cpu_ms,
                "subrequests": script.limits.subrequests,
                "nice": self._nice(script.name),
                "req": request,
            }
            host = iso.host
            try:
                if upload is not None:
                    msg["upload"] = True
                header, out = await host.call(
                    msg, body, timeout=wall_ms / 1000 + HOST_GRACE_S, worker=label, upload=upload
                )
            except HostCrashed:
                raise
            except BaseException:  # the client went away mid-request: the isolate may still be running it
                self._dispose(iso, "canceled")
                raise
            if header.get("t") == "res":
                break
            self._release(iso, True, "error")
            # The host had just closed that isolate on its own (its "gone" crossed our request): nothing ran, so
            # the request goes to another isolate, once; not with an upload, which is read as it is sent.
            if not (header.get("no_isolate") and upload is None and attempt == 0):
                raise HostCrashed(f"isolate host failed the request: {header.get('error')}")
        result = _response(header, out)
        if header.get("stream"):
            result.stream = host.take_stream(header["mid"])
        if result.outcome is Outcome.EXCEEDED_CPU:
            self._cpu_exceeded_at[script.name] = time.monotonic()
        condemned = bool(header.get("condemned"))
        if header.get("fin") and not condemned:
            host.in_flight[label] += 1
            self._finishing[script.key] = self._finishing.get(script.key, 0) + 1

            def finished(fin: dict[str, Any]) -> None:
                self._finishing[script.key] -= 1
                if not self._finishing[script.key]:
                    del self._finishing[script.key]
                host.in_flight[label] -= 1
                if not host.in_flight[label]:
                    host.in_flight.pop(label, None)
                if "heap" in fin:
                    iso.heap_bytes = int(fin["heap"])
                self._release(iso, bool(fin.get("condemned")), fin.get("retire") or fin.get("outcome", "ok"))
                if fin.get("logs") or fin.get("outcome", "ok") != "ok":
                    on_finish(_response(fin, b""))

            if "fin_now" in header:  # the isolate was free when it answered
                finished(header["fin_now"])
            else:
                host.on_finish(header["mid"], finished)
        else:
            self._release(iso, condemned, result.outcome.value)
        return result

    def holds(self, worker: str) -> bool:
        """Whether this pool has an isolate of ``worker`` (any version, idle or busy)."""
        return self._per_worker.get(worker, 0) > 0

    def _nice(self, worker: str) -> int:
        at = self._cpu_exceeded_at.get(worker)
        if at is None:
            return 0
        if time.monotonic() - at > CPU_PENALTY_S:
            del self._cpu_exceeded_at[worker]
            return 0
        return PENALTY_NICE

    async def check(
        self,
        source: str,
        env: dict[str, Any],
        memory_mb: int,
        label: str,
        modules: dict[str, dict[str, Any]] | None = None,
        main: str | None = None,
    ) -> dict[str, Any]:
        """Transform a script (or link ``modules`` from ``main``) and evaluate its top level in a throwaway isolate.
        Raises ScriptFailed."""
        host = self._live_host(label.partition("@")[0])
        msg: dict[str, Any] = {
            "t": "check",
            "source": source,
            "env": env,
            "memory_mb": memory_mb,
            "startup_cpu_ms": self.settings.startup_cpu_ms,
        }
        if modules is not None:
            msg.update(modules=modules, main=main)
        try:
            header, _ = await host.call(msg, timeout=STARTUP_WALL_S + HOST_GRACE_S + 10, worker=label)
        except HostCrashed:
            raise ScriptFailed(
                ScriptErrorInfo("Error", "evaluating the script crashed its isolate host", None, None)
            ) from None
        if header.get("t") != "ok":
            err = header.get("script_error")
            if err:
                raise ScriptFailed(
                    ScriptErrorInfo(err["name"], err["message"], err.get("line"), err.get("column"), err.get("module"))
                )
            raise ScriptFailed(ScriptErrorInfo("Error", str(header.get("error")), None, None))
        return header


def _label(script: WorkerScript) -> str:
    return f"{script.name}@{script.version}"


def _response(header: dict[str, Any], body: bytes) -> WorkerResponse:
    return WorkerResponse(
        outcome=Outcome(header.get("outcome", "ok")),
        status=int(header.get("status", 500)),
        headers=[(k, v) for k, v in header.get("headers", [])],
        body=body,
        error=header.get("error"),
        logs=[(lvl, text) for lvl, text in header.get("logs", [])],
        cpu_ms=float(header.get("cpu_ms", 0.0)),
        subrequest_limit_hit=bool(header.get("subrequest_limit_hit")),
        batched=bool(header.get("batched")),
        content_length=header["length"] if isinstance(header.get("length"), int) else None,
    )


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
