"""A node of several processes (``serve --processes N``): one front process per share of the machine's cores.

The process ``serve`` starts (the primary) runs the admin API and N-1 more processes, each a data plane with its
own isolate hosts. Each process accepts on a socket of its own on the data-plane port (SO_REUSEPORT, so the kernel
spreads connections evenly; one shared socket let whichever process was idle take nearly all of them); the
primary opens them all, and keeps a process's socket while that process is restarted. What must hold for the
node as a whole goes through the primary, over one socket to each process (frames as in isolates/_ipc.py):

- deploys: the primary writes the store, then tells every process which worker changed; each swaps atomically
  from the store, and the deploy answers once all have (a process still starting reads the store when it is up);
- each worker's isolate cap and the node's counts across processes: a process asks the primary for a slot before
  it starts an isolate, and gives it back when the isolate goes. When a worker's slots are all taken, the
  processes holding them shed one (an idle isolate now, else the next one to finish); when the node's are, the
  least recently used idle isolate goes, wherever it is;
- crash strikes are counted by the primary, and a quarantine reaches every process;
- /metrics (on the primary's admin API) adds up every process's counters and gauges;
- SIGTERM to the primary stops them all, each letting its requests in flight finish.

Hand-offs: a process other than the primary passes a client connection to the primary when the connection's
request (one that came alone in one read, without a body that is still arriving) is for a worker the process has
no isolate of and is not busy with (fewer than two of its requests in a second there). It sends the socket and the
request's bytes over a socketpair of its own (SCM_RIGHTS); the primary's data plane takes the connection as if it
had accepted it, and answers that request and what follows on the connection. So a worker's isolates live in one
process unless it is busy enough to want more than one front: without this, every process a worker's clients
happened to reach kept isolates of it, and a node with many workers cycled through them (300 workers requested
round robin: 120 req/s with two processes against 4,013 with one; with hand-offs about as many as with one).

The primary, which holds the isolates of the workers that are not busy, keeps all of ``--isolate-hosts`` and
``--warm-spares``; each other process gets one host (or its share of them) and one spare (none with
``--warm-spares 0``). In a node of several processes a busy worker stays on its home host in each process (no
spill-over: its other isolates are in the other processes). ``--max-isolates`` is the node's, not a process's:
any process may hold any part of it (less the spares' part), as the slot book counts every process's isolates;
when the node is full, the least recently used idle isolate in the node goes, in whichever process holds it
(a fixed part per process left the second one too little once several workers were busy in it: it evicted and
re-created isolates, a p99 of 273-305 ms at half load after the other benchmarks had run, against 11 ms now).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric

from edgeworker.isolates import _ipc
from edgeworker.server.config import NodeSettings

if TYPE_CHECKING:
    from edgeworker.server.node import Node

log = logging.getLogger("edgeworker.cluster")

READY_TIMEOUT_S = 60.0
HANDOFF_MAX = 256 * 1024  # the largest request (head and body) whose connection moves to the primary
ANSWER_TIMEOUT_S = 10.0
RESTART_DELAYS_S = (0.5, 1.0, 2.0, 5.0, 10.0)
SHED_DELAY_S = 0.05  # how long an ask for a worker's slot waits before a holder is asked to give one up


def auto_processes(cpus: int) -> int:
    """``--processes auto``: one front process per three cores, and two from 2 cores on. A front spends about two
    fifths of what a request costs (bench/run.py), the isolate hosts the rest, so one front keeps a few cores of
    hosts busy; but on 2 cores one front leaves about a fifth of the machine idle (each hand-over between front,
    host and isolate thread waits for a wake-up), and two fronts serve hello 1.1 to 1.2 times as fast (0.61 of
    workerd against 0.51 in alternating runs)."""
    return 1 if cpus < 2 else max(2, -(-cpus // 3))


def share(total: int, parts: int, index: int, least: int = 0) -> int:
    """Part ``index`` of ``total`` shared out over ``parts`` as evenly as whole numbers allow."""
    return max(least, total // parts + (1 if index < total % parts else 0))


def settings_for(settings: NodeSettings, index: int) -> NodeSettings:
    """What process ``index`` of the node runs with: its hosts and spares. The isolates of workers that are not
    busy live in the first process (connections for them move there), so it keeps all of ``--isolate-hosts`` (a
    worker that kills its host reaches only the workers of its home host, as with one process) and of
    ``--warm-spares`` (one per home host, so a new worker starts from one); each other process gets one host (or
    its share of them) and one spare. Any process may hold any part of ``--max-isolates``: the primary's slot
    book keeps the node's total (see :func:`isolate_limit`)."""
    n = settings.processes
    if n == 1:
        return settings
    return replace(
        settings,
        processes=1,  # (what this process runs: the node's own count stays with the primary's cluster)
        isolate_hosts=settings.isolate_hosts if index == 0 else share(settings.isolate_hosts, n, index, least=1),
        warm_spares=settings.process_spares(index),
    )


