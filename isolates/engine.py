"""The Python half of the JavaScript protocol: one V8 isolate (a mini-racer context) per `JsIsolate`.

Only strings cross the boundary. Python calls the bridge functions of `globalThis.__edgeworker`
(see isolates/runtime/README.md); each returns a JSON "state". Microtasks run after each call
returns, so an async handler is driven by `poll()` calls: at once while the state says `ready`,
otherwise after the next timer is due or a host call (op) finished. Waiting is never JS time.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import os
import re
import secrets
import struct
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from py_mini_racer import JSEvalException, mini_racer

from edgeworker.isolates._ipc import dumps, loads
from edgeworker.isolates._v8 import SharedBuffer, V8Context
from edgeworker.isolates.ops import HOST_OPS, OpContext, op_context
from edgeworker.limits.enforcer import IsolateEnforcer, LimitExceeded, RequestEnforcer
from edgeworker.limits.outcome import Outcome

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNTIME_DIR = Path(__file__).resolve().parent / "runtime" / "dist"
SCRIPT_NAME = "worker.js"
NEVER_RESPONDED_MESSAGE = "The script will never generate a response."
_U32 = struct.Struct("<I")
_U32x2 = struct.Struct("<II")
BATCH_MAX = 64  # 00_infra.js: requests in one batch
# JS starts no request of a batch once the batch has run for more than BATCH_MS by its engine clock, which counts
# whole milliseconds (so under BATCH_MS + 1). The batch's CPU budget is one request's limit and that much more: a
# request stopped by it used its own limit itself.
BATCH_MS = int(os.environ.get("EDGEWORKER_BATCH_MS") or 1)
# How long the host looks for a late answer (see _late_answer) before it polls instead: a little more than the
# microtasks that make one take on a cold isolate, and less than the poll would cost.
LATE_WAIT_S = 0.0003
EXCHANGE_MAX = 1024 * 1024  # 00_infra.js: bodies up to this size cross in the isolate's exchange buffer

# V8 runs single-threaded (one thread per isolate: its CPU clock is the isolate's CPU time), and, as on Workers,
# code cannot be generated from strings: eval() and new Function() throw EvalError.
V8_FLAGS = ("--single-threaded", "--disallow-code-generation-from-strings")


def init_v8() -> None:
    """Set V8's flags; must run before the first isolate of the process is created."""
    from py_mini_racer._dll import init_mini_racer

    init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)


OpHandler = Callable[[Any], Awaitable[Any]]
# Every host call JS can make: op name → async function(args) → JSON-able value. A raised exception
# rejects the JS promise with a TypeError carrying its message. Later parts add op_fetch_send, op_kv_get...
OPS: dict[str, OpHandler] = dict(HOST_OPS)  # isolates/ops.py


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    request_id: str
    cf: dict[str, Any] = field(default_factory=dict)
    # an upload still arriving (``body`` is then empty): chunks, then None, or an exception (see ops.op_body_read)
    body_stream: asyncio.Queue[bytes | None | Exception] | None = None


@dataclass(frozen=True)
class JsError:
    name: str
    message: str
    stack: str


@dataclass(frozen=True)
class LogLine:
    level: str
    message: str


@dataclass
class FetchResult:
    outcome: Outcome
    status: int = 500
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: JsError | None = None
    logs: list[LogLine] = field(default_factory=list)
    condemned: bool = False
    wait_until: bool = False
    cpu_ms: float = 0.0  # CPU the isolate's thread spent on the request so far (JS, GC, microtasks)
    stream: bool = False  # the body follows: JsIsolate.read_stream()
    length: int | None = None  # a streamed body's declared length (a FixedLengthStream's), if it has one
    subrequest_limit_hit: bool = False  # a fetch() was refused: too many subrequests


@dataclass
class Batch:
    """What :meth:`JsIsolate.fetch_batch` did with its requests, in order: ``answered`` finished; the next one,
    if any ran, ended as ``last`` (stopped by a limit, or still running and driven on to its response, as
    :meth:`JsIsolate.fetch` would return it); the ones after never started (``ran`` counts those that did).
    ``condemned``: every request that ran has its answer, but the isolate went over a limit and is gone."""

    answered: list[FetchResult] = field(default_factory=list)
    ran: int = 0
    last: FetchResult | None = None
    condemned: Outcome | None = None


class StreamFailed(Exception):
    """A streamed response body that did not end well: the worker's stream errored or a limit stopped it."""

    def __init__(self, outcome: Outcome, error: JsError | None, condemned: bool = False) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome
        self.error = error
        self.condemned = condemned


class ScriptError(Exception):
    """The worker script failed to compile or to start."""

    def __init__(
        self,
        name: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        stack: str = "",
        module: str | None = None,
    ) -> None:
        self.name = name
        self.message = message
        self.line = line
        self.column = column
        self.stack = stack
        self.module = module  # the module it is in, for a multi-module worker
        where = f" at line {line}, column {column}" if line is not None and column is not None else ""
        super().__init__(f"{name}: {message}{f' in {module}' if module else ''}{where}")


@dataclass(frozen=True)
class CompiledWorker:
    format: Literal["modules", "service-worker"]
    code: str
    line1_offset: int


_sources: dict[str, str] = {}


def _dist(name: str) -> str:
    if name not in _sources:
        path = RUNTIME_DIR / name
        if not path.is_file():
            raise RuntimeError(f"the JavaScript runtime is not built: run `npm ci && npm run build` in {REPO_ROOT}")
        _sources[name] = path.read_text(encoding="utf-8")
    return _sources[name]


