"""engine.py: the JS protocol driven end to end in real isolates."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from edgeworker.isolates import engine
from edgeworker.isolates.engine import HttpRequest, JsIsolate, ScriptError, compile_worker
from edgeworker.limits.outcome import Outcome


def request(
    path: str = "/", *, method: str = "GET", body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> HttpRequest:
    return HttpRequest(method, f"https://worker.example{path}", headers or [], body, "req-1")


@pytest.fixture
async def isolate() -> AsyncIterator[JsIsolate]:
    iso = await JsIsolate.create(memory_mb=64)
    yield iso
    iso.close()


async def load(iso: JsIsolate, source: str, env: dict[str, dict[str, str]] | None = None) -> list[str]:
    return await iso.load_worker(await compile_worker(source), env or {})


class CountingCalls:
    """Wraps the isolate's eval to count crossings into JS."""

    def __init__(self, iso: JsIsolate, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        original = iso._v8.start

        def counted(code: str) -> object:
            self.calls.append(code[:40])
            return original(code)

        monkeypatch.setattr(iso._v8, "start", counted)


async def test_module_worker(isolate: JsIsolate) -> None:
    src = "export default { fetch(r) { return new Response('hi ' + r.method, { status: 201, headers: { 'X-A': 'b' }})}}"
    handlers = await load(isolate, src)
    assert handlers == ["fetch"]
    assert isolate.format == "modules"
    result = await isolate.fetch(request(), wall_ms=1000)
    assert (result.outcome, result.status, result.body) == (Outcome.OK, 201, b"hi GET")
    assert ("x-a", "b") in result.headers
    assert not result.condemned and not result.wait_until


async def test_service_worker(isolate: JsIsolate) -> None:
    src = "addEventListener('fetch', (event) => event.respondWith(new Response(event.request.url + ' ' + GREETING)));"
    assert await load(isolate, src, {"vars": {"GREETING": "hey"}}) == ["fetch"]
    assert isolate.format == "service-worker"
    result = await isolate.fetch(request("/sw"), wall_ms=1000)
    assert result.body == b"https://worker.example/sw hey"


async def test_bundle_with_export_list(isolate: JsIsolate) -> None:
    src = (
        "var app = {\n  async fetch() { return new Response(helper()); }\n};\n"
        "function helper() { return 'bundled'; }\nexport {\n  app as default\n};\n"
    )
    await load(isolate, src)
    assert (await isolate.fetch(request(), wall_ms=1000)).body == b"bundled"


async def test_named_default_exports(isolate: JsIsolate) -> None:
    src = (
        "export const prefix = 'p:';\n"
        "export default class Worker {\n  static fetch() { return new Response(prefix + 'class'); }\n}"
    )
    await load(isolate, src)
    assert (await isolate.fetch(request(), wall_ms=1000)).body == b"p:class"


async def test_sync_handler_needs_one_crossing(isolate: JsIsolate, monkeypatch: pytest.MonkeyPatch) -> None:
    await load(isolate, "export default { fetch() { return new Response('fast'); } };")
    counter = CountingCalls(isolate, monkeypatch)
    result = await isolate.fetch(request(), wall_ms=1000)
    assert result.body == b"fast"
    assert len(counter.calls) == 1, counter.calls


async def test_async_handler_and_timers(isolate: JsIsolate) -> None:
    src = """export default { async fetch() {
      const order = [];
      await new Promise((r) => setTimeout(r, 0));
      order.push('t0');
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(() => { order.push(i); r(); }, 2));
      return Response.json(order);
    } };"""
    await load(isolate, src)
    result = await isolate.fetch(request(), wall_ms=2000)
    assert result.outcome is Outcome.OK
    assert json.loads(result.body) == ["t0", 0, 1, 2, 3, 4]


async def test_wait_until_runs_after_the_response(isolate: JsIsolate) -> None:
    src = """let log = [];
    export default { fetch(req, env, ctx) {
      if (new URL(req.url).pathname === '/log') return Response.json(log);
      ctx.waitUntil(new Promise((r) => setTimeout(() => { log.push('late'); console.log('waited'); r(); }, 20)));
      log.push('responded');
      return new Response('now');
    } };"""
    await load(isolate, src)
    result = await isolate.fetch(request(), wall_ms=1000)
    assert result.body == b"now" and result.wait_until
    done = await isolate.finish(wall_ms=1000)
    assert done.outcome is Outcome.OK
    assert [line.message for line in done.logs] == ["waited"]
    assert json.loads((await isolate.fetch(request("/log"), wall_ms=1000)).body) == ["responded", "late"]


async def test_pending_timers_are_cancelled_when_the_request_ends(isolate: JsIsolate) -> None:
    src = """let fired = 0;
    export default { fetch(req) {
      if (req.url.endsWith('/count')) return new Response(String(fired));
      setTimeout(() => { fired++; }, 0);
      return new Response('x');
    } };"""
    await load(isolate, src)
    await isolate.fetch(request(), wall_ms=1000)
    assert (await isolate.fetch(request("/count"), wall_ms=1000)).body == b"0"


async def test_never_settling_handler(isolate: JsIsolate) -> None:
    await load(isolate, "export default { fetch() { return new Promise(() => {}); } };")
    result = await isolate.fetch(request(), wall_ms=1000)
    assert result.outcome is Outcome.NEVER_RESPONDED
    assert result.error is not None and result.error.message == engine.NEVER_RESPONDED_MESSAGE
    assert not result.condemned and not isolate.closed


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        ("throw new RangeError('boom')", "RangeError", "boom"),
        ("return Promise.reject(new TypeError('nope'))", "TypeError", "nope"),
        ("await null; null.x", "TypeError", "Cannot read properties of null (reading 'x')"),
        ("return 'nope'", "TypeError", "Incorrect type for Promise: the Promise did not resolve to 'Response'."),
    ],
)
async def test_handler_errors(isolate: JsIsolate, body: str, name: str, message: str) -> None:
    await load(isolate, f"export default {{ async fetch() {{ {body} }} }};")
    result = await isolate.fetch(request(), wall_ms=1000)
    assert result.outcome is Outcome.EXCEPTION
    assert result.status == 500 and not result.condemned
    assert result.error is not None and (result.error.name, result.error.message) == (name, message)
    # the isolate keeps serving
    assert (await isolate.fetch(request(), wall_ms=1000)).outcome is Outcome.EXCEPTION


