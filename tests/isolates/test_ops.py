"""isolates/ops.py: the host calls behind crypto.subtle and fetch(), driven from real isolates.

Outbound requests go only to a tiny HTTP server on 127.0.0.1, reachable because the tests put 127.0.0.1 on the
egress allow-list (EDGEWORKER_ALLOW_EGRESS); requests the policy refuses never leave the host.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from edgeworker.isolates import ops
from edgeworker.isolates.engine import HttpRequest, JsIsolate, compile_worker
from edgeworker.limits.outcome import Outcome


class Upstream(BaseHTTPRequestHandler):
    seen: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        Upstream.seen.append(f"{self.command} {url.path}")
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/redirect":
            self._send(int(query.get("status", "302")), b"", {"location": query["to"]})
        elif url.path == "/slow":
            time.sleep(1.0)
            self._send(200, b"slow")
        elif url.path == "/gzip":
            self._send(
                200, gzip.compress(b"unzipped " * 10), {"content-encoding": "gzip", "content-type": "text/plain"}
            )
        elif url.path == "/cookies":
            self.send_response(200)
            self.send_header("set-cookie", "a=1")
            self.send_header("set-cookie", "b=2")
            self.send_header("content-length", "0")
            self.end_headers()
        else:
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
            }
            self._send(200, json.dumps(echo).encode(), {"content-type": "application/json", "x-upstream": "yes"})

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class UpstreamServer(ThreadingHTTPServer):
    request_queue_size = 128  # 50 concurrent subrequests must not overflow the listen backlog
    daemon_threads = True


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    server = UpstreamServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("EDGEWORKER_ALLOW_EGRESS", "127.0.0.1")
    ops.reset_egress_policy()
    yield
    ops.reset_egress_policy()


@pytest.fixture
async def isolate() -> AsyncIterator[JsIsolate]:
    iso = await JsIsolate.create(memory_mb=64)
    yield iso
    iso.close()
    await ops.close_clients()


async def run(iso: JsIsolate, handler: str, upstream: str = "") -> Any:
    """Loads a module worker whose fetch handler body is `handler` (with UP = the upstream URL) and runs it once."""
    source = f"const UP = {json.dumps(upstream)};\nexport default {{ async fetch(request, env, ctx) {{ {handler} }} }};"
    await iso.load_worker(await compile_worker(source), {})
    result = await iso.fetch(HttpRequest("GET", "https://worker.example/", [], b"", "r1"), wall_ms=10_000)
    assert result.error is None, f"{result.error.name}: {result.error.message}\n{result.error.stack}"
    assert result.outcome is Outcome.OK
    return json.loads(result.body)


async def test_get_with_headers(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const r = await fetch(UP + '/echo?x=1', { headers: { 'X-Hello': 'world' } });
        return Response.json({ status: r.status, ok: r.ok, url: r.url, redirected: r.redirected,
          type: r.headers.get('content-type'), up: r.headers.get('x-upstream'), body: await r.json() });""",
        upstream,
    )
    assert (out["status"], out["ok"], out["url"], out["redirected"]) == (200, True, upstream + "/echo?x=1", False)
    assert (out["type"], out["up"]) == ("application/json", "yes")
    assert out["body"]["method"] == "GET" and out["body"]["path"] == "/echo?x=1"
    assert out["body"]["headers"]["x-hello"] == "world"
    assert out["body"]["headers"]["host"] == upstream.removeprefix("http://")


