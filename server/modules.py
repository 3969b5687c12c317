"""Multi-module workers on the server side: checking a ``modules`` map, storing it, and reading one from disk.

A worker may be several ES modules plus text, data, JSON and WebAssembly modules (workerd's module types). The
admin API takes ``{"modules": {name: {"type", "content" | "content_b64"}}, "main": name}``; the linker in
``isolates/runtime/tools.js`` turns the graph into one classic script at deploy. Names are paths relative to the
worker's root (``index.js``, ``lib/util.js``), and imports between modules resolve by relative path.

A version made of modules keeps them in its ``source`` as one JSON document (:func:`encode_source`): a classic
script can never start with ``{"edgeworker":`` (a string followed by ``:`` is not a statement), so the two kinds
of ``source`` cannot be confused, and the versions table needs no new column.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import Path
from typing import Any, Literal

from edgeworker.server.project import decode_utf8, read_file

ModuleType = Literal["esm", "text", "data", "json", "wasm"]
MODULE_TYPES: tuple[ModuleType, ...] = ("esm", "text", "data", "json", "wasm")
TEXT_TYPES = frozenset({"esm", "text", "json"})  # given as "content"; data and wasm as "content_b64"
SOURCE_TAG = "modules"

# wrangler's default module rules (ESModule, Text, Data, CompiledWasm), plus .json as a JSON module
EXTENSION_TYPES: dict[str, ModuleType] = {
    ".js": "esm",
    ".mjs": "esm",
    ".txt": "text",
    ".html": "text",
    ".sql": "text",
    ".bin": "data",
    ".wasm": "wasm",
    ".json": "json",
}

# `import ... from "x"`, `import "x"`, `export ... from "x"`: enough to find which files a deploy must send; the
# linker parses the modules for real.
_IMPORT_RE = re.compile(
    r"""(?:^|[;\n}])\s*(?:import\s*(?:[\w$*{}\s,]+?\s*from\s*)?|export\s*(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*)"""
    r"""(["'])(?P<spec>[^"'\n]+)\1"""
)


class ModuleError(ValueError):
    """A module map that cannot be deployed; the message is meant for the user as is."""


def normalize_name(name: Any) -> str:
    """``./lib/u.js`` → ``lib/u.js``; a name that is empty, absolute or leaves the worker's root is an error."""
    if not isinstance(name, str) or not name.strip():
        raise ModuleError("module names must be non-empty strings such as 'index.js' or 'lib/util.js'")
    parts = name.replace("\\", "/").split("/")
    while parts and parts[0] == ".":
        parts = parts[1:]
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts) or not parts:
        raise ModuleError(f"invalid module name {name!r}: use a path inside the worker's root such as 'lib/util.js'")
    return "/".join(parts)


def check_modules(modules: Any, main: Any, limit_bytes: int) -> tuple[dict[str, dict[str, str]], str]:
    """An admin body's ``modules`` and ``main``, checked and with normalized names; raises :class:`ModuleError`."""
    if not isinstance(modules, dict) or not modules:
        raise ModuleError('field \'modules\' must be an object of module names to {"type", "content"}')
    out: dict[str, dict[str, str]] = {}
    total = 0
    for raw_name, module in modules.items():
        name = normalize_name(raw_name)
        if name in out:
            raise ModuleError(f"module {name!r} is given twice")
        if not isinstance(module, dict):
            raise ModuleError(f"module {name!r} must be an object with 'type' and 'content' (or 'content_b64')")
        kind = module.get("type")
        if kind not in MODULE_TYPES:
            raise ModuleError(f"module {name!r} has unknown type {kind!r}; known types: {', '.join(MODULE_TYPES)}")
        field = "content" if kind in TEXT_TYPES else "content_b64"
        unknown = sorted(set(module) - {"type", field})
        if unknown:
            raise ModuleError(f"module {name!r} ({kind}) has unknown field {unknown[0]!r}; give 'type' and {field!r}")
        content = module.get(field)
        if not isinstance(content, str):
            raise ModuleError(f"module {name!r} ({kind}) needs {field!r} as a string")
        if field == "content_b64":
            try:
                total += len(base64.b64decode(content, validate=True))
            except (binascii.Error, ValueError):
                raise ModuleError(f"module {name!r}: 'content_b64' is not valid base64") from None
        else:
            total += len(content.encode())
        out[name] = {"type": kind, field: content}
    if total > limit_bytes:
        raise ModuleError(f"the worker's modules are {total} bytes in all, more than the limit of {limit_bytes} bytes")
    if not isinstance(main, str):
        raise ModuleError("field 'main' must name the module with the worker's handlers, e.g. 'index.js'")
    main_name = normalize_name(main)
    if main_name not in out:
        raise ModuleError(f"main module {main!r} is not among the modules ({', '.join(sorted(out))})")
    if out[main_name]["type"] != "esm":
        raise ModuleError(f"main module {main_name!r} must be an ES module (type 'esm'), not {out[main_name]['type']}")
    return out, main_name


def encode_source(modules: dict[str, dict[str, str]], main: str) -> str:
    """A version's ``source`` for a multi-module worker."""
    return json.dumps({"edgeworker": SOURCE_TAG, "main": main, "modules": modules}, sort_keys=True)


def decode_source(source: str) -> tuple[dict[str, dict[str, str]], str] | None:
    """The modules and main of a version's ``source``, or None when it is a single script."""
    if not source.startswith('{"edgeworker":'):
        return None
    doc = json.loads(source)
    return doc["modules"], doc["main"]


# --- reading modules from disk (the CLI) -----------------------------------------------------------------------


def module_type(path: Path) -> ModuleType:
    kind = EXTENSION_TYPES.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(EXTENSION_TYPES))
        raise ModuleError(f"{path}: no module type for {path.suffix or 'files without an extension'} (known: {known})")
    return kind


