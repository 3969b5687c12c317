"""Prometheus metrics, behind an observer that the pool and the server call.

The pool and the server never import prometheus-client: they call an :class:`Observer`. Tests pass a fresh
``CollectorRegistry`` instead of clearing the global one.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from edgeworker.limits.outcome import Outcome

T = TypeVar("T")

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
    def connection_handed_off(self, worker: str) -> None: ...


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

    def connection_handed_off(self, worker: str) -> None:
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


class _Count:
    """One counter child: its value and when it was made (the ``_created`` sample)."""

    __slots__ = ("value", "created")

    def __init__(self) -> None:
        self.value = 0.0
        self.created = time.time()


class _Histogram:
    """One histogram child: a count per bucket (not cumulative), the sum, when it was made."""

    __slots__ = ("bounds", "counts", "sum", "created")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0.0] * (len(bounds) + 1)  # the last one: above every bound (+Inf only)
        self.sum = 0.0
        self.created = time.time()

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1.0  # the first bound >= value: "le" that bound
        self.sum += value


class _PerRequest(Collector):
    """The metrics every request touches, kept in plain objects: prometheus-client's Counter and Histogram take
    a lock and check their arguments on every call, about 5 µs of the front's time per request. At a scrape they
    become the same samples a Counter and a Histogram give."""

    DURATION_BUCKETS: ClassVar[tuple[float, ...]] = (
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    )
    CPU_BUCKETS: ClassVar[tuple[float, ...]] = (
        0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30,
    )

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str], _Count] = {}
        self.outcomes: dict[tuple[str, str], _Count] = {}
        self.batched: dict[tuple[str], _Count] = {}
        self.duration: dict[tuple[str], _Histogram] = {}
        self.cpu: dict[tuple[str], _Histogram] = {}

    def collect(self) -> Iterator[Metric]:
        yield _counter(
            "edgeworker_requests", "Requests served, by worker and status", ("worker", "status"), self.requests
        )
        yield _counter(
            "edgeworker_request_outcomes", "Requests by how they ended", ("worker", "outcome"), self.outcomes
        )
        yield _histogram(
            "edgeworker_request_duration_seconds", "Time from request to response, by worker", self.duration
        )
        yield _histogram(
            "edgeworker_cpu_seconds", "CPU time of each request's JavaScript (and host work done for it)", self.cpu
        )
        yield _counter(
            "edgeworker_requests_batched",
            "Requests that ran in a batch: one after another with others of their worker, in one call into an isolate",
            ("worker",),
            self.batched,
        )


def _counter(name: str, doc: str, labels: tuple[str, ...], children: dict[Any, _Count]) -> Metric:
    family = Metric(name, doc, "counter")
    for key, child in sorted(children.items()):
        values = dict(zip(labels, key, strict=True))
        family.add_sample(name + "_total", values, child.value)
        family.add_sample(name + "_created", values, child.created)
    return family


def _le(bound: float) -> str:
    """A bucket's bound as prometheus-client writes it (0.0005, 1.0, +Inf)."""
    return "+Inf" if bound == float("inf") else repr(float(bound))


def _histogram(name: str, doc: str, children: dict[tuple[str], _Histogram]) -> Metric:
    family = Metric(name, doc, "histogram")
    for (worker,), child in sorted(children.items()):
        total = 0.0
        for bound, count in zip((*child.bounds, float("inf")), child.counts, strict=True):
            total += count
            family.add_sample(name + "_bucket", {"worker": worker, "le": _le(bound)}, total)
        family.add_sample(name + "_count", {"worker": worker}, total)
        family.add_sample(name + "_sum", {"worker": worker}, child.sum)
        family.add_sample(name + "_created", {"worker": worker}, child.created)
    return family


class PrometheusObserver:
    """Labels are bounded: worker names, status codes, outcomes and reasons; never paths or ids."""

    def __init__(
        self,
        registry: CollectorRegistry,
        isolate_states: IsolateStates | None = None,
        heap_by_worker: HeapByWorker | None = None,
    ) -> None:
        self.registry = registry
        self._per_request = _PerRequest()
        registry.register(self._per_request)
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
        self._handed_off = Counter(
            "edgeworker_connections_handed_off",
            "Client connections a front process passed to the first one, by the worker of the request that moved them",
            ["worker"],
            registry=registry,
        )
        self._done: dict[tuple[str, int, Outcome], tuple[_Count, _Count, _Histogram]] = {}
        if isolate_states is not None:
            registry.register(_IsolateGauge(isolate_states, heap_by_worker))

    def request_done(self, worker: str, status: int, outcome: Outcome, seconds: float) -> None:
        done = self._done.get((worker, status, outcome))
        if done is None:
            per = self._per_request
            done = self._done[(worker, status, outcome)] = (
                _child(per.requests, (worker, str(status)), _Count),
                _child(per.outcomes, (worker, outcome.value), _Count),
                _child(per.duration, (worker,), lambda: _Histogram(_PerRequest.DURATION_BUCKETS)),
            )
        done[0].value += 1.0
        done[1].value += 1.0
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
        cpu = self._per_request.cpu.get((worker,))
        if cpu is None:
            cpu = _child(self._per_request.cpu, (worker,), lambda: _Histogram(_PerRequest.CPU_BUCKETS))
        cpu.observe(seconds)

    def connection_handed_off(self, worker: str) -> None:
        self._handed_off.labels(worker).inc()

    def request_batched(self, worker: str) -> None:
        batched = self._per_request.batched.get((worker,))
        if batched is None:
            batched = _child(self._per_request.batched, (worker,), _Count)
        batched.value += 1.0


def _child(children: dict[Any, T], key: Any, make: Callable[[], T]) -> T:
    child = children.get(key)
    if child is None:
        child = children[key] = make()
    return child