async def test_every_fetch_gives_its_connection_back(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    # more fetches than the host's connection pool holds (200): each one's connection goes back to the pool when
    # its body has been read (they all waited for ever once 200 had been made)
    handler = "const r = await fetch(UP + '/echo'); await r.text(); return Response.json({ status: r.status });"
    source = f"const UP = {json.dumps(upstream)};\nexport default {{ async fetch(request, env, ctx) {{ {handler} }} }};"
    await isolate.load_worker(await compile_worker(source), {})

    async def fetches() -> set[int]:
        statuses = set()
        for i in range(210):
            request = HttpRequest("GET", "https://worker.example/", [], b"", f"r{i}")
            result = await isolate.fetch(request, wall_ms=10_000)
            statuses.add(json.loads(result.body)["status"])
        return statuses

    assert await asyncio.wait_for(fetches(), 60) == {200}


async def test_url_credentials_are_not_sent(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const r = await fetch(new Request(UP.replace('http://', 'http://user:pw@') + '/echo'));
        return Response.json((await r.json()).headers);""",
        upstream,
    )
    # a Request keeps a URL with credentials (as workerd does); like workerd, fetch() does not send them
    assert "authorization" not in out


async def test_header_bytes(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const headers = { 'x-latin': 'caf\\u00e9', 'x-wide': '\\u20ac', 'x-mixed': '\\u00e9\\u20ac',
          '\\u00e9': 'a', '': 'b' };
        const r = await fetch(UP + '/echo', { headers });
        return Response.json((await r.json()).headers);""",
        upstream,
    )
    # the upstream reads header bytes as latin-1: a latin-1 value goes byte for byte, one with a character above
    # U+00FF as UTF-8 (as workerd sends it); names that are not tokens are left out, as workerd leaves them out
    assert out["x-latin"] == "caf\u00e9"
    assert out["x-wide"] == "\u20ac".encode().decode("latin-1")
    assert out["x-mixed"] == "\u00e9\u20ac".encode().decode("latin-1")
    assert "\u00e9" not in out and "" not in out


async def test_bodies(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const send = async (body, method = 'POST') => (await (await fetch(UP + '/echo', { method, body })).json());
        const a = await send('text ✓');
        const b = await send(new Uint8Array([0, 255, 65]));
        const c = await send(new URLSearchParams({ q: 'a b', n: '1' }));
        const d = await send(new Uint8Array([104, 105]).buffer, 'PUT');
        const e = await (await fetch(new Request(UP + '/echo', { method: 'POST', body: 'from a Request' }))).json();
        return Response.json([a, b, c, d, e].map((x) => [x.method, x.body, x.headers['content-type'] || null]));""",
        upstream,
    )
    assert out == [
        ["POST", "text ✓".encode().decode("latin-1"), "text/plain;charset=UTF-8"],
        ["POST", "\x00\xffA", None],
        ["POST", "q=a+b&n=1", "application/x-www-form-urlencoded;charset=UTF-8"],
        ["PUT", "hi", None],
        ["POST", "from a Request", "text/plain;charset=UTF-8"],
    ]


async def test_redirect_modes(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const to = encodeURIComponent(UP + '/echo');
        const f = await fetch(UP + '/redirect?to=' + to);
        const post = await fetch(UP + '/redirect?status=303&to=' + to, { method: 'POST', body: 'x' });
        const keep = await fetch(UP + '/redirect?status=307&to=' + to, { method: 'POST', body: 'kept' });
        const m = await fetch(UP + '/redirect?to=' + to, { redirect: 'manual' });
        let err = null;
        try { await fetch(UP + '/redirect?to=' + to, { redirect: 'error' }); } catch (e) { err = e; }
        const pb = await post.json(), kb = await keep.json();
        return Response.json({ follow: [f.status, f.url, f.redirected], post: [pb.method, pb.body],
          keep: [kb.method, kb.body], manual: [m.status, m.headers.get('location'), m.redirected],
          error: [err instanceof TypeError, String(err && err.message)] });""",
        upstream,
    )
    assert out["follow"] == [200, upstream + "/echo", True]
    assert out["post"] == ["GET", ""]
    assert out["keep"] == ["POST", "kept"]
    assert out["manual"] == [302, upstream + "/echo", False]
    assert out["error"][0] is True and "redirect" in out["error"][1]


async def test_redirect_hops_are_checked(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    """The allowed upstream redirects to the metadata address: refused before any connection is made."""
    Upstream.seen.clear()
    out = await run(
        isolate,
        """const targets = ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'ftp://127.0.0.1/x'];
        const out = [];
        for (const t of targets) {
          try { await fetch(UP + '/redirect?to=' + encodeURIComponent(t)); out.push('allowed'); }
          catch (e) { out.push(e.name + ': ' + e.message); }
        }
        return Response.json(out);""",
        upstream,
    )
    assert "link-local" in out[0] and out[0].startswith("TypeError")
    assert "RFC 1918" in out[1]
    assert "scheme" in out[2]
    assert Upstream.seen == ["GET /redirect"] * 3


async def test_blocked_by_default(isolate: JsIsolate, upstream: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDGEWORKER_ALLOW_EGRESS", raising=False)
    ops.reset_egress_policy()
    Upstream.seen.clear()
    out = await run(
        isolate,
        """const out = [];
        const port = new URL(UP).port;
        for (const u of [UP + '/echo', 'http://2130706433:' + port + '/', 'http://[::ffff:127.0.0.1]/',
                         'http://localhost:' + port + '/', 'http://example.com:25/', 'file:///etc/passwd']) {
          try { await fetch(u); out.push('allowed ' + u); }
          catch (e) { out.push(e.constructor.name + ': ' + e.message); }
        }
        return Response.json(out);""",
        upstream,
    )
    assert all(line.startswith("TypeError: ") for line in out), out
    assert "loopback" in out[0] and "loopback" in out[1] and "loopback" in out[2] and "loopback" in out[3]
    assert "mail ports" in out[4]
    assert Upstream.seen == []


async def test_subrequest_limit(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const ok = await Promise.all(Array.from({ length: 50 }, () => fetch(UP + '/echo').then((r) => r.status)));
        let err = null;
        try { await fetch(UP + '/echo'); } catch (e) { err = e; }
        return Response.json([ok.length, ok.every((s) => s === 200), err && err.message]);""",
        upstream,
    )
    assert out[:2] == [50, True]
    assert "Too many subrequests" in out[2]


async def test_response_details(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """const g = await fetch(UP + '/gzip');
        const c = await fetch(UP + '/cookies');
        const h = await fetch(UP + '/echo', { method: 'HEAD' });
        let immutable = null;
        try { g.headers.set('x', 'y'); } catch (e) { immutable = e.constructor.name; }
        return Response.json({ gzip: await g.text(), cookies: c.headers.getSetCookie(),
          head: [h.status, await h.text()], immutable });""",
        upstream,
    )
    assert out["gzip"] == "unzipped " * 10
    assert out["cookies"] == ["a=1", "b=2"]
    assert out["head"] == [200, ""]
    assert out["immutable"] == "TypeError"


async def test_abort_signal(isolate: JsIsolate, upstream: str, allow_loopback: None) -> None:
    out = await run(
        isolate,
        """if (typeof AbortController !== 'function') return Response.json('no AbortController');
        const c = new AbortController();
        const p = fetch(UP + '/slow', { signal: c.signal });
        setTimeout(() => c.abort(), 10);
        let err = null;
        try { await p; } catch (e) { err = e; }
        const pre = new AbortController(); pre.abort();
        let err2 = null;
        try { await fetch(UP + '/echo', { signal: pre.signal }); } catch (e) { err2 = e; }
        return Response.json([err && err.name, err2 && err2.name]);""",
        upstream,
    )
    if out == "no AbortController":
        pytest.skip("the runtime has no AbortController yet")
    assert out == ["AbortError", "AbortError"]


async def test_a_signal_that_is_not_an_abort_signal_is_a_type_error(isolate: JsIsolate, upstream: str) -> None:
    """RequestInit.signal is an AbortSignal or null (Fetch; workerd agrees): a look-alike EventTarget is refused."""
    out = await run(
        isolate,
        """const signal = new EventTarget();
        signal.aborted = false;
        let err = null;
        try { await fetch(UP + '/echo', { signal }); } catch (e) { err = e; }
        return Response.json([err && err.name]);""",
        upstream,
    )
    assert out == ["TypeError"]


async def test_crypto_cpu_is_charged_to_the_request(isolate: JsIsolate) -> None:
    out = await run(
        isolate,
        """const k = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']);
        return Response.json(k.privateKey.algorithm.modulusLength);""",
    )
    assert out == 2048
    assert isolate.host_cpu_s > 0


async def test_crypto_ops_answer_spec_errors() -> None:
    """Spec failures come back as values naming the DOMException; bad arguments raise."""
    digest = ops.HOST_OPS["op_crypto_digest"]
    assert await digest({"alg": "SHA-256", "data": ""}) == {"data": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}
    assert (await digest({"alg": "SHA-3", "data": ""}))["error"]["name"] == "NotSupportedError"
    imp = ops.HOST_OPS["op_crypto_import"]
    bad = await imp({"alg": "RSA-PSS", "format": "spki", "data": "AAAA", "params": {"hash": "SHA-256"}})
    assert bad["error"]["name"] == "DataError"
    with pytest.raises(TypeError):
        await digest("nope")


async def test_op_context_counts_per_request() -> None:
    ctx = ops.OpContext(request_id="x", subrequest_limit=0)
    token = ops.op_context.set(ctx)
    try:
        out = await ops.HOST_OPS["op_fetch_send"]({"url": "https://example.com/", "method": "GET"})
    finally:
        ops.op_context.reset(token)
    assert out == {"error": {"name": "Error", "message": "Too many subrequests by single Worker invocation."}}