async def test_sync_throw_stack_points_into_the_worker(isolate: JsIsolate) -> None:
    await load(isolate, "export default {\n  fetch() {\n    throw new Error('here');\n  }\n};")
    result = await isolate.fetch(request(), wall_ms=1000)
    assert result.error is not None and "worker.js:3:11" in result.error.stack


async def test_syntax_error_position() -> None:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        with pytest.raises(ScriptError) as info:
            await load(iso, "addEventListener('fetch', () => {});\nlet x = ;\n")
        assert (info.value.name, info.value.line, info.value.column) == ("SyntaxError", 2, 9)
        assert str(info.value) == "SyntaxError: Unexpected token ';' at line 2, column 9"
    finally:
        iso.close()


async def test_syntax_error_on_line_one_of_a_module() -> None:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        with pytest.raises(ScriptError) as info:
            await load(iso, "export default {}; let x = ;")
        assert (info.value.name, info.value.line, info.value.column) == ("SyntaxError", 1, 28)
    finally:
        iso.close()


async def test_module_syntax_error_from_the_transform() -> None:
    with pytest.raises(ScriptError) as info:
        await compile_worker("const a = 1;\nexport default {\n  fetch() { return }}}\n")
    assert (info.value.name, info.value.line, info.value.column) == ("SyntaxError", 3, 22)
    with pytest.raises(ScriptError, match="imports between modules"):
        await compile_worker("import x from './x.js';\nexport default x;")
    with pytest.raises(ScriptError, match="top-level await"):
        await compile_worker("await 1;\nexport default {};")


async def test_top_level_throw(isolate: JsIsolate) -> None:
    with pytest.raises(ScriptError) as info:
        await load(isolate, "const a = 1;\nthrow new TypeError('at startup');\nexport default {};")
    assert (info.value.name, info.value.message, info.value.line) == ("TypeError", "at startup", 2)


async def test_missing_fetch_handler(isolate: JsIsolate) -> None:
    with pytest.raises(ScriptError, match="Handler does not export a fetch"):
        await load(isolate, "export default { scheduled() {} };")


async def test_startup_timeout() -> None:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        with pytest.raises(ScriptError, match="script startup exceeded 100 ms"):
            await iso.load_worker(await compile_worker("while (true) {}"), {}, timeout_ms=100)
    finally:
        iso.close()


