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
