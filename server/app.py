"""The data plane: every request is routed to a worker and run in one of its isolates."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from edgeworker.isolates.pool import HostCrashed, Overloaded, Quarantined, ScriptFailed
from edgeworker.isolates.types import WorkerResponse
from edgeworker.limits.outcome import Outcome
from edgeworker.limits.settings import NodeLimits

if TYPE_CHECKING:
    from edgeworker.server.node import Node

log = logging.getLogger("edgeworker.requests")
console_log = logging.getLogger("edgeworker.console")

REQUEST_ID_HEADER = "x-edgeworker-request-id"
_HOP_BY_HOP = {b"content-length", b"transfer-encoding", b"connection", b"keep-alive"}
_LIMIT_NAMES = {
    Outcome.EXCEEDED_CPU: "CPU time",
    Outcome.EXCEEDED_MEMORY: "memory",
    Outcome.EXCEEDED_WALL_TIME: "wall time",
    Outcome.EXCEEDED_SIZE: "response size",
}
_LIMIT_LABELS = {
    Outcome.EXCEEDED_CPU: "cpu",
    Outcome.EXCEEDED_MEMORY: "memory",
    Outcome.EXCEEDED_WALL_TIME: "wall",
    Outcome.EXCEEDED_SIZE: "size",
}
_STATUS_TITLES = {
    413: "Error 413: Request body too large",
    414: "Error 414: URL too long",
    431: "Error 431: Request headers too large",
}
STREAM_UPLOAD_OVER = 64 * 1024  # request bodies larger than this stream into the worker
DRAIN_BYTES = 8 * 1024 * 1024  # how much of a refused upload is read before the 413
DRAIN_WAIT_S = 5.0


_ids = random.Random(os.urandom(16))


def new_request_id() -> str:
    """16 hex digits, unique in practice (ids name requests in logs; they are not secrets)."""
    return f"{_ids.getrandbits(64):016x}"


def _page(status: int, title: str, detail: str, request_id: str, headers: dict[str, str] | None = None) -> Response:
    text = f"{title}\n\n{detail}\n\nRequest id: {request_id}\n"
    return PlainTextResponse(text, status_code=status, headers={REQUEST_ID_HEADER: request_id, **(headers or {})})


def build_app(node: Node) -> ASGIApp:
    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        request_id = new_request_id()
        host = request.headers.get("host", "")
        script = node.registry.match(host, request.url.path)
        if script is None:
            return PlainTextResponse(
                f"No worker matches host {host!r} and path {request.url.path!r}.\n",
                status_code=404,
                headers={REQUEST_ID_HEADER: request_id},
            )
        too_big = _request_too_big(request, node.settings.node_limits)
        if too_big is not None:
            status, limit, detail = too_big
            node.observer.limit_exceeded(script.name, limit)
            node.observer.request_done(script.name, status, Outcome.EXCEEDED_SIZE, time.perf_counter() - started)
            if status == 413:
                await _drain(request)
            return _page(status, _STATUS_TITLES[status], detail, request_id, {"connection": "close"})
        client_ip = request.client.host if request.client else ""
        headers: list[tuple[str, str]] = []
        forwarded = ""
        for raw_name, raw_value in request.headers.raw:
            name = raw_name.decode("latin-1").lower()
            if name == "cf-connecting-ip":
                continue  # only the node says who the client is
            if name == "x-forwarded-for":
                forwarded = f"{forwarded}, {raw_value.decode('latin-1')}" if forwarded else raw_value.decode("latin-1")
                continue
            headers.append((name, raw_value.decode("latin-1")))
        headers.append(("cf-connecting-ip", client_ip))
        headers.append(("x-forwarded-for", f"{forwarded}, {client_ip}" if forwarded else client_ip))
        body_limit = node.settings.node_limits.request_body_mb * 1024 * 1024
        over_limit = asyncio.Event()
        drained = asyncio.Event()

        async def refuse_too_big() -> Response:
            node.observer.limit_exceeded(script.name, "size")
            node.observer.request_done(script.name, 413, Outcome.EXCEEDED_SIZE, time.perf_counter() - started)
            detail = f"The request body is larger than {node.settings.node_limits.request_body_mb} MB."
            try:
                await asyncio.wait_for(drained.wait(), DRAIN_WAIT_S)
            except TimeoutError:
                pass
            return _page(413, _STATUS_TITLES[413], detail, request_id, {"connection": "close"})

        async def limited() -> AsyncIterator[bytes]:
            received = 0
            stream = request.stream()
            async for chunk in stream:
                received += len(chunk)
                if received > body_limit:
                    over_limit.set()
                    try:  # read on (and drop) some more, so the 413 is not lost to a connection reset
                        async for extra in stream:
                            received += len(extra)
                            if received > body_limit + DRAIN_BYTES:
                                break
                    finally:
                        drained.set()
                    raise BodyTooLarge(f"the request body is larger than {body_limit >> 20} MB")
                if chunk:
                    yield chunk

        # Small bodies (the usual case) travel with the request; larger or chunked ones stream in while the
        # worker runs, read by it as they arrive (request.body).
        declared = request.headers.get("content-length")
        upload: AsyncIterator[bytes] | None = None
        body = b""
        if declared is not None and declared.isdigit() and int(declared) <= STREAM_UPLOAD_OVER:
            try:
                body = b"".join([chunk async for chunk in limited()])
            except BodyTooLarge:
                return await refuse_too_big()
        elif declared is not None or "chunked" in request.headers.get("transfer-encoding", "").lower():
            upload = limited()
        meta = {
            "method": request.method,
            "url": str(request.url),
            "headers": headers,
            "rid": request_id,
            "cf": node.cf_properties,
        }

        def finished(done: WorkerResponse) -> None:
            node.log_worker(script.name, script.version, request_id, done, phase="waitUntil")

        outcome = Outcome.OK
        try:
            work = asyncio.ensure_future(node.pool.fetch(script, meta, body, finished, upload))
            if upload is not None:
                refused = asyncio.ensure_future(over_limit.wait())
                await asyncio.wait((work, refused), return_when=asyncio.FIRST_COMPLETED)
                refused.cancel()
                if not work.done():  # over the size limit while the worker was still reading: 413 now
                    work.add_done_callback(lambda t: t.cancelled() or t.exception())
                    return await refuse_too_big()
            result = await work
        except Quarantined as exc:
            outcome = Outcome.QUARANTINED
            response = _page(503, "Error 1102: Worker is quarantined", str(exc), request_id)
        except Overloaded as exc:
            outcome = Outcome.OVERLOADED
            node.observer.limit_exceeded(script.name, "concurrency")
            response = _page(503, "Error 1102: Worker is overloaded", str(exc), request_id, {"retry-after": "1"})
        except HostCrashed as exc:
            outcome = Outcome.HOST_CRASHED
            log.error("request %s to %s@%d: %s", request_id, script.name, script.version, exc)
            response = _page(503, "Error 1102: Worker's isolate host crashed", "Try again.", request_id)
        except ScriptFailed as exc:
            outcome = Outcome.EXCEPTION
            log.error(
                "request %s to %s@%d: the script failed to start: %s", request_id, script.name, script.version, exc
            )
            response = _page(500, "Error 1101: Worker threw exception", "The script failed to start.", request_id)
        else:
            response_mb = node.settings.node_limits.response_mb
            if result.outcome is Outcome.OK and response_mb is not None and len(result.body) > response_mb << 20:
                result = WorkerResponse(Outcome.EXCEEDED_SIZE, logs=result.logs, cpu_ms=result.cpu_ms)
            outcome = result.outcome
            node.log_worker(script.name, script.version, request_id, result)
            stream = None
            if result.stream is not None:
                stream = _stream_body(node, script.name, script.version, request_id, result)
            response = _to_response(result, request_id, stream)
            node.observer.request_cpu(script.name, result.cpu_ms / 1000)
            limit_label = _LIMIT_LABELS.get(outcome)
            if limit_label is not None:
                node.observer.limit_exceeded(script.name, limit_label)
            if result.subrequest_limit_hit:
                node.observer.limit_exceeded(script.name, "subrequests")
        node.observer.request_done(script.name, response.status_code, outcome, time.perf_counter() - started)
        return response

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # Every path and every method goes to a worker (PURGE and PROPFIND too, as on Workers): no router.
        if scope["type"] == "websocket":  # not served yet: the handshake is refused (403)
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        try:
            response = await handle(request)
        except Exception:  # a bug of ours: the client gets a 500 page, the log the traceback
            request_id = new_request_id()
            log.exception("request %s: the data plane failed on %s %s", request_id, request.method, request.url.path)
            response = _page(500, "Error 500: Internal error", "The node failed on this request.", request_id)
        await response(scope, receive, send)

    return app


async def _drain(request: Request) -> None:
    """Read (and drop) some of a refused upload before answering: closing a socket with unread data makes the
    kernel reset the connection, and the client would see that instead of the 413."""
    drained = 0
    try:
        async for chunk in request.stream():
            drained += len(chunk)
            if drained > DRAIN_BYTES:
                return
    except Exception:  # the upload was being read elsewhere (a streamed body), or the client went away
        return


def _request_too_big(request: Request, limits: NodeLimits) -> tuple[int, str, str] | None:
    """Size limits checked before anything reaches an isolate: (status, metric label, detail) or None."""
    scope = request.scope
    url_bytes = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1
    if url_bytes > limits.url_kb * 1024:
        return 414, "size", f"The URL is longer than {limits.url_kb} KB."
    header_bytes = sum(len(k) + len(v) + 4 for k, v in request.headers.raw)
    if header_bytes > limits.request_headers_kb * 1024:
        return 431, "size", f"The request headers are larger than {limits.request_headers_kb} KB."
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.request_body_mb * 1024 * 1024:
        return 413, "size", f"The request body is larger than {limits.request_body_mb} MB."
    return None


class BodyTooLarge(Exception):
    """An upload over the node's request body limit."""


