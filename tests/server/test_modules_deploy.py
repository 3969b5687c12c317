"""Multi-module workers through a real node: the admin API's ``modules`` + ``main``, ``edgeworker deploy`` of a
folder, of several files and of a wrangler.toml whose main imports relative files, and a Hono app bundled by
esbuild at test time (hono is installed into tests/npm by ``npm ci``)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.test_cli import assert_ok, assert_user_error, run_cli_async
from tests.utils import NodeProcess, bundle_worker

REPO = Path(__file__).resolve().parents[2]
ADD_WASM = bytes.fromhex("0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b")

INDEX_JS = """import { greet } from "./lib/greet.js";
import config from "./config.json";
import page from "./page.html";
import data from "./blob.bin";
import add from "./add.wasm";

export default {
  fetch(request, env) {
    const sum = new WebAssembly.Instance(add).exports.add(40, 2);
    return Response.json({ greeting: greet(env.WHO), config, page, bytes: new Uint8Array(data).length, sum });
  },
};
"""
GREET_JS = (
    'import { punctuation } from "../util/punct.js";\n'
    "export function greet(who) { return `hi ${who}${punctuation}`; }\n"
)
PUNCT_JS = 'export const punctuation = "!";\n'
EXPECTED = {"greeting": "hi you!", "config": {"x": 1}, "page": "<b>p</b>\n", "bytes": 3, "sum": 42}


def esm(content: str) -> dict[str, str]:
    return {"type": "esm", "content": content}


def b64(kind: str, data: bytes) -> dict[str, str]:
    return {"type": kind, "content_b64": base64.b64encode(data).decode()}


MODULES: dict[str, dict[str, str]] = {
    "index.js": esm(INDEX_JS),
    "lib/greet.js": esm(GREET_JS),
    "util/punct.js": esm(PUNCT_JS),
    "config.json": {"type": "json", "content": '{"x": 1}'},
    "page.html": {"type": "text", "content": "<b>p</b>\n"},
    "blob.bin": b64("data", b"\x00\x01\x02"),
    "add.wasm": b64("wasm", ADD_WASM),
}


def write_project(root: Path) -> None:
    for name, module in MODULES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if "content_b64" in module:
            path.write_bytes(base64.b64decode(module["content_b64"]))
        else:
            path.write_text(module["content"])


async def put(node: NodeProcess, name: str, body: dict[str, Any]) -> httpx.Response:
    async with node.admin() as admin:
        return await admin.put(f"/api/workers/{name}", json=body)


async def node_cli(node: NodeProcess, cwd: Path, *args: str) -> Any:
    return await run_cli_async(*args, "--admin", node.admin_url, "--token", node.token, cwd=cwd)


async def test_admin_api_deploys_modules(node: NodeProcess) -> None:
    response = await put(node, "mm-api", {"modules": MODULES, "main": "index.js", "vars": {"WHO": "you"}})
    assert response.status_code == 200, response.text
    assert response.json()["format"] == "modules"
    served = await node.get("mm-api.localhost")
    assert served.status_code == 200, served.text
    assert served.json() == EXPECTED
    # a secret change keeps the modules; a rollback to a modules version serves it again
    async with node.admin() as admin:
        assert (await admin.put("/api/workers/mm-api/secrets/S", json={"value": "s"})).status_code == 200
        assert (await node.get("mm-api.localhost")).json() == EXPECTED
        v3 = "export default { fetch() { return new Response('v3') } }"
        await admin.put("/api/workers/mm-api", json={"script": v3})
        assert (await node.get("mm-api.localhost")).text == "v3"
        assert (await admin.post("/api/workers/mm-api/rollback", json={"version": 2})).status_code == 200
    assert (await node.get("mm-api.localhost")).json() == EXPECTED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"script": "x", "modules": MODULES, "main": "index.js"}, "either 'script' or 'modules'"),
        ({"vars": {}}, "either 'script' or 'modules'"),
        ({"script": "export default {}", "main": "index.js"}, "'main' goes with 'modules'"),
        ({"modules": MODULES}, "field 'main' must name the module"),
        ({"modules": MODULES, "main": "nope.js"}, "main module 'nope.js' is not among the modules"),
        ({"modules": MODULES, "main": "page.html"}, "must be an ES module"),
        ({"modules": [], "main": "index.js"}, "field 'modules' must be an object"),
        ({"modules": {}, "main": "index.js"}, "field 'modules' must be an object"),
        ({"modules": {"index.js": "code"}, "main": "index.js"}, "must be an object with 'type'"),
        ({"modules": {"index.js": {"type": "cjs", "content": ""}}, "main": "index.js"}, "unknown type 'cjs'"),
        ({"modules": {"index.js": {"type": "esm"}}, "main": "index.js"}, "needs 'content' as a string"),
        ({"modules": {**MODULES, "b.bin": {"type": "data", "content": "x"}}, "main": "index.js"}, "unknown field"),
        ({"modules": {**MODULES, "b.bin": {"type": "data", "content_b64": "!!"}}, "main": "index.js"}, "base64"),
        ({"modules": {**MODULES, "../x.js": esm("")}, "main": "index.js"}, "invalid module name '../x.js'"),
        ({"modules": {**MODULES, "/etc/x.js": esm("")}, "main": "index.js"}, "invalid module name '/etc/x.js'"),
        ({"modules": {**MODULES, "a//b.js": esm("")}, "main": "index.js"}, "invalid module name"),
        ({"modules": {"index.js": esm(""), "./index.js": esm("")}, "main": "index.js"}, "given twice"),
    ],
)
async def test_admin_api_rejects_bad_module_maps(node: NodeProcess, body: dict[str, Any], message: str) -> None:
    response = await put(node, "mm-bad", body)
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]


async def test_modules_over_the_size_limit_in_total(node: NodeProcess) -> None:
    half = "// " + "x" * (5 * 1024 * 1024 + 10) + "\n"  # two modules of 5 MB: more than the 10 MB script limit
    body = {"modules": {"index.js": esm(half + "export default {}"), "b.js": esm(half)}, "main": "index.js"}
    response = await put(node, "mm-big", body)
    assert response.status_code == 400
    assert "more than the limit of 10485760 bytes" in response.json()["error"]


async def test_link_and_load_errors_name_the_module(node: NodeProcess) -> None:
    modules = {**MODULES, "util/punct.js": esm("export const punctuation = '!';\n\nlet broken = ;\n")}
    response = await put(node, "mm-syntax", {"modules": modules, "main": "index.js"})
    assert response.status_code == 400
    error = response.json()
    assert error["script_error"] == {
        "name": "SyntaxError", "message": "Unexpected token", "line": 3, "column": 14, "module": "util/punct.js"
    }  # fmt: skip
    assert "in util/punct.js at line 3, column 14" in error["error"]
    modules = {"index.js": esm('import { Hono } from "hono";\nexport default new Hono();\n')}
    response = await put(node, "mm-bare", {"modules": modules, "main": "index.js"})
    assert response.status_code == 400 and "bundle npm packages" in response.json()["error"]
    modules = {**MODULES, "lib/greet.js": esm("export function greet() {}\n  undefined.x;\n")}
    response = await put(node, "mm-throw", {"modules": modules, "main": "index.js"})
    assert response.status_code == 400
    assert response.json()["script_error"]["module"] == "lib/greet.js"
    assert response.json()["script_error"]["line"] == 2


async def test_cli_deploys_a_folder(node: NodeProcess, tmp_path: Path) -> None:
    write_project(tmp_path / "w")
    (tmp_path / "w" / "README.md").write_text("not a module, and not imported: not sent\n")
    result = await node_cli(node, tmp_path, "deploy", "w", "--name", "mm-dir", "--var", "WHO=you")
    assert_ok(result)
    assert (await node.get("mm-dir.localhost")).json() == EXPECTED
    # a folder without index.js needs --main
    (tmp_path / "w" / "index.js").rename(tmp_path / "w" / "main.js")
    result = await node_cli(node, tmp_path, "deploy", "w", "--name", "mm-dir")
    assert_user_error(result, 2, "has no index.js", "--main")
    result = await node_cli(node, tmp_path, "deploy", "w", "--main", "main.js", "--name", "mm-dir", "--var", "WHO=me")
    assert_ok(result)
    assert (await node.get("mm-dir.localhost")).json()["greeting"] == "hi me!"


async def test_cli_deploys_several_files(node: NodeProcess, tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text(
        'import { b } from "./b.js";\nexport default { fetch() { return new Response(b); } };\n'
    )
    (tmp_path / "b.js").write_text('export const b = "from b";\n')
    result = await node_cli(node, tmp_path, "deploy", "a.js", "b.js", "--main", "a.js", "--name", "mm-files")
    assert_ok(result)
    assert (await node.get("mm-files.localhost")).text == "from b"
    result = await node_cli(node, tmp_path, "deploy", "a.js", "b.js", "--name", "mm-files")
    assert_user_error(result, 2, "--main")
    result = await node_cli(node, tmp_path, "deploy", "a.js", "b.js", "--main", "c.js", "--name", "mm-files")
    assert_user_error(result, 2, "--main c.js is not one of the files given")
    # a single file that imports relative files brings them along
    result = await node_cli(node, tmp_path, "deploy", "a.js", "--name", "mm-single")
    assert_ok(result)
    assert (await node.get("mm-single.localhost")).text == "from b"


async def test_cli_deploys_a_wrangler_project(node: NodeProcess, tmp_path: Path) -> None:
    write_project(tmp_path / "src")
    (tmp_path / "wrangler.toml").write_text('name = "mm-toml"\nmain = "src/index.js"\n[vars]\nWHO = "toml"\n')
    assert_ok(await node_cli(node, tmp_path, "deploy"))
    assert (await node.get("mm-toml.localhost")).json()["greeting"] == "hi toml!"


async def test_cli_errors(node: NodeProcess, tmp_path: Path) -> None:
    write_project(tmp_path)
    (tmp_path / "util" / "punct.js").write_text("export const punctuation = '!';\n\nlet broken = ;\n")
    result = await node_cli(node, tmp_path, "deploy", ".", "--name", "mm-cli-err")
    error = assert_user_error(result, 1)
    assert error == "edgeworker: error: SyntaxError: Unexpected token (util/punct.js line 3, column 14)"
    (tmp_path / "util" / "punct.js").write_text(PUNCT_JS)
    (tmp_path / "lib" / "greet.js").write_text('import "./style.css";\n' + GREET_JS)
    (tmp_path / "lib" / "style.css").write_text("b {}\n")
    result = await node_cli(node, tmp_path, "deploy", ".", "--name", "mm-cli-err")
    assert_user_error(result, 1, "style.css", "no module type for .css")
    result = await node_cli(node, tmp_path, "deploy", "nowhere", "--main", "x.js", "--name", "mm-cli-err")
    assert_user_error(result, 1, "nowhere: no such file or folder")


# --- a bundled router library --------------------------------------------------------------------------------

HONO_APP = """import { Hono } from "hono";

