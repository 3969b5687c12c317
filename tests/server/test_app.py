"""The data plane, against a real node: formats, routing, errors, request ids, client headers, bodies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import fixture_script
from tests.utils import NodeProcess

SW_HELLO = """
addEventListener("fetch", (event) => {
  event.respondWith(new Response("service worker says hi " + new URL(event.request.url).pathname));
});
"""


async def test_module_worker_by_host_label(node: NodeProcess) -> None:
    assert (
        await node.deploy("modhello", "export default { fetch() { return new Response('module hi'); } }")
    ).status_code == 200
    r = await node.get("modhello.localhost:8787")
    assert r.status_code == 200
    assert r.text == "module hi"
    assert len(r.headers["x-edgeworker-request-id"]) == 16


async def test_any_method_reaches_the_worker(node: NodeProcess) -> None:
    # as on Workers: methods outside the usual nine (cache purges, WebDAV) are the worker's to answer
    answer = await node.deploy("methods", "export default { fetch(r) { return new Response(r.method); } }")
    assert answer.status_code == 200
    async with node.client() as client:
        for method in ("PURGE", "PROPFIND", "PATCH", "OPTIONS"):
            r = await client.request(method, "/", headers={"host": "methods.localhost"})
            assert (r.status_code, r.text) == (200, method)


async def test_service_worker_format(node: NodeProcess) -> None:
    answer = await node.deploy("swhello", SW_HELLO)
    assert answer.json()["format"] == "service-worker"
    r = await node.get("swhello.example.test", "/a/b")
    assert r.text == "service worker says hi /a/b"


async def test_the_worker_sees_the_url_as_the_client_sent_it(node: NodeProcess) -> None:
    # as on Workers: escapes in the path stay escaped (%2F is not a separator; %3F does not start a query)
    answer = await node.deploy("rawurl", "export default { fetch(r) { return new Response(r.url); } }")
    assert answer.status_code == 200
    async with node.client() as client:
        r = await client.get("/a%2Fb/%3Fq%20r?x=%26y", headers={"host": "rawurl.localhost:8787"})
    assert r.text == "http://rawurl.localhost:8787/a%2Fb/%3Fq%20r?x=%26y"


async def test_bundled_output_is_accepted_unchanged(node: NodeProcess) -> None:
    answer = await node.deploy("bundled", fixture_script("bundled"), vars={"WHO": "wrangler"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["format"] == "modules"
    assert (await node.get("bundled.localhost")).text == "bundled ok wrangler"


async def test_no_worker_matches_is_404_plain_text(node: NodeProcess) -> None:
    r = await node.get("nobody-here.localhost", "/x")
    assert r.status_code == 404
    assert "No worker matches" in r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-edgeworker-request-id"]


async def test_exception_gives_500_page_with_request_id_and_logs_stack(node: NodeProcess) -> None:
    await node.deploy("thrower", fixture_script("throws"))
    r = await node.get("thrower.localhost")
    assert r.status_code == 500
    rid = r.headers["x-edgeworker-request-id"]
    assert rid in r.text
    assert "intentional failure" not in r.text  # the message stays in the log
    assert "Traceback" not in r.text
    assert node.wait_for_output(rid)
    logged = [line for line in node.lines if rid in line]
    assert any("intentional failure for the test" in line for line in logged), logged


async def test_lone_surrogates_in_logs_and_headers_cross_to_the_node(node: NodeProcess) -> None:
    # the frames' JSON falls back to the standard library for what orjson refuses
    source = """export default { fetch(r) {
      console.log("half a pair: \\ud800 " + r.headers.get("x-tag"));
      return new Response("ok \\udc00", { headers: { "x-tag": r.headers.get("x-tag") } });
    } }"""
    assert (await node.deploy("surrogates", source)).status_code == 200
    r = await node.get("surrogates.localhost", headers={"x-tag": "caf\u00e9".encode("latin-1")})
    assert r.status_code == 200, r.text
    assert r.content == "ok \ufffd".encode()  # as on Workers: a lone surrogate is written as U+FFFD
    assert r.headers["x-tag"].encode("latin-1") == "caf\u00e9".encode("latin-1")
    rid = r.headers["x-edgeworker-request-id"]
    assert node.wait_for_output(f"{rid}] console.log: half a pair:")


@pytest.mark.parametrize(
    ("scenario_source", "why"),
    [
        ("export default { fetch() { return 42; } }", "not a Response"),
        ("export default { async fetch() { throw new Error('rejected'); } }", "rejected promise"),
    ],
)
async def test_bad_results_give_500(node: NodeProcess, scenario_source: str, why: str) -> None:
    await node.deploy("badresult", scenario_source)
    r = await node.get("badresult.localhost")
    assert r.status_code == 500, why
    assert r.headers["x-edgeworker-request-id"] in r.text


async def test_never_settling_handler_fails_at_once(node: NodeProcess) -> None:
    await node.deploy("hangs", fixture_script("never_resolves"))
    r = await node.get("hangs.localhost", timeout=10)
    assert r.status_code == 500
    assert "never generate a response" in r.text


async def test_client_ip_headers_and_binary_bodies(node: NodeProcess) -> None:
    await node.deploy("binary", fixture_script("binary_echo"))
    payload = bytes(range(256)) * 4
    async with node.client() as client:
        r = await client.post(
            "/p?q=1",
            content=payload,
            headers={"host": "binary.localhost", "x-forwarded-for": "10.1.2.3", "cf-connecting-ip": "6.6.6.6"},
        )
    assert r.status_code == 200
    assert r.content == payload[::-1]
    assert r.headers["x-saw-ip"] == "127.0.0.1"  # the node's view, not the client's claim
    assert r.headers["x-saw-xff"] == "10.1.2.3, 127.0.0.1"
    assert r.headers["x-saw-method"] == "POST"
    assert r.headers["x-saw-url"] == "http://binary.localhost/p?q=1"


WIDE_HEADERS = """
export default { fetch() {
  const headers = { "x-latin": "caf\\u00e9", "x-wide": "\\u20ac", "x-mixed": "\\u00e9\\u20ac", "x-lone": "a\\ud800",
    "\\u00e9": "not a token", "": "empty" };
  return new Response("ok", { headers });
} };
"""


async def test_header_values_above_latin1_go_out_as_utf8(node: NodeProcess) -> None:
    await node.deploy("wideheaders", WIDE_HEADERS)
    r = await node.get("wideheaders.localhost")
    assert r.status_code == 200, r.text
    raw = dict(r.headers.raw)
    # a value with a character above U+00FF as UTF-8, as workerd sends it (a lone surrogate as U+FFFD); a latin-1
    # value byte for byte, as before
    assert raw[b"x-wide"] == "\u20ac".encode()
    assert raw[b"x-mixed"] == "\u00e9\u20ac".encode()
    assert raw[b"x-lone"] == "a\ufffd".encode()
    assert raw[b"x-latin"] == b"caf\xe9"
    # names that are not HTTP tokens are left out, as workerd leaves them out
    assert not [name for name in raw if not name.isascii() or name == b""]


async def test_env_carries_vars_and_secrets(node: NodeProcess) -> None:
    await node.deploy("envecho", fixture_script("env_echo"), vars={"A": "1", "OBJ": {"x": 2}}, secrets={"S": "hush"})
    assert (await node.get("envecho.localhost")).json() == {"A": "1", "OBJ": {"x": 2}, "S": "hush"}


async def test_wait_until_runs_after_the_response(node: NodeProcess) -> None:
    await node.deploy("waiter", fixture_script("wait_until"))
    r = await node.get("waiter.localhost")
    assert r.text == "sent"
    rid = r.headers["x-edgeworker-request-id"]
    assert node.wait_for_output("waitUntil done")
    lines = [line for line in node.lines if rid in line]
    assert any("responding" in line for line in lines)
    assert any("waitUntil done" in line for line in lines)


async def test_explicit_routes_beat_host_labels(node: NodeProcess) -> None:
    await node.deploy("labelled", "export default { fetch() { return new Response('by label'); } }")
    await node.deploy(
        "routed", "export default { fetch() { return new Response('by route'); } }", routes=["labelled.localhost/api/*"]
    )
    assert (await node.get("labelled.localhost", "/api/x")).text == "by route"
    assert (await node.get("labelled.localhost", "/other")).text == "by label"


async def test_atomic_swap_under_concurrent_requests(node: NodeProcess) -> None:
    def version_source(n: int) -> str:
        wait = "await new Promise(r => setTimeout(r, 5));"
        return f"export default {{ async fetch() {{ {wait} return new Response('v{n}'); }} }}"

    assert (await node.deploy("swapper", version_source(1))).status_code == 200
    seen: list[str] = []
    failures: list[str] = []
    stop = asyncio.Event()

    async def hammer(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            r = await client.get("/", headers={"host": "swapper.localhost"})
            if r.status_code != 200:
                failures.append(f"{r.status_code} {r.text}")
            else:
                seen.append(r.text)

    async with node.client() as client:
        tasks = [asyncio.create_task(hammer(client)) for _ in range(8)]
        for n in range(2, 7):
            answer = await node.deploy("swapper", version_source(n))
            assert answer.json()["version"] == n
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*tasks)
        after = await client.get("/", headers={"host": "swapper.localhost"})
    assert failures == []
    assert len(seen) > 50
    assert set(seen) <= {f"v{n}" for n in range(1, 7)}
    assert after.text == "v6"


async def test_streamed_body_reaches_the_client_chunk_by_chunk(node: NodeProcess) -> None:
    await node.deploy("streamer", fixture_script("slow_stream"))
    async with node.client() as client:
        started = time.monotonic()
        async with client.stream("GET", "/?ms=800", headers={"host": "streamer.localhost"}) as r:
            assert r.status_code == 200
            assert "content-length" not in r.headers
            chunks = r.aiter_raw()
            first = await chunks.__anext__()
            first_at = time.monotonic() - started
            rest = b"".join([c async for c in chunks])
            total = time.monotonic() - started
    assert first == b"first|"
    assert rest == b"last"
    assert first_at < 0.6 < total  # the first bytes came before the last were produced


FIXED_LENGTH = """export default { fetch(r) {
  const short = new URL(r.url).pathname === "/short";
  const { readable, writable } = new FixedLengthStream(10);
  const writer = writable.getWriter();
  (async () => {
    await writer.write(new TextEncoder().encode("01234"));
    await scheduler.wait(20);
    if (short) { await writer.close().catch(() => {}); return; }  // fewer bytes than declared: an error
    await writer.write(new TextEncoder().encode("56789"));
    await writer.close();
  })();
  return new Response(readable);
} }"""


async def test_a_fixed_length_stream_goes_out_with_its_content_length(node: NodeProcess) -> None:
    # as on Workers: the declared length is the response's Content-Length (no chunked encoding)
    await node.deploy("fixedlen", FIXED_LENGTH)
    async with node.client() as client:
        r = await client.get("/", headers={"host": "fixedlen.localhost"})
        assert (r.status_code, r.content) == (200, b"0123456789")
        assert r.headers["content-length"] == "10" and "transfer-encoding" not in r.headers
        with pytest.raises(httpx.RemoteProtocolError):  # the stream errors: the client sees the body cut short
            await client.get("/short", headers={"host": "fixedlen.localhost"})


async def test_a_stream_that_fails_cuts_the_response(node: NodeProcess) -> None:
    await node.deploy("streamer", fixture_script("slow_stream"))
    async with node.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            async with client.stream("GET", "/?ms=50&fail=1", headers={"host": "streamer.localhost"}) as r:
                assert r.status_code == 200
                await r.aread()
    async with node.client() as client:  # the worker and the node go on
        ok = await client.get("/?ms=10", headers={"host": "streamer.localhost"})
    assert ok.text == "first|last"


async def test_fetch_to_a_worker_of_the_same_node_skips_the_network(node: NodeProcess) -> None:
    back = "export default { async fetch(r) { return new Response('back saw ' + new URL(r.url).pathname + ' ' + "
    back += "(await r.text())); } }"
    front = """export default { async fetch(r) {
      const answer = await fetch('http://back.localhost/inner', { method: 'POST', body: 'payload' });
      return new Response('front got: ' + await answer.text() + ' ' + answer.status);
    } }"""
    await node.deploy("back", back)
    await node.deploy("front", front)
    # back.localhost is loopback: the egress policy would refuse it, so an answer proves the node dispatched it
    r = await node.get("front.localhost")
    assert r.text == "front got: back saw /inner payload 200"


async def test_workers_fetching_each_other_in_a_loop_stop_at_depth_16(node: NodeProcess) -> None:
    looper = """export default { async fetch(r) {
      const depth = Number(new URL(r.url).searchParams.get('d') ?? 0);
      try {
        const inner = await fetch('http://looper.localhost/?d=' + (depth + 1));
        return new Response(await inner.text());
      } catch (e) {
        return new Response(`stopped at ${depth}: ${e.name}: ${e.message}`);
      }
    } }"""
    await node.deploy("looper", looper, limits={"cpu_ms": 1000})
    r = await node.get("looper.localhost", timeout=60)
    assert r.status_code == 200
    assert r.text.startswith("stopped at 16: TypeError: Subrequest depth limit of 16"), r.text


async def test_an_upload_streams_into_the_worker_as_it_arrives(node: NodeProcess) -> None:
    reader = """export default { async fetch(r) {
      const reader = r.body.getReader();
      const first = await reader.read();
      const firstAt = Date.now();
      let rest = 0;
      for (;;) { const { done, value } = await reader.read(); if (done) break; rest += value.length; }
      return Response.json({ first: new TextDecoder().decode(first.value), rest, waited: Date.now() - firstAt });
    } }"""
    await node.deploy("uploader", reader)

    async def slow_upload() -> AsyncIterator[bytes]:
        yield b"first part"
        await asyncio.sleep(0.8)
        yield b"x" * 100_000

    async with node.client() as client:
        r = await client.post("/", content=slow_upload(), headers={"host": "uploader.localhost"})
    answer = r.json()
    assert answer["first"] == "first part"
    assert answer["rest"] == 100_000
    assert answer["waited"] >= 700  # it read the first part before the client had sent the rest
