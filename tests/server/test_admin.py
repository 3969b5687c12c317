"""The admin API, against a real node."""

from __future__ import annotations

import asyncio
import stat

import httpx
import pytest

from tests.utils import NodeProcess

HELLO = "export default { fetch() { return new Response('v' + VERSION); } }"


def hello(version: int) -> str:
    return f"const VERSION = {version};\n" + HELLO


async def test_health_and_metrics_need_no_token(node: NodeProcess) -> None:
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        health = await bare.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        await node.deploy("metered", hello(1))
        await node.get("metered.localhost")
        metrics = await bare.get("/metrics")
    assert metrics.status_code == 200
    assert 'edgeworker_requests_total{status="200",worker="metered"}' in metrics.text
    assert "edgeworker_request_duration_seconds_bucket" in metrics.text
    # the isolate is released (idle, with its heap size reported) just after the response has gone out
    assert await _gauge(node, 'edgeworker_isolates{state="idle",worker="metered"}') == 1
    assert await _gauge(node, 'edgeworker_heap_used_bytes{worker="metered"}') > 100_000


async def _gauge(node: NodeProcess, series: str) -> float:
    async with httpx.AsyncClient(base_url=node.admin_url) as bare:
        for _ in range(50):
            for line in (await bare.get("/metrics")).text.splitlines():
                if line.startswith(series + " ") and float(line.split()[-1]) > 0:
                    return float(line.split()[-1])
            await asyncio.sleep(0.1)
    return 0.0


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic abc", "Bearer", "bearer x y"])
async def test_missing_or_wrong_token_is_401(node: NodeProcess, auth: str | None) -> None:
    headers = {"authorization": auth} if auth else {}
    async with httpx.AsyncClient(base_url=node.admin_url, headers=headers) as client:
        for method, path in [("GET", "/api/workers"), ("PUT", "/api/workers/x"), ("DELETE", "/api/workers/x")]:
            r = await client.request(method, path, json={"script": HELLO})
            assert r.status_code == 401
            assert "token" in r.json()["error"]


def test_generated_token_file(node: NodeProcess) -> None:
    path = node.data_dir / "admin-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and len(lines[0]) >= 32
    assert str(path) in node.output  # its location is logged


async def test_deploy_versions_rollback_delete(node: NodeProcess) -> None:
    async with node.admin() as admin:
        first = await admin.put("/api/workers/lifecycle", json={"script": hello(1), "vars": {"K": "v"}})
        assert first.status_code == 200, first.text
        assert first.json()["version"] == 1
        second = await admin.put("/api/workers/lifecycle", json={"script": hello(2)})
        assert second.json()["version"] == 2
        assert (await node.get("lifecycle.localhost")).text == "v2"

        listed = (await admin.get("/api/workers")).json()["workers"]
        assert {"name": "lifecycle", "version": 2} in [{"name": w["name"], "version": w["version"]} for w in listed]
        versions = (await admin.get("/api/workers/lifecycle/versions")).json()["versions"]
        assert [(v["version"], v["live"]) for v in versions] == [(1, False), (2, True)]

        back = await admin.post("/api/workers/lifecycle/rollback", json={"version": 1})
        assert back.json() == {"name": "lifecycle", "version": 1}
        assert (await node.get("lifecycle.localhost")).text == "v1"
        assert (await admin.get("/api/workers/lifecycle")).json()["vars"] == {"K": "v"}
        missing = await admin.post("/api/workers/lifecycle/rollback", json={"version": 9})
        assert missing.status_code == 404

        forward = await admin.post("/api/workers/lifecycle/rollback", json={"version": 2})
        assert forward.status_code == 200
        previous = await admin.post("/api/workers/lifecycle/rollback", json={})
        assert previous.json()["version"] == 1

        gone = await admin.delete("/api/workers/lifecycle")
        assert gone.json() == {"deleted": "lifecycle"}
        assert (await admin.get("/api/workers/lifecycle")).status_code == 404
        assert (await node.get("lifecycle.localhost")).status_code == 404
        assert (await admin.delete("/api/workers/lifecycle")).status_code == 404


