"""Limit settings. Units are in the names; each group is one frozen dataclass validated where it is built."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


class LimitError(ValueError):
    """A limit value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class WorkerLimits:
    """Limits that apply to one worker's requests and isolates."""

    cpu_ms: int = 50
    memory_mb: int = 128
    wall_ms: int = 30_000
    subrequests: int = 50

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise LimitError(f"limits.{f.name} must be a whole number, not {value!r}")
            if value <= 0:
                raise LimitError(f"limits.{f.name} must be positive, not {value}")
        if self.memory_mb < 16:
            raise LimitError(f"limits.memory_mb must be at least 16, not {self.memory_mb}")

    @classmethod
    def from_mapping(cls, data: Any, defaults: WorkerLimits | None = None) -> WorkerLimits:
        """Build from a JSON/TOML mapping; unknown keys and wrong types are errors."""
        base = defaults or cls()
        if data is None:
            return base
        if not isinstance(data, dict):
            raise LimitError('limits must be an object such as {"cpu_ms": 50, "memory_mb": 128}')
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LimitError(f"unknown limit {unknown[0]!r}; known limits: {', '.join(sorted(known))}")
        values = {f.name: data.get(f.name, getattr(base, f.name)) for f in fields(cls)}
        return cls(**values)

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# The node-wide ceilings on what a deploy may ask for (``--max-cpu-ms`` …).
DEFAULT_MAXIMA = WorkerLimits(cpu_ms=30_000, memory_mb=1024, wall_ms=15 * 60_000, subrequests=1000)


def check_within(limits: WorkerLimits, maxima: WorkerLimits) -> None:
    """A per-worker value above the node's maximum is an error that names the maximum."""
    for f in fields(limits):
        value, ceiling = getattr(limits, f.name), getattr(maxima, f.name)
        if value > ceiling:
            raise LimitError(f"limits.{f.name} = {value} is above this node's maximum of {ceiling}")


@dataclass(frozen=True)
class NodeLimits:
    """Limits that hold for every worker on a node."""

    startup_cpu_ms: int = 400  # evaluating a script's top level, at deploy and in every new isolate
    request_body_mb: int = 100  # → 413
    url_kb: int = 16  # → 414
    request_headers_kb: int = 128  # → 431
    script_mb: int = 10  # → 400 at deploy
    env_vars: int = 128  # vars and secrets together → 400 at deploy
    env_var_kb: int = 5  # each value → 400 at deploy
    response_mb: int | None = None  # from a worker → 503; None: no limit
    host_memory_mb: int | None = None  # RSS budget of one isolate host; None: no budget beyond each isolate's

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.name in ("response_mb", "host_memory_mb"):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise LimitError(f"{f.name} must be a positive whole number, not {value!r}")
