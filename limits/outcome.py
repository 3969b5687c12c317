"""How a request (or an isolate's part in it) ended.

One enum, used by responses, logs and metrics alike (workerd's ``EventOutcome``).
"""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    OK = "ok"
    EXCEPTION = "exception"  # the worker threw, rejected, or returned something that is not a Response
    NEVER_RESPONDED = "never_responded"  # the handler's promise can never settle
    EXCEEDED_CPU = "exceeded_cpu"
    EXCEEDED_MEMORY = "exceeded_memory"
    EXCEEDED_WALL_TIME = "exceeded_wall_time"
    EXCEEDED_SIZE = "exceeded_size"  # a request or response larger than the node allows
    HOST_CRASHED = "host_crashed"  # the isolate host process died while the request was in it
    QUARANTINED = "quarantined"  # the worker keeps killing isolate hosts
    OVERLOADED = "overloaded"  # no isolate could be had in time
    CANCELED = "canceled"  # the client went away

    @property
    def is_limit(self) -> bool:
        """Ended by a resource limit: the client gets 503 (Cloudflare's 1102), not 500."""
        return self in {
            Outcome.EXCEEDED_CPU,
            Outcome.EXCEEDED_MEMORY,
            Outcome.EXCEEDED_WALL_TIME,
            Outcome.EXCEEDED_SIZE,
        }

    @property
    def condemns_isolate(self) -> bool:
        """After this outcome the isolate must be thrown away, never reused."""
        return self in {
            Outcome.EXCEEDED_CPU,
            Outcome.EXCEEDED_MEMORY,
            Outcome.EXCEEDED_WALL_TIME,
            Outcome.HOST_CRASHED,
            Outcome.CANCELED,
        }
