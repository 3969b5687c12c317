"""The data plane's HTTP/1.1 protocol: uvicorn's (httptools), with the usual request answered without ASGI.

uvicorn parses, keeps connections alive, pipelines, controls flow and refuses bad requests; its ASGI layer around
each request (a scope, a request-response cycle with its own event, two ``send`` messages) costs about as much of
the front's time as the rest of uvicorn together. A request without a body is therefore handed to the data plane
(:meth:`DataPlane.respond`) directly, and a whole response written in one piece. Everything else (bodies,
``Expect: 100-continue``, upgrades, a request pipelined behind one still running, streamed responses) takes
uvicorn's own path, so the protocol's behaviour is uvicorn's.

This leans on what uvicorn's protocol touches of its current request (``cycle``: ``response_complete``,
``disconnected``, ``keep_alive``, ``more_body``, ``body``, ``message_event``) and on a few of its module's names;
tests/server/test_protocol.py drives both paths over real sockets against the uvicorn that is installed.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any, cast

import httptools
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from edgeworker.server.app import DataPlane, Reply, log


class _OneWritePerTurn:
    """A connection's transport whose writes during one turn of the event loop leave together. uvicorn writes a
    response's head and its body separately: two system calls, and two packets that each wake the client. Held
    back until the end of the turn, they go as one."""

    __slots__ = ("_transport", "_loop", "_held")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._loop = asyncio.get_running_loop()
        self._held: list[bytes] | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is None:
            self._held = [bytes(data)]
            self._loop.call_soon(self._flush)
        else:
            self._held.append(bytes(data))

    def write_now(self, data: bytes) -> None:
        """Write at once, after anything held (a whole response needs no company)."""
        if self._held:
            self._held.append(data)
            self._flush()
        elif not self._transport.is_closing():
            self._transport.write(data)

    def _flush(self) -> None:
        held, self._held = self._held, None
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _NoEvent:
    """uvicorn sets its cycle's event when the connection goes; nothing waits on a quick request's."""

    __slots__ = ()

    def set(self) -> None:
        pass


class _Quick:
    """What uvicorn's protocol sees of a request the data plane answers itself."""

    __slots__ = ("keep_alive", "disconnected", "response_complete", "more_body", "body", "message_event")

    def __init__(self, keep_alive: bool) -> None:
        self.keep_alive = keep_alive
        self.disconnected = False
        self.response_complete = False
        self.more_body = True
        self.body = b""
        self.message_event = _NO_EVENT


_NO_EVENT = _NoEvent()
_ASGI = {"version": "3.0", "spec_version": "2.3"}
_BODY_HEADERS = (b"content-length", b"transfer-encoding")


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


class DataPlaneProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a quick path for requests without a body (see the module's text)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn has it
        super().connection_made(transport)
        self._out = _OneWritePerTurn(self.transport)
        self.transport = cast(asyncio.Transport, self._out)
        self._plane = self.app if isinstance(self.app, DataPlane) else None
        # a connection can move to the node's first process at a request that came alone in one read (see
        # _hand_off): what this read held, and the request waiting for that decision
        self._in_message = False  # the parser is inside a request (its head or body)
        self._begun = 0
        self._ended = 0
        self._waiting: tuple[_Quick, dict[str, Any], str] | None = None

    def data_received(self, data: bytes) -> None:
        alone = not self._in_message and (self.cycle is None or self.cycle.response_complete)
        self._begun = self._ended = 0
        super().data_received(data)
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        quick, scope, worker = waiting
        if alone and self._begun == 1 and self._ended == 1 and not self._in_message and self._hand_off(data, worker):
            quick.response_complete = True
            return
        self._start(quick, scope)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_message = True
        self._begun += 1

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_message = False
        self._ended += 1

    def _hand_off(self, data: bytes, worker: str) -> bool:
        """Passes this connection, and the request that is all of ``data``, to the node's first process, which
        answers it and what follows on the connection. This process lets its copy of the socket go."""
        assert self._plane is not None and self._plane.handoff is not None
        sock = self._out._transport.get_extra_info("socket")
        if sock is None or self._out._held or not self._plane.handoff(data, sock.fileno()):
            return False
        self._plane.node.observer.connection_handed_off(worker)
        self._out._transport.close()  # (the first process holds the connection now: no FIN goes out)
        return True

    def on_headers_complete(self) -> None:
        if not self._quick_fits():
            super().on_headers_complete()
            return
        parser = self.parser
        http_version = parser.get_http_version()
        # httptools' stub says bytes; a URL without a query gives None (which mypyc's check would refuse)
        url: Any = httptools.parse_url(self.url)
        raw_path: bytes = url.path
        path = raw_path.decode("ascii")
        if "%" in path:
            path = urllib.parse.unquote(path)
        scope = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": http_version,
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "root_path": self.root_path,
            "headers": self.headers,
            "method": parser.get_method().decode("ascii"),
            "path": self.root_path + path,
            "raw_path": self.root_path.encode("ascii") + raw_path,
            "query_string": url.query or b"",
        }
        quick = _Quick(http_version != "1.0" and parser.should_keep_alive())
        self.cycle = cast(RequestResponseCycle, quick)
        if self._plane is not None and self._plane.handoff is not None:
            worker = self._plane.hands_off(scope)
            if worker is not None:  # decided once this read has been parsed (data_received)
                self._waiting = (quick, scope, worker)
                return
        self._start(quick, scope)

    def _start(self, quick: _Quick, scope: dict[str, Any]) -> None:
        task = self.loop.create_task(self._answer(quick, scope))
        task.add_done_callback(self.tasks.discard)
        self.tasks.add(task)

    def _quick_fits(self) -> bool:
        if self._plane is None or self.expect_100_continue or self.parser.should_upgrade():
            return False
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:  # pipelined behind one still running: uvicorn queues
            return False
        for name, _ in self.headers:
            if name in _BODY_HEADERS:
                return False
        return True

    async def _answer(self, quick: _Quick, scope: dict[str, Any]) -> None:
        assert self._plane is not None
        response = await self._plane.respond(scope, _no_body)
        if isinstance(response, Reply) or response is None:
            if response is not None and not quick.disconnected:
                self._write(quick, scope["method"], response)
            quick.response_complete = True
            if not quick.keep_alive:
                self._out.close()
            self.on_response_complete()
            return
        # a streamed response: uvicorn's cycle writes it
        cycle = RequestResponseCycle(
            scope=cast(Any, scope),
            transport=self.transport,
            flow=self.flow,
            logger=self.logger,
            access_logger=self.access_logger,
            access_log=self.access_log,
            default_headers=self.server_state.default_headers,
            message_event=asyncio.Event(),
            expect_100_continue=False,
            keep_alive=quick.keep_alive,
            on_response=self.on_response_complete,
        )
        cycle.more_body = False
        cycle.disconnected = quick.disconnected
        if self.cycle is cast(RequestResponseCycle, quick):
            self.cycle = cycle
        await cycle.run_asgi(cast(Any, response))

    def _write(self, quick: _Quick, method: str, reply: Reply) -> None:
        head = [STATUS_LINE[reply.status_code]]
        for name, value in self.server_state.default_headers:
            head += (name, b": ", value, b"\r\n")
        close = False
        for name, value in reply.headers:
            if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
                # the worker's Headers object refuses these; a worker that gets past it gets no response
                log.error("a response header is not valid HTTP: %r: %r; the connection is closed", name, value)
                quick.keep_alive = False
                return
            if name == b"connection" and b"close" in value.lower():
                close = True
            head += (name, b": ", value, b"\r\n")
        if close:
            quick.keep_alive = False
        elif not quick.keep_alive:
            head.append(b"connection: close\r\n")
        head.append(b"\r\n")
        if method != "HEAD":
            head.append(reply.body)
        self._out.write_now(b"".join(head))