def runtime_source() -> str:
    """dist/runtime.js, read once per process."""
    return _dist("runtime.js")


def _js_string(value: str) -> str:
    """A JS string literal: JSON is valid JS (U+2028 too, since ES2019); lone surrogates come out escaped."""
    return dumps(value).decode()


# ---- V8 error messages ---------------------------------------------------------------------

_HEADER = re.compile(r"^(?P<file>[^\n]*?):(?P<line>\d+): (?P<rest>[^\n]*)")
_NAMED = re.compile(r"^(?P<name>[A-Za-z_$][\w$]*): (?P<message>.*)$")


def _parse_v8_error(text: str, line1_offset: int = 0) -> ScriptError:
    """Parses mini-racer's "<file>:LINE: Name: message\\n<source line>\\n   ^^^\\n\\n<stack>"."""
    m = _HEADER.match(text)
    if m is None:
        return ScriptError("Error", text.strip()[:2000])
    line = int(m["line"])
    rest = m["rest"]
    named = _NAMED.match(rest)
    name, message = (named["name"], named["message"]) if named else ("Error", rest)
    if name == "Uncaught":
        named = _NAMED.match(message)
        if named:
            name, message = named["name"], named["message"]
    lines = text.split("\n")
    column: int | None = None
    if len(lines) > 2 and "^" in lines[2] and lines[2].strip(" ^") == "":
        column = lines[2].index("^") + 1
        if line == 1:
            column = max(1, column - line1_offset)
    stack = "\n".join(lines[4:]).strip() if len(lines) > 4 else ""
    return ScriptError(name, message, line, column, stack[:16_000])


# ---- the tools isolate (deploy-time transform) -----------------------------------------------

_tools: dict[str, Any] = {}
_tools_lock: asyncio.Lock | None = None


async def compile_worker(
    source: str, modules: dict[str, dict[str, Any]] | None = None, main: str | None = None
) -> CompiledWorker:
    """Detects the worker's format and turns a module into a classic script (in a tools isolate).

    With ``modules`` (name → ``{"type": "esm"|"text"|"json", "content": str}`` or ``{"type": "data"|"wasm",
    "content_b64": str}``) and ``main``, links the worker's modules into one classic script; ``source`` is unused."""
    if modules is not None:
        call = f"__edgeworker_tools.link({_js_string(json.dumps({'modules': modules, 'main': main}))})"
    else:
        call = f"__edgeworker_tools.transform({_js_string(source)})"
    global _tools_lock
    loop = asyncio.get_running_loop()
    if _tools_lock is None or _tools.get("loop") is not loop:
        _close_tools()
        _tools_lock = asyncio.Lock()
    async with _tools_lock:
        if _tools.get("loop") is not loop:
            cm = mini_racer(loop)
            mr = cm.__enter__()
            _tools.update(loop=loop, cm=cm, mr=mr)
            try:
                await asyncio.wait_for(mr.eval_cancelable(_dist("tools.js") + "\n;0"), 10)
            except BaseException:
                _close_tools()
                raise
        try:
            raw = await asyncio.wait_for(_tools["mr"].eval_cancelable(call), 10)
        except BaseException:
            _close_tools()
            raise
        result = json.loads(str(raw))
        if "error" in result and result.get("probe"):
            v8_error = await _v8_wording(_tools["mr"], result["probe"], result["error"])
            if v8_error is not None:
                result["error"] = v8_error
    if "error" in result:
        e = result["error"]
        raise ScriptError(e["name"], e["message"], e.get("line"), e.get("column"), module=e.get("module"))
    return CompiledWorker(format=result["format"], code=result["code"], line1_offset=int(result["line1Offset"]))


async def _v8_wording(mr: Any, probe: str, acorn: dict[str, Any]) -> dict[str, Any] | None:
    """V8's own name and message for a module's syntax error: the probe is the module's code with its import and
    export syntax blanked out, inside a function expression that is only parsed, never called. Used when V8 puts
    the error on the same line as the module parser did (the probe's prefix shifts only line 1's columns)."""
    try:
        await asyncio.wait_for(mr.eval_cancelable(probe), 5)
    except JSEvalException as exc:
        err = _parse_v8_error(str(exc), line1_offset=len('(function(){"use strict";'))
        if err.line is not None and err.line == acorn.get("line"):
            return {"name": err.name, "message": err.message, "line": err.line, "column": err.column}
    except Exception:  # a probe that does not parse as V8 sees it is no reason to fail the deploy
        return None
    return None


_MODULE_MAP = "\n//# edgeworker-modules="


def _in_module(err: ScriptError, code: str) -> ScriptError:
    """A linked worker's error position, mapped from the script back to the module it is in (see tools.js)."""
    at = code.rfind(_MODULE_MAP)
    if at < 0 or err.line is None:
        return err
    for name, start, count, prefix in json.loads(code[at + len(_MODULE_MAP) :].split("\n", 1)[0]):
        if start <= err.line < start + count:
            column = err.column
            if start > 1 and err.line == start and column is not None:
                column = max(1, column - prefix)
            return ScriptError(err.name, err.message, err.line - start + 1, column, err.stack, module=name)
    return err


def _close_tools() -> None:
    cm = _tools.pop("cm", None)
    _tools.clear()
    if cm is not None:
        cm.__exit__(None, None, None)


# ---- the isolate -----------------------------------------------------------------------------


