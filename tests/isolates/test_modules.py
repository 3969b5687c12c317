"""Multi-module workers: the linker in isolates/runtime/tools.js (via engine.compile_worker) keeps the ES module
semantics that matter in practice, and errors name the module they are in."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from edgeworker.isolates.engine import HttpRequest, JsIsolate, ScriptError, compile_worker
from edgeworker.limits.outcome import Outcome

REPO = Path(__file__).resolve().parents[2]

# (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
ADD_WASM = bytes.fromhex("0061736d0100000001070160027f7f017f030201000707010361646400000a09010700200020016a0b")


def esm(content: str) -> dict[str, str]:
    return {"type": "esm", "content": content}


def b64(kind: str, data: bytes) -> dict[str, str]:
    return {"type": kind, "content_b64": base64.b64encode(data).decode()}


async def load(modules: dict[str, dict[str, str]], main: str = "index.js") -> JsIsolate:
    iso = await JsIsolate.create(memory_mb=64)
    try:
        await iso.load_worker(await compile_worker("", modules, main), {})
    except BaseException:
        iso.close()
        raise
    return iso


async def answer(modules: dict[str, dict[str, str]], main: str = "index.js", path: str = "/") -> Any:
    iso = await load(modules, main)
    try:
        result = await iso.fetch(HttpRequest("GET", f"https://worker.example{path}", [], b"", "r"), wall_ms=5000)
        assert result.error is None, f"{result.error.name}: {result.error.message}\n{result.error.stack}"
        assert result.outcome is Outcome.OK
        return json.loads(result.body)
    finally:
        iso.close()


async def load_error(modules: dict[str, dict[str, str]], main: str = "index.js") -> ScriptError:
    with pytest.raises(ScriptError) as info:
        iso = await load(modules, main)
        iso.close()
    return info.value


def handler(expression: str, imports: str = "") -> dict[str, str]:
    return esm(f"{imports}\nexport default {{ fetch() {{ return Response.json({expression}); }} }};\n")


async def test_live_bindings() -> None:
    counter = """
export let count = 0;
export let pair = [0, 0];
export function inc() { count++; }
export function reset(n) { count = n; [pair[0], pair[1]] = [n, n]; }
export function swap() { ({ count } = { count: -1 }); }
let hidden = 1;
export { hidden as alias };
export function bumpHidden() { hidden += 10; }
"""
    imports = "import { count, inc, reset, swap, alias, bumpHidden } from './counter.js';\n"
    body = (
        imports
        + """