def read_module(path: Path) -> dict[str, str]:
    kind = module_type(path)
    raw = read_file(path, "not a module", ModuleError)
    if kind not in TEXT_TYPES:
        return {"type": kind, "content_b64": base64.b64encode(raw).decode()}
    return {"type": kind, "content": decode_utf8(raw, path, ModuleError)}


def relative_imports(source: str) -> list[str]:
    """The relative specifiers a module's static imports and re-exports name (``./x.js``, ``../y.js``)."""
    return [m["spec"] for m in _IMPORT_RE.finditer(source) if m["spec"].startswith(("./", "../", "/"))]


def _resolve(root: Path, importer: str, specifier: str) -> str | None:
    parts = [] if specifier.startswith("/") else importer.split("/")[:-1]
    for part in specifier.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None  # outside the root: the linker reports it
            parts.pop()
        else:
            parts.append(part)
    name = "/".join(parts)
    return name if (root / name).is_file() else None


def collect_modules(root: Path, main: Path, extra: list[Path] | None = None) -> tuple[dict[str, dict[str, str]], str]:
    """The modules reachable from ``main`` through relative imports, named relative to ``root``, plus ``extra``
    files. A missing import is left to the linker to report with its position."""
    root = root.resolve()
    try:
        main_name = main.resolve().relative_to(root).as_posix()
    except ValueError:
        raise ModuleError(f"main module {main} is not inside {root}") from None
    if not (root / main_name).is_file():
        raise ModuleError(f"main module {main}: no such file")
    modules: dict[str, dict[str, str]] = {}
    todo = [main_name]
    for path in extra or []:
        try:
            todo.append(path.resolve().relative_to(root).as_posix())
        except ValueError:
            raise ModuleError(f"{path} is not inside {root}, the folder of the main module") from None
    while todo:
        name = todo.pop()
        if name in modules:
            continue
        module = read_module(root / name)
        modules[name] = module
        if module["type"] == "esm":
            for specifier in relative_imports(module["content"]):
                target = _resolve(root, name, specifier)
                if target is not None and target not in modules:
                    todo.append(target)
    return modules, main_name


def has_relative_imports(source: str) -> bool:
    return bool(relative_imports(source))
