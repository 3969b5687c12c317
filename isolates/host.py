"""The isolate host: a child process of the node that owns V8 isolates and runs requests in them.

The node's own process never hosts V8: an allocation that aborts V8 ends only this process, and the node's
supervisor (``isolates/pool.py``) starts a new one. The node talks to a host over one socket with the frames
of ``_ipc.py``; every message carries a message id (``mid``) that its answer repeats, so requests on
different isolates run concurrently and answer in any order.

Messages from the node (``t``): ``spare`` (create an isolate with the runtime loaded), ``load`` (evaluate a
worker's code in an isolate), ``fetch`` (run one request; the body is the frame's body), ``dispose``,
``check`` (transform and evaluate a script in a throwaway isolate, for a deploy) and ``stats``.
Answers: ``ok``, ``err``, ``res`` (a response; the body is the frame's body) and, when the request left
``waitUntil`` work, a later ``fin`` once that work is over.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Coroutine
from typing import Any

from edgeworker.isolates import _ipc, _v8, ops
from edgeworker.isolates.engine import (
    CompiledWorker,
    FetchResult,
    HttpRequest,
    JsIsolate,
    ScriptError,
    StreamFailed,
    compile_worker,
    init_v8,
)
from edgeworker.limits.outcome import Outcome

log = logging.getLogger("edgeworker.host")

WATCH_S = 0.01  # how often the memory of running requests is looked at
IDLE_WATCH_S = 0.05  # how often idle isolates' CPU clocks are (and, while no request runs, the watcher's pace)
QUIET_WATCH_S = 0.5  # its pace once nothing has run for QUIET_AFTER_S and nothing is left to trim
QUIET_AFTER_S = 2.0
IDLE_CPU_TOLERANCE_S = 0.005
# An idle isolate whose thread used this much of one check's interval is closed even if it sleeps when looked at.
IDLE_CPU_BUSY_S = IDLE_WATCH_S * 0.8
ZOMBIE_S = 1.0
RETIRE_GRACE_S = 2.0
HEAP_EVERY_S = 1.0  # how often an isolate's V8 heap size is reported to the node
# idle isolates are trimmed one at a time, at most one every IDLE_WATCH_S (20 a second, a few ms of CPU each)
TRIM_IDLE_S = float(os.environ.get("EDGEWORKER_TRIM_IDLE_S") or 10.0)  # idle this long before its heap is trimmed
TRIM_QUIET_S = 0.05  # and only when no request has started in this host for this long (so not under steady load)
EXIT_ZOMBIE = 70
BATCH_MAX = 64  # requests in one batch (00_infra.js)
BATCH_BODY_MAX = 64 * 1024  # a request with a larger body runs on its own
BATCH_BYTES = 256 * 1024  # request bodies in one batch (the exchange buffer holds them and the answers)
SOLO_S = 1.0  # a worker whose batch could answer nothing at once runs its requests one per call this long


def _wake_up(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class _Rss:
    """The host's resident memory, from /proc/self/statm kept open (one system call a look)."""

    def __init__(self) -> None:
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._fd = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)

    def __call__(self) -> int:
        return int(os.pread(self._fd, 128, 0).split()[1]) * self._page


def _script_error(exc: ScriptError) -> dict[str, Any]:
    return {
        "name": exc.name,
        "message": exc.message,
        "line": exc.line,
        "column": exc.column,
        "module": exc.module,
        "text": str(exc),
    }


def _result_header(mid: int, result: FetchResult) -> dict[str, Any]:
    header: dict[str, Any] = {
        "mid": mid,
        "outcome": result.outcome.value,
        "status": result.status,
        "headers": result.headers,
        "logs": [[line.level, line.message] for line in result.logs],
        "condemned": result.condemned,
        "wait_until": result.wait_until,
        "fin": not result.condemned,
        "cpu_ms": round(result.cpu_ms, 3),
        "stream": result.stream,
        "length": result.length,
        "subrequest_limit_hit": result.subrequest_limit_hit,
    }
    if result.error is not None:
        header["error"] = {"name": result.error.name, "message": result.error.message, "stack": result.error.stack}
    return header


