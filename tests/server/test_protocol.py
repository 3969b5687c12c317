"""The data plane's HTTP/1.1 protocol over raw sockets (server/protocol.py): requests without a body are answered
without ASGI, everything else by uvicorn's own path, and a connection sees one HTTP/1.1 conversation either way."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httptools
import pytest

from tests.utils import NodeProcess

WORKER = """export default { async fetch(request) {
  const url = new URL(request.url);
  if (url.pathname === "/slow") await scheduler.wait(300);
  if (url.pathname === "/stream") {
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    (async () => {
      for (const part of ["one,", "two,", "three"]) {
        await writer.write(new TextEncoder().encode(part));
        await scheduler.wait(5);
      }
      await writer.close();
    })();
    return new Response(readable);
  }
  const body = await request.text();
  const text = request.method + " " + url.pathname + url.search + " [" + body + "]";
  return new Response(text, { headers: { "x-path": url.pathname } });
} }"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    proc = NodeProcess(tmp_path_factory.mktemp("protocol")).start()
    try:
        asyncio.run(deploy(proc))
        yield proc
    finally:
        proc.stop()


async def deploy(node: NodeProcess) -> None:
    response = await node.deploy("proto", WORKER)
    assert response.status_code == 200, response.text


class Responses:
    """Responses parsed off one connection, in order (httptools' response parser)."""

    def __init__(self) -> None:
        self.done: list[dict[str, Any]] = []
        self._parser = httptools.HttpResponseParser(self)
        self._current: dict[str, Any] = {}

    def on_message_begin(self) -> None:
        self._current = {"headers": {}, "body": b""}

    def on_header(self, name: bytes, value: bytes) -> None:
        self._current["headers"][name.decode().lower()] = value.decode()

    def on_headers_complete(self) -> None:
        self._current["status"] = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self._current["body"] += body

    def on_message_complete(self) -> None:
        self.done.append(self._current)

    def feed(self, data: bytes) -> None:
        self._parser.feed_data(data)


async def converse(node: NodeProcess, raw: bytes, expect: int) -> tuple[list[dict[str, Any]], bool]:
    """Send ``raw`` on one connection and read ``expect`` responses; also say whether the node closed it after."""
    host, port = node.data_url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(raw)
    parsed = Responses()
    closed = False
    try:
        while len(parsed.done) < expect:
            data = await asyncio.wait_for(reader.read(65536), 10)
            if not data:
                closed = True
                break
            parsed.feed(data)
        if not closed:
            try:
                closed = await asyncio.wait_for(reader.read(1), 0.3) == b""
            except TimeoutError:
                closed = False
    finally:
        writer.close()
    return parsed.done, closed


def get(path: str, *extra: str, version: str = "1.1", method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/{version}", "Host: proto.localhost", *extra, "", ""]
    return "\r\n".join(lines).encode()


async def test_pipelined_requests_are_answered_in_order_on_one_connection(node: NodeProcess) -> None:
    post = b"POST /b HTTP/1.1\r\nHost: proto.localhost\r\nContent-Length: 4\r\n\r\nbody"
    raw = get("/slow") + get("/a?q=1") + post + get("/d")
    answers, closed = await converse(node, raw, 4)
    assert [a["status"] for a in answers] == [200] * 4
    assert [a["body"] for a in answers] == [b"GET /slow []", b"GET /a?q=1 []", b"POST /b [body]", b"GET /d []"]
    assert not closed  # keep-alive


async def test_a_head_response_says_how_long_the_body_would_be_and_carries_none(node: NodeProcess) -> None:
    host, port = node.data_url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(get("/c", method="HEAD") + get("/d"))
    data = b""
    while not data.endswith(b"GET /d []"):
        chunk = await asyncio.wait_for(reader.read(65536), 10)
        assert chunk, data
        data += chunk
    writer.close()
    head, rest = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert f"content-length: {len(b'HEAD /c []')}".encode() in head.split(b"\r\n")
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n")  # the next response follows the head at once


async def test_each_response_carries_a_date_and_its_request_id(node: NodeProcess) -> None:
    answers, _ = await converse(node, get("/x") + get("/y"), 2)
    for answer in answers:
        assert answer["headers"]["date"].endswith(" GMT")
        assert len(answer["headers"]["x-edgeworker-request-id"]) == 16
    assert answers[0]["headers"]["x-edgeworker-request-id"] != answers[1]["headers"]["x-edgeworker-request-id"]


async def test_http_1_0_and_connection_close_end_the_connection(node: NodeProcess) -> None:
    for raw in (get("/old", version="1.0"), get("/bye", "Connection: close")):
        answers, closed = await converse(node, raw, 1)
        assert answers[0]["status"] == 200
        assert answers[0]["headers"]["connection"] == "close"
        assert closed


async def test_a_streamed_response_goes_chunked_and_the_connection_serves_on(node: NodeProcess) -> None:
    answers, closed = await converse(node, get("/stream") + get("/after"), 2)
    assert answers[0]["headers"]["transfer-encoding"] == "chunked"
    assert answers[0]["body"] == b"one,two,three"
    assert answers[1]["body"] == b"GET /after []"
    assert not closed


async def test_a_request_the_parser_refuses_gets_400_and_the_node_serves_on(node: NodeProcess) -> None:
    for raw in (
        b"GET / HTTP/1.1\r\nHost: proto.localhost\r\nNo colon here\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: proto.localhost\r\n\r\n",
    ):
        answers, closed = await converse(node, raw, 1)
        assert answers[0]["status"] == 400
        assert closed
    answers, _ = await converse(node, get("/fine"), 1)
    assert answers[0]["body"] == b"GET /fine []"
    assert "Traceback" not in node.output


async def test_a_client_that_leaves_before_its_answer_costs_nothing(node: NodeProcess) -> None:
    host, port = node.data_url.removeprefix("http://").rsplit(":", 1)
    for _ in range(5):
        _, writer = await asyncio.open_connection(host, int(port))
        writer.write(get("/slow"))
        await writer.drain()
        writer.close()
    await asyncio.sleep(0.5)  # their answers come back to connections that are gone
    answers, _ = await converse(node, get("/later"), 1)
    assert answers[0]["body"] == b"GET /later []"
    assert "Traceback" not in node.output


async def test_a_websocket_upgrade_is_still_refused(node: NodeProcess) -> None:
    upgrade = get(
        "/ws",
        "Connection: Upgrade",
        "Upgrade: websocket",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    )
    answers, _ = await converse(node, upgrade, 1)
    assert answers[0]["status"] == 403
    answers, _ = await converse(node, get("/plain"), 1)
    assert answers[0]["body"] == b"GET /plain []"