def isolate_limit(settings: NodeSettings) -> int:
    """How many workers' isolates the node's processes may hold together: ``--max-isolates`` less the warm spares
    they keep (which each process makes on its own, within that part of the cap)."""
    return settings.max_isolates - sum(settings.process_spares(i) for i in range(settings.processes))


# -- the slot book: each worker's isolates, counted over the node's processes ----------------------------------


@dataclass
class _Ask:
    process: int
    worker: str
    cap: int
    answer: Any  # a callable(bool) that delivers the grant
    have: int = 0  # isolates of the worker the asking process holds (it can also wait for one of those)
    seq: int = 0  # (set by the book: asks that wait are granted oldest first)


@dataclass
class SlotBook:
    """Held slots per worker and process, under each worker's cap and the node's ``limit`` on all of them; asks
    that wait for one, granted oldest first."""

    # called with (worker, asking process) while an ask waits at its worker's cap: its holders should shed a slot
    on_wait: Any = None
    # called while asks wait because the node holds ``limit`` isolates: one somewhere should go (the least
    # recently used idle one)
    on_full: Any = None
    limit: int = 0  # 0: none
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    waiting: dict[str, deque[_Ask]] = field(default_factory=lambda: defaultdict(deque))
    _seq: Any = field(default_factory=itertools.count)

    def ask(self, ask: _Ask) -> bool:
        """Grant now (True), or queue the ask (False: the book asks for a slot to be shed, see on_wait/on_full)."""
        ask.seq = next(self._seq)
        at_cap = self.counts[ask.worker] >= ask.cap
        if not at_cap and not self.waiting.get(ask.worker) and self._room():
            self._grant(ask)
            return True
        self.waiting[ask.worker].append(ask)
        if at_cap:
            if self.on_wait is not None:
                self.on_wait(ask.worker, ask.process)
        elif self.on_full is not None and not self._room():
            self.on_full()
        return False

    def withdraw(self, ask: _Ask) -> bool:
        queue = self.waiting.get(ask.worker)
        if queue is None or ask not in queue:
            return False
        head = queue[0] is ask
        queue.remove(ask)
        if not queue:
            self.waiting.pop(ask.worker, None)
        elif head and self.on_wait is not None and self.counts[ask.worker] >= queue[0].cap:
            self.on_wait(ask.worker, queue[0].process)  # a different process may wait first now
        return True

    def give(self, process: int, worker: str) -> None:
        if self.held[process][worker] <= 0:
            return
        self.held[process][worker] -= 1
        self.counts[worker] -= 1
        self.total -= 1
        self._serve()

    def drop(self, process: int) -> None:
        """A process went away: every slot it held is free."""
        for queue in self.waiting.values():
            for ask in [a for a in queue if a.process == process]:
                queue.remove(ask)
        held = self.held.pop(process, {})
        for worker, n in held.items():
            self.counts[worker] -= n
            self.total -= n
        self._serve()

    def holders(self, worker: str, besides: int) -> list[int]:
        return [p for p, held in self.held.items() if p != besides and held.get(worker, 0) > 0]

    def starved(self) -> int:
        """How many waiting asks the node's limit holds back (their workers are below their caps)."""
        if self._room():
            return 0
        return sum(
            min(len(q), q[0].cap - self.counts[w]) for w, q in self.waiting.items() if q and self.counts[w] < q[0].cap
        )

    def _room(self) -> bool:
        return not self.limit or self.total < self.limit

    def _grant(self, ask: _Ask) -> None:
        self.counts[ask.worker] += 1
        self.held[ask.process][ask.worker] += 1
        self.total += 1
        ask.answer(True)  # (may come back in: give() of a slot withdrawn meanwhile)

    def _serve(self) -> None:
        granted: list[_Ask] = []
        while self._room():
            heads = [q[0] for w, q in self.waiting.items() if q and self.counts[w] < q[0].cap]
            if not heads:
                break
            ask = min(heads, key=lambda a: a.seq)
            queue = self.waiting[ask.worker]
            queue.popleft()
            if not queue:
                del self.waiting[ask.worker]
            self.counts[ask.worker] += 1
            self.held[ask.process][ask.worker] += 1
            self.total += 1
            granted.append(ask)
        for ask in granted:  # the books are straight before anyone is told: an answer may come back in
            ask.answer(True)
        if self.on_wait is not None:  # the slots went round: the next ask of a worker at its cap needs one shed
            for worker in dict.fromkeys(a.worker for a in granted):
                rest = self.waiting.get(worker)
                if rest and self.counts[worker] >= rest[0].cap:
                    self.on_wait(worker, rest[0].process)
        if self.on_full is not None and self.starved():
            self.on_full()