class _Condemned(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


class JsIsolate:
    """One V8 isolate with the runtime loaded and (after load_worker) one worker script."""

    def __init__(self, v8: V8Context, memory_mb: int) -> None:
        self._v8 = v8
        self._loop = asyncio.get_running_loop()
        self.enforcer = IsolateEnforcer(memory_mb)
        self._closed = False
        self._ops: dict[int, asyncio.Task[Any]] = {}
        self._request_open = False
        self.format: str | None = None
        self.startup_logs: list[LogLine] = []
        self._tid: int | None = None
        self._last_cpu = 0.0
        self._current: asyncio.Future[Any] | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._exchange: SharedBuffer | None = None  # the isolate's exchange buffer for bodies (see 00_infra.js)
        self._late: SharedBuffer | None = None  # where JS leaves a state that came after its call (90_dispatch.js)
        self.closed_at = 0.0
        self._interrupted = False  # a call was cut short: the thread may still be inside a builtin
        self.nice = 0
        self._subrequest_limit: int | None = None
        self._depth = 0
        self._stream_deadline = 0.0
        self.stream_logs: list[LogLine] = []
        self._request = RequestEnforcer(lambda: 0.0, None)  # the current request's (or startup's) CPU scope
        self._op_ctx = OpContext()  # the current request's state for its ops (subrequests, host CPU)
        self._salvage: Callable[[], None] | None = None

    @classmethod
    async def create(cls, *, memory_mb: int, nice: int = 0, warm: bool = False) -> JsIsolate:
        """A new isolate with the runtime loaded. ``warm``: also run a made-up request through it (a spare that
        waits for a worker compiles the request path now rather than in that worker's first request)."""
        v8 = V8Context()
        isolate = cls(v8, memory_mb)
        # Each V8 context runs its isolate on one OS thread of its own: its CPU clock is this isolate's CPU time
        # (JS, compilation and GC alike, since V8 runs single-threaded).
        isolate._tid = v8.tid
        isolate.set_nice(nice)
        try:
            v8.set_hard_memory_limit(isolate.enforcer.memory_bytes)
            v8.set_soft_memory_limit(isolate.enforcer.soft_memory_bytes)
            await asyncio.wait_for(v8.start(runtime_source() + "\n;0"), 10)
            # seeded, and with its exchange buffer made now: the first request with a body needs no extra call
            exchange = await asyncio.wait_for(
                v8.start(f"__edgeworker.seed({_js_string(secrets.token_hex(32))}), __edgeworker.exchange(0)"), 10
            )
            isolate._exchange = exchange if isinstance(exchange, SharedBuffer) else None
            late = await asyncio.wait_for(v8.start("__edgeworker.late()"), 10)
            isolate._late = late if isinstance(late, SharedBuffer) else None
            if warm:
                await asyncio.wait_for(v8.start("__edgeworker.warm()"), 10)
        except BaseException:
            v8.terminate()
            isolate._interrupted = True
            isolate.close()
            raise
        return isolate

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, background: bool = False) -> None:
        """Free the isolate. ``background``: do it on a thread of its own, off the event loop (tearing down a V8
        isolate takes milliseconds, which a host serving other isolates should not wait for)."""
        if self._closed:
            return
        if self._salvage is not None:  # a batch reads what its call answered before the isolate's memory goes
            salvage, self._salvage = self._salvage, None
            salvage()
        self._closed = True
        self.closed_at = time.monotonic()
        for task in self._ops.values():
            task.cancel()
        self._ops.clear()
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._v8.close()
        if self._interrupted or background:
            # Freeing a context waits for its thread, and a builtin such as Array.prototype.fill on a huge array
            # does not stop at TerminateExecution: free it off the event loop, so the host's other isolates go on.
            threading.Thread(target=self._v8.free, daemon=True).start()
        else:
            self._v8.free()

    async def _still_running(self) -> bool:
        """After TerminateExecution: is the isolate's thread still burning CPU (inside a builtin that does not
        check for termination)? The Python side hears of the cancel before V8 has stopped."""
        await asyncio.sleep(0.002)
        before = self.thread_cpu_s()
        await asyncio.sleep(0.005)
        return self.thread_cpu_s() - before > 0.001

    @property
    def memory_bytes(self) -> int:
        return self.enforcer.memory_bytes

    @property
    def thread_alive(self) -> bool:
        return self._tid is not None and os.path.exists(f"/proc/self/task/{self._tid}")

    def condemn(self, outcome: Outcome) -> None:
        """Stop the JavaScript running now (from outside: the host's memory watch); the call in flight ends with
        ``outcome`` and the isolate is thrown away."""
        call = self._current
        if call is not None and not call.done():
            self.enforcer.condemn(outcome)
            call.set_exception(_Condemned(outcome))

    def thread_cpu_s(self) -> float:
        """The isolate thread's CPU clock, in seconds (0 if the thread is unknown or gone)."""
        if self._tid is None:
            return 0.0
        try:
            self._last_cpu = time.clock_gettime(_thread_cpu_clock(self._tid))
        except OSError:  # the thread is gone (the isolate was closed): its last reading stands
            pass
        return self._last_cpu

    def _start_cpu_budget(self, cpu_ms: int | None) -> None:
        # without its thread's clock the isolate cannot be held to a CPU budget (the wall limit still holds)
        self._request = RequestEnforcer(self.thread_cpu_s, cpu_ms if self._tid is not None else None)

    def _end_cpu_budget(self) -> None:
        self._request.limit_s = None

    def cpu_used_s(self) -> float:
        """The request's CPU so far, as of the end of its last call into JavaScript."""
        return self._request.last_used_s()

    @property
    def last_cpu_s(self) -> float:
        """The isolate thread's CPU clock as last read."""
        return self._last_cpu

    @property
    def host_cpu_s(self) -> float:
        """CPU the host spent working for the current request (crypto in Python, say), charged to it."""
        return self._request.host_cpu_s

    def set_nice(self, nice: int) -> None:
        """Scheduling priority of the isolate's thread (a worker that keeps hitting its CPU limit gets the
        lowest, so its busy loops take CPU only when nobody else wants it). Raising it back needs privileges
        the host may not have; the pool drops such isolates instead."""
        if self._tid is None or nice == self.nice:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, self._tid, nice)
            self.nice = nice
        except (PermissionError, ProcessLookupError):
            pass

    def set_memory_limit(self, memory_mb: int) -> None:
        """A warm spare taken by a worker with a heap cap of its own."""
        self.enforcer.set_memory_mb(memory_mb)
        self._v8.set_hard_memory_limit(self.enforcer.memory_bytes)
        self._v8.set_soft_memory_limit(self.enforcer.soft_memory_bytes)

    def over_soft_memory_limit(self) -> bool:
        """The heap passed the soft limit (a share of the hard one): retire this isolate after its request, before
        the hard limit has to kill one in the middle of a request."""
        return self._v8.soft_memory_limit_reached()

    def heap_used_bytes(self) -> int:
        return int(self._v8.heap_stats().get("used_heap_size", 0))

    async def trim(self) -> None:
        """Give back what the isolate's heap holds beyond its live objects (an idle isolate's garbage and grown
        spaces): a full collection of a few milliseconds on the isolate's thread, waited for off the event loop."""
        await asyncio.to_thread(self._v8.low_memory_notification)

    def quiet(self) -> bool:
        """No JavaScript is running on the isolate's thread: it sleeps, waiting for the next call (the microtasks
        a call left have all run)."""
        return self._v8.thread_idle()

    # -- calls into JS

    async def _call(self, code: str, deadline: float, checks: bool = True) -> Any:
        """Evaluates `code` (which returns a JSON string) with a wall-clock deadline; parses the result. Without
        ``checks`` the caller looks at the memory and CPU limits after the call itself (:meth:`_over_limit`)."""
        if self._closed:
            raise RuntimeError("the isolate is closed")
        if deadline - time.monotonic() <= 0:
            self.close()
            raise _Condemned(Outcome.EXCEEDED_WALL_TIME)
        call = self._v8.start(code)
        self._current = call
        self._watch(call, deadline, fresh=False)
        try:
            raw = await call
        except _Condemned as condemned:
            self._v8.terminate()  # V8 TerminateExecution; then the isolate is thrown away
            self._interrupted = await self._still_running()
            self.close()
            raise condemned  # (named: compiled by mypyc, a bare raise after an await raised a freed object)
        except asyncio.CancelledError:
            self._v8.terminate()
            self._interrupted = True
            self.close()
            raise
        except JSEvalException:
            if self._v8.hard_memory_limit_reached():
                self.close()
                raise _Condemned(Outcome.EXCEEDED_MEMORY) from None
            raise
        finally:
            self._current = None
            if self._watchdog is not None:
                self._watchdog.cancel()
                self._watchdog = None
        if checks and (outcome := self._over_limit()) is not None:
            self.close()
            raise _Condemned(outcome)
        return loads(raw) if isinstance(raw, str) else raw

    def _over_limit(self) -> Outcome | None:
        """After a call: the limit the isolate went over (its heap cap, the request's CPU budget), if any."""
        if self._v8.hard_memory_limit_reached():
            return Outcome.EXCEEDED_MEMORY
        try:
            self._request.check()
        except LimitExceeded as exc:
            return exc.outcome
        return None

    def _watch(self, call: asyncio.Future[Any], deadline: float, fresh: bool = True) -> None:
        """The call's watchdog: it wakes when the request's CPU budget or its wall time could be used up, and
        ends the call if one of them is (otherwise it sleeps again, for what is left)."""
        self._watchdog = None
        if call.done():
            return
        try:
            timeout = self._request.wait_s(deadline - time.monotonic(), fresh)
        except LimitExceeded as exc:
            call.set_exception(_Condemned(exc.outcome))
            return
        if timeout <= 0:
            call.set_exception(_Condemned(Outcome.EXCEEDED_WALL_TIME))
            return
        self._watchdog = self._loop.call_later(timeout, self._watch, call, deadline)

    async def load_worker(
        self, compiled: CompiledWorker, env: dict[str, Any], *, timeout_ms: int = 5000, cpu_ms: int | None = 400
    ) -> list[str]:
        """Evaluates the worker script, then init(); returns the handler names. The top level may take ``cpu_ms``
        of CPU time and ``timeout_ms`` of wall time."""
        deadline = time.monotonic() + timeout_ms / 1000
        self._start_cpu_budget(cpu_ms)
        code = compiled.code + f"\n;0\n//# sourceURL={SCRIPT_NAME}"
        try:
            try:
                await self._call(code, deadline)
            except JSEvalException as e:
                raise _in_module(_parse_v8_error(str(e), compiled.line1_offset), compiled.code) from None
            env_json = json.dumps({"vars": env.get("vars", {}), "secrets": env.get("secrets", {})})
            try:
                state = await self._call(f"__edgeworker.init({_js_string(env_json)})", deadline)
            except JSEvalException as e:
                err = _parse_v8_error(str(e))
                raise ScriptError(err.name, err.message, stack=err.stack) from None
        except _Condemned as c:
            if c.outcome is Outcome.EXCEEDED_WALL_TIME:
                raise ScriptError("Error", f"script startup exceeded {timeout_ms} ms of wall time") from None
            if c.outcome is Outcome.EXCEEDED_CPU:
                raise ScriptError("Error", f"script startup exceeded the CPU time limit of {cpu_ms} ms") from None
            raise ScriptError("Error", "script startup exceeded the memory limit") from None
        finally:
            self._end_cpu_budget()
        self.format = state["format"]
        self.startup_logs = _logs(state)
        return list(state["handlers"])

    async def fetch(
        self,
        req: HttpRequest,
        *,
        wall_ms: int,
        cpu_ms: int | None = None,
        subrequests: int | None = None,
        depth: int = 0,
    ) -> FetchResult:
        """Dispatches one request and drives it until its response is known. The request may use ``cpu_ms`` of
        CPU time in all (its waitUntil work in :meth:`finish` included), ``wall_ms`` until the response, and make
        ``subrequests`` outbound fetches."""
        self._begin(cpu_ms, subrequests, depth)
        result = await self._fetch(req, wall_ms)
        result.cpu_ms = self.cpu_used_s() * 1000
        result.subrequest_limit_hit = self._op_ctx.subrequest_limit_hit
        return result

    def _begin(self, cpu_ms: int | None, subrequests: int | None, depth: int) -> None:
        """The limits of the request (or batch) about to run."""
        self._start_cpu_budget(cpu_ms)
        self._subrequest_limit = subrequests
        self._depth = depth
        self.stream_logs = []

    @staticmethod
    def _message(req: HttpRequest) -> dict[str, Any]:
        """A request as the runtime's dispatch takes it (its body travels beside it)."""
        message = {
            "id": req.request_id,
            "method": req.method,
            "url": req.url,
            "headers": [[k, v] for k, v in req.headers],
            "body": None,
            "bodyStream": req.body_stream is not None,
            "now": time.time() * 1000,
            "seed": _entropy(),
            "cf": req.cf,
        }
        if req.body:
            message["bodyLen"] = len(req.body)
        return message

    def _open(self, req: HttpRequest) -> None:
        """The host side of a request that starts running in the isolate."""
        for task in self._ops.values():  # a previous request that was never finished: its ops are void
            task.cancel()
        self._ops.clear()
        self._request_open = True
        self._op_ctx = OpContext(request_id=req.request_id, depth=self._depth, body_queue=req.body_stream)
        if self._subrequest_limit is not None:
            self._op_ctx.subrequest_limit = self._subrequest_limit

    async def fetch_batch(
        self,
        reqs: list[HttpRequest],
        *,
        wall_ms: int,
        cpu_ms: int | None = None,
        subrequests: int | None = None,
        depth: int = 0,
    ) -> Batch:
        """Runs several requests for this worker in one call (``dispatchBatch`` in 90_dispatch.js): one after
        another, each to its end while they can answer at once. The first that cannot is driven on here as
        :meth:`fetch` would (:attr:`Batch.last`); those after it never start. Each request keeps its own wall and
        CPU limits: JS starts no request after the batch has run for BATCH_MS, and the batch's CPU budget is
        one request's and that time."""
        self._begin(None if cpu_ms is None else cpu_ms + BATCH_MS + 1, subrequests, depth)
        deadline = time.monotonic() + wall_ms / 1000
        parts = [_U32.pack(len(reqs))]
        for req in reqs:
            head = _ascii_json(self._message(req))
            body = req.body or b""
            parts += (_U32x2.pack(len(head), len(body)), head, body)
        data = b"".join(parts)
        batch = Batch()
        try:
            buffer = await self._exchange_buffer(len(data), deadline)
            buffer.write(data)
            self._salvage = lambda: batch.answered.extend(_answers(buffer, salvaging=True))
            try:
                call = f"__edgeworker.dispatchBatch({buffer.size}, {BATCH_MS})"
                out = await self._call(call, deadline, checks=False)
                if out.get("late"):  # async handlers: the batch goes on in the microtasks after the call
                    # A batch's microtasks take a while: rather than look again and again (the host's CPU), the
                    # poll waits in the isolate's queue behind them, once.
                    out = await self._late_answer(wait_s=0.0)
                    if out is None:  # still running, or a request waits for a timer: the poll ends the batch
                        message = {"now": time.time() * 1000, "results": []}
                        poll = await self._exchanged("poll", message, b"", deadline, in_source=True)
                        out = await self._call(poll, deadline, checks=False)
            finally:
                self._salvage = None
            if out.get("s") != "batch":
                raise ValueError("a batch ended with something else than its end")
            batch.answered = _answers(buffer)
            batch.ran = int(out["ran"])
            last = out["last"]
            answered = len(batch.answered)
            if not answered <= batch.ran <= len(reqs) or (last is None) != (batch.ran == answered):
                raise ValueError("a batch's answer does not add up")
            outcome = self._over_limit()
            if outcome is not None:
                self.close()
                if last is not None:  # the request still running ran last: it went over the limit
                    batch.last = FetchResult(outcome, condemned=True)
                else:  # every request that ran has its answer; the isolate goes
                    batch.condemned = outcome
            elif last is not None:
                self._open(reqs[batch.ran - 1])
                batch.last = await self._drive(last, [], deadline)
            else:
                self._request_open = False
        except _Condemned as c:  # stopped during the call: the request after those answered was running
            batch.ran = len(batch.answered) + 1
            batch.last = FetchResult(c.outcome, condemned=True)
        except (JSEvalException, ValueError, KeyError, TypeError) as e:  # worker code can reach the bridge too
            batch.ran = len(batch.answered) + 1
            error = e if isinstance(e, JSEvalException) else JSEvalException(f"Error: the batch's answer: {e!r}")
            batch.last = self._bridge_failed(error, [])
        share = self.cpu_used_s() * 1000 / max(1, batch.ran)
        for result in batch.answered:
            result.cpu_ms = share
        if batch.last is not None:
            batch.last.cpu_ms = share
            batch.last.subrequest_limit_hit = self._op_ctx.subrequest_limit_hit
        return batch

    async def _fetch(self, req: HttpRequest, wall_ms: int) -> FetchResult:
        deadline = time.monotonic() + wall_ms / 1000
        message = self._message(req)
        self._open(req)
        logs: list[LogLine] = []
        try:
            call = await self._exchanged("dispatch", message, req.body or b"", deadline)
            return await self._drive(await self._call(call, deadline), logs, deadline)
        except _Condemned as c:
            return FetchResult(c.outcome, logs=logs, condemned=True)
        except JSEvalException as e:
            return self._bridge_failed(e, logs)

    def _bridge_failed(self, e: JSEvalException, logs: list[LogLine]) -> FetchResult:
        """The bridge itself failed: the isolate cannot be trusted."""
        self.close()
        err = _parse_v8_error(str(e))
        return FetchResult(
            Outcome.EXCEPTION, error=JsError(err.name, err.message, err.stack), logs=logs, condemned=True
        )

    async def _drive(self, first: dict[str, Any], logs: list[LogLine], deadline: float) -> FetchResult:
        """Drives a request from the state its dispatch returned until its response is known."""
        state: dict[str, Any] | None = first
        try:
            while state is not None:
                logs += _logs(state)
                kind = state["s"]
                if kind in ("done", "error"):
                    result = _result(state, logs, await self._body(state, "bodyLen", "body", deadline))
                    if state.get("stream"):  # the head is known; the body follows through read_stream()
                        result.stream = True
                        length = state.get("length")
                        result.length = length if isinstance(length, int) and length >= 0 else None
                        self._stream_deadline = deadline
                        return result
                    if state.get("finished"):
                        self._request_open = False
                        return result
                    if result.wait_until:
                        return result
                    result.logs += await self._finish_js(deadline)
                    return result
                if kind != "pending":  # "idle"/"draining" before a response: cannot happen
                    raise RuntimeError(f"unexpected state {kind!r} before the response")
                answered = await self._late_answer() if state.get("late") else None
                state = answered if answered is not None else await self._advance(state, deadline)
            result = FetchResult(
                Outcome.NEVER_RESPONDED, error=JsError("Error", NEVER_RESPONDED_MESSAGE, ""), logs=logs
            )
            result.logs += await self._finish_js(deadline)
            return result
        except _Condemned as c:
            return FetchResult(c.outcome, logs=logs, condemned=True)
        except JSEvalException as e:
            return self._bridge_failed(e, logs)

    def read_stream(self) -> AsyncIterator[bytes]:
        """After a fetch whose result has ``stream``: the body's chunks as the worker's stream produces them.
        Ends normally at the stream's end; raises :class:`StreamFailed` when the stream errors, can never end,
        or a limit stops the isolate (the client then sees a cut-off body). The wall limit is the request's."""
        return _BodyStream(self)

    async def finish(self, *, wall_ms: int) -> FetchResult:
        """Runs the request's waitUntil work to its end (or the wall limit), then closes the request. Its CPU
        counts against the same budget as the request's."""
        return self._closed_request(self._finished_quietly() or await self._finish(wall_ms))

    def finish_if_quiet(self) -> FetchResult | None:
        """:meth:`finish` when it need not wait: nothing of the request can run any more (no waitUntil work, and
        the isolate's thread sleeps). None otherwise."""
        done = self._finished_quietly()
        return None if done is None else self._closed_request(done)

    def _closed_request(self, result: FetchResult) -> FetchResult:
        result.cpu_ms = self.cpu_used_s() * 1000
        result.subrequest_limit_hit = self._op_ctx.subrequest_limit_hit
        self._end_cpu_budget()
        return result

    def _finished_quietly(self) -> FetchResult | None:
        # Nothing left to run, and no microtask chain outlived the response if the isolate's thread sleeps (any that
        # ran after the last call is over: its CPU is read now and counts against the budget).
        if self._request_open or not self.quiet():
            return None
        try:
            self._request.check()
        except LimitExceeded as exc:
            self.close()
            return FetchResult(exc.outcome, status=0, condemned=True)
        return FetchResult(Outcome.OK, status=0)

    async def _finish(self, wall_ms: int) -> FetchResult:
        deadline = time.monotonic() + wall_ms / 1000
        logs: list[LogLine] = []
        if not self._request_open:
            # A microtask chain outlived the response (the thread was running): a no-op call queues behind it,
            # under the request's CPU budget; a chain that never ends condemns the isolate here.
            try:
                await self._call("0", deadline)
            except _Condemned as c:
                return FetchResult(c.outcome, status=0, logs=logs, condemned=True)
            return FetchResult(Outcome.OK, status=0, logs=logs)
        try:
            poll = await self._exchanged("poll", {"now": time.time() * 1000, "results": []}, b"", deadline)
            state = await self._call(poll, deadline)
            while True:
                logs += _logs(state)
                if state["s"] != "draining":
                    break
                next_state = await self._advance(state, deadline)
                if next_state is None:
                    logs.append(LogLine("warn", "waitUntil() promises can never settle; they were cancelled"))
                    break
                state = next_state
            logs += await self._finish_js(deadline)
            return FetchResult(Outcome.OK, status=0, logs=logs)
        except _Condemned as c:
            return FetchResult(c.outcome, status=0, logs=logs, condemned=True)
        except JSEvalException:
            self.close()
            return FetchResult(Outcome.EXCEPTION, status=0, logs=logs, condemned=True)

    # -- bodies

    async def _exchange_buffer(self, size: int, deadline: float) -> SharedBuffer:
        """The isolate's exchange buffer, at least ``size`` bytes (JS makes or grows it on this call)."""
        if self._exchange is None or self._exchange.size < size:
            buffer = await self._call(f"__edgeworker.exchange({size})", deadline)
            if not isinstance(buffer, SharedBuffer):
                raise RuntimeError("the runtime's exchange buffer is not a SharedArrayBuffer")
            self._exchange = buffer
        return self._exchange

    async def _body(self, state: dict[str, Any], length_key: str, text_key: str, deadline: float) -> bytes:
        """A body (or the next part of one) that JS left in the exchange buffer, or in the state as a latin-1
        string when it was larger. A buffer size the host has not seen means JS replaced the buffer."""
        length = state.get(length_key)
        if isinstance(length, int):
            if self._exchange is None or self._exchange.size != state.get("xsize"):
                self._exchange = None
                buffer = await self._exchange_buffer(0, deadline)
                if buffer.size != state.get("xsize"):
                    raise RuntimeError("the runtime's exchange buffer changed size unexpectedly")
            assert self._exchange is not None
            at = state.get("bodyAt", 0)
            return self._exchange.read(length, at if isinstance(at, int) else -1) if length else b""
        text = state.get(text_key)
        return str(text).encode("latin-1") if text else b""

    # -- the poll loop

    async def _exchanged(
        self, name: str, message: dict[str, Any], body: bytes, deadline: float, in_source: bool = False
    ) -> str:
        """The call of bridge function ``name`` (dispatch or poll) with ``message`` (and a request's ``body``): the
        message waits in the exchange buffer as ASCII JSON behind its length, the body behind it, so that the call's
        source is the same every time and V8 compiles it once (a source with the message in it cost ~10 µs of
        compiling, and its garbage, per call). A message that does not fit, or with ``in_source``, goes in the
        source, the body as latin-1."""
        head = _ascii_json(message)
        if not in_source and 4 + len(head) + len(body) <= EXCHANGE_MAX:
            buffer = await self._exchange_buffer(4 + len(head) + len(body), deadline)
            buffer.write(_U32.pack(len(head)) + head)
            if body:
                buffer.write(body, 4 + len(head))
            return f"__edgeworker.{name}Exchanged({buffer.size})"
        if body:
            message.pop("bodyLen", None)
            message["body"] = body.decode("latin-1")
        return f"__edgeworker.{name}({_js_string(dumps(message).decode())})"

    async def _advance(self, state: dict[str, Any], deadline: float) -> dict[str, Any] | None:
        """Starts the state's ops, waits for whatever comes first, polls. None: it can never progress."""
        for op in state.get("ops", []):
            self._ops[op["id"]] = asyncio.ensure_future(_run_op(self._op_ctx, op["op"], op.get("args")))
        if not state.get("ready"):
            timer = state.get("timer")
            if timer is None and not self._ops:
                return None
            wait_s = deadline - time.monotonic()
            if timer is not None:
                wait_s = min(wait_s, timer / 1000)
            if wait_s > 0:
                if self._ops:
                    await asyncio.wait(list(self._ops.values()), timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await asyncio.sleep(wait_s)
            if time.monotonic() >= deadline:
                self.close()
                raise _Condemned(Outcome.EXCEEDED_WALL_TIME)
        results = []
        for op_id, task in list(self._ops.items()):
            if task.done():
                del self._ops[op_id]
                ok, value = task.result()
                results.append({"id": op_id, "ok": ok, "value": value})
        self._request.charge_host(self._op_ctx.cpu_seconds)
        # after a "late" state, a late answer's body may be in the exchange buffer: the message goes in the source
        poll_message = {"now": time.time() * 1000, "results": results}
        poll = await self._exchanged("poll", poll_message, b"", deadline, in_source=bool(state.get("late")))
        return dict(await self._call(poll, deadline))

    async def _late_answer(self, wait_s: float | None = None) -> dict[str, Any] | None:
        """The state JS left in the late buffer after its call returned "pending" (an async handler's Response,
        resolved in the microtasks that ran after the call), once the thread sleeps; None if there is none (yet):
        then a poll gets it. Saves a call into the isolate for most async handlers. Looks for ``wait_s``
        (LATE_WAIT_S by default)."""
        if self._late is None:
            return None
        give_up = time.perf_counter() + (LATE_WAIT_S if wait_s is None else wait_s)
        while not self.quiet():  # usually done by now; if not, let the loop turn (other requests go on) a while
            if time.perf_counter() > give_up:
                return None
            await asyncio.sleep(0)
        if self._closed:
            return None
        count = int.from_bytes(self._late.read(4), "little")
        if not 0 < count <= (self._late.size - 4) // 2:
            return None
        text = self._late.read(4 + 2 * count)[4:].decode("utf-16-le", "surrogatepass")
        self._late.write(b"\0\0\0\0")  # taken (JS looks at the next call)
        try:
            state = loads(text)
        except ValueError:  # worker code can write into the buffer too: then it gets the poll
            return None
        return state if isinstance(state, dict) and isinstance(state.get("s"), str) else None

    async def _finish_js(self, deadline: float) -> list[LogLine]:
        for task in self._ops.values():
            task.cancel()
        self._ops.clear()
        self._request_open = False
        state = await self._call("__edgeworker.finish()", max(deadline, time.monotonic() + 1))
        return _logs(state)


class _BodyStream:
    """:meth:`JsIsolate.read_stream`'s chunks. An async iterator class, not an async generator: mypyc compiles
    this module (setup.py), and no async generators."""

    def __init__(self, iso: JsIsolate) -> None:
        self._iso = iso
        self._deadline = iso._stream_deadline
        self._state: dict[str, Any] | None = {"ready": True}
        self._last: dict[str, Any] | None = None  # the state that ended the stream, once its chunk has gone
        self._done = False

    def __aiter__(self) -> _BodyStream:
        return self

    async def __anext__(self) -> bytes:
        iso = self._iso
        try:
            while True:
                if self._last is not None:
                    self._end(self._last)
                if self._done:
                    raise StopAsyncIteration
                state = await iso._advance(self._state or {}, self._deadline)
                self._state = state
                if state is None:
                    self._done = True
                    raise StreamFailed(
                        Outcome.NEVER_RESPONDED, JsError("Error", "The response body stream never ends.", "")
                    )
                iso.stream_logs += _logs(state)
                if state["s"] != "streaming":
                    self._done = True
                    raise StopAsyncIteration
                chunk = await iso._body(state, "chunkLen", "chunk", self._deadline)
                if state["end"]:
                    self._last = state
                if chunk:
                    return chunk
        except _Condemned as c:
            self._done = True
            raise StreamFailed(c.outcome, None, condemned=True) from None

    def _end(self, state: dict[str, Any]) -> None:
        self._last = None
        self._done = True
        if state.get("finished"):
            self._iso._request_open = False
        if state.get("error"):
            e = state["error"]
            raise StreamFailed(Outcome.EXCEPTION, JsError(str(e["name"]), str(e["message"]), str(e["stack"])))


async def _run_op(ctx: OpContext, name: str, args: Any) -> tuple[bool, Any]:
    op_context.set(ctx)  # this op's own task: ops.current() is the request's context
    handler = OPS.get(name)
    if handler is None:
        return False, {"name": "TypeError", "message": f"unknown host operation: {name}"}
    try:
        return True, await handler(args)
    except Exception as e:  # the JS promise rejects with the error's message
        return False, {"name": "Error", "message": str(e) or type(e).__name__}


_pool = bytearray()


def _entropy() -> str:
    """32 fresh bytes from the OS's CSPRNG, hex: each request's new entropy for its isolate's generator (see
    30_crypto.js). Read 4 KB at a time, not one system call per request."""
    global _pool
    if len(_pool) < 32:
        _pool = bytearray(os.urandom(4096))
    out = _pool[-32:]
    del _pool[-32:]
    return out.hex()


def _thread_cpu_clock(tid: int) -> int:
    """The Linux clock id of one thread's CPU time (MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED))."""
    return ((~tid) << 3) | 6


def _ascii_json(message: dict[str, Any]) -> bytes:
    """A message as JSON the JS side can read as ASCII (a header value above U+007F is escaped)."""
    head = dumps(message)
    return head if head.isascii() else json.dumps(message).encode()


def _answers(buffer: SharedBuffer, salvaging: bool = False) -> list[FetchResult]:
    """The answers a batch published in the exchange buffer (see takeBatch in 00_infra.js). Worker code can reach
    the buffer too: what does not add up raises ValueError (or, ``salvaging`` a stopped call, ends the list)."""
    results: list[FetchResult] = []
    memory = buffer.view()
    size = buffer.size
    try:
        count = _U32.unpack_from(memory)[0]
        if count > BATCH_MAX:
            raise ValueError(f"a batch published {count} answers")
        for i in range(count):
            at = _U32.unpack_from(memory, 4 + 4 * i)[0]
            units = _U32.unpack_from(memory, at)[0]
            if at + 4 + 2 * units > size:
                raise ValueError("an answer runs past the end of the exchange buffer")
            state = loads(codecs.utf_16_le_decode(memory[at + 4 : at + 4 + 2 * units], "surrogatepass", True)[0])
            if not isinstance(state, dict) or state.get("finished") is not True:
                raise ValueError("a batch published an answer that is not a finished request's")
            length = state.get("bodyLen")
            if isinstance(length, int):
                body_at = int(state.get("bodyAt", 0))
                if length < 0 or body_at < 0 or body_at + length > size:
                    raise ValueError("an answer's body runs past the end of the exchange buffer")
                body = bytes(memory[body_at : body_at + length])
            else:
                body = str(state.get("body") or "").encode("latin-1")
            results.append(_result(state, _logs(state), body))
    except (ValueError, KeyError, TypeError, struct.error, UnicodeError):
        if not salvaging:
            raise ValueError("a batch's answers in the exchange buffer are not readable") from None
    return results


def _logs(state: dict[str, Any]) -> list[LogLine]:
    return [LogLine(str(level), str(text)) for level, text in state.get("logs", [])]


def _result(state: dict[str, Any], logs: list[LogLine], body: bytes) -> FetchResult:
    wait_until = int(state.get("waitUntil", 0)) > 0
    if state["s"] == "error":
        e = state["error"]
        return FetchResult(
            Outcome.EXCEPTION,
            error=JsError(str(e["name"]), str(e["message"]), str(e["stack"])),
            logs=logs,
            wait_until=wait_until,
        )
    return FetchResult(
        Outcome.OK,
        status=int(state["status"]),
        headers=[(str(k), str(v)) for k, v in state["headers"]],
        body=body,
        logs=logs,
        wait_until=wait_until,
    )
