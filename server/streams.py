"""Request and response bodies that stream through the front while the worker runs.

These are async generators, which mypyc does not compile (setup.py): they live apart from the data plane's
per-request path in server/app.py, which it does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from edgeworker.isolates.types import WorkerResponse
from edgeworker.limits.outcome import Outcome

if TYPE_CHECKING:
    from edgeworker.server.node import Node

log = logging.getLogger("edgeworker.requests")

DRAIN_BYTES = 8 * 1024 * 1024  # how much of a refused upload is read before the 413


class Upload:
    """A request body streamed into the worker while it runs, cut at the node's request body limit."""

    def __init__(self, request: Request, limit: int) -> None:
        self.request = request
        self.limit = limit
        self.over_limit = asyncio.Event()
        self.drained = asyncio.Event()

    async def chunks(self) -> AsyncIterator[bytes]:
        received = 0
        stream = self.request.stream()
        async for chunk in stream:
            received += len(chunk)
            if received > self.limit:
                self.over_limit.set()
                try:  # read on (and drop) some more, so the 413 is not lost to a connection reset
                    async for extra in stream:
                        received += len(extra)
                        if received > self.limit + DRAIN_BYTES:
                            break
                finally:
                    self.drained.set()
                raise BodyTooLarge(f"the request body is larger than {self.limit >> 20} MB")
            if chunk:
                yield chunk


class BodyTooLarge(Exception):
    """An upload over the node's request body limit."""


class StreamCut(Exception):
    """A streamed response body that did not end well: the connection is dropped so the client sees it cut."""


def stream_body(node: Node, script_name: str, version: int, request_id: str, result: WorkerResponse) -> Any:
    queue = result.stream
    assert queue is not None

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            item = await queue.get()
            if isinstance(item, bytes):
                yield item
                continue
            if isinstance(item, Exception):
                log.error("request %s to %s@%d: %s", request_id, script_name, version, item)
                raise StreamCut(str(item))
            outcome = Outcome(item.get("outcome", "ok"))
            ended = WorkerResponse(
                outcome, error=item.get("error"), logs=[(lvl, text) for lvl, text in item.get("logs", [])]
            )
            node.log_worker(script_name, version, request_id, ended, phase="stream")
            if outcome is not Outcome.OK:
                raise StreamCut(outcome.value)
            return

    return chunks()
