"""V8 contexts through mini-racer's C functions, completed natively through an eventfd.

mini-racer runs each context's isolate on one thread of its own and reports the end of every task through one
callback per context. Its Python API makes that callback a Python function: the isolate thread takes the GIL,
wraps the value and wakes the event loop with ``call_soon_threadsafe`` — about 130 µs and several thread hops
per call. Here the callback is libc's ``eventfd_write`` itself: the isolate thread adds the result's address to
an eventfd that the event loop watches, without Python and without the GIL (``../shared/notes/mini-racer.md``
measured 12–26 µs per call this way). One task at a time runs on a context, so the eventfd's counter is exactly
that address when it is read.

These C functions are an internal interface of mini-racer, not its public API. ``pyproject.toml`` pins the
version range, and :func:`self_test` checks on start-up that values, errors and cancellation come back as this
module expects; the isolate host refuses to start otherwise.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import threading
from dataclasses import dataclass
from typing import Any

from py_mini_racer import JSEvalException, JSOOMException, JSParseException, JSTimeoutException
from py_mini_racer._dll import MR_CALLBACK, RawValueHandle, init_mini_racer
from py_mini_racer._exc import JSTerminatedException

from edgeworker.isolates._ipc import loads

# mini_racer.cc's type tags for the values a call can end with
_NULL, _BOOL, _INTEGER, _DOUBLE, _STRING, _UNDEFINED, _SHARED_ARRAY_BUFFER = 1, 2, 3, 4, 5, 11, 101
_ERRORS: dict[int, type[JSEvalException]] = {
    200: JSEvalException,
    201: JSParseException,
    202: JSOOMException,
    203: JSTimeoutException,
    204: JSTerminatedException,
}

_libc = ctypes.CDLL(None, use_errno=True)
# void callback(uint64 callback_id, RawValue*) called as eventfd_write(int fd, uint64 value): the callback id is
# the eventfd, the value the result's address (both in the first two integer registers, as the C ABI passes them)
_COMPLETE = ctypes.cast(_libc.eventfd_write, MR_CALLBACK)


def _dll() -> ctypes.CDLL:
    return init_mini_racer(ignore_duplicate_init=True)


class V8Context:
    """One V8 isolate and its thread. :meth:`start` runs one script at a time; the answer is a string, a number,
    a boolean or None, or one of mini-racer's ``JSEvalException`` classes."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._lib = _dll()
        before = _thread_ids()
        self._ctx = self._lib.mr_init_context(_COMPLETE)
        new = _thread_ids() - before
        # the isolate's own thread (its CPU clock is the isolate's CPU time); None if it cannot be told apart
        self.tid: int | None = new.pop() if len(new) == 1 else None
        # the thread's /proc stat, kept open: one pread per look at its state
        self._stat = os.open(f"/proc/self/task/{self.tid}/stat", os.O_RDONLY | os.O_CLOEXEC) if self.tid else -1
        self._efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._loop.add_reader(self._efd, self._completed)
        self._waiter: asyncio.Future[Any] | None = None
        self._code: Any = None  # the script's value handle, freed when its task ends
        self._task = 0
        self.closed = False
        self._native = threading.Lock()  # calls made from other threads (low_memory_notification) against free()
        self._freed = False

    # -- running code

    def start(self, code: str) -> asyncio.Future[Any]:
        """Start evaluating ``code``; the future gets its value. Cancelling the future does not stop the script:
        call :meth:`terminate` for that."""
        if self.closed:
            raise RuntimeError("the V8 context is closed")
        if self._waiter is not None:
            raise RuntimeError("a script is already running on this V8 context")
        data = code.encode("utf-8", "surrogatepass")
        self._code = self._lib.mr_alloc_string_val(self._ctx, data, len(data), _STRING)
        self._waiter = self._loop.create_future()
        self._task = self._lib.mr_eval(self._ctx, self._code, self._efd)
        return self._waiter

    @property
    def running(self) -> bool:
        return self._waiter is not None

    def terminate(self) -> None:
        """Stop the running script (V8's TerminateExecution); its future ends with JSTerminatedException."""
        if self._waiter is not None and not self.closed:
            self._lib.mr_cancel_task(self._ctx, self._task)

    def _completed(self) -> None:
        try:
            address = os.eventfd_read(self._efd)
        except BlockingIOError:
            return
        raw = ctypes.cast(address, RawValueHandle)
        try:
            value: Any = _value(raw.contents)
        except JSEvalException as exc:
            value = exc
        finally:
            self._lib.mr_free_value(self._ctx, raw)
            if self._code is not None:
                self._lib.mr_free_value(self._ctx, self._code)
                self._code = None
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return
        if isinstance(value, JSEvalException):
            waiter.set_exception(value)
        else:
            waiter.set_result(value)

    # -- the isolate's state (synchronous calls; quick while no script runs)

    def set_hard_memory_limit(self, limit_bytes: int) -> None:
        self._lib.mr_set_hard_memory_limit(self._ctx, limit_bytes)

    def set_soft_memory_limit(self, limit_bytes: int) -> None:
        self._lib.mr_set_soft_memory_limit(self._ctx, limit_bytes)

    def hard_memory_limit_reached(self) -> bool:
        return bool(self._lib.mr_hard_memory_limit_reached(self._ctx))

    def soft_memory_limit_reached(self) -> bool:
        return bool(self._lib.mr_soft_memory_limit_reached(self._ctx))

    def low_memory_notification(self) -> None:
        """A full garbage collection that also gives free pages back to the OS (V8's LowMemoryNotification). It
        waits for the collection (milliseconds): call it from a thread of its own. Safe beside :meth:`free`."""
        with self._native:
            if not self._freed:
                self._lib.mr_low_memory_notification(self._ctx)

    def heap_stats(self) -> dict[str, Any]:
        raw = self._lib.mr_heap_stats(self._ctx)
        try:
            text = _value(raw.contents)
        finally:
            self._lib.mr_free_value(self._ctx, raw)
        stats = loads(text) if isinstance(text, str) else {}
        return stats if isinstance(stats, dict) else {}

    def thread_idle(self) -> bool:
        """Is the isolate's thread asleep, waiting for work? (Microtasks run after a call has answered: until
        they are done the thread is running, or runnable.) False when it cannot be told."""
        if self._stat < 0:
            return False
        try:
            stat = os.pread(self._stat, 512, 0)
        except OSError:
            return False
        at = stat.rfind(b")") + 2  # the state follows the command name, which may contain anything
        return stat[at : at + 1] == b"S"

    # -- the end

    def close(self) -> None:
        """Free the isolate; waits for its thread to stop (run it off the event loop if that may take long)."""
        if self.closed:
            return
        self.closed = True
        self._loop.remove_reader(self._efd)
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(JSTerminatedException("the V8 context was closed"))

    def free(self) -> None:
        """After :meth:`close`: free the isolate, waiting for its thread; then the eventfd (not before: a script
        still ending would write to whatever file took its number)."""
        with self._native:  # not while a collection runs from another thread
            self._freed = True
            self._lib.mr_free_context(self._ctx)
        os.close(self._efd)
        if self._stat >= 0:
            os.close(self._stat)