export default { fetch() {
  const seen = [count];
  inc(); inc(); seen.push(count);
  reset(7); seen.push(count);
  swap(); seen.push(count);
  bumpHidden(); seen.push(alias);
  return Response.json(seen);
} };
"""
    )
    assert await answer({"index.js": esm(body), "counter.js": esm(counter)}) == [0, 2, 7, -1, 11]


async def test_cycles_with_hoisted_functions_and_evaluation_order() -> None:
    log = "(globalThis.LOG ??= [])"
    modules = {
        "index.js": handler(
            "{ log: globalThis.LOG, even: isEven(10), odd: isEven(7) }",
            (
                f"{log}.push('index:start');\n"
                "import { isEven } from './lib/even.js';\nimport './lib/shared.js';\nimport './lib/b.js';"
            ),
        ),  # fmt: skip
        "lib/even.js": esm(
            f"import {{ isOdd }} from './odd.js';\nimport './shared.js';\n{log}.push('even');\n"
            "export function isEven(n) { return n === 0 ? true : isOdd(n - 1); }\n"
        ),
        "lib/odd.js": esm(
            f"import {{ isEven }} from './even.js';\n{log}.push('odd:' + isEven(4));\n"
            "export function isOdd(n) { return n === 0 ? false : isEven(n - 1); }\n"
        ),
        "lib/shared.js": esm(f"{log}.push('shared');\nexport const x = 1;\n"),
        "lib/b.js": esm(f"import {{ x }} from '/lib/shared.js';\n{log}.push('b:' + x);\n"),
    }
    out = await answer(modules)
    # imports are hoisted: index's own statements run after all its dependencies, each module once, post-order
    assert out["log"] == ["odd:true", "shared", "even", "b:1", "index:start"]
    assert (out["even"], out["odd"]) == (True, False)


async def test_namespaces_and_re_exports() -> None:
    modules = {
        "index.js": handler(
            "{ keys: Object.keys(ns), tag: Object.prototype.toString.call(ns), frozen: Object.isExtensible(ns),"
            " a: ns.a, renamed: ns.renamed, nested: Object.keys(ns.inner), def: typeof ns.default,"
            " viaStar: ns.fromC, ambiguous: 'clash' in ns, direct: [one, two, three], inner: inner.c1 }",
            "import * as ns from './re.js';\n"
            "import { a as one, renamed as two, fromC as three, inner } from './re.js';",
        ),
        "re.js": esm(
            "export * from './a.js';\nexport * from './c.js';\nexport * from './d.js';\n"
            "export { b as renamed } from './a.js';\nexport * as inner from './c.js';\nexport const z = 26;\n"
        ),
        "a.js": esm("export const a = 'A';\nexport const b = 'B';\nexport default function f() {}\n"),
        "c.js": esm("export const fromC = 'C';\nexport const c1 = 1;\nexport const clash = 'c';\n"),
        "d.js": esm("export const clash = 'd';\n"),
    }
    out = await answer(modules)
    # sorted names; `export *` leaves out default and names two modules export differently
    assert out["keys"] == ["a", "b", "c1", "fromC", "inner", "renamed", "z"]
    assert out["tag"] == "[object Module]" and out["frozen"] is False
    assert (out["a"], out["renamed"], out["viaStar"]) == ("A", "B", "C")
    assert (out["def"], out["ambiguous"]) == ("undefined", False)
    assert out["nested"] == ["c1", "clash", "fromC"]
    assert out["direct"] == ["A", "B", "C"] and out["inner"] == 1


async def test_default_imports_and_exports() -> None:
    modules = {
        "index.js": handler(
            "[named(), expr, aliased, typeof cls, viaDefault, Hoisted.name]",
            "import named from './f.js';\nimport expr from './e.js';\nimport aliased from './alias.js';\n"
            "import cls from './cls.js';\nimport { default as viaDefault } from './e.js';\n"
            "import Hoisted from './f.js';",
        ),
        "f.js": esm("export default function named() { return 'fn'; }\n"),
        "e.js": esm("export default 40 + 2;\n"),
        "alias.js": esm("const value = 'aliased';\nexport { value as default };\n"),
        "cls.js": esm("export default class {}\n"),
    }
    assert await answer(modules) == ["fn", 42, "aliased", "function", 42, "named"]


async def test_json_text_data_and_wasm_modules() -> None:
    modules = {
        "index.js": handler(
            "{ config, text, bytes: [...new Uint8Array(data)], isBuffer: data instanceof ArrayBuffer,"
            " isModule: wasm instanceof WebAssembly.Module, sum: new WebAssembly.Instance(wasm).exports.add(40, 2),"
            " same: config === again }",
            "import config from './config.json';\nimport again from './config.json';\nimport text from './page.html';\n"
            "import data from './blob.bin';\nimport wasm from './add.wasm';",
        ),
        "config.json": {"type": "json", "content": '{"name": "café", "list": [1, 2]}'},
        "page.html": {"type": "text", "content": "<p>héllo\u2028</p>\n"},
        "blob.bin": b64("data", bytes([0, 1, 254, 255])),
        "add.wasm": b64("wasm", ADD_WASM),
    }
    out = await answer(modules)
    assert out["config"] == {"name": "café", "list": [1, 2]} and out["same"] is True
    assert out["text"] == "<p>héllo\u2028</p>\n"
    assert out["bytes"] == [0, 1, 254, 255] and out["isBuffer"] is True
    assert out["isModule"] is True and out["sum"] == 42


async def test_a_module_that_patches_builtins_does_not_break_the_loader() -> None:
    main = """import './patch.js';
import { n } from './n.js';
import { later } from './l.js';
import data from './d.json';
Object.assign(Object, globalThis.SAVED.object);
JSON.parse = globalThis.SAVED.parse;
export default { fetch() { return Response.json([n, later, data]); } };
"""
    patch = """globalThis.SAVED = { object: {}, parse: JSON.parse };