class StreamCut(Exception):
    """A streamed response body that did not end well: the connection is dropped so the client sees it cut."""


def _stream_body(node: Node, script_name: str, version: int, request_id: str, result: WorkerResponse) -> Any:
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


def _to_response(result: WorkerResponse, request_id: str, stream: Any = None) -> Response:
    if result.outcome is Outcome.OK:
        if stream is not None:
            response: Response = StreamingResponse(stream, status_code=result.status)
            # a FixedLengthStream body goes out with its length; any other stream chunked
            raw: list[tuple[bytes, bytes]] = (
                [(b"content-length", str(result.content_length).encode())] if result.content_length is not None else []
            )
        else:
            response = Response(content=result.body, status_code=result.status)
            raw = [(b"content-length", str(len(result.body)).encode())] if result.status not in (204, 304) else []
        for name, value in result.headers:
            key = name.lower().encode("latin-1")
            if key in _HOP_BY_HOP or key == REQUEST_ID_HEADER.encode():
                continue
            raw.append((key, value.encode("latin-1")))
        raw.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
        response.raw_headers = raw
        if result.status in (204, 304):
            response.body = b""
        return response
    if result.outcome.is_limit:
        limit = _LIMIT_NAMES[result.outcome]
        return _page(
            503, "Error 1102: Worker exceeded resource limits", f"The worker exceeded its {limit} limit.", request_id
        )
    if result.outcome is Outcome.NEVER_RESPONDED:
        return _page(
            500, "Error 1101: Worker threw exception", "The script will never generate a response.", request_id
        )
    return _page(500, "Error 1101: Worker threw exception", "The worker's code threw an exception.", request_id)