async def test_env_vars_and_secrets(isolate: JsIsolate) -> None:
    await load(
        isolate,
        "export default { fetch(req, env) { return Response.json(env); } };",
        {"vars": {"A": "1", "B": "2"}, "secrets": {"B": "secret", "C": "3"}},
    )
    assert json.loads((await isolate.fetch(request(), wall_ms=1000)).body) == {"A": "1", "B": "secret", "C": "3"}


async def test_binary_bodies_round_trip(isolate: JsIsolate) -> None:
    src = """export default { async fetch(req) {
      const bytes = await req.bytes();
      return new Response(bytes.reverse(), { headers: { 'x-len': String(bytes.length) } });
    } };"""
    await load(isolate, src)
    payload = bytes(range(256)) * 4
    result = await isolate.fetch(request(method="POST", body=payload), wall_ms=1000)
    assert result.body == payload[::-1]
    assert ("x-len", "1024") in result.headers


async def test_request_headers_and_cf(isolate: JsIsolate) -> None:
    src = "export default { fetch(req) { return Response.json([req.headers.get('x-a'), req.cf]); } };"
    await load(isolate, src)
    req = HttpRequest("GET", "https://w.example/", [("X-A", "1"), ("x-a", "2")], b"", "r", cf={"colo": "XYZ"})
    assert json.loads((await isolate.fetch(req, wall_ms=1000)).body) == ["1, 2", {"colo": "XYZ"}]


async def test_memory_limit_condemns() -> None:
    iso = await JsIsolate.create(memory_mb=32)
    try:
        src = "export default { fetch() { const a = []; while (true) a.push(new Array(1e5).fill({ x: 1 })); } };"
        await load(iso, src)
        result = await iso.fetch(request(), wall_ms=10_000)
        assert result.outcome is Outcome.EXCEEDED_MEMORY
        assert result.condemned and iso.closed
    finally:
        iso.close()


async def test_wall_limit_condemns() -> None:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        await load(iso, "export default { fetch() { while (true) {} } };")
        result = await iso.fetch(request(), wall_ms=100)
        assert result.outcome is Outcome.EXCEEDED_WALL_TIME
        assert result.condemned and iso.closed
    finally:
        iso.close()


async def test_wall_limit_while_waiting_on_a_timer() -> None:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        await load(iso, "export default { async fetch() { await new Promise((r) => setTimeout(r, 10_000)); } };")
        result = await iso.fetch(request(), wall_ms=100)
        assert result.outcome is Outcome.EXCEEDED_WALL_TIME and result.condemned
    finally:
        iso.close()


async def test_console_capture(isolate: JsIsolate) -> None:
    src = """export default { fetch() {
      console.log('%s has %d items', 'cart', 3, { a: 1, b: [1, 'x'] });
      console.error(new Map([['k', 1]]));
      console.warn('w');
      for (let i = 0; i < 1100; i++) console.debug(i);
      return new Response('ok');
    } };"""
    await load(isolate, src)
    logs = (await isolate.fetch(request(), wall_ms=1000)).logs
    assert (logs[0].level, logs[0].message) == ("log", "cart has 3 items { a: 1, b: [ 1, 'x' ] }")
    assert (logs[1].level, logs[1].message) == ("error", "Map(1) { 'k' => 1 }")
    assert (logs[2].level, logs[2].message) == ("warn", "w")
    assert len(logs) == 1001 and "truncated" in logs[-1].message


async def test_host_calls_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    """JS → Python ops, batched per crossing: results, errors, unknown ops, ops inside waitUntil."""
    test_runtime = (engine.RUNTIME_DIR / "runtime-test.js").read_text(encoding="utf-8")
    monkeypatch.setitem(engine._sources, "runtime.js", test_runtime)

    async def op_test_echo(args: object) -> object:
        await asyncio.sleep(0.005)
        return {"echo": args}

    async def op_test_fail(args: object) -> object:
        raise ValueError("bad thing")

    monkeypatch.setitem(engine.OPS, "op_test_echo", op_test_echo)
    monkeypatch.setitem(engine.OPS, "op_test_fail", op_test_fail)
    src = """const { hostCall } = globalThis.__edgeworker_test;
    export default { async fetch(req, env, ctx) {
      const both = await Promise.all([hostCall('op_test_echo', [1]), hostCall('op_test_echo', 'x')]);
      const errors = [];
      for (const op of ['op_test_fail', 'op_missing']) {
        try { await hostCall(op, null); } catch (e) { errors.push(e.name + ': ' + e.message); }
      }
      ctx.waitUntil(hostCall('op_test_echo', 'late').then((v) => console.log(JSON.stringify(v))));
      return Response.json([both, errors]);
    } };"""
    iso = await JsIsolate.create(memory_mb=64)
    try:
        await load(iso, src)
        result = await iso.fetch(request(), wall_ms=1000)
        assert json.loads(result.body) == [
            [{"echo": [1]}, {"echo": "x"}],
            ["Error: bad thing", "TypeError: unknown host operation: op_missing"],
        ]
        assert result.wait_until
        done = await iso.finish(wall_ms=1000)
        assert [line.message for line in done.logs] == ['{"echo":"late"}']
    finally:
        iso.close()


