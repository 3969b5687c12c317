"""Types shared by the pool, the server and the store."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

from edgeworker.limits.outcome import Outcome
from edgeworker.limits.settings import WorkerLimits

ScriptFormat = Literal["modules", "service-worker"]


@dataclass(frozen=True)
class WorkerScript:
    """One immutable version of a worker, as isolates run it."""

    name: str
    version: int
    format: ScriptFormat
    code: str  # the script as the isolate evaluates it (a module already turned into a classic script)
    line1_offset: int
    env: dict[str, Any]
    limits: WorkerLimits

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)


@dataclass(frozen=True)
class ScriptErrorInfo:
    """A script that did not compile or whose top level threw, as V8 (or the module transform) reported it."""

    name: str
    message: str
    line: int | None
    column: int | None
    module: str | None = None  # the module it is in, for a multi-module worker

    def __str__(self) -> str:
        where = f" at line {self.line}, column {self.column}" if self.line is not None else ""
        return f"{self.name}: {self.message}{f' in {self.module}' if self.module else ''}{where}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "message": self.message, "line": self.line, "column": self.column}
        if self.module is not None:
            out["module"] = self.module
        return out


@dataclass
class WorkerResponse:
    """What an isolate made of one request."""

    outcome: Outcome
    status: int = 500
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: dict[str, str] | None = None  # name, message, stack
    logs: list[tuple[str, str]] = field(default_factory=list)
    cpu_ms: float = 0.0
    subrequest_limit_hit: bool = False
    batched: bool = False  # it ran in a batch with others of its worker (isolates/host.py)
    content_length: int | None = None  # a streamed body's declared length (from a FixedLengthStream)
    # a streamed body: chunks (bytes) as the worker produces them, then the end (a dict: outcome, error, logs),
    # or an exception if the isolate host died
    stream: asyncio.Queue[bytes | dict[str, Any] | Exception] | None = None
