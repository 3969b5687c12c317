"""The ``edgeworker`` command, run as a real subprocess.

Without a node: usage mistakes, files, tokens and an unreachable node. Against a real HTTP server that is not an
admin API (``python -m http.server``, or a node's data plane): how an answer that is not the admin API's is
reported. Against a real node (the ``node`` fixture from ``tests/conftest.py``): what each command does, checked
through the node's admin API and data plane, and the whole deploy / call / version / rollback / secret / delete
cycle (``TestAgainstNode``).
"""

from __future__ import annotations

import asyncio
import datetime
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from edgeworker.limits.settings import WorkerLimits

CLI = [sys.executable, "-m", "edgeworker.server.cli"]
HELLO_JS = """export default {
  async fetch(request, env) {
    return new Response(`hello ${env.GREETING}`);
  },
};
"""


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEWORKER_")}
    env.update(extra or {})
    return env


def run_cli(*args: str, cwd: Path, env: Mapping[str, str] | None = None, stdin: str = "") -> Result:
    done = subprocess.run(
        [*CLI, *args], cwd=cwd, env=clean_env(env), input=stdin, capture_output=True, text=True, timeout=60
    )
    return Result(done.returncode, done.stdout, done.stderr)


async def run_cli_async(*args: str, cwd: Path, env: Mapping[str, str] | None = None, stdin: str = "") -> Result:
    """Like :func:`run_cli`, without blocking the event loop (the node may be serving from this loop)."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        cwd=cwd,
        env=clean_env(env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return Result(process.returncode, stdout.decode(), stderr.decode())


def assert_ok(result: Result) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def assert_user_error(result: Result, code: int, *fragments: str) -> str:
    """One ``edgeworker: error:`` line (after argparse's usage, if any), the exit code, no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("edgeworker: error: ")]
    assert len(errors) == 1, result.stderr
    assert lines[-1] == errors[0], result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert result.stdout == ""
    return errors[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def worker_js(tmp_path: Path) -> Path:
    path = tmp_path / "worker.js"
    path.write_text(HELLO_JS, encoding="utf-8")
    return path


# --- without a node --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["dev"], ["deploy"], ["secret"], ["secret", "put"], ["list"], ["rollback"]]
)
def test_help(tmp_path: Path, command: list[str]) -> None:
    result = run_cli(*command, "--help", cwd=tmp_path)
    assert_ok(result)
    assert result.stdout.startswith("usage: edgeworker")


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    assert_user_error(run_cli(cwd=tmp_path), 2, "COMMAND")


def test_unknown_command(tmp_path: Path) -> None:
    assert_user_error(run_cli("publish", cwd=tmp_path), 2, "invalid choice: 'publish'")


def test_deploy_missing_file(tmp_path: Path) -> None:
    assert_user_error(run_cli("deploy", "nope.js", "--name", "x", cwd=tmp_path), 1, "nope.js: no such file")


def test_deploy_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "w.js").write_bytes(b"export default {};\n'\xff'\n")
    result = run_cli("deploy", "w.js", "--name", "x", "--token", "t", cwd=tmp_path)
    assert_user_error(result, 1, "w.js is not valid UTF-8", "line 2")


@pytest.mark.parametrize("name", ["Hello", "-x", "a_b", "a" * 64])
def test_deploy_bad_name(tmp_path: Path, worker_js: Path, name: str) -> None:
    result = run_cli("deploy", str(worker_js), f"--name={name}", cwd=tmp_path)
    assert_user_error(result, 2, "argument --name", f"invalid worker name {name!r}")


@pytest.mark.parametrize("command", [["versions", "Bad"], ["delete", "a b"], ["secret", "list", "UPPER"]])
def test_bad_name_in_admin_commands(tmp_path: Path, command: list[str]) -> None:
    assert_user_error(run_cli(*command, cwd=tmp_path), 2, "invalid worker name")


def test_deploy_without_a_name(tmp_path: Path, worker_js: Path) -> None:
    assert_user_error(run_cli("deploy", str(worker_js), cwd=tmp_path), 2, "pass --name NAME")


@pytest.mark.parametrize(("flag", "value"), [("--var", "NOEQUALS"), ("--secret", "NOEQUALS"), ("--var", "=v")])
def test_deploy_bad_assignment_names_the_flag(tmp_path: Path, worker_js: Path, flag: str, value: str) -> None:
    result = run_cli("deploy", str(worker_js), "--name", "x", flag, value, cwd=tmp_path)
    assert_user_error(result, 2, f"argument {flag}:", repr(value))


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--cpu-ms", "fast", "argument --cpu-ms: must be a whole number, not 'fast'"),
        ("--cpu-ms", "0", "argument --cpu-ms: must be positive"),
        ("--memory-mb", "8", "argument --memory-mb: must be at least 16, not 8"),
    ],
)
def test_deploy_bad_limits(tmp_path: Path, worker_js: Path, flag: str, value: str, message: str) -> None:
    result = run_cli("deploy", str(worker_js), "--name", "x", flag, value, cwd=tmp_path)
    assert_user_error(result, 2, message)


def test_deploy_with_nothing_to_deploy(tmp_path: Path) -> None:
    assert_user_error(run_cli("deploy", cwd=tmp_path), 2, "nothing to deploy", "wrangler.toml")


def test_deploy_toml_as_file_hints_at_config(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('name = "x"\n')
    assert_user_error(run_cli("deploy", "wrangler.toml", cwd=tmp_path), 2, "--config wrangler.toml")


def test_deploy_bad_toml(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('name = "x\nmain = "w.js"\n')
    result = run_cli("deploy", cwd=tmp_path)
    assert_user_error(result, 1, "wrangler.toml is not valid TOML")


def test_deploy_config_without_main(tmp_path: Path) -> None:
    (tmp_path / "edgeworker.toml").write_text('name = "x"\n')
    result = run_cli("deploy", "--config", "edgeworker.toml", cwd=tmp_path)
    assert_user_error(result, 1, "edgeworker.toml has no 'main' key")


def test_deploy_config_whose_main_is_missing(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('name = "x"\nmain = "src/index.js"\n')
    result = run_cli("deploy", cwd=tmp_path)
    assert_user_error(result, 1, "src/index.js: no such file")


def test_no_token_says_where_it_looked(tmp_path: Path) -> None:
    error = assert_user_error(run_cli("list", cwd=tmp_path), 1, "no admin token", "--token", "EDGEWORKER_ADMIN_TOKEN")
    assert ".edgeworker/admin-token" in error
    elsewhere = tmp_path / "node-data"
    error = assert_user_error(run_cli("list", cwd=tmp_path, env={"EDGEWORKER_DATA": str(elsewhere)}), 1)
    assert str(elsewhere / "admin-token") in error
    error = assert_user_error(run_cli("list", "--data", "d", cwd=tmp_path), 1)
    assert "d/admin-token" in error


def test_empty_token_file(tmp_path: Path) -> None:
    (tmp_path / ".edgeworker").mkdir()
    (tmp_path / ".edgeworker" / "admin-token").write_text("\n")
    assert_user_error(run_cli("list", cwd=tmp_path), 1, "admin-token is empty")


def test_unreachable_node(tmp_path: Path, worker_js: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    expected = f"cannot reach the node's admin API at {url} (connection refused); is `edgeworker serve` running?"
    error = assert_user_error(run_cli("list", "--admin", url, "--token", "t", cwd=tmp_path), 1)
    assert error == f"edgeworker: error: {expected}"
    deploy = run_cli("deploy", str(worker_js), "--name", "x", "--admin", url, "--token", "t", cwd=tmp_path)
    assert_user_error(deploy, 1, expected)
    from_env = run_cli("versions", "x", cwd=tmp_path, env={"EDGEWORKER_ADMIN_URL": url, "EDGEWORKER_ADMIN_TOKEN": "t"})
    assert_user_error(from_env, 1, expected)


@pytest.mark.parametrize("url", ["ftp://example.com", "localhost:8788", "http://127.0.0.1:notaport"])
def test_bad_admin_url(tmp_path: Path, url: str) -> None:
    assert_user_error(run_cli("list", "--admin", url, "--token", "t", cwd=tmp_path), 2, "--admin must be")


def test_rollback_bad_version(tmp_path: Path) -> None:
    assert_user_error(run_cli("rollback", "x", "latest", cwd=tmp_path), 2, "argument VERSION")
    assert_user_error(run_cli("rollback", "x", "0", cwd=tmp_path), 2, "versions start at 1")


def test_secret_value_is_never_taken_from_argv(tmp_path: Path) -> None:
    assert_user_error(run_cli("secret", "put", "x", "KEY", "value", cwd=tmp_path), 2, "unrecognized arguments")


def test_empty_secret_value(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("secret", "put", "x", "KEY", "--admin", url, "--token", "t", cwd=tmp_path, stdin="\n")
    assert_user_error(result, 2, "the secret's value is empty")


def test_serve_bad_settings(tmp_path: Path) -> None:
    assert_user_error(run_cli("serve", "--port", "70000", cwd=tmp_path), 2, "argument --port")
    assert_user_error(run_cli("serve", "--isolate-hosts", "0", cwd=tmp_path), 2, "argument --isolate-hosts")
    assert_user_error(run_cli("serve", "--deploy", "missing", cwd=tmp_path), 2, "--deploy: missing is not a folder")
    assert_user_error(run_cli("serve", "--memory-mb", "1", cwd=tmp_path), 2, "--memory-mb: must be at least 16")


def test_dev_missing_file(tmp_path: Path) -> None:
    assert_user_error(run_cli("dev", "nope.js", cwd=tmp_path), 1, "nope.js: no such file")


def test_dev_bad_var(tmp_path: Path, worker_js: Path) -> None:
    assert_user_error(run_cli("dev", str(worker_js), "--var", "X", cwd=tmp_path), 2, "argument --var")


# --- against a real non-edgeworker HTTP server ----------------------------------------------------------------


@pytest.fixture
def plain_http_server(tmp_path: Path) -> Iterator[str]:
    """``python -m http.server`` (a real server, not the admin API) serving ``/api/workers`` as an HTML file."""
    root = tmp_path / "site"
    (root / "api").mkdir(parents=True)
    (root / "api" / "workers").write_text("<html>hello</html>\n")
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port N (http://127.0.0.1:N/) ..."
        match = re.search(r" port (\d+) ", first)
        assert match, first
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_answer_that_is_not_json(tmp_path: Path, plain_http_server: str) -> None:
    # 200 with an HTML body: not an admin API
    result = run_cli("list", "--admin", plain_http_server, "--token", "t", cwd=tmp_path)
    error = assert_user_error(result, 1, "not a JSON object", "admin port")
    assert plain_http_server in error
    # http.server has no DELETE: HTTP 501 with an HTML body
    result = run_cli("delete", "x", "--admin", plain_http_server, "--token", "t", cwd=tmp_path)
    error = assert_user_error(result, 1)
    assert error == (
        "edgeworker: error: the node's admin API answered DELETE /api/workers/x with HTTP 501; see the node's log"
    )


# --- against a real node ---------------------------------------------------------------------------------------


class Node(Protocol):
    """What the ``node`` fixture in ``tests/conftest.py`` yields."""

    admin_url: str
    data_url: str
    token: str
    data_dir: Path

    async def get(self, host: str, path: str = "/") -> httpx.Response: ...

    def admin(self) -> httpx.AsyncClient: ...


ENV_JS = "export default { fetch(request, env) { return new Response(JSON.stringify(env)); } };\n"
DEFAULT_LIMITS = WorkerLimits().to_dict()  # the node fixture is started without limit flags


async def node_cli(node: Node, cwd: Path, *args: str, stdin: str = "") -> Result:
    return await run_cli_async(*args, "--admin", node.admin_url, "--token", node.token, cwd=cwd, stdin=stdin)


async def admin_get(node: Node, path: str) -> httpx.Response:
    async with node.admin() as admin:
        return await admin.get(path)


async def describe(node: Node, name: str) -> dict[str, Any]:
    response = await admin_get(node, f"/api/workers/{name}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_deploy_applies_the_script_and_settings(node: Node, tmp_path: Path) -> None:
    (tmp_path / "worker.js").write_text(ENV_JS)
    result = await node_cli(
        node,
        tmp_path,
        "deploy",
        "worker.js",
        "--name=cli-settings",
        "--var",
        "GREETING=hi=there",
        "--secret",
        "KEY=s3cret",
        "--route",
        "cli-settings.test/*",
        "--cpu-ms",
        "20",
    )
    assert_ok(result)
    assert result.stdout == "Deployed cli-settings version 1\n  route: cli-settings.test/*\n"
    worker = await describe(node, "cli-settings")
    assert worker["version"] == 1
    assert worker["vars"] == {"GREETING": "hi=there"}
    assert worker["secrets"] == ["KEY"]
    assert worker["routes"] == ["cli-settings.test/*"]
    assert worker["limits"] == {**DEFAULT_LIMITS, "cpu_ms": 20}
    response = await node.get("cli-settings.test", "/anything")
    assert response.status_code == 200
    assert response.json() == {"GREETING": "hi=there", "KEY": "s3cret"}


async def test_deploy_omits_what_is_not_given(node: Node, tmp_path: Path, worker_js: Path) -> None:
    first = await node_cli(node, tmp_path, "deploy", str(worker_js), "--name", "cli-bare")
    assert_ok(first)
    assert first.stdout == "Deployed cli-bare version 1\n"
    worker = await describe(node, "cli-bare")
    assert (worker["vars"], worker["secrets"], worker["routes"]) == ({}, [], [])
    assert worker["limits"] == DEFAULT_LIMITS
    assert (await node.get("cli-bare.localhost")).text == "hello undefined"

    settings = ("--route", "cli-bare.test/*", "--secret", "KEY=k", "--var", "GREETING=set", "--memory-mb", "64")
    assert_ok(await node_cli(node, tmp_path, "deploy", str(worker_js), "--name", "cli-bare", *settings))
    assert (await node.get("cli-bare.test")).text == "hello set"
    # A redeploy without flags sends no routes (the node keeps them), no secrets (kept), no vars, no limits.
    again = await node_cli(node, tmp_path, "deploy", str(worker_js), "--name", "cli-bare")
    assert_ok(again)
    assert again.stdout == "Deployed cli-bare version 3\n  route: cli-bare.test/*\n"
    worker = await describe(node, "cli-bare")
    assert worker["routes"] == ["cli-bare.test/*"]
    assert worker["secrets"] == ["KEY"]
    assert worker["vars"] == {}
    assert worker["limits"] == DEFAULT_LIMITS
    assert (await node.get("cli-bare.test")).text == "hello undefined"


async def test_deploy_from_wrangler_toml_with_flags_overriding(node: Node, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text(ENV_JS)
    (tmp_path / "wrangler.toml").write_text(
        """name = "cli-from-file"
main = "src/index.js"
compatibility_date = "2024-09-23"
routes = [{ pattern = "cli-file-route.test/*", zone_name = "test" }]

[vars]
GREETING = "file"
KEEP = "kept"
COUNT = 3

[limits]
cpu_ms = 10
memory_mb = 64

[[kv_namespaces]]
binding = "KV"
id = "x"
"""
    )
    flags = ("--name", "cli-from-flag", "--var", "GREETING=flag", "--route", "cli-flag-route.test/*")
    result = await node_cli(node, tmp_path, "deploy", *flags, "--memory-mb", "32")
    assert_ok(result)
    assert result.stderr == "edgeworker: warning: ignoring unknown key 'kv_namespaces' in wrangler.toml\n"
    assert result.stdout == "Deployed cli-from-flag version 1\n  route: cli-flag-route.test/*\n"
    worker = await describe(node, "cli-from-flag")
    assert worker["vars"] == {"GREETING": "flag", "KEEP": "kept", "COUNT": 3}
    assert worker["routes"] == ["cli-flag-route.test/*"]
    assert worker["limits"] == {**DEFAULT_LIMITS, "cpu_ms": 10, "memory_mb": 32}
    assert (await admin_get(node, "/api/workers/cli-from-file")).status_code == 404
    response = await node.get("cli-flag-route.test")
    assert response.json() == {"GREETING": "flag", "KEEP": "kept", "COUNT": 3}
    assert (await node.get("cli-file-route.test")).status_code == 404


async def test_deploy_config_elsewhere_resolves_main_beside_it(node: Node, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "index.js").write_text(HELLO_JS)
    (project / "edgeworker.toml").write_text('name = "cli-proj"\nmain = "index.js"\nroute = "cli-proj.test/*"\n')
    # an index.js in the working folder too: the one beside the config must win
    (tmp_path / "index.js").write_text("export default { fetch() { return new Response('wrong index.js'); } };\n")
    result = await node_cli(node, tmp_path, "deploy", "--config", "project/edgeworker.toml")
    assert_ok(result)
    assert result.stdout == "Deployed cli-proj version 1\n  route: cli-proj.test/*\n"
    worker = await describe(node, "cli-proj")
    assert (worker["routes"], worker["vars"], worker["secrets"]) == (["cli-proj.test/*"], {}, [])
    response = await node.get("cli-proj.test", "/x")
    assert (response.status_code, response.text) == (200, "hello undefined")


async def test_deploy_script_error(node: Node, tmp_path: Path) -> None:
    (tmp_path / "worker.js").write_text("export default {\n  fetch() {\n    return 1 +;\n  }\n};\n")
    result = await node_cli(node, tmp_path, "deploy", "worker.js", "--name", "cli-script-error")
    error = assert_user_error(result, 1)
    # the module transform's parser words it "Unexpected token", V8 "Unexpected token ';'": either will do
    assert re.fullmatch(
        r"edgeworker: error: SyntaxError: Unexpected token( ';')? \(worker\.js line 3, column 15\)", error
    )
    assert (await admin_get(node, "/api/workers/cli-script-error")).status_code == 404


async def test_rejected_token_says_where_the_token_came_from(node: Node, tmp_path: Path) -> None:
    result = await run_cli_async(
        "list", "--admin", node.admin_url, cwd=tmp_path, env={"EDGEWORKER_ADMIN_TOKEN": "nope"}
    )
    assert_user_error(result, 1, "the node rejected the admin token (from $EDGEWORKER_ADMIN_TOKEN)")
    token_file = tmp_path / "elsewhere" / "admin-token"
    token_file.parent.mkdir()
    token_file.write_text("nope\n")
    result = await run_cli_async("list", "--admin", node.admin_url, "--data", str(token_file.parent), cwd=tmp_path)
    assert_user_error(result, 1, f"the node rejected the admin token (from {token_file})")


async def test_node_error_message_is_shown(node: Node, tmp_path: Path, worker_js: Path) -> None:
    answer = await admin_get(node, "/api/workers/cli-ghost/versions")
    assert answer.status_code == 404
    result = await node_cli(node, tmp_path, "versions", "cli-ghost")
    assert assert_user_error(result, 1) == "edgeworker: error: no worker named 'cli-ghost'"
    assert answer.json() == {"error": "no worker named 'cli-ghost'"}

    deploy = ("deploy", str(worker_js), "--route", "owned.test/*", "--name")
    assert_ok(await node_cli(node, tmp_path, *deploy, "cli-owner"))
    taken = await node_cli(node, tmp_path, *deploy, "cli-taker")
    error = assert_user_error(taken, 1)
    assert error == "edgeworker: error: route 'owned.test/*' already belongs to worker 'cli-owner'"
    assert (await admin_get(node, "/api/workers/cli-taker")).status_code == 404


async def test_answer_from_the_data_plane_is_not_the_admin_api(node: Node, tmp_path: Path) -> None:
    # the node's data plane answers a host it has no worker for with a plain-text 404
    result = await run_cli_async("list", "--admin", node.data_url, "--token", node.token, cwd=tmp_path)
    error = assert_user_error(result, 1)
    assert error == "edgeworker: error: the node's admin API answered GET /api/workers with HTTP 404"


async def test_token_from_the_data_folder(node: Node, tmp_path: Path) -> None:
    (tmp_path / ".edgeworker").mkdir()
    (tmp_path / ".edgeworker" / "admin-token").write_text(node.token + "\n")
    listing = ("list", "--admin", node.admin_url)
    assert_ok(await run_cli_async(*listing, cwd=tmp_path))
    # The environment variable comes before the file ...
    env = {"EDGEWORKER_ADMIN_TOKEN": "from-env"}
    assert_user_error(await run_cli_async(*listing, cwd=tmp_path, env=env), 1, "(from $EDGEWORKER_ADMIN_TOKEN)")
    # ... --token before both.
    assert_ok(await run_cli_async(*listing, "--token", node.token, cwd=tmp_path, env=env))
    env = {"EDGEWORKER_ADMIN_TOKEN": node.token}
    assert_user_error(await run_cli_async(*listing, "--token", "from-flag", cwd=tmp_path, env=env), 1, "(from --token")
    assert_ok(await run_cli_async(*listing, cwd=tmp_path, env=env))
    # $EDGEWORKER_DATA points at another data folder
    (tmp_path / ".edgeworker" / "admin-token").write_text("stale\n")
    assert_ok(await run_cli_async(*listing, cwd=tmp_path, env={"EDGEWORKER_DATA": str(node.data_dir)}))
    assert_user_error(await run_cli_async(*listing, cwd=tmp_path), 1, "(from .edgeworker/admin-token)")


async def test_list_prints_a_table(node: Node, tmp_path: Path, worker_js: Path) -> None:
    for _ in range(3):
        deployed = ("deploy", str(worker_js), "--name", "cli-table-hello")
        assert_ok(await node_cli(node, tmp_path, *deployed, "--route", "a.test/*", "--route", "b.test/*"))
    assert_ok(await node_cli(node, tmp_path, "deploy", str(worker_js), "--name", "cli-table-other-worker"))
    result = await node_cli(node, tmp_path, "list")
    assert_ok(result)
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "VERSION", "ROUTES", "UPDATED"]
    columns = [header.index(title) for title in ("VERSION", "ROUTES", "UPDATED")]

    def row(name: str, version: str, routes: str, updated_at: float) -> str:
        when = datetime.datetime.fromtimestamp(updated_at, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        cells = [name.ljust(columns[0]), version.ljust(columns[1] - columns[0]), routes.ljust(columns[2] - columns[1])]
        return "".join(cells) + when

    hello = await describe(node, "cli-table-hello")
    other = await describe(node, "cli-table-other-worker")
    assert row("cli-table-hello", "3", "a.test/*, b.test/*", hello["updated_at"]) in rows
    assert row("cli-table-other-worker", "1", "-", other["updated_at"]) in rows
    assert len(rows) == len({line.split()[0] for line in rows})


async def test_rollback_without_a_version_picks_the_one_before_the_live_one(node: Node, tmp_path: Path) -> None:
    (tmp_path / "worker.js").write_text(HELLO_JS)
    for greeting in ("one", "two", "three"):
        deploy = ("deploy", "worker.js", "--name", "cli-rollback", "--var", f"GREETING={greeting}")
        assert_ok(await node_cli(node, tmp_path, *deploy))
    assert_ok(await node_cli(node, tmp_path, "rollback", "cli-rollback", "2"))  # 1, 2 (live), 3
    assert (await node.get("cli-rollback.localhost")).text == "hello two"

    result = await node_cli(node, tmp_path, "rollback", "cli-rollback")
    assert_ok(result)
    assert result.stdout == "Rolled back cli-rollback; version 1 is live\n"
    assert (await describe(node, "cli-rollback"))["version"] == 1
    assert (await node.get("cli-rollback.localhost")).text == "hello one"


async def test_rollback_with_nothing_before(node: Node, tmp_path: Path, worker_js: Path) -> None:
    deploy = ("deploy", str(worker_js), "--name", "cli-first")
    assert_ok(await node_cli(node, tmp_path, *deploy, "--var", "GREETING=one"))
    result = await node_cli(node, tmp_path, "rollback", "cli-first")
    assert_user_error(result, 1, "cli-first has no version before the live version 1")

    # a later version exists, but nothing before the live one
    assert_ok(await node_cli(node, tmp_path, *deploy, "--var", "GREETING=two"))
    assert_ok(await node_cli(node, tmp_path, "rollback", "cli-first", "1"))
    result = await node_cli(node, tmp_path, "rollback", "cli-first")
    assert_user_error(result, 1, "cli-first has no version before the live version 1")
    assert (await describe(node, "cli-first"))["version"] == 1
    assert (await node.get("cli-first.localhost")).text == "hello one"
    versions = (await admin_get(node, "/api/workers/cli-first/versions")).json()["versions"]
    assert [(v["version"], v["live"]) for v in versions] == [(1, True), (2, False)]


async def test_secret_put_reads_stdin_and_strips_one_newline(node: Node, tmp_path: Path) -> None:
    (tmp_path / "worker.js").write_text(
        "export default { fetch(request, env) { return new Response(JSON.stringify(env.API_KEY)); } };\n"
    )
    assert_ok(await node_cli(node, tmp_path, "deploy", "worker.js", "--name", "cli-secret-stdin"))
    result = await node_cli(node, tmp_path, "secret", "put", "cli-secret-stdin", "API_KEY", stdin="s3 cret\n\n")
    assert_ok(result)
    assert "s3 cret" not in result.stdout + result.stderr
    assert result.stdout == "Set secret API_KEY on cli-secret-stdin (version 2)\n"
    assert (await describe(node, "cli-secret-stdin"))["secrets"] == ["API_KEY"]
    assert (await node.get("cli-secret-stdin.localhost")).json() == "s3 cret\n"

    crlf = await node_cli(node, tmp_path, "secret", "put", "cli-secret-stdin", "API_KEY", stdin="v2\r\n")
    assert_ok(crlf)
    assert (await node.get("cli-secret-stdin.localhost")).json() == "v2"


class TestAgainstNode:
    @staticmethod
    async def cli(node: Node, cwd: Path, *args: str, stdin: str = "") -> Result:
        return await node_cli(node, cwd, *args, stdin=stdin)

    async def test_deploy_call_versions_rollback_delete(self, node: Node, tmp_path: Path) -> None:
        script = tmp_path / "worker.js"
        script.write_text(HELLO_JS)
        deploy = ("deploy", "worker.js", "--name", "greeter", "--route", "greeter.test/*")

        first = await self.cli(node, tmp_path, *deploy, "--var", "GREETING=one")
        assert_ok(first)
        assert first.stdout.startswith("Deployed greeter version 1\n")
        assert "greeter.test/*" in first.stdout
        response = await node.get("greeter.test", "/anything")
        assert (response.status_code, response.text) == (200, "hello one")

        second = await self.cli(node, tmp_path, *deploy, "--var", "GREETING=two")
        assert_ok(second)
        assert second.stdout.startswith("Deployed greeter version 2\n")
        assert (await node.get("greeter.test")).text == "hello two"

        listing = await self.cli(node, tmp_path, "list")
        assert_ok(listing)
        assert any(line.split()[:2] == ["greeter", "2"] for line in listing.stdout.splitlines())

        versions = await self.cli(node, tmp_path, "versions", "greeter")
        assert_ok(versions)
        rows = [line.split() for line in versions.stdout.splitlines()[1:]]
        assert [row[0] for row in rows] == ["1", "2"] or [row[0] for row in rows] == ["2", "1"]
        assert [row[0] for row in rows if row[-1] == "live"] == ["2"]

        rollback = await self.cli(node, tmp_path, "rollback", "greeter")
        assert_ok(rollback)
        assert "version 1 is live" in rollback.stdout
        assert (await node.get("greeter.test")).text == "hello one"

        forward = await self.cli(node, tmp_path, "rollback", "greeter", "2")
        assert_ok(forward)
        assert (await node.get("greeter.test")).text == "hello two"

        deleted = await self.cli(node, tmp_path, "delete", "greeter")
        assert_ok(deleted)
        assert deleted.stdout == "Deleted greeter\n"
        assert (await node.get("greeter.test")).status_code == 404
        gone = await self.cli(node, tmp_path, "versions", "greeter")
        assert_user_error(gone, 1, "greeter")

    async def test_deploy_from_wrangler_toml(self, node: Node, tmp_path: Path) -> None:
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "index.js").write_text(HELLO_JS)
        (tmp_path / "wrangler.toml").write_text(
            'name = "from-toml"\nmain = "src/index.js"\ncompatibility_date = "2024-09-23"\n'
            'routes = [{ pattern = "toml.test/*", zone_name = "test" }]\n\n[vars]\nGREETING = "toml"\n'
        )
        result = await self.cli(node, tmp_path, "deploy")
        assert_ok(result)
        assert result.stdout.startswith("Deployed from-toml version 1\n")
        assert (await node.get("toml.test")).text == "hello toml"

    async def test_secrets_put_list_delete(self, node: Node, tmp_path: Path) -> None:
        (tmp_path / "worker.js").write_text(
            "export default { fetch(request, env) { return new Response(String(env.API_KEY)); } };\n"
        )
        assert_ok(await self.cli(node, tmp_path, "deploy", "worker.js", "--name", "secretive", "--route", "s.test/*"))
        assert (await node.get("s.test")).text == "undefined"

        put = await self.cli(node, tmp_path, "secret", "put", "secretive", "API_KEY", stdin="s3cret\n")
        assert_ok(put)
        assert "s3cret" not in put.stdout + put.stderr
        assert (await node.get("s.test")).text == "s3cret"

        listed = await self.cli(node, tmp_path, "secret", "list", "secretive")
        assert_ok(listed)
        assert listed.stdout == "API_KEY\n"

        assert_ok(await self.cli(node, tmp_path, "secret", "delete", "secretive", "API_KEY"))
        listed = await self.cli(node, tmp_path, "secret", "list", "secretive")
        assert_ok(listed)
        assert listed.stdout == ""
        assert (await node.get("s.test")).text == "undefined"

    async def test_script_error_is_reported_with_its_place(self, node: Node, tmp_path: Path) -> None:
        (tmp_path / "bad.js").write_text("export default {\n  fetch() {\n    return 1 +;\n  }\n};\n")
        result = await self.cli(node, tmp_path, "deploy", "bad.js", "--name", "broken")
        assert_user_error(result, 1, "SyntaxError", "(bad.js line 3")

    async def test_bad_token(self, node: Node, tmp_path: Path) -> None:
        result = await run_cli_async("list", "--admin", node.admin_url, "--token", "wrong", cwd=tmp_path)
        assert_user_error(result, 1, "the node rejected the admin token (from --token")

    async def test_token_from_the_nodes_data_folder(self, node: Node, tmp_path: Path) -> None:
        result = await run_cli_async("list", "--admin", node.admin_url, "--data", str(node.data_dir), cwd=tmp_path)
        assert_ok(result)


def test_serve_bad_warm_spares(tmp_path: Path) -> None:
    assert_user_error(run_cli("serve", "--warm-spares", "-1", cwd=tmp_path), 2, "--warm-spares", "negative")