# -- the primary ----------------------------------------------------------------------------------------------


class _Child:
    """One of the node's other processes, as the primary sees it."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None  # its own socket on the data-plane port (kept over restarts)
        self.link: _ipc.FrameProtocol | None = None
        self.ready: asyncio.Future[None] | None = None
        self.pending: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}
        self.asks: dict[int, _Ask] = {}
        self.restarts = 0
        self.evicting = 0  # "evict" messages it has not answered yet
        self.handoffs: socket.socket | None = None  # where it passes client connections to the primary


class Cluster:
    """The primary's side: starts and watches the other processes, and keeps what they share (see the module)."""

    def __init__(self, node: Node, settings: NodeSettings, data_sock: socket.socket, deny_egress: str) -> None:
        self.node = node
        self.settings = settings
        self.data_sock = data_sock
        self.deny_egress = deny_egress
        self.book = SlotBook(on_wait=self._shed_soon, on_full=self._evict_soon, limit=isolate_limit(settings))
        self._shed_timers: dict[str, asyncio.TimerHandle] = {}
        self._evict_handle: asyncio.Handle | None = None
        # per process: no idle isolate of it was used longer ago than this (a lower bound, see _evict)
        self._floors: dict[int, float] = {}
        self.children = [_Child(i) for i in range(1, settings.processes)]
        self._mids = itertools.count(1)
        self._stopping = False
        self._tasks: set[asyncio.Task[Any]] = set()
        # takes a client connection another process passed on, with the bytes of its first request: set by
        # serve_node once the primary's data plane exists (until then they wait here)
        self.adopt: Callable[[socket.socket, bytes], None] | None = None
        self._unadopted: list[tuple[socket.socket, bytes]] = []

    # the primary's own pool uses the book directly (process 0)

    def take(self, worker: str, cap: int, have: int) -> asyncio.Future[bool]:
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def answer(ok: bool) -> None:
            if fut.done():  # withdrawn after all: the slot goes straight back
                if ok:
                    self.book.give(0, worker)
            else:
                fut.set_result(ok)

        ask = _Ask(0, worker, cap, answer, have)
        if not self.book.ask(ask):
            fut.add_done_callback(lambda f: f.cancelled() and self.book.withdraw(ask))
        return fut

    def give(self, worker: str) -> None:
        self.book.give(0, worker)

    def strike(self, worker: str, version: int) -> None:
        if self.node.pool.strike(worker, version):
            for child in self.children:
                self._send(child, {"t": "quarantine", "worker": worker, "version": version})

    def _shed_soon(self, worker: str, besides: int) -> None:
        """Asks for a slot of ``worker`` wait: if one still does in SHED_DELAY_S, a holder sheds an isolate. Most
        asks end sooner (the asking process's own isolate of the worker comes free in a millisecond or two), and
        an isolate shed at once would be one made again, about 20 ms of CPU, as the load moves back."""
        if worker in self._shed_timers:
            return

        def due() -> None:
            del self._shed_timers[worker]
            queue = self.book.waiting.get(worker)
            if queue and self.book.counts[worker] >= queue[0].cap:
                self._shed(worker, queue[0].process, idle_only=queue[0].have > 0)
                if len(queue) > 1:  # and again for the next one, if it still waits then
                    self._shed_soon(worker, queue[0].process)

        self._shed_timers[worker] = asyncio.get_running_loop().call_later(SHED_DELAY_S, due)

    def _shed(self, worker: str, besides: int, idle_only: bool) -> None:
        """One isolate of ``worker`` goes, from the process that holds most of its slots (not the one asking): an
        idle one, or with ``idle_only`` false (the asker has none of its own to wait for) the next to finish."""
        holders = self.book.holders(worker, besides)
        if not holders:
            return
        process = max(holders, key=lambda p: self.book.held[p].get(worker, 0))
        if process == 0:
            self.node.pool.shed(worker, idle_only)
        else:
            self._send(self.children[process - 1], {"t": "shed", "worker": worker, "idle_only": idle_only})

    def _evict_soon(self, delay: float = 0.0) -> None:
        if self._evict_handle is None:
            loop = asyncio.get_running_loop()
            self._evict_handle = loop.call_later(delay, self._evict) if delay else loop.call_soon(self._evict)

    def _evict(self) -> None:
        """The node holds ``--max-isolates`` and asks wait for room: its least recently used idle isolate goes,
        whichever process holds it, as in a node of one process. A process's oldest idle isolate only ever gets
        younger (an isolate goes idle with the time it went idle), so the oldest one a process last reported is a
        lower bound: when ours is older than every other process's bound, ours goes without asking anyone; else the
        process with the lowest bound is asked to drop its oldest if that is older than ours, and answers with its
        bound (see _frame's "evicted")."""
        self._evict_handle = None
        for _ in range(self.book.starved()):
            if sum(c.evicting for c in self.children) >= self.book.starved():
                return
            own = self.node.pool.oldest_idle()
            others = [c for c in self.children if c.link is not None and any(self.book.held.get(c.index, {}).values())]
            child = min(others, key=lambda c: self._floors.get(c.index, 0.0), default=None)
            if child is not None and (own is None or self._floors.get(child.index, 0.0) < own):
                child.evicting += 1
                self._send(child, {"t": "evict", "than": own})
            elif own is not None:
                self.node.pool.evict_lru()
            else:  # every isolate is busy: look again in a moment (until the asks time out)
                self._evict_soon(SHED_DELAY_S)
                return

    # -- life cycle

    async def start(self) -> None:
        for child in self.children:
            self._spawn(child)
        waits = [c.ready for c in self.children if c.ready is not None]
        try:
            await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), READY_TIMEOUT_S)
        except TimeoutError:
            log.error(
                "not every process of the node was ready within %.0fs; serving with those that are", READY_TIMEOUT_S
            )

    def _spawn(self, child: _Child) -> None:
        if child.sock is None:
            from edgeworker.server.node import _bind

            host, port = self.data_sock.getsockname()[:2]
            child.sock = _bind(host, port, reuse_port=True)
        parent_end, child_end = socket.socketpair()
        handoffs, child_handoffs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        fds = (child_end.fileno(), child.sock.fileno(), child_handoffs.fileno())
        child.proc = subprocess.Popen(
            [sys.executable, "-m", "edgeworker.server.cluster", *(str(fd) for fd in fds)], pass_fds=fds
        )
        child_end.close()
        child_handoffs.close()
        loop = asyncio.get_running_loop()
        if child.handoffs is not None:
            self._close_handoffs(child)
        handoffs.setblocking(False)
        child.handoffs = handoffs
        loop.add_reader(handoffs.fileno(), self._handed_off, child)
        child.ready = loop.create_future()
        child.ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        child.asks.clear()

        def on_frame(header: dict[str, Any], body: bytes) -> None:
            self._frame(child, header, body)

        def on_close(exc: Exception | None) -> None:
            if exc is not None and not self._stopping:
                log.error("the link to node process %d failed: %r", child.index, exc, exc_info=exc)
            self._lost(child)

        async def connect() -> None:
            child.link = await _ipc.connect(parent_end, on_frame, on_close)
            init = pickle.dumps((settings_for(self.settings, child.index), child.index, self.deny_egress))
            child.link.send({"t": "init"}, init)
            for worker, version in sorted(self.node.pool.quarantined):  # a replacement starts with what holds
                child.link.send({"t": "quarantine", "worker": worker, "version": version})

        self._spawn_task(connect())
        self._spawn_task(self._watch(child, child.proc))

    def _handed_off(self, child: _Child) -> None:
        """Client connections ``child`` passed on (one message each: the request's bytes, the socket)."""
        while child.handoffs is not None:
            try:
                data, fds, _, _ = socket.recv_fds(child.handoffs, HANDOFF_MAX, 1)
            except BlockingIOError:
                return
            except OSError:
                self._close_handoffs(child)
                return
            if not fds:
                if not data:  # the process is gone
                    self._close_handoffs(child)
                    return
                continue
            sock = socket.socket(fileno=fds[0])
            if self.adopt is None:
                self._unadopted.append((sock, data))
            else:
                self.adopt(sock, data)

    def adopting(self, adopt: Callable[[socket.socket, bytes], None]) -> None:
        """From now on connections passed on go to ``adopt`` (and those that came before)."""
        self.adopt = adopt
        waiting, self._unadopted = self._unadopted, []
        for sock, data in waiting:
            adopt(sock, data)

    def _close_handoffs(self, child: _Child) -> None:
        if child.handoffs is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(child.handoffs.fileno())
            child.handoffs.close()
            child.handoffs = None

    def _spawn_task(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _watch(self, child: _Child, proc: subprocess.Popen[bytes]) -> None:
        while proc.poll() is None:
            await asyncio.sleep(0.1)
        if self._stopping:
            return
        log.error(
            "node process %d (pid %d) exited with code %s; starting a new one", child.index, proc.pid, proc.returncode
        )
        self._forget(child)
        delay = RESTART_DELAYS_S[min(child.restarts, len(RESTART_DELAYS_S) - 1)]
        child.restarts += 1
        await asyncio.sleep(delay)
        if not self._stopping:
            self._spawn(child)

    def _lost(self, child: _Child) -> None:
        """Its socket closed: it died (or is about to); its slots are free and its answers will not come."""
        self._forget(child)
        if child.proc is not None and child.proc.poll() is None and not self._stopping:
            child.proc.kill()  # a process that lost its link to the primary cannot keep the node's rules

    def _forget(self, child: _Child) -> None:
        child.evicting = 0
        self._floors.pop(child.index, None)
        self.book.drop(child.index)
        child.asks.clear()
        child.link = None
        for fut in child.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("the process went away"))
        child.pending.clear()
        if child.ready is not None and not child.ready.done():
            child.ready.set_exception(ConnectionError("the process went away before it was ready"))

    async def stop(self) -> None:
        """SIGTERM each process (each lets its requests in flight finish), and wait for them."""
        self._stopping = True
        procs = [c.proc for c in self.children if c.proc is not None and c.proc.poll() is None]
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = asyncio.get_running_loop().time() + self.settings.shutdown_timeout_s + 5
        while any(p.poll() is None for p in procs) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for task in list(self._tasks):
            task.cancel()
        for timer in self._shed_timers.values():
            timer.cancel()
        self._shed_timers.clear()
        if self._evict_handle is not None:
            self._evict_handle.cancel()
            self._evict_handle = None
        for child in self.children:
            self._close_handoffs(child)
            if child.sock is not None:
                child.sock.close()
                child.sock = None
        for sock, _ in self._unadopted:
            sock.close()
        self._unadopted.clear()

    # -- frames from the other processes

    def _send(self, child: _Child, header: dict[str, Any], body: bytes = b"") -> None:
        if child.link is not None:
            child.link.send(header, body)

    def _frame(self, child: _Child, header: dict[str, Any], body: bytes) -> None:
        kind = header.get("t")
        if kind == "ready":
            child.restarts = 0
            if child.ready is not None and not child.ready.done():
                child.ready.set_result(None)
        elif kind == "take":
            ask_id = int(header["ask"])
            worker = str(header["worker"])

            def answer(ok: bool) -> None:
                child.asks.pop(ask_id, None)
                self._send(child, {"t": "granted", "ask": ask_id, "ok": ok})

            ask = _Ask(child.index, worker, int(header["cap"]), answer, int(header.get("have", 0)))
            child.asks[ask_id] = ask
            self.book.ask(ask)
        elif kind == "withdraw":
            withdrawn = child.asks.get(int(header["ask"]))
            if withdrawn is not None and self.book.withdraw(withdrawn):
                withdrawn.answer(False)
        elif kind == "give":
            self.book.give(child.index, str(header["worker"]))
        elif kind == "strike":
            self.strike(str(header["worker"]), int(header["version"]))
        elif kind == "evicted":  # (its "give" came first, if it dropped one)
            child.evicting = max(0, child.evicting - 1)
            self._floors[child.index] = float(header["floor"])
            if not header.get("ok") and self.book.starved():
                self._evict_soon()
        else:
            fut = child.pending.pop(int(header.get("mid", 0)), None)
            if fut is not None and not fut.done():
                fut.set_result((header, body))

    async def _ask_all(self, header: dict[str, Any], timeout: float) -> list[tuple[dict[str, Any], bytes]]:
        """Send to every process, and wait for the answers of those that are up (one still starting handles the
        message once it is; one that goes away meanwhile gives no answer)."""
        loop = asyncio.get_running_loop()
        waits = []
        for child in self.children:
            if child.link is None:
                continue
            mid = next(self._mids)
            if child.ready is None or not child.ready.done() or child.ready.exception() is not None:
                self._send(child, {**header, "mid": mid})
                continue
            fut: asyncio.Future[tuple[dict[str, Any], bytes]] = loop.create_future()
            child.pending[mid] = fut
            self._send(child, {**header, "mid": mid})
            waits.append(fut)
        answers = []
        for outcome in await asyncio.gather(*(asyncio.wait_for(w, timeout) for w in waits), return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.error("a process of the node did not answer a %r message: %r", header.get("t"), outcome)
            else:
                answers.append(outcome)
        return answers

    async def changed(self, worker: str) -> None:
        """A worker's live version changed in the store (or it was deleted): every process swaps before the deploy
        answers. A process still starting reads the store once it is up."""
        await self._ask_all({"t": "live", "worker": worker}, ANSWER_TIMEOUT_S)

    async def metric_samples(self) -> list[list[Any]]:
        """Every other process's metric samples (see :func:`samples`)."""
        out: list[list[Any]] = []
        for _, body in await self._ask_all({"t": "metrics"}, ANSWER_TIMEOUT_S):
            out.extend(_ipc.loads(body))
        return out


# -- one of the other processes -------------------------------------------------------------------------------


class _Remote:
    """A process's view of the node-wide rules: asks and answers over its socket to the primary."""

    def __init__(self, link: _ipc.FrameProtocol) -> None:
        self.link = link
        self._asks: dict[int, tuple[asyncio.Future[bool], str]] = {}
        self._ids = itertools.count(1)

    def take(self, worker: str, cap: int, have: int) -> asyncio.Future[bool]:
        ask_id = next(self._ids)
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._asks[ask_id] = (fut, worker)

        def withdrawn(f: asyncio.Future[bool]) -> None:
            if f.cancelled():  # the primary answers a withdrawal too (no, or a grant that crossed it)
                self.link.send({"t": "withdraw", "ask": ask_id})

        fut.add_done_callback(withdrawn)
        self.link.send({"t": "take", "worker": worker, "cap": cap, "have": have, "ask": ask_id})
        return fut

    def granted(self, ask_id: int, ok: bool) -> None:
        fut, worker = self._asks.pop(ask_id, (None, ""))
        if fut is None:
            return
        if not fut.done():
            fut.set_result(ok)
        elif ok:  # withdrawn, but granted before the primary saw that: the slot goes straight back
            self.give(worker)

    def give(self, worker: str) -> None:
        self.link.send({"t": "give", "worker": worker})

    def strike(self, worker: str, version: int) -> None:
        self.link.send({"t": "strike", "worker": worker, "version": version})


def samples(registry: Any) -> list[list[Any]]:
    """A registry's metrics as [family, type, help, [[sample name, labels, value], ...]] for the primary to add up."""
    out: list[list[Any]] = []
    for metric in registry.collect():
        out.append(
            [metric.name, metric.type, metric.documentation, [[s.name, s.labels, s.value] for s in metric.samples]]
        )
    return out


def sum_samples(families: list[list[Any]]) -> bytes:
    """The Prometheus text exposition of several processes' samples, added up: counters, histograms and gauges
    (isolates by state, heap in use) are sums over the node; a ``_created`` time is the earliest."""
    kinds: dict[str, tuple[str, str]] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = defaultdict(dict)
    for name, kind, documentation, family_samples in families:
        kinds.setdefault(name, (kind, documentation))
        merged = values[name]
        for sample_name, labels, value in family_samples:
            key = (sample_name, tuple(labels.items()))  # every process names a family's labels in one order
            if key not in merged:
                merged[key] = value
            elif sample_name.endswith("_created"):
                merged[key] = min(merged[key], value)
            else:
                merged[key] += value

    class _Sum:
        def collect(self) -> Any:
            for name, (kind, documentation) in kinds.items():
                metric = Metric(name, documentation, kind)
                for (sample_name, labels), value in values[name].items():
                    metric.add_sample(sample_name, dict(labels), value)
                yield metric

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Sum())
    return generate_latest(registry)