def _http_request(
    req: dict[str, Any], body: bytes, upload: asyncio.Queue[bytes | None | Exception] | None
) -> HttpRequest:
    return HttpRequest(
        method=req["method"],
        url=req["url"],
        headers=[(k, v) for k, v in req["headers"]],
        body=body,
        request_id=req["rid"],
        cf=req.get("cf") or {},
        body_stream=upload,
    )


def _plain_fin(mid: int, outcome: Outcome = Outcome.OK, condemned: bool = False) -> dict[str, Any]:
    """A "fin" with nothing to report but how the isolate ended. Not ``condemned``: the isolate is free (for a
    request that ran in a batch's isolate, the node's isolate for it, which is untouched)."""
    return {"t": "fin", "mid": mid, "outcome": outcome.value, "condemned": condemned, "logs": [], "cpu_ms": 0}


def _masked(fin: dict[str, Any], own: bool) -> dict[str, Any]:
    """A "fin" for a request that ran in a batch's isolate (not ``own``): what became of that isolate is not news
    of the node's isolate for the request, which is free."""
    if own:
        return fin
    fin = dict(fin, condemned=False)
    fin.pop("retire", None)
    fin.pop("heap", None)
    return fin


class Host:
    def __init__(self) -> None:
        self._channel: _ipc.FrameProtocol | None = None
        self._gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._isolates: dict[int, JsIsolate] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[int] = set()
        self._rss_at_start: dict[int, int] = {}
        self._heap_read_at: dict[int, float] = {}
        self._retiring_since: float | None = None
        self._handling = 0  # messages being worked on (a retiring host waits for them)
        self._subfetches: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}
        self._uploads: dict[int, asyncio.Queue[bytes | None | Exception]] = {}
        self._sids = itertools.count(1)
        ops.local_dispatch = self._local_dispatch
        self._zombies: set[JsIsolate] = set()
        budget = os.environ.get("EDGEWORKER_HOST_MEMORY_MB")
        self._memory_budget = int(budget) << 20 if budget else None
        self._read_rss = _Rss()
        self._rss = self._read_rss()  # the host's RSS as of the watcher's last tick (every WATCH_S while busy)
        # while no request runs, the watcher looks every IDLE_WATCH_S; a request that starts wakes it (see _begin)
        self._wake: asyncio.Future[None] | None = None
        # CPU of the host's threads but this one, when the idle isolates were last looked at one by one
        self._others_cpu = 0.0
        self._idle_cpu: dict[int, float] = {}  # isolate → its thread's CPU clock when its last request ended
        self._idle_suspects: set[int] = set()  # idle isolates whose thread was busy at the last check
        self._ended_at: dict[int, float] = {}  # isolate → when its last request ended, until it is trimmed
        self._trimming: int | None = None  # the isolate whose heap is being trimmed (see _trim_one)
        self._request_at = 0.0  # when the last request started here
        self._queued: list[tuple[dict[str, Any], bytes]] = []  # fetch frames of this turn of the loop (_run_queued)
        self._workers: dict[int, str] = {}  # isolate → the worker version it has loaded (which may share a batch)
        # worker version → until when its requests run one per call (see _batch)
        self._solo_until: dict[str, float] = {}

    def _send(self, header: dict[str, Any], body: bytes = b"") -> None:
        if self._channel is not None:
            self._channel.send(header, body)

    async def watch(self) -> None:
        """Limits that must be watched from outside JavaScript, every few milliseconds.

        - Off-heap memory: V8's heap cap does not see ArrayBuffers or WebAssembly memory, so the host's RSS is
          read while requests run; a request whose isolate grew the host by more than its memory limit, or any
          request running while the host is over its budget, is stopped (``exceeded_memory``).
        - No JavaScript runs outside a request: a microtask chain that outlives its request keeps spinning on the
          isolate's thread after the last call returned, where no call can be cancelled. An idle isolate whose
          CPU clock moves is closed, and the node is told.
        - A closed isolate whose thread is still busy (some builtins do not stop at TerminateExecution) would burn
          a core for as long as it likes: after ZOMBIE_S the host exits, and the node starts a fresh one.
        """
        loop = asyncio.get_running_loop()
        idle_checked = trimmed = time.monotonic()
        while True:
            if self._busy:
                await asyncio.sleep(WATCH_S)
            else:  # nothing to watch but idle isolates: a slower pace, so that a quiet node is quiet
                wake = self._wake = loop.create_future()
                timer = loop.call_later(self._idle_pace(), _wake_up, wake)
                await wake
                timer.cancel()
                self._wake = None
            now = time.monotonic()
            if self._busy:
                rss = self._rss = self._read_rss()
            for iso_id in list(self._busy):
                iso = self._isolates.get(iso_id)
                if iso is None or iso.closed:
                    continue
                if iso.enforcer.over_memory(rss, self._rss_at_start.get(iso_id, rss), self._memory_budget):
                    log.warning(
                        "isolate %d exceeded its memory limit off the V8 heap (host RSS %d MB)", iso_id, rss >> 20
                    )
                    iso.condemn(Outcome.EXCEEDED_MEMORY)
            if now - idle_checked >= IDLE_WATCH_S:
                idle_checked = now
                self._check_idle()
            if now - trimmed >= IDLE_WATCH_S and not self._busy and now - self._request_at > TRIM_QUIET_S:
                trimmed = now
                self._trim_one()
            for iso in list(self._zombies):
                if not iso.thread_alive:
                    self._zombies.discard(iso)
                elif now - iso.closed_at > ZOMBIE_S and self._retiring_since is None:
                    log.error(
                        "a closed isolate's thread is still running JavaScript after %.1fs; retiring this host",
                        ZOMBIE_S,
                    )
                    self._retiring_since = now
                    self._send({"t": "retiring"})
            # a retiring host takes no new work; it exits once its requests in flight are done (or soon anyway)
            if self._retiring_since is not None and (not self._handling or now - self._retiring_since > RETIRE_GRACE_S):
                os._exit(EXIT_ZOMBIE)

    def _idle_pace(self) -> float:
        """How long the watcher may sleep while no request runs: IDLE_WATCH_S while an isolate may still run
        JavaScript left from a request (its last one ended lately, or it was suspect) or has its heap to trim, or a
        closed isolate's thread to watch; else QUIET_WATCH_S (JavaScript runs only from a request: nothing can start
        it, and a request that starts wakes the watcher)."""
        if (
            self._idle_suspects
            or self._zombies
            or self._ended_at
            or self._retiring_since is not None
            or time.monotonic() - self._request_at < QUIET_AFTER_S
        ):
            return IDLE_WATCH_S
        return QUIET_WATCH_S

    def _trim_one(self) -> None:
        """Start trimming the heap of one isolate that has been idle for TRIM_IDLE_S since its last request: after
        some requests an isolate holds garbage and grown spaces (1-2 MB under load) that a full collection gives
        back. One at a time, off the event loop, and only while this host is quiet (no request running, none started
        for TRIM_QUIET_S): the collection takes a core for a few milliseconds."""
        if self._trimming is not None:
            return
        now = time.monotonic()
        for iso_id, ended in self._ended_at.items():
            iso = self._isolates.get(iso_id)
            if iso is None or iso.closed or iso_id in self._busy or now - ended < TRIM_IDLE_S:
                continue
            del self._ended_at[iso_id]  # trimmed once per idle spell
            self._trimming = iso_id
            task = asyncio.get_running_loop().create_task(self._trim(iso_id, iso))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return

    async def _trim(self, iso_id: int, iso: JsIsolate) -> None:
        try:
            await iso.trim()
        finally:
            self._trimming = None
            if iso_id in self._idle_cpu and not iso.closed:
                # the collection's CPU is no JavaScript outside a request
                self._idle_cpu[iso_id] = iso.thread_cpu_s()

    def _check_idle(self) -> None:
        # The host's other threads (the isolates', V8's own) used less CPU since the last look than an idle
        # isolate may use unsuspected: none of them can be found busy, and one system call was enough.
        others = time.process_time() - time.thread_time()
        if not self._idle_suspects and others - self._others_cpu <= IDLE_CPU_TOLERANCE_S:
            return
        self._others_cpu = others
        for iso_id, iso in list(self._isolates.items()):
            if iso_id in self._busy or iso.closed or iso_id == self._trimming:
                continue
            now = iso.thread_cpu_s()
            last = self._idle_cpu.setdefault(iso_id, now)
            used = now - last
            # V8 also runs work of its own between calls (garbage collection after a request that allocated a lot:
            # bursts of 5-10 ms seen under load), so one busy interval is only suspect. JavaScript looping outside a
            # request keeps the thread busy: for most of one interval, or for a second one in a row.
            busy = used > IDLE_CPU_TOLERANCE_S and not iso.quiet()
            if busy and iso_id not in self._idle_suspects and used <= IDLE_CPU_BUSY_S:
                self._idle_suspects.add(iso_id)
                self._idle_cpu[iso_id] = now
                continue
            if busy or used > IDLE_CPU_BUSY_S:
                log.warning("isolate %d ran JavaScript outside a request; closing it", iso_id)
                self._dispose(iso_id)
                self._send({"t": "gone", "iso": iso_id, "outcome": "exceeded_cpu"})
            else:
                self._idle_suspects.discard(iso_id)
                self._idle_cpu[iso_id] = now

    async def run(self, sock: socket.socket) -> None:
        """Serve the node over ``sock`` until it closes it."""
        watcher = asyncio.get_running_loop().create_task(self.watch())
        try:
            self._channel = await _ipc.connect(sock, self._frame, self._closed)
            self._send({"t": "ready"})  # the V8 binding passed its self-test (see _main)
            await self._gone  # the node went away: so do we
        finally:
            watcher.cancel()

    def _closed(self, exc: Exception | None) -> None:
        if not self._gone.done():
            self._gone.set_result(None)

    def _frame(self, header: dict[str, Any], body: bytes) -> None:
        # counted from now on, not from when its task starts: a retiring host must not exit with it in its queue
        self._handling += 1
        if header.get("t") == "fetch" and not header.get("upload"):
            if not self._queued:
                asyncio.get_running_loop().call_soon(self._run_queued)
            self._queued.append((header, body))
            return
        self._spawn(self._handle(header, body))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _run_queued(self) -> None:
        """The requests that came in during one turn of the loop. Under load a host gets several for one worker at
        once (each on an isolate of its own, all free): they run as one batch in the first one's isolate, one call
        for all (JsIsolate.fetch_batch). Each still gets its own answer, and its isolate back as soon as it has it;
        the batch's isolate comes back with its own request's "fin", once the batch is over."""
        queued, self._queued = self._queued, []
        groups: dict[tuple[Any, ...], list[tuple[dict[str, Any], bytes]]] = {}
        sizes: dict[tuple[Any, ...], int] = {}
        for msg, body in queued:
            iso_id = msg.get("iso")
            worker = self._workers.get(iso_id) if isinstance(iso_id, int) else None
            req = msg.get("req")
            if (
                worker is None
                or iso_id in self._busy
                or len(body) > BATCH_BODY_MAX
                or not isinstance(req, dict)
                or self._solo(worker)
            ):
                self._spawn(self._handle(msg, body))
                continue
            get = msg.get
            key = (worker, get("wall_ms"), get("wait_until_ms"), get("cpu_ms"), get("subrequests"), get("nice"),
                   req.get("depth", 0))  # fmt: skip
            group = groups.setdefault(key, [])
            group.append((msg, body))
            sizes[key] = sizes.get(key, 0) + len(body) + 1024
            if len(group) == BATCH_MAX or sizes[key] > BATCH_BYTES:
                del groups[key], sizes[key]
                self._spawn(self._batch(group))
        for group in groups.values():
            self._spawn(self._batch(group) if len(group) > 1 else self._handle(*group[0]))

    async def _handle(self, msg: dict[str, Any], body: bytes) -> None:
        kind = msg.get("t")
        mid = msg.get("mid", 0)
        try:
            if kind == "fetch":
                await self._fetch(msg, body)
            elif kind == "body":  # the next part of an upload still arriving
                queue = self._upload(mid)
                if body:
                    queue.put_nowait(body)
                if msg.get("error"):
                    queue.put_nowait(ConnectionError(str(msg["error"])))
                elif msg.get("end"):
                    queue.put_nowait(None)
            elif kind == "subres":
                fut = self._subfetches.pop(msg.get("sid", 0), None)
                if fut is not None and not fut.done():
                    fut.set_result((msg, body))
            elif kind == "spare":
                await self._isolate(msg["iso"], msg["memory_mb"], warm=True)
                self._send({"t": "ok", "mid": mid})
            elif kind == "load":
                await self._load(msg)
            elif kind == "dispose":
                self._dispose(msg["iso"])
            elif kind == "check":
                await self._check(msg)
            elif kind == "stats":
                heap = {str(i): iso.heap_used_bytes() for i, iso in self._isolates.items() if not iso.closed}
                self._send({"t": "ok", "mid": mid, "isolates": len(self._isolates), "heap": heap})
            else:
                self._send({"t": "err", "mid": mid, "error": f"unknown message {kind!r}"})
        except Exception as exc:  # a bug here must not take the other isolates down with it
            log.exception("isolate host failed on a %s message", kind)
            self._send({"t": "err", "mid": mid, "error": f"{type(exc).__name__}: {exc}"})
        finally:
            self._handling -= 1

    async def _isolate(self, iso_id: int, memory_mb: int, nice: int = 0, warm: bool = False) -> JsIsolate:
        iso = self._isolates.get(iso_id)
        if iso is None or iso.closed:
            # a spare is warmed while it waits; an isolate made for a request would only pay for it twice
            iso = await JsIsolate.create(memory_mb=memory_mb, nice=nice, warm=warm)
            self._isolates[iso_id] = iso
        else:
            iso.set_memory_limit(memory_mb)  # a warm spare taken by a worker with its own heap cap
        return iso

    def _dispose(self, iso_id: int) -> None:
        self._workers.pop(iso_id, None)
        self._idle_cpu.pop(iso_id, None)
        self._ended_at.pop(iso_id, None)
        self._idle_suspects.discard(iso_id)
        self._heap_read_at.pop(iso_id, None)
        iso = self._isolates.pop(iso_id, None)
        if iso is not None:
            iso.close(background=True)
            self._zombies.add(iso)

    async def _load(self, msg: dict[str, Any]) -> None:
        iso = await self._isolate(msg["iso"], msg["memory_mb"], msg.get("nice", 0))
        iso.set_nice(msg.get("nice", 0))
        compiled = CompiledWorker(format=msg["format"], code=msg["code"], line1_offset=msg["line1"])
        try:
            handlers = await iso.load_worker(compiled, msg["env"], cpu_ms=msg["startup_cpu_ms"])
        except ScriptError as exc:
            self._dispose(msg["iso"])
            self._send({"t": "err", "mid": msg["mid"], "script_error": _script_error(exc)})
            return
        if isinstance(msg.get("worker"), str):
            self._workers[msg["iso"]] = msg["worker"]
        self._send({"t": "ok", "mid": msg["mid"], "handlers": handlers})

    async def _check(self, msg: dict[str, Any]) -> None:
        # (no "iso = None" before a try that sets it: compiled by mypyc, its finally then took None for an isolate)
        try:
            compiled = await compile_worker(msg["source"], msg.get("modules"), msg.get("main"))
        except ScriptError as exc:
            self._send({"t": "err", "mid": msg["mid"], "script_error": _script_error(exc)})
            return
        iso = await JsIsolate.create(memory_mb=msg["memory_mb"])
        try:
            handlers = await iso.load_worker(compiled, msg["env"], cpu_ms=msg["startup_cpu_ms"])
        except ScriptError as exc:
            self._send({"t": "err", "mid": msg["mid"], "script_error": _script_error(exc)})
            return
        finally:
            iso.close()
        self._send(
            {
                "t": "ok",
                "mid": msg["mid"],
                "format": compiled.format,
                "code": compiled.code,
                "line1": compiled.line1_offset,
                "handlers": handlers,
            }
        )

    async def _fetch(self, msg: dict[str, Any], body: bytes) -> None:
        mid = msg["mid"]
        iso_id = msg["iso"]
        iso = self._isolates.get(iso_id)
        if iso is None or iso.closed:
            self._send({"t": "err", "mid": mid, "error": f"no isolate {iso_id} in this host", "no_isolate": True})
            return
        upload = None
        if msg.get("upload"):  # the body follows in "body" frames; this frame's body is its first part
            upload = self._upload(mid)
            if body:
                upload.put_nowait(body)
            body = b""
        request = _http_request(msg["req"], body, upload)
        self._begin(iso_id, iso, msg)
        try:
            result = await iso.fetch(
                request,
                wall_ms=msg["wall_ms"],
                cpu_ms=msg.get("cpu_ms"),
                subrequests=msg.get("subrequests"),
                depth=int(msg["req"].get("depth", 0)),
            )
            await self._answer(msg, iso_id, iso, result)
        finally:
            self._uploads.pop(mid, None)
            self._end(iso_id, iso)

    def _begin(self, iso_id: int, iso: JsIsolate, msg: dict[str, Any]) -> None:
        iso.set_nice(msg.get("nice", 0))
        self._busy.add(iso_id)
        self._idle_suspects.discard(iso_id)
        self._request_at = time.monotonic()
        if self._wake is not None:  # the watcher was at its idle pace: the RSS it read may be old
            self._rss = self._read_rss()
            _wake_up(self._wake)
        self._rss_at_start[iso_id] = self._rss

    def _end(self, iso_id: int, iso: JsIsolate) -> None:
        self._busy.discard(iso_id)
        self._rss_at_start.pop(iso_id, None)
        if iso_id in self._isolates:
            self._idle_cpu[iso_id] = iso.last_cpu_s
            self._ended_at[iso_id] = time.monotonic()

    async def _answer(
        self,
        msg: dict[str, Any],
        iso_id: int,
        iso: JsIsolate,
        result: FetchResult,
        own: bool = True,
        batched: bool = False,
    ) -> None:
        """Sends a request's response, then its "fin" once the isolate is free again. ``own``: the request ran in
        the isolate the node gave it; otherwise in a batch's (see _batch), and the node's isolate for it is free
        whatever became of the batch's, which the batch's own request reports."""
        mid = msg["mid"]
        header = _result_header(mid, result)
        header["t"] = "res"
        if batched:
            header["batched"] = True
        if result.condemned:
            self._dispose(iso_id)
            if not own:
                header.update(condemned=False, fin=True, fin_now=_plain_fin(mid))
            self._send(header, result.body)
            return
        if not result.stream and (done := iso.finish_if_quiet()) is not None:
            # Nothing of the request can run any more (no waitUntil work, and the isolate's thread sleeps): the
            # isolate is free with the response itself, in one frame.
            header["fin_now"] = _masked(self._fin(mid, iso_id, iso, done), own)
            self._send(header, result.body)
            return
        self._send(header, result.body)
        if result.stream and not await self._stream(mid, iso_id, iso, own):
            return
        # The isolate is free for the node only after "fin": the request's waitUntil work ran, and nothing of it
        # keeps running (see JsIsolate.finish). The client has its response already.
        self._send(_masked(self._fin(mid, iso_id, iso, await iso.finish(wall_ms=msg["wait_until_ms"])), own))

    def _solo(self, worker: str) -> bool:
        until = self._solo_until.get(worker)
        if until is not None and until <= time.monotonic():
            del self._solo_until[worker]
            until = None
        return until is not None

    async def _batch(self, group: list[tuple[dict[str, Any], bytes]]) -> None:
        """Runs requests for one worker as a batch in the first one's isolate (see _run_queued)."""
        first = group[0][0]
        iso_id = first["iso"]
        iso = self._isolates.get(iso_id)
        if iso is None or iso.closed or iso_id in self._busy:  # (closed since the frames came)
            for msg, body in group:
                self._spawn(self._handle(msg, body))
            return
        self._begin(iso_id, iso, first)
        handed_on = 0  # messages passed to _handle, which counts them off itself
        own_answered = False
        answered: set[int] = set()  # the mids that have their answer (or went to run elsewhere)
        try:
            batch = await iso.fetch_batch(
                [_http_request(msg["req"], body, None) for msg, body in group],
                wall_ms=first["wall_ms"],
                cpu_ms=first.get("cpu_ms"),
                subrequests=first.get("subrequests"),
                depth=int(first["req"].get("depth", 0)),
            )
            for j, result in enumerate(batch.answered):
                mid = group[j][0]["mid"]
                header = _result_header(mid, result)
                header.update(t="res", batched=True)
                if j == 0:
                    own_answered = True  # its "fin" frees the batch's isolate: once the batch is over
                else:
                    header["fin_now"] = _plain_fin(mid)
                self._send(header, result.body)
                answered.add(mid)
            # The requests that never started run now, each in its own isolate, side by side. When not even the
            # first one could answer at once, this worker's requests wait for something (a subrequest, a timer, a
            # stream): its next ones run that way too, for a while.
            worker = self._workers.get(iso_id)
            if not batch.answered and worker is not None:
                self._solo_until[worker] = time.monotonic() + SOLO_S
            for msg, body in group[batch.ran :]:
                self._spawn(self._handle(msg, body))
                answered.add(msg["mid"])
                handed_on += 1
            if batch.last is not None:
                at = len(batch.answered)
                answered.add(group[at][0]["mid"])
                await self._answer(group[at][0], iso_id, iso, batch.last, own=at == 0, batched=True)
            if own_answered:
                mid = first["mid"]
                if iso.closed:
                    outcome = batch.condemned or (batch.last.outcome if batch.last else Outcome.OK)
                    self._dispose(iso_id)
                    self._send(_plain_fin(mid, outcome, condemned=True))
                else:
                    done = iso.finish_if_quiet() or await iso.finish(wall_ms=first["wait_until_ms"])
                    self._send(self._fin(mid, iso_id, iso, done))
                own_answered = False
        except Exception as exc:  # a bug here must not leave the node waiting, nor take other isolates down
            log.exception("isolate host failed on a batch")
            self._dispose(iso_id)
            for msg, _ in group:
                if msg["mid"] not in answered:
                    self._send({"t": "err", "mid": msg["mid"], "error": f"{type(exc).__name__}: {exc}"})
            if own_answered:  # the batch's isolate is gone
                self._send(_plain_fin(first["mid"], Outcome.EXCEPTION, condemned=True))
        finally:
            self._handling -= len(group) - handed_on
            self._end(iso_id, iso)

    def _fin(self, mid: int, iso_id: int, iso: JsIsolate, done: FetchResult) -> dict[str, Any]:
        """The "fin" header that frees the isolate, once what was left of its request ran (JsIsolate.finish)."""
        fin = _result_header(mid, done)
        fin["t"] = "fin"
        if done.condemned:
            self._dispose(iso_id)
        elif iso.over_soft_memory_limit():  # retire it now, gracefully: its request is done
            fin["condemned"] = True
            fin["retire"] = "memory_soft_limit"
            self._dispose(iso_id)
        elif time.monotonic() - self._heap_read_at.get(iso_id, 0.0) > HEAP_EVERY_S:
            # the isolate is quiet now, so asking V8 for its heap is a quick round trip
            self._heap_read_at[iso_id] = time.monotonic()
            fin["heap"] = iso.heap_used_bytes()
        return fin

    def _upload(self, mid: int) -> asyncio.Queue[bytes | None | Exception]:
        queue = self._uploads.get(mid)
        if queue is None:
            queue = self._uploads[mid] = asyncio.Queue()
        return queue

    async def _local_dispatch(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None, depth: int
    ) -> dict[str, Any] | None:
        """fetch() to a URL that a worker of this node serves goes to that worker through the node's dispatcher;
        None: not one of ours (the request goes out to the network)."""
        sid = next(self._sids)
        fut: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        self._subfetches[sid] = fut
        request = {"method": method, "url": url, "headers": headers}
        self._send({"t": "subfetch", "sid": sid, "depth": depth, "req": request}, body or b"")
        try:
            answer, out = await fut
        finally:
            self._subfetches.pop(sid, None)
        if not answer.get("local"):
            return None
        if answer.get("error"):
            raise ops.OpError("TypeError", str(answer["error"]))
        return {
            "status": answer["status"],
            "statusText": answer.get("statusText", ""),
            "headers": answer["headers"],
            "body": out,
        }

    async def _stream(self, mid: int, iso_id: int, iso: JsIsolate, own: bool = True) -> bool:
        """Send a streamed body's chunks as "chunk" frames, then an "end" frame (with the outcome if the stream
        failed). False when a limit stopped the isolate (it is gone; "fin" says so)."""
        end: dict[str, Any] = {"t": "end", "mid": mid, "outcome": Outcome.OK.value}
        try:
            async for chunk in iso.read_stream():
                self._send({"t": "chunk", "mid": mid}, chunk)
        except StreamFailed as exc:
            end["outcome"] = exc.outcome.value
            if exc.error is not None:
                end["error"] = {"name": exc.error.name, "message": exc.error.message, "stack": exc.error.stack}
            if exc.condemned:
                self._dispose(iso_id)
                end["logs"] = [[line.level, line.message] for line in iso.stream_logs]
                self._send(end)
                self._send(_plain_fin(mid, exc.outcome, condemned=own))
                return False
        end["logs"] = [[line.level, line.message] for line in iso.stream_logs]
        self._send(end)
        return True


async def _main(fd: int) -> None:
    try:
        await _v8.self_test()
    except Exception as exc:
        log.critical("the V8 binding failed its start-up check, so this host cannot run isolates: %s", exc)
        os._exit(_ipc.EXIT_SELF_TEST)
    sock = socket.socket(fileno=fd)
    host = Host()
    try:
        await host.run(sock)
    finally:
        for iso_id in list(host._isolates):
            host._dispose(iso_id)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="edgeworker-isolate-host")
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="host %(process)d %(levelname)s %(message)s", stream=sys.stderr)
    # The node handles SIGINT/SIGTERM and shuts us down by closing the socket; a Ctrl-C in the terminal
    # reaches the whole process group, and must not kill requests that are still finishing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    init_v8()
    try:
        import uvloop

        uvloop.run(_main(args.fd))
    except ImportError:
        asyncio.run(_main(args.fd))
    os._exit(0)  # do not wait for V8 threads of isolates that are stuck in a loop


if __name__ == "__main__":
    main()
