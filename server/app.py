"""The data plane: every request is routed to a worker and run in one of its isolates."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from edgeworker.isolates.pool import HostCrashed, Overloaded, Quarantined, ScriptFailed
from edgeworker.isolates.types import WorkerResponse
from edgeworker.limits.outcome import Outcome
from edgeworker.limits.settings import NodeLimits
from edgeworker.server.streams import DRAIN_BYTES, Upload, stream_body

if TYPE_CHECKING:
    from edgeworker.server.node import Node

log = logging.getLogger("edgeworker.requests")
console_log = logging.getLogger("edgeworker.console")

REQUEST_ID_HEADER = "x-edgeworker-request-id"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.encode()
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
HOT_REQUESTS = 2  # requests within HOT_WINDOW_S that make a worker busy in a front process (DataPlane.hands_off)
HOT_WINDOW_S = 1.0
STREAM_UPLOAD_OVER = 64 * 1024  # request bodies larger than this stream into the worker
DRAIN_WAIT_S = 5.0


_ids = random.Random(os.urandom(16))


def new_request_id() -> str:
    """16 hex digits, unique in practice (ids name requests in logs; they are not secrets)."""
    return f"{_ids.getrandbits(64):016x}"


def _page(status: int, title: str, detail: str, request_id: str, headers: dict[str, str] | None = None) -> Reply:
    text = f"{title}\n\n{detail}\n\nRequest id: {request_id}\n"
    raw = [(b"content-type", b"text/plain; charset=utf-8")]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return Reply(status, raw, text.encode(), request_id)


def _handler(node: Node) -> Any:
    limits = node.settings.node_limits
    body_limit = limits.request_body_mb * 1024 * 1024

    async def handle(scope: Scope, receive: Receive) -> Response | Reply | None:
        # The usual request (no body or a small one, a whole response) goes through here without Starlette's
        # Request and Response objects: they cost about a fifth of the front's time per request.
        started = time.perf_counter()
        request_id = new_request_id()
        host = ""
        declared: str | None = None
        chunked = False
        forwarded = ""
        header_bytes = 0
        headers: list[tuple[str, str]] = []
        for raw_name, raw_value in scope["headers"]:
            header_bytes += len(raw_name) + len(raw_value) + 4
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            if name == "host":
                host = value
            elif name == "content-length":
                declared = value
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "cf-connecting-ip":
                continue  # only the node says who the client is
            elif name == "x-forwarded-for":
                forwarded = f"{forwarded}, {value}" if forwarded else value
                continue
            headers.append((name, value))
        path: str = scope.get("root_path", "") + scope["path"]
        script = node.registry.match(host, path)
        if script is None:
            detail = f"No worker matches host {host!r} and path {path!r}.\n"
            return Reply(404, [(b"content-type", b"text/plain; charset=utf-8")], detail.encode(), request_id)
        too_big = _request_too_big(scope, header_bytes, declared, limits)
        if too_big is not None:
            status, limit, detail = too_big
            node.observer.limit_exceeded(script.name, limit)
            node.observer.request_done(script.name, status, Outcome.EXCEEDED_SIZE, time.perf_counter() - started)
            if status == 413:
                await _drain(Request(scope, receive))
            return _page(status, _STATUS_TITLES[status], detail, request_id, {"connection": "close"})
        client = scope.get("client")
        client_ip = client[0] if client else ""
        headers.append(("cf-connecting-ip", client_ip))
        headers.append(("x-forwarded-for", f"{forwarded}, {client_ip}" if forwarded else client_ip))

        def refuse_too_big() -> Reply:
            node.observer.limit_exceeded(script.name, "size")
            node.observer.request_done(script.name, 413, Outcome.EXCEEDED_SIZE, time.perf_counter() - started)
            detail = f"The request body is larger than {limits.request_body_mb} MB."
            return _page(413, _STATUS_TITLES[413], detail, request_id, {"connection": "close"})

        # Small bodies (the usual case) travel with the request; larger or chunked ones stream in while the
        # worker runs, read by it as they arrive (request.body).
        upload: Upload | None = None
        body = b""
        if declared is not None and declared.isdigit() and int(declared) <= STREAM_UPLOAD_OVER:
            parts: list[bytes] = []
            received = 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return None  # the client went away: nobody to answer
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > body_limit:
                    await _drain(Request(scope, receive))
                    return refuse_too_big()
                parts.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(parts)
        elif declared is not None or chunked:
            upload = Upload(Request(scope, receive), body_limit)
        meta = {
            "method": scope["method"],
            "url": _url(scope, host),
            "headers": headers,
            "rid": request_id,
            "cf": node.cf_properties,
        }

        def finished(done: WorkerResponse) -> None:
            node.log_worker(script.name, script.version, request_id, done, phase="waitUntil")

        outcome = Outcome.OK
        response: Response | Reply
        try:
            if upload is None:
                result = await node.pool.fetch(script, meta, body, finished)
            else:
                work = asyncio.ensure_future(node.pool.fetch(script, meta, body, finished, upload.chunks()))
                refused = asyncio.ensure_future(upload.over_limit.wait())
                await asyncio.wait((work, refused), return_when=asyncio.FIRST_COMPLETED)
                refused.cancel()
                if not work.done():  # over the size limit while the worker was still reading: 413 now
                    work.add_done_callback(lambda t: t.cancelled() or t.exception())
                    try:
                        await asyncio.wait_for(upload.drained.wait(), DRAIN_WAIT_S)
                    except TimeoutError:
                        pass
                    return refuse_too_big()
                result = await work
        except Quarantined as quarantined:
            # (a name of its own for each: mypyc gives one name one type)
            outcome = Outcome.QUARANTINED
            response = _page(503, "Error 1102: Worker is quarantined", str(quarantined), request_id)
        except Overloaded as overloaded:
            outcome = Outcome.OVERLOADED
            node.observer.limit_exceeded(script.name, "concurrency")
            response = _page(503, "Error 1102: Worker is overloaded", str(overloaded), request_id, {"retry-after": "1"})
        except HostCrashed as crashed:
            outcome = Outcome.HOST_CRASHED
            log.error("request %s to %s@%d: %s", request_id, script.name, script.version, crashed)
            response = _page(503, "Error 1102: Worker's isolate host crashed", "Try again.", request_id)
        except ScriptFailed as failed:
            outcome = Outcome.EXCEPTION
            log.error(
                "request %s to %s@%d: the script failed to start: %s", request_id, script.name, script.version, failed
            )
            response = _page(500, "Error 1101: Worker threw exception", "The script failed to start.", request_id)
        else:
            response_mb = limits.response_mb
            if result.outcome is Outcome.OK and response_mb is not None and len(result.body) > response_mb << 20:
                result = WorkerResponse(Outcome.EXCEEDED_SIZE, logs=result.logs, cpu_ms=result.cpu_ms)
            outcome = result.outcome
            if result.logs or outcome is not Outcome.OK:
                node.log_worker(script.name, script.version, request_id, result)
            stream = None
            if result.stream is not None:
                stream = stream_body(node, script.name, script.version, request_id, result)
            response = _to_response(result, request_id, stream)
            node.observer.request_cpu(script.name, result.cpu_ms / 1000)
            if result.batched:
                node.observer.request_batched(script.name)
            limit_label = _LIMIT_LABELS.get(outcome)
            if limit_label is not None:
                node.observer.limit_exceeded(script.name, limit_label)
            if result.subrequest_limit_hit:
                node.observer.limit_exceeded(script.name, "subrequests")
        node.observer.request_done(script.name, response.status_code, outcome, time.perf_counter() - started)
        return response

    return handle


class DataPlane:
    """The data plane's ASGI app. Every path and every method goes to a worker (PURGE and PROPFIND too, as on
    Workers): no router. The node's HTTP protocol (server/protocol.py) also calls :meth:`respond` directly for a
    request without a body, and writes a whole :class:`Reply` itself."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._handle = _handler(node)
        # In a front process other than the first (server/cluster.py): passes a client connection, with the bytes
        # of its request, to the first process (True once sent). See :meth:`hands_off`.
        self.handoff: Callable[[bytes, int], bool] | None = None
        self._seen: dict[str, tuple[float, int]] = {}  # worker → (start of its window, its requests here since)

    def hands_off(self, scope: Scope) -> str | None:
        """In a front process other than the first: the worker this request is for, if the connection should go
        to the first process instead. It should when this process has no isolate of the worker and the worker is
        not busy here (fewer than HOT_REQUESTS requests in HOT_WINDOW_S): a worker's isolates then live in one
        process, not in each process a client happens to reach. A busy worker gets isolates here too."""
        host = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1")
                break
        script = self.node.registry.match(host, scope["path"])
        if script is None or self.node.pool.holds(script.name):
            return None
        now = time.monotonic()
        start, count = self._seen.get(script.name, (now, 0))
        if now - start > HOT_WINDOW_S:
            start, count = now, 0
        self._seen[script.name] = (start, count + 1)
        if len(self._seen) > 4 * HOT_REQUESTS * 1024:  # forget the quiet ones now and then
            self._seen = {k: v for k, v in self._seen.items() if now - v[0] <= HOT_WINDOW_S}
        return script.name if count + 1 < HOT_REQUESTS else None

    async def respond(self, scope: Scope, receive: Receive) -> Response | Reply | None:
        """The response to one request; None when the client went away before its body arrived."""
        try:
            response: Response | Reply | None = await self._handle(scope, receive)
        except Exception:  # a bug of ours: the client gets a 500 page, the log the traceback
            request_id = new_request_id()
            log.exception("request %s: the data plane failed on %s %s", request_id, scope["method"], scope["path"])
            response = _page(500, "Error 500: Internal error", "The node failed on this request.", request_id)
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # not served yet: the handshake is refused (403)
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            return
        response = await self.respond(scope, receive)
        if response is None:
            return
        if isinstance(response, Reply):
            await send({"type": "http.response.start", "status": response.status_code, "headers": response.headers})
            await send({"type": "http.response.body", "body": response.body})
        else:
            await response(scope, receive, send)