@dataclass(frozen=True)
class SharedBuffer:
    """A SharedArrayBuffer that JavaScript returned: its memory, which both sides may read and write while no
    script runs. Valid only as long as JavaScript keeps the buffer referenced."""

    address: int
    size: int

    def write(self, data: bytes, at: int = 0) -> None:
        if at < 0 or at + len(data) > self.size:
            raise ValueError(f"{len(data)} bytes at {at} do not fit a shared buffer of {self.size}")
        ctypes.memmove(self.address + at, data, len(data))

    def read(self, n: int, at: int = 0) -> bytes:
        if n < 0 or at < 0 or at + n > self.size:
            raise ValueError(f"cannot read {n} bytes at {at} from a shared buffer of {self.size}")
        return ctypes.string_at(self.address + at, n)

    def view(self) -> memoryview:
        """The buffer's memory, to read many small parts of without a call into ctypes for each."""
        return memoryview((ctypes.c_ubyte * self.size).from_address(self.address)).cast("B")


def _value(raw: Any) -> Any:
    kind = raw.type
    if kind == _SHARED_ARRAY_BUFFER:
        return SharedBuffer(ctypes.cast(raw.value.bytes_val, ctypes.c_void_p).value or 0, int(raw.len))
    if kind == _STRING:
        return ctypes.string_at(raw.value.bytes_val, raw.len).decode("utf-8", "surrogatepass")
    error = _ERRORS.get(kind)
    if error is not None:
        text = ctypes.string_at(raw.value.bytes_val, raw.len).decode("utf-8", "replace")
        raise error(text or "JavaScript error")
    if kind == _INTEGER:
        return int(raw.value.int_val)
    if kind == _DOUBLE:
        return float(raw.value.double_val)
    if kind == _BOOL:
        return raw.value.int_val == 1
    if kind in (_NULL, _UNDEFINED):
        return None
    raise JSEvalException(f"a call answered with a value of mini-racer type {kind}, which edgeworker never asks for")


def _thread_ids() -> set[int]:
    return {int(t) for t in os.listdir("/proc/self/task")}


async def self_test() -> None:
    """Checks that this mini-racer build behaves as this module expects; raises RuntimeError if not."""
    ctx = V8Context()
    try:
        checks: list[tuple[str, Any]] = [
            ("JSON.stringify({a: [1, 'é']})", '{"a":[1,"é"]}'),
            ("6 * 7", 42),
            ("0.5", 0.5),
            ("true", True),
            ("undefined", None),
        ]
        for code, expected in checks:
            got = await asyncio.wait_for(ctx.start(code), 5)
            if got != expected:
                raise RuntimeError(f"mini-racer answered {got!r} to {code!r}, expected {expected!r}")
        for code, error in (("throw new TypeError('t')", JSEvalException), ("1 +", JSParseException)):
            try:
                await asyncio.wait_for(ctx.start(code), 5)
            except error as exc:
                if "TypeError: t" not in str(exc) and "SyntaxError" not in str(exc):
                    raise RuntimeError(f"mini-racer reported {code!r} as {exc!r}") from None
            else:
                raise RuntimeError(f"mini-racer did not fail {code!r}")
        running = ctx.start("for (;;) {}")
        await asyncio.sleep(0.01)
        ctx.terminate()
        try:
            await asyncio.wait_for(running, 5)
        except JSEvalException:
            pass
        else:
            raise RuntimeError("mini-racer did not terminate a running script")
        if await asyncio.wait_for(ctx.start("'after'"), 5) != "after":
            raise RuntimeError("a V8 context did not answer after a terminated script")
    finally:
        ctx.close()
        ctx.free()