const app = new Hono();
app.get("/", (c) => c.text("home"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), agent: c.req.header("x-test") ?? null }));
app.notFound((c) => c.text("no route for " + new URL(c.req.url).pathname, 404));
export default app;
"""


@pytest.fixture(scope="module")
def hono_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hono")
    (work / "app.js").write_text(HONO_APP)
    bundle_worker(work / "app.js", work / "bundle.js")
    # the same app as two modules: hono bundled on its own as vendor/hono.js, imported by a relative path
    (work / "vendor-entry.js").write_text('export { Hono } from "hono";\n')
    bundle_worker(work / "vendor-entry.js", work / "mods" / "vendor" / "hono.js")
    (work / "mods" / "index.js").write_text(HONO_APP.replace('from "hono"', 'from "./vendor/hono.js"'))
    return work


async def check_hono(node: NodeProcess, host: str) -> None:
    home = await node.get(host, "/")
    assert (home.status_code, home.text) == (200, "home")
    user = await node.get(host, "/users/42", headers={"x-test": "yes"})
    assert user.status_code == 200 and user.json() == {"id": "42", "agent": "yes"}
    missing = await node.get(host, "/nope")
    assert (missing.status_code, missing.text) == (404, "no route for /nope")


async def test_a_bundled_hono_app_serves_its_routes(node: NodeProcess, hono_dir: Path) -> None:
    response = await node.deploy("mm-hono", (hono_dir / "bundle.js").read_text())
    assert response.status_code == 200, response.text
    await check_hono(node, "mm-hono.localhost")


async def test_hono_as_a_vendor_module(node: NodeProcess, hono_dir: Path) -> None:
    result = await node_cli(node, hono_dir, "deploy", "mods", "--name", "mm-hono-mods")
    assert_ok(result)
    await check_hono(node, "mm-hono-mods.localhost")