for (const k of ['defineProperty', 'create', 'keys', 'preventExtensions']) {
  globalThis.SAVED.object[k] = Object[k];
  Object[k] = () => { throw new Error('patched'); };
}
JSON.parse = null;
"""
    modules = {
        "index.js": esm(main),
        "patch.js": esm(patch),
        "n.js": esm("export let n = 1;\nn = 2;\n"),
        "l.js": esm("export const later = 'ok';\n"),
        "d.json": {"type": "json", "content": "[3]"},
    }
    assert await answer(modules) == [2, "ok", [3]]


async def test_a_single_module_map_of_a_service_worker_script() -> None:
    script = "addEventListener('fetch', (e) => e.respondWith(Response.json('sw')));"
    assert await answer({"worker.js": esm(script)}, main="worker.js") == "sw"


async def test_syntax_error_names_the_module_and_its_position() -> None:
    err = await load_error(
        {"index.js": handler("1", "import './lib/util.js';"), "lib/util.js": esm("const a = 1;\n\nlet b = ;\n")}
    )
    assert (err.name, err.module, err.line, err.column) == ("SyntaxError", "lib/util.js", 3, 9)
    assert str(err) == "SyntaxError: Unexpected token in lib/util.js at line 3, column 9"


async def test_errors_at_load_are_mapped_to_the_module() -> None:
    # a throw in the top level of a dependency: the module's own line and column
    err = await load_error(
        {"index.js": handler("1", "import './a.js';"), "a.js": esm("export const x = 1;\n\n  null.boom;\n")}
    )
    assert (err.name, err.module, err.line) == ("TypeError", "a.js", 3)
    assert "boom" in err.message
    # the main module keeps its columns, on line 1 too
    err = await load_error({"index.js": esm("import './a.js'; null.first;\nexport default {};\n"), "a.js": esm("")})
    assert (err.module, err.line, err.column) == ("index.js", 1, 23)
    err = await load_error({"index.js": esm("import './a.js';\n    null.second;\nexport default {};"), "a.js": esm("")})
    assert (err.module, err.line, err.column) == ("index.js", 2, 10)


async def test_runtime_error_columns_in_the_main_module() -> None:
    modules = {"index.js": esm("import { f } from './f.js';\nexport default {\n  fetch() { return f(); }\n};\n"),
               "f.js": esm("export function f() {\n  throw new Error('deep');\n}\n")}  # fmt: skip
    iso = await load(modules)
    try:
        result = await iso.fetch(HttpRequest("GET", "https://w/", [], b"", "r"), wall_ms=5000)
        assert result.error is not None and result.error.message == "deep"
        assert "worker.js:3:20" in result.error.stack  # index.js line 3, column 20: the call of f()
    finally:
        iso.close()


@pytest.mark.parametrize(
    ("modules", "message", "position"),
    [
        ({"index.js": handler("1", "import { Hono } from 'hono';")}, 'cannot import "hono"', ("index.js", 1, 22)),
        ({"index.js": handler("1", "import 'node:buffer';")}, "bundle npm packages", ("index.js", 1, 8)),
        ({"index.js": handler("1", "import x from './nope.js';")}, 'No such module "nope.js"', ("index.js", 1, 15)),
        ({"index.js": handler("1", "import x from '../x.js';")}, "outside the worker's modules", ("index.js", 1, 15)),
        (
            {"index.js": handler("1", "import { y } from './a.js';"), "a.js": esm("export const x = 1;")},
            "does not provide an export named 'y'",
            ("index.js", 1, 10),
        ),
        (
            {
                "index.js": handler("1", "import { v } from './s.js';"),
                "s.js": esm("export * from './a.js';\nexport * from './b.js';"),
                "a.js": esm("export const v = 1;"),
                "b.js": esm("export const v = 2;"),
            },
            "conflicting star exports for name 'v'",
            ("index.js", 1, 10),
        ),
        ({"index.js": handler("1", "await 0;")}, "top-level await", ("index.js", 1, 1)),
        ({"index.js": handler("import('./a.js')", "")}, "dynamic import()", ("index.js", 2, 49)),
        (
            {"index.js": handler("1", "import c from './c.json';"), "c.json": {"type": "json", "content": "{,}"}},
            "c.json is not valid JSON",
            ("c.json", None, None),
        ),
        ({"index.js": handler("1"), "x.css": {"type": "css", "content": ""}}, "unknown type", ("x.css", None, None)),
    ],
)
async def test_link_errors(modules: dict[str, dict[str, str]], message: str, position: tuple[Any, ...]) -> None:
    with pytest.raises(ScriptError) as info:
        await compile_worker("", modules, "index.js")
    assert message in info.value.message
    assert (info.value.module, info.value.line, info.value.column) == position


async def test_an_invalid_wasm_module_fails_the_load_naming_it() -> None:
    err = await load_error({"index.js": handler("1", "import w from './bad.wasm';"), "bad.wasm": b64("wasm", b"nope")})
    assert err.name == "CompileError" and err.message.startswith("bad.wasm: ")


async def test_main_must_be_an_es_module_among_the_modules() -> None:
    with pytest.raises(ScriptError, match="main module"):
        await compile_worker("", {"index.js": handler("1")}, "main.js")
    with pytest.raises(ScriptError, match="must be an ES module"):
        await compile_worker("", {"index.txt": {"type": "text", "content": "x"}}, "index.txt")


async def test_a_single_bundled_file_is_unchanged() -> None:
    source = "export default { fetch() { return new Response('bundle'); } };\n"
    plain = await compile_worker(source)
    assert plain.code.startswith('(function($ew$){"use strict";')  # the single-file transform, as before
    with pytest.raises(ScriptError, match="imports between modules need the worker's modules deployed together"):
        await compile_worker("import x from './x.js';\nexport default x;")
    with pytest.raises(ScriptError, match="bundle npm packages"):
        await compile_worker("import { Hono } from 'hono';\nexport default new Hono();")


def test_modules_work_without_code_generation_from_strings() -> None:
    """WebAssembly modules compile at load with --disallow-code-generation-from-strings (V8 gates wasm on its own
    callback, which mini-racer does not set), as does everything else here."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.js.v8_no_codegen", __file__, "-k", "not code_generation"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
