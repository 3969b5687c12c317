"""Limit enforcement, split as workerd splits it (``limit-enforcer.h``).

- :class:`RequestEnforcer`, one per request: a CPU scope around every entry into JavaScript. CPU time is read
  from the isolate thread's own clock (JS, compilation and GC alike, since V8 runs single-threaded), plus CPU
  the host spent working for the request (crypto done in Python, say). Waiting is never counted.
- :class:`IsolateEnforcer`, one per isolate: its heap cap (V8's hard limit plus the host's RSS growth while a
  request runs, for memory off the V8 heap) and whether the isolate is condemned — thrown away after the
  request, never reused.

Both only decide; the engine (``isolates/engine.py``) and the host (``isolates/host.py``) act on the decisions.
"""

from __future__ import annotations

from collections.abc import Callable

from edgeworker.limits.outcome import Outcome

MIN_WAIT_S = 0.0005
SOFT_MEMORY_SHARE = 0.8


class RequestEnforcer:
    """The CPU budget of one request (its ``waitUntil`` work included)."""

    def __init__(self, thread_cpu_s: Callable[[], float], cpu_ms: int | None) -> None:
        self._clock = thread_cpu_s
        self._start = self._read = thread_cpu_s()
        self.limit_s = cpu_ms / 1000 if cpu_ms is not None else None
        self.host_cpu_s = 0.0

    def charge_host(self, seconds: float) -> None:
        """CPU the host spent for this request (set to the running total)."""
        self.host_cpu_s = seconds

    def used_s(self) -> float:
        """CPU used so far, read from the clock now."""
        self._read = self._clock()
        return self.last_used_s()

    def last_used_s(self) -> float:
        """CPU used as of the last reading of the clock (reading another thread's CPU clock is a system call
        that costs more than most of a request's Python: it is read when it matters, not at every step)."""
        return self._read - self._start + self.host_cpu_s

    def wait_s(self, wall_left_s: float, fresh: bool = True) -> float:
        """How long to wait for JavaScript before looking again. CPU time never runs faster than the wall clock,
        so waiting no longer than the budget left sees an overrun within the wake-up latency. Raises
        :class:`LimitExceeded` when the budget is gone. ``fresh=False``: at the start of a call into JavaScript,
        when the thread has been idle since the last reading."""
        if self.limit_s is None:
            return wall_left_s
        cpu_left = self.limit_s - (self.used_s() if fresh else self.last_used_s())
        if cpu_left <= 0:
            raise LimitExceeded(Outcome.EXCEEDED_CPU)
        return min(wall_left_s, max(cpu_left, MIN_WAIT_S))

    def check(self) -> None:
        if self.limit_s is not None and self.used_s() > self.limit_s:
            raise LimitExceeded(Outcome.EXCEEDED_CPU)


class IsolateEnforcer:
    """The memory cap of one isolate, and whether it is condemned."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_bytes = memory_mb * 1024 * 1024
        self.condemned: Outcome | None = None

    @property
    def soft_memory_bytes(self) -> int:
        """Past this share of its heap cap an isolate is retired gracefully after its current request."""
        return int(self.memory_bytes * SOFT_MEMORY_SHARE)

    def set_memory_mb(self, memory_mb: int) -> None:
        self.memory_bytes = memory_mb * 1024 * 1024

    def over_memory(self, rss_now: int, rss_at_request_start: int, host_budget: int | None) -> bool:
        """Off-heap memory: the host grew by more than this isolate may hold while its request ran, or the
        host is over its own budget."""
        if host_budget is not None and rss_now > host_budget:
            return True
        return rss_now - rss_at_request_start > self.memory_bytes

    def condemn(self, outcome: Outcome) -> None:
        if self.condemned is None:
            self.condemned = outcome


class LimitExceeded(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome
