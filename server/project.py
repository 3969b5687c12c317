"""Reading a Workers project: ``wrangler.toml`` / ``edgeworker.toml`` and ``.dev.vars``.

Only the keys edgeworker uses are read; any other top-level key yields a warning rather than a failure, so an
existing Cloudflare project can be deployed as it is. Every problem raises :class:`ProjectError`, whose message
names the file and is meant for the user as is.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgeworker.limits.settings import LimitError, WorkerLimits

# Searched in this order by ``edgeworker deploy`` when neither a script nor ``--config`` is given.
CONFIG_NAMES = ("edgeworker.toml", "wrangler.toml")
DEV_VARS_NAME = ".dev.vars"

WORKER_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
KNOWN_KEYS = frozenset({"name", "main", "compatibility_date", "vars", "routes", "route", "limits"})


class ProjectError(ValueError):
    """A project file that cannot be used; the message names the file and is meant for the user as is."""


def check_worker_name(name: str) -> str:
    """Return ``name`` if it is a valid worker name, else raise ``ValueError`` saying what a name may be."""
    if not WORKER_NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid worker name {name!r}: use 1 to 63 lowercase letters, digits and '-', "
            "starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class ProjectConfig:
    """The parts of a ``wrangler.toml`` that edgeworker uses; ``None`` / empty means "not given"."""

    path: Path
    name: str | None = None
    # Resolved against the config file's folder.
    main: Path | None = None
    compatibility_date: str | None = None
    # String values, or other TOML values that are sent to the node as JSON.
    vars: dict[str, Any] = field(default_factory=dict)
    routes: list[str] | None = None
    # Only the limits the file sets.
    limits: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def require_main(self) -> Path:
        if self.main is None:
            raise ProjectError(
                f"{self.path} has no 'main' key; set it to the worker's script, e.g. main = \"src/index.js\""
            )
        return self.main


def find_config(directory: Path) -> Path | None:
    """The first of ``edgeworker.toml``, ``wrangler.toml`` in ``directory``, as a path relative to it."""
    for name in CONFIG_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def read_file(path: Path, not_a_folder: str, error: type[Exception] = ProjectError) -> bytes:
    """A file's bytes; a missing, unreadable or folder path raises ``error`` with a message for the user."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder, {not_a_folder}") from None
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None


def decode_utf8(raw: bytes, path: Path, error: type[Exception] = ProjectError) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(f"{path} is not valid UTF-8 (byte {raw[exc.start]:#04x} on line {line})") from None


def load_config(path: Path) -> ProjectConfig:
    """Read and check a ``wrangler.toml``-style file."""
    raw = read_file(path, "not a TOML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path} is not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> ProjectConfig:
    """Check the parsed TOML of the config file at ``path`` (used to name it in messages and to resolve ``main``)."""
    warnings = [f"ignoring unknown key {key!r} in {path}" for key in data if key not in KNOWN_KEYS]

    name = data.get("name")
    if name is not None:
        if not isinstance(name, str):
            raise ProjectError(f"{path}: 'name' must be a string, not {_toml_type(name)}")
        try:
            check_worker_name(name)
        except ValueError as exc:
            raise ProjectError(f"{path}: {exc}") from None

    main = data.get("main")
    main_path: Path | None = None
    if main is not None:
        if not isinstance(main, str) or not main:
            raise ProjectError(f"{path}: 'main' must be the path of the worker's script, not {main!r}")
        main_path = path.parent / main

    compatibility_date = data.get("compatibility_date")
    if isinstance(compatibility_date, datetime.date):
        compatibility_date = compatibility_date.isoformat()
    if compatibility_date is not None and not isinstance(compatibility_date, str):
        raise ProjectError(f"{path}: 'compatibility_date' must be a date such as \"2024-09-23\"")

    return ProjectConfig(
        path=path,
        name=name,
        main=main_path,
        compatibility_date=compatibility_date,
        vars=_parse_vars(data.get("vars"), path),
        routes=_parse_routes(data, path),
        limits=_parse_limits(data.get("limits"), path),
        warnings=warnings,
    )


def _parse_vars(value: Any, path: Path) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{path}: 'vars' must be a table such as [vars] GREETING = \"hello\"")
    for key, item in value.items():
        if _has_date(item):
            raise ProjectError(f"{path}: vars.{key} holds a TOML date or time; write it as a string instead")
    return dict(value)


def _has_date(value: Any) -> bool:
    if isinstance(value, datetime.date | datetime.time):
        return True
    if isinstance(value, dict):
        return any(_has_date(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_date(v) for v in value)
    return False


def _parse_routes(data: dict[str, Any], path: Path) -> list[str] | None:
    if "route" in data and "routes" in data:
        raise ProjectError(f"{path}: set either 'route' or 'routes', not both")
    if "route" in data:
        return [_route_pattern(data["route"], path, "route")]
    if "routes" not in data:
        return None
    routes = data["routes"]
    if not isinstance(routes, list):
        raise ProjectError(f"{path}: 'routes' must be a list such as routes = [\"example.com/*\"]")
    return [_route_pattern(item, path, f"routes[{i}]") for i, item in enumerate(routes)]


def _route_pattern(item: Any, path: Path, where: str) -> str:
    if isinstance(item, dict):
        item = item.get("pattern")
    if not isinstance(item, str) or not item:
        raise ProjectError(f"{path}: {where} must be a route pattern string or a table with a 'pattern' string")
    return item


def _parse_limits(value: Any, path: Path) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProjectError(f"{path}: 'limits' must be a table such as [limits] cpu_ms = 50")
    try:
        WorkerLimits.from_mapping(value)
    except LimitError as exc:
        raise ProjectError(f"{path}: {exc}") from None
    return dict(value)


def _toml_type(value: Any) -> str:
    return {dict: "a table", list: "an array", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


# --- .dev.vars ------------------------------------------------------------------------------------------------

# One assignment: optional ``export``, a key, ``=``, then a quoted value (which may span lines) or a bare value that
# ends at a ``#`` comment or the end of the line.
_DEV_VAR_RE = re.compile(
    r"""
    [ \t]*(?:export[ \t]+)?
    (?P<key>[A-Za-z_][A-Za-z0-9_.-]*)
    [ \t]*=[ \t]*
    (?:
        (?P<quote>["'`])(?P<quoted>(?:\\.|[^\\])*?)(?P=quote)[ \t]*(?:\#[^\n]*)?
      | (?P<bare>[^#\n]*?)[ \t]*(?:\#[^\n]*)?
    )
    [ \t]*(?:\n|\Z)
    """,
    re.VERBOSE | re.DOTALL,
)


def parse_dev_vars(text: str, source: str = DEV_VARS_NAME, warn: Callable[[str], None] | None = None) -> dict[str, str]:
    """Parse dotenv text as wrangler reads ``.dev.vars``.

    ``KEY=value``, ``KEY="quoted value"`` (``\\n`` in double quotes is a newline; quotes may span lines),
    ``'single'`` and ```backtick``` quotes, an optional ``export`` prefix, ``#`` comments and blank lines. A later
    assignment to the same key wins. Lines that are not assignments are skipped with a warning.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    values: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        line_end = text.find("\n", pos)
        line = text[pos : len(text) if line_end < 0 else line_end]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            pos = len(text) if line_end < 0 else line_end + 1
            continue
        match = _DEV_VAR_RE.match(text, pos)
        if match is None:
            if warn is not None:
                line_no = text.count("\n", 0, pos) + 1
                warn(f"ignoring line {line_no} of {source}: expected KEY=value")
            pos = len(text) if line_end < 0 else line_end + 1
            continue
        quote = match.group("quote")
        if quote is None:
            value = match.group("bare")
        else:
            value = match.group("quoted")
            if quote == '"':
                value = value.replace("\\n", "\n").replace("\\r", "\r")
        values[match.group("key")] = value
        pos = match.end()
    return values


def load_dev_vars(path: Path, warn: Callable[[str], None] | None = None) -> dict[str, str]:
    """Read a ``.dev.vars`` file; a missing file is no values."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path} is not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start})") from None
    return parse_dev_vars(text, str(path), warn)


def read_script(path: Path) -> str:
    """A worker's script as text; a missing, unreadable or non-UTF-8 file raises :class:`ProjectError`."""
    raw = read_file(path, "give the worker's script file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ProjectError(
            f"{path} is not valid UTF-8 (byte {raw[exc.start]:#04x} on line {line}); save it as UTF-8"
        ) from None