class _Handoffs:
    """A process's way to pass a client connection to the primary (see DataPlane.hands_off)."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock

    def __call__(self, data: bytes, fd: int) -> bool:
        if len(data) > HANDOFF_MAX:
            return False
        try:
            socket.send_fds(self.sock, [data], [fd])
        except OSError:  # full, or the primary is gone: this process answers it after all
            return False
        return True


async def _run_process(ctl_fd: int, data_fd: int, handoff_fd: int) -> int:
    from edgeworker.server.app import build_app
    from edgeworker.server.node import Node, http_server

    loop = asyncio.get_running_loop()
    init: asyncio.Future[tuple[NodeSettings, int, str]] = loop.create_future()
    gone: asyncio.Future[None] = loop.create_future()
    up = False  # the node is started: frames are handled as they come (before, they wait in `early`)
    early: list[tuple[dict[str, Any], bytes]] = []

    def on_frame(header: dict[str, Any], body: bytes) -> None:
        kind = header.get("t")
        if kind == "init":
            if not init.done():
                init.set_result(pickle.loads(body))
            return
        if not up:  # before the node is up: handled once it is (it reads the store then anyway)
            early.append((header, body))
            return
        handle(header, body)

    def handle(header: dict[str, Any], body: bytes) -> None:  # (node and remote are set by then)
        kind = header.get("t")
        if kind == "granted":
            remote.granted(int(header["ask"]), bool(header["ok"]))
        elif kind == "live":
            node.refresh(str(header["worker"]))
            link.send({"t": "ok", "mid": header.get("mid", 0)})
        elif kind == "quarantine":
            node.pool.quarantine(str(header["worker"]), int(header["version"]))
        elif kind == "shed":
            node.pool.shed(str(header["worker"]), bool(header.get("idle_only")))
        elif kind == "evict":
            than = header.get("than")
            ok = node.pool.evict_lru(None if than is None else float(than))
            floor = node.pool.oldest_idle()
            link.send({"t": "evicted", "ok": ok, "floor": time.monotonic() if floor is None else floor})
        elif kind == "metrics":
            link.send({"t": "ok", "mid": header.get("mid", 0)}, _ipc.dumps(samples(node.metrics_registry)))

    def on_close(exc: Exception | None) -> None:
        if not gone.done():
            gone.set_result(None)

    link = await _ipc.connect(socket.socket(fileno=ctl_fd), on_frame, on_close)
    settings, index, deny_egress = await init
    data_sock = socket.socket(fileno=data_fd)
    node = Node(settings)
    node.pool.deny_egress = deny_egress
    remote = _Remote(link)
    node.pool.node_wide = remote
    await node.start()
    up = True
    for header, body in early:
        handle(header, body)
    plane = build_app(node)
    plane.handoff = _Handoffs(socket.socket(fileno=handoff_fd))
    server = http_server(plane, settings, data_plane=True)
    serving = loop.create_task(server.serve(sockets=[data_sock]))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    link.send({"t": "ready"})
    log.info("node process %d (pid %d) serving", index, os.getpid())
    stopped = loop.create_task(stop.wait())
    waits: list[asyncio.Future[Any]] = [stopped, gone, serving]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    server.should_exit = True
    await asyncio.gather(serving, return_exceptions=True)
    await node.close()
    return 0


def main() -> int:
    from edgeworker.server.node import _configure_logging, _run

    _configure_logging()
    ctl_fd, data_fd, handoff_fd = (int(arg) for arg in sys.argv[1:4])
    return _run(_run_process(ctl_fd, data_fd, handoff_fd))


if __name__ == "__main__":
    sys.exit(main())