def build_app(node: Node) -> DataPlane:
    return DataPlane(node)


class Reply:
    """A whole response, sent as two ASGI messages (cheaper than a Starlette Response on the hot path)."""

    __slots__ = ("status_code", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes, request_id: str = "") -> None:
        self.status_code = status
        if status in (204, 304):
            self.body = b""
        else:
            self.body = body
            headers.insert(0, (b"content-length", str(len(body)).encode()))
        if request_id:
            headers.append((_REQUEST_ID_KEY, request_id.encode()))
        self.headers = headers


def _url(scope: Scope, host: str) -> str:
    """The request's URL as the client sent it (the path not decoded: /a%2Fb stays so, as on Workers)."""
    scheme = scope.get("scheme", "http")
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else scope.get("root_path", "") + scope["path"]
    if not host:
        server = scope.get("server")
        if server is None:
            host = "localhost"
        else:
            name, port = server[0], server[1]
            host = name if (scheme, port) in (("http", 80), ("https", 443)) else f"{name}:{port}"
    query = scope.get("query_string")
    return f"{scheme}://{host}{path}?{query.decode('latin-1')}" if query else f"{scheme}://{host}{path}"


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


def _request_too_big(
    scope: Scope, header_bytes: int, declared: str | None, limits: NodeLimits
) -> tuple[int, str, str] | None:
    """Size limits checked before anything reaches an isolate: (status, metric label, detail) or None."""
    url_bytes = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 1
    if url_bytes > limits.url_kb * 1024:
        return 414, "size", f"The URL is longer than {limits.url_kb} KB."
    if header_bytes > limits.request_headers_kb * 1024:
        return 431, "size", f"The request headers are larger than {limits.request_headers_kb} KB."
    if declared is not None and declared.isdigit() and int(declared) > limits.request_body_mb * 1024 * 1024:
        return 413, "size", f"The request body is larger than {limits.request_body_mb} MB."
    return None


def _to_response(result: WorkerResponse, request_id: str, stream: Any = None) -> Response | Reply:
    if result.outcome is Outcome.OK:
        raw: list[tuple[bytes, bytes]] = []
        for name, value in result.headers:
            key = name.lower().encode("latin-1")
            if key in _HOP_BY_HOP or key == _REQUEST_ID_KEY:
                continue
            raw.append((key, value.encode("latin-1")))
        if stream is None:
            return Reply(result.status, raw, result.body, request_id)
        response = StreamingResponse(stream, status_code=result.status)
        if result.content_length is not None:  # a FixedLengthStream body goes out with its length; others chunked
            raw.insert(0, (b"content-length", str(result.content_length).encode()))
        raw.append((_REQUEST_ID_KEY, request_id.encode()))
        response.raw_headers = raw
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