async def test_op_cannot_start_at_global_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engine._sources, "runtime.js", (engine.RUNTIME_DIR / "runtime-test.js").read_text())
    iso = await JsIsolate.create(memory_mb=64)
    try:
        with pytest.raises(ScriptError, match="Disallowed operation called within global scope"):
            await load(iso, "globalThis.__edgeworker_test.hostCall('op_x');\nexport default { fetch() {} };")
    finally:
        iso.close()


async def test_service_worker_async_respond_with_and_missing_response(isolate: JsIsolate) -> None:
    src = """addEventListener('fetch', (event) => {
      if (event.request.url.endsWith('/none')) return;
      event.respondWith((async () => { await null; return new Response('later'); })());
    });"""
    await load(isolate, src)
    assert (await isolate.fetch(request("/"), wall_ms=1000)).body == b"later"
    missing = await isolate.fetch(request("/none"), wall_ms=1000)
    assert missing.outcome is Outcome.EXCEPTION
    assert missing.error is not None and "respondWith" in missing.error.message


async def test_uncaught_error_in_a_timer_is_logged(isolate: JsIsolate) -> None:
    src = """export default { async fetch() {
      setTimeout(() => { throw new Error('in timer'); }, 0);
      await new Promise((r) => setTimeout(r, 1));
      return new Response('fine');
    } };"""
    await load(isolate, src)
    result = await isolate.fetch(request(), wall_ms=1000)
    assert result.body == b"fine"
    assert [line.level for line in result.logs] == ["error"]
    assert result.logs[0].message.startswith("Uncaught Error: in timer")


async def test_timers_are_not_allowed_at_global_scope(isolate: JsIsolate) -> None:
    with pytest.raises(ScriptError, match="Disallowed operation called within global scope"):
        await load(isolate, "setTimeout(() => {}, 0);\nexport default { fetch() {} };")


@pytest.mark.parametrize(
    "tamper",
    [
        "JSON.stringify = JSON.parse = () => { throw new Error('json'); };",
        "Object.keys = () => { throw new Error('keys'); };",
        "Map.prototype.get = Map.prototype.set = () => { throw new Error('map'); };",
        "Promise.prototype.then = function () { throw new Error('then'); };",
        "Array.prototype.indexOf = Array.prototype.join = () => { throw new Error('array'); };",
    ],
)
async def test_workers_overwriting_builtins_do_not_break_the_runtime(isolate: JsIsolate, tamper: str) -> None:
    src = (
        tamper
        + "\nexport default { async fetch(r) { console.log({ a: 1 }); return Response.json([r.headers.get('X')]); } };"
    )
    await load(isolate, src)
    result = await isolate.fetch(request(headers=[("x", "1")]), wall_ms=1000)
    assert (result.outcome, result.body) == (Outcome.OK, b'["1"]')
    assert [line.message for line in result.logs] == ["{ a: 1 }"]