async def test_secrets_never_shown_and_carried_over(node: NodeProcess) -> None:
    env_worker = "export default { fetch(r, env) { return Response.json(env); } }"
    async with node.admin() as admin:
        await admin.put("/api/workers/secretive", json={"script": env_worker, "secrets": {"TOKEN": "s3cr3t"}})
        described = await admin.get("/api/workers/secretive")
        assert described.json()["secrets"] == ["TOKEN"]
        assert "s3cr3t" not in described.text
        await admin.put("/api/workers/secretive", json={"script": env_worker + "\n", "vars": {"V": "1"}})
        assert (await node.get("secretive.localhost")).json() == {"V": "1", "TOKEN": "s3cr3t"}

        put = await admin.put("/api/workers/secretive/secrets/OTHER", json={"value": "two"})
        assert put.json()["version"] == 3
        assert (await admin.get("/api/workers/secretive/secrets")).json() == {"secrets": ["OTHER", "TOKEN"]}
        assert (await node.get("secretive.localhost")).json()["OTHER"] == "two"
        deleted = await admin.delete("/api/workers/secretive/secrets/TOKEN")
        assert deleted.status_code == 200
        assert "TOKEN" not in (await node.get("secretive.localhost")).json()
        assert (await admin.delete("/api/workers/secretive/secrets/NOPE")).status_code == 404


@pytest.mark.parametrize("name", ["Bad", "-x", "a_b", "x" * 64])
async def test_bad_names_are_400(node: NodeProcess, name: str) -> None:
    r = await node.deploy(name, HELLO)
    assert r.status_code == 400
    assert "worker name" in r.json()["error"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1,2]", "JSON object"),
        (b'{"script": 5}', "script"),
        (b'{"script": ""}', "script"),
        (b'{"script": "x", "vars": []}', "vars"),
        (b'{"script": "x", "secrets": {"A": 1}}', "secrets.A"),
        (b'{"script": "x", "routes": "a.com/*"}', "routes"),
        (b'{"script": "x", "routes": ["a*b.com/*"]}', "route"),
        (b'{"script": "x", "limits": {"cpu_ms": -1}}', "cpu_ms"),
        (b'{"script": "x", "limits": {"memory_mb": "big"}}', "memory_mb"),
        (b'{"script": "x", "limits": {"disk_mb": 1}}', "disk_mb"),
        (b'{"script": "x", "colour": "red"}', "colour"),
    ],
)
async def test_bad_deploy_bodies_are_400_and_change_nothing(node: NodeProcess, body: bytes, fragment: str) -> None:
    async with node.admin() as admin:
        live = (await admin.put("/api/workers/stable", json={"script": hello(1)})).json()["version"]
        r = await admin.put("/api/workers/stable", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert fragment in r.json()["error"]
        assert (await admin.get("/api/workers/stable")).json()["version"] == live
    assert (await node.get("stable.localhost")).text == "v1"


@pytest.mark.parametrize(
    ("script", "name", "line", "column"),
    [
        ("export default {\n  fetch() {\n    let x = ;\n  }\n}", "SyntaxError", 3, 13),
        ('addEventListener("fetch", e => {\n  e.respondWith(new Response(1)\n});', "SyntaxError", 2, 31),
        ("const a = 1;\nthrow new RangeError('top level');\nexport default {}", "RangeError", 2, 1),
        ("export default { notFetch() {} }", "TypeError", None, None),
    ],
)
async def test_script_errors_are_400_with_position(
    node: NodeProcess, script: str, name: str, line: int | None, column: int | None
) -> None:
    async with node.admin() as admin:
        live = (await admin.put("/api/workers/syntax", json={"script": hello(1)})).json()["version"]
        r = await admin.put("/api/workers/syntax", json={"script": script})
        assert r.status_code == 400, r.text
        err = r.json()["script_error"]
        assert err["name"] == name
        if line is not None:
            assert (err["line"], err["column"]) == (line, column)
        assert (await admin.get("/api/workers/syntax")).json()["version"] == live
    assert (await node.get("syntax.localhost")).text == "v1"


async def test_route_conflicts_are_409(node: NodeProcess) -> None:
    assert (await node.deploy("owner", HELLO.replace("VERSION", "1"), routes=["claimed.test/*"])).status_code == 200
    r = await node.deploy("thief", HELLO.replace("VERSION", "1"), routes=["claimed.test/*"])
    assert r.status_code == 409
    assert "owner" in r.json()["error"]


async def test_unknown_endpoint_is_json_404(node: NodeProcess) -> None:
    async with node.admin() as admin:
        r = await admin.get("/api/nothing")
    assert r.status_code == 404 and "error" in r.json()
