"""Node settings: one frozen dataclass, validated where it is built."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from edgeworker.limits.settings import DEFAULT_MAXIMA, LimitError, NodeLimits, WorkerLimits, check_within

DEFAULT_DATA_DIR = ".edgeworker"


def default_data_dir() -> Path:
    """``$EDGEWORKER_DATA``, else ``./.edgeworker``."""
    return Path(os.environ.get("EDGEWORKER_DATA") or DEFAULT_DATA_DIR)


class ConfigError(ValueError):
    """A setting that cannot be used; the message is meant for the user as is."""


@dataclass(frozen=True)
class NodeSettings:
    host: str = "127.0.0.1"
    port: int = 8787
    admin_host: str = "127.0.0.1"
    admin_port: int = 8788
    data_dir: Path = field(default_factory=default_data_dir)
    # Folder of example workers to deploy at start (each ``*.js`` becomes a worker named after the file).
    deploy_dir: Path | None = None
    # Isolate host processes; each runs several isolates, one request in flight per isolate.
    isolate_hosts: int = 2
    # Front processes (data planes) sharing the listening socket; the first also runs the admin API.
    processes: int = 1
    max_isolates_per_worker: int = 32
    max_isolates: int = 256
    warm_spares: int = 2
    idle_timeout_s: float = 300.0
    # How long a request may wait for an isolate of its worker before it gets 503.
    queue_timeout_s: float = 10.0
    shutdown_timeout_s: float = 30.0
    limits: WorkerLimits = field(default_factory=WorkerLimits)  # per-worker defaults
    max_limits: WorkerLimits = DEFAULT_MAXIMA  # what a deploy may ask for at most
    node_limits: NodeLimits = field(default_factory=NodeLimits)
    # Serve one worker for every host and path (``edgeworker dev``).
    # Hosts or networks (CIDR) that workers' fetch() may reach although the egress policy blocks them.
    allow_egress: tuple[str, ...] = ()
    dev_worker: str | None = None
    log_console: bool = False

    def process_spares(self, index: int) -> int:
        """The warm spares front process ``index`` keeps: all of them in the first, one in each other."""
        return self.warm_spares if index == 0 else min(1, self.warm_spares)

    def __post_init__(self) -> None:
        for name in ("port", "admin_port"):
            value = getattr(self, name)
            if not 0 <= value <= 65535:
                raise ConfigError(f"--{name.replace('_', '-')} must be a port number from 0 to 65535, not {value}")
        for name in ("isolate_hosts", "processes", "max_isolates_per_worker", "max_isolates"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.warm_spares < 0:
            raise ConfigError(f"warm_spares must not be negative, not {self.warm_spares}")
        for name in ("idle_timeout_s", "queue_timeout_s", "shutdown_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}")
        spares = sum(self.process_spares(i) for i in range(self.processes))
        if self.processes > 1 and self.max_isolates <= spares:
            raise ConfigError(
                f"max_isolates ({self.max_isolates}) must be more than the {spares} warm spares the {self.processes} "
                "processes keep (warm_spares in the first, one in each other): no worker would have an isolate"
            )
        try:
            check_within(self.limits, self.max_limits)
        except LimitError as exc:
            raise ConfigError(f"a default limit is above the maximum: {exc}") from None