async def test_broken_npm_code_fails_the_request_not_the_isolate(isolate: JsIsolate) -> None:
    # whatwg-url (npm) uses ordinary built-ins: breaking them breaks URL parsing, but only as an exception. (The
    # path has a dot segment, so the incoming URL goes through the parser too.)
    await load(
        isolate, "Array.prototype.push = () => { throw 0; };\nexport default { fetch() { return new Response(); } };"
    )
    result = await isolate.fetch(request("/a/../b"), wall_ms=1000)
    assert result.outcome is Outcome.EXCEPTION and not result.condemned and not isolate.closed
    result = await isolate.fetch(request("/plain"), wall_ms=1000)
    assert result.outcome is Outcome.OK


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "export default {\n  fetch() {\n    let x = ;\n  }\n}",
            "SyntaxError: Unexpected token ';' at line 3, column 13",
        ),
        ("export { a as b };\nconst a = 1\nconst = 2;\n", "SyntaxError: Unexpected token '=' at line 3, column 7"),
        (
            "const a = 1;\nexport default { fetch() { return a +; } }",
            "SyntaxError: Unexpected token ';' at line 2, column 38",
        ),
    ],
)
async def test_module_syntax_errors_in_v8s_own_words(source: str, expected: str) -> None:
    with pytest.raises(ScriptError) as caught:
        await compile_worker(source)
    assert str(caught.value) == expected


# Incoming URLs that the runtime takes as they are (already serialized) and ones it must parse; request.url must be
# what the URL parser makes of each, either way.
INCOMING_URLS = [
    "https://worker.example/",
    "http://a-b.c_d.example:8080/p/a/t/h;x=1?q=1&r=[2]|{3}`\\^",
    "https://worker.example/~user/file.name?x=%20y",
    "https://worker.example/a/./b/../c",
    "https://worker.example/a/%2e%2E/c",
    "https://worker.example/.well-known/x",
    "http://worker.example:80/default-port",
    "https://worker.example:443/default-port",
    "https://worker.example:0443/padded-port",
    "https://Worker.Example/upper",
    "http://127.1/ipv4",
    "http://0x7f.0.0.1/hex",
    "http://xn--nxasmq6b.example/punycode",
    "https://worker.example/caret^/tick`/brace{}",
    "https://worker.example/q?it's",
    "https://worker.example/back\\slash",
    "https://worker.example",
    "https://worker.example./trailing-dot",
]


async def test_incoming_url_as_the_parser_gives_it(isolate: JsIsolate) -> None:
    worker = "export default { fetch(r) { return Response.json([r.url, new URL(r.headers.get('x-raw')).href]) } }"
    await load(isolate, worker)
    for url in INCOMING_URLS:
        result = await isolate.fetch(HttpRequest("GET", url, [("x-raw", url)], b"", "u"), wall_ms=1000)
        await isolate.finish(wall_ms=1000)
        assert result.outcome is Outcome.OK, url
        given, parsed = json.loads(result.body)
        assert given == parsed, url


ECHO_BYTES = """export default { async fetch(r) {
  const body = new Uint8Array(await r.arrayBuffer());
  const n = Number(new URL(r.url).searchParams.get("stream") || 0);
  if (!n) return new Response(body);
  // the body again as one stream chunk of it, n times: chunks larger than the exchange buffer are split
  let left = n;
  return new Response(new ReadableStream({ pull(c) { if (left-- > 0) c.enqueue(body); else c.close(); } }));
} }"""


@pytest.mark.parametrize("size", [0, 1, 255, 64 * 1024 + 1, engine.EXCHANGE_MAX, engine.EXCHANGE_MAX + 1, 3 << 20])
async def test_bodies_cross_as_bytes_at_every_size(isolate: JsIsolate, size: int) -> None:
    # up to EXCHANGE_MAX in the isolate's shared exchange buffer (growing it as needed), larger as latin-1 text
    await load(isolate, ECHO_BYTES)
    body = bytes(i % 256 for i in range(size))
    result = await isolate.fetch(request(method="POST", body=body), wall_ms=5000)
    assert result.outcome is Outcome.OK and result.body == body
    await isolate.finish(wall_ms=1000)
    result = await isolate.fetch(request("/?stream=3", method="POST", body=body), wall_ms=5000)
    assert result.stream
    chunks = [chunk async for chunk in isolate.read_stream()]
    assert b"".join(chunks) == body * 3
    assert all(len(chunk) <= engine.EXCHANGE_MAX for chunk in chunks)


@pytest.mark.parametrize("tag", ["plain", "caf\u00e9 \u00ff"])
async def test_a_request_crosses_in_the_exchange_buffer_whatever_its_headers(isolate: JsIsolate, tag: str) -> None:
    # the message travels as ASCII JSON in front of the body (latin-1 header values are escaped for it)
    await load(isolate, """export default { async fetch(r) {
      return Response.json({ tag: r.headers.get("x-tag"), body: await r.text(), url: r.url });
    } }""")
    for body in (b"", b"some body"):
        req = request("/p?q=1", method="POST", body=body, headers=[("x-tag", tag)])
        result = await isolate.fetch(req, wall_ms=5000)
        assert result.outcome is Outcome.OK
        assert json.loads(result.body) == {"tag": tag, "body": body.decode(), "url": "https://worker.example/p?q=1"}
        await isolate.finish(wall_ms=1000)


