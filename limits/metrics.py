"""Prometheus metrics, behind an observer that the pool and the server call.

The pool and the server never import prometheus-client: they call an :class:`Observer`. Tests pass a fresh
``CollectorRegistry`` instead of clearing the global one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from edgeworker.limits.outcome import Outcome

IsolateStates = Callable[[], dict[tuple[str, str], int]]
HeapByWorker = Callable[[], dict[str, int]]


class Observer(Protocol):
    def request_done(self, worker: str, status: int, outcome: Outcome, seconds: float) -> None: ...
    def isolate_created(self, worker: str) -> None: ...
    def isolate_disposed(self, worker: str, reason: str) -> None: ...
    def host_crashed(self, exit_code: int | None) -> None: ...
    def worker_quarantined(self, worker: str) -> None: ...
    def limit_exceeded(self, worker: str, limit: str) -> None: ...
    def request_cpu(self, worker: str, seconds: float) -> None: ...
    def request_batched(self, worker: str) -> None: ...


class NullObserver:
    def request_done(self, worker: str, status: int, outcome: Outcome, seconds: float) -> None:
        pass

    def isolate_created(self, worker: str) -> None:
        pass

    def isolate_disposed(self, worker: str, reason: str) -> None:
        pass

    def host_crashed(self, exit_code: int | None) -> None:
        pass

    def worker_quarantined(self, worker: str) -> None:
        pass

    def limit_exceeded(self, worker: str, limit: str) -> None:
        pass

    def request_cpu(self, worker: str, seconds: float) -> None:
        pass

    def request_batched(self, worker: str) -> None:
        pass


class _IsolateGauge(Collector):
    def __init__(self, states: IsolateStates, heap: HeapByWorker | None) -> None:
        self._states = states
        self._heap = heap

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily("edgeworker_isolates", "Isolates by worker and state", labels=["worker", "state"])
        for (worker, state), count in sorted(self._states().items()):
            gauge.add_metric([worker, state], count)
        yield gauge
        if self._heap is not None:
            heap = GaugeMetricFamily(
                "edgeworker_heap_used_bytes", "V8 heap in use by a worker's isolates (reported each second)",
                labels=["worker"],
            )  # fmt: skip
            for worker, used in sorted(self._heap().items()):
                heap.add_metric([worker], used)
            yield heap


class PrometheusObserver:
    """Labels are bounded: worker names, status codes, outcomes and reasons; never paths or ids."""

    def __init__(
        self,
        registry: CollectorRegistry,
        isolate_states: IsolateStates | None = None,
        heap_by_worker: HeapByWorker | None = None,
    ) -> None:
        self.registry = registry
        self._requests = Counter(
            "edgeworker_requests", "Requests served, by worker and status", ["worker", "status"], registry=registry
        )
        self._outcomes = Counter(
            "edgeworker_request_outcomes", "Requests by how they ended", ["worker", "outcome"], registry=registry
        )
        self._duration = Histogram(
            "edgeworker_request_duration_seconds",
            "Time from request to response, by worker",
            ["worker"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self._created = Counter("edgeworker_isolates_created", "Isolates created", ["worker"], registry=registry)
        self._disposed = Counter(
            "edgeworker_isolates_disposed", "Isolates disposed, by reason", ["worker", "reason"], registry=registry
        )
        self._host_crashes = Counter("edgeworker_host_crashes", "Isolate host processes that died", registry=registry)
        self._quarantined = Counter(
            "edgeworker_quarantined", "Workers quarantined for killing isolate hosts", ["worker"], registry=registry
        )
        self._limits = Counter(
            "edgeworker_limit_exceeded",
            "Requests or deploys stopped by a limit (cpu, memory, wall, startup, subrequests, size, concurrency)",
            ["worker", "limit"],
            registry=registry,
        )
        self._cpu = Histogram(
            "edgeworker_cpu_seconds",
            "CPU time of each request's JavaScript (and host work done for it)",
            ["worker"],
            buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30),
            registry=registry,
        )
        self._batched = Counter(
            "edgeworker_requests_batched",
            "Requests that ran in a batch: one after another with others of their worker, in one call into an isolate",
            ["worker"],
            registry=registry,
        )
        self._batched_by_worker: dict[str, Counter] = {}
        self._done: dict[tuple[str, int, Outcome], tuple[Counter, Counter, Histogram]] = {}
        self._cpu_by_worker: dict[str, Histogram] = {}
        if isolate_states is not None:
            registry.register(_IsolateGauge(isolate_states, heap_by_worker))

    def request_done(self, worker: str, status: int, outcome: Outcome, seconds: float) -> None:
        # labels() validates and locks on every call; the children of a worker are kept after their first use
        done = self._done.get((worker, status, outcome))
        if done is None:
            done = self._done[(worker, status, outcome)] = (
                self._requests.labels(worker, str(status)),
                self._outcomes.labels(worker, outcome.value),
                self._duration.labels(worker),
            )
        done[0].inc()
        done[1].inc()
        done[2].observe(seconds)

    def isolate_created(self, worker: str) -> None:
        self._created.labels(worker).inc()

    def isolate_disposed(self, worker: str, reason: str) -> None:
        self._disposed.labels(worker, reason).inc()

    def host_crashed(self, exit_code: int | None) -> None:
        self._host_crashes.inc()

    def worker_quarantined(self, worker: str) -> None:
        self._quarantined.labels(worker).inc()

    def limit_exceeded(self, worker: str, limit: str) -> None:
        self._limits.labels(worker, limit).inc()

    def request_cpu(self, worker: str, seconds: float) -> None:
        cpu = self._cpu_by_worker.get(worker)
        if cpu is None:
            cpu = self._cpu_by_worker[worker] = self._cpu.labels(worker)
        cpu.observe(seconds)

    def request_batched(self, worker: str) -> None:
        batched = self._batched_by_worker.get(worker)
        if batched is None:
            batched = self._batched_by_worker[worker] = self._batched.labels(worker)
        batched.inc()