async def test_an_async_handler_is_answered_without_a_second_call(
    isolate: JsIsolate, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its Response resolves in the microtasks after dispatch returned "pending": JS leaves the state in the late
    # buffer and the host takes it there, rather than calling in again to poll for it. (The host gives up looking
    # after LATE_WAIT_S; on a loaded machine the microtasks can take longer, so the test gives it more time.)
    monkeypatch.setattr(engine, "LATE_WAIT_S", 0.05)
    await load(isolate, "export default { async fetch(r) { return new Response('late ' + new URL(r.url).pathname); } }")
    calls = 0
    start = isolate._v8.start

    def counted(code: str) -> Any:
        nonlocal calls
        calls += 1
        return start(code)

    isolate._v8.start = counted  # type: ignore[method-assign]
    one_call = 0
    for i in range(20):
        before = calls
        result = await isolate.fetch(request(f"/{i}"), wall_ms=1000)
        assert (result.outcome, result.body) == (Outcome.OK, f"late /{i}".encode())
        one_call += calls - before == 1
        if isolate.finish_if_quiet() is None:
            await isolate.finish(wall_ms=1000)
    assert one_call >= 18  # (the first requests of a cold isolate may still be polled for)


async def test_a_late_answer_the_host_did_not_take_comes_with_the_poll(isolate: JsIsolate) -> None:
    # the microtasks keep the thread busy after the Response resolved: the host polls, and gets that very answer
    await load(isolate, """export default { async fetch(r) {
      const body = "x".repeat(100000) + new URL(r.url).pathname;
      let spin = 0;  // after the answer is left, ~30 ms more of microtasks (the clock stands still inside a call)
      Promise.resolve().then(() => Promise.resolve()).then(() => { for (let i = 0; i < 3e7; i++) spin += i; });
      return new Response(body, { headers: { "x-late": "yes" } });
    } }""")
    for i in range(3):
        result = await isolate.fetch(request(f"/{i}"), wall_ms=2000)
        assert result.outcome is Outcome.OK
        assert result.body == b"x" * 100000 + f"/{i}".encode()
        assert ("x-late", "yes") in result.headers
        if isolate.finish_if_quiet() is None:
            await isolate.finish(wall_ms=1000)


async def test_a_worker_replacing_the_exchange_buffer_harms_nobody(isolate: JsIsolate) -> None:
    # Worker code can reach the bridge and have JS make a new exchange buffer behind the host's back. The host
    # keeps writing into the one it knows, which JS keeps alive (so no write lands in freed memory) and reads from.
    swap = """export default { async fetch(r, env, ctx) {
      const body = await r.text();
      if (new URL(r.url).pathname === "/swap") {
        ctx.waitUntil(scheduler.wait(1).then(() => {  // after the response went into the buffer
          __edgeworker.exchange(1 << 20);
          for (let i = 0; i < 50; i++) new ArrayBuffer(1 << 20);  // garbage, to have the collector run
        }));
      }
      return new Response(body);
    } }"""
    await load(isolate, swap)
    for path in ("/swap", "/after", "/swap", "/after"):
        result = await isolate.fetch(request(path, method="POST", body=b"intact " + path.encode()), wall_ms=5000)
        assert (result.outcome, result.body) == (Outcome.OK, b"intact " + path.encode())
        await isolate.finish(wall_ms=1000)


async def test_a_warmed_spare_keeps_nothing_of_its_made_up_request() -> None:
    iso = await JsIsolate.create(memory_mb=64, warm=True)
    try:
        worker = """export default { fetch(r, env) {
          return Response.json({ url: r.url, env: Object.keys(env), globals: Object.keys(globalThis) });
        } }"""
        assert await load(iso, worker) == ["fetch"]
        result = await iso.fetch(request("/first"), wall_ms=1000)
        assert (result.outcome, result.logs) == (Outcome.OK, [])
        assert json.loads(result.body) == {"url": "https://worker.example/first", "env": [], "globals": []}
    finally:
        iso.close()
