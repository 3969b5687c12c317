"""The ``edgeworker`` command, run as a real subprocess.

Without a node: usage mistakes, files, tokens and an unreachable node. Against a stub admin API (a small
``http.server`` in a thread): what the CLI sends and how it reports each kind of answer. Against a real node
(``TestAgainstNode``, using the ``node`` fixture from ``tests/conftest.py``): the whole deploy / call / version /
rollback / secret / delete cycle.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

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


# --- against a stub admin API ----------------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    authorization: str | None
    body: Any


@dataclass
class StubAdmin:
    """Answers ``(method, path)`` with a canned ``(status, body)``; records every request."""

    url: str = ""
    answers: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def answer(self, method: str, path: str, status: int, body: Any) -> None:
        self.answers[(method, path)] = (status, body)


@pytest.fixture
def stub() -> Iterator[StubAdmin]:
    state = StubAdmin()

    class Handler(BaseHTTPRequestHandler):
        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            state.requests.append(Recorded(self.command, self.path, self.headers.get("Authorization"), body))
            status, answer = state.answers.get((self.command, self.path), (404, {"error": "no such route in stub"}))
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = handle_any

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_deploy_sends_the_script_and_settings(tmp_path: Path, worker_js: Path, stub: StubAdmin) -> None:
    stub.answer("PUT", "/api/workers/hello", 200, {"name": "hello", "version": 1, "routes": ["hello.test/*"]})
    result = run_cli(
        "deploy",
        str(worker_js),
        "--name=hello",
        "--var",
        "GREETING=hi=there",
        "--secret",
        "KEY=s3cret",
        "--route",
        "hello.test/*",
        "--cpu-ms",
        "20",
        "--admin",
        stub.url,
        "--token",
        "tok",
        cwd=tmp_path,
    )
    assert_ok(result)
    assert result.stdout == "Deployed hello version 1\n  route: hello.test/*\n"
    [request] = stub.requests
    assert request.authorization == "Bearer tok"
    assert request.body == {
        "script": HELLO_JS,
        "vars": {"GREETING": "hi=there"},
        "secrets": {"KEY": "s3cret"},
        "routes": ["hello.test/*"],
        "limits": {"cpu_ms": 20},
    }


def test_deploy_omits_what_is_not_given(tmp_path: Path, worker_js: Path, stub: StubAdmin) -> None:
    stub.answer("PUT", "/api/workers/hello", 200, {"name": "hello", "version": 7, "routes": []})
    result = run_cli("deploy", str(worker_js), "--name", "hello", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert_ok(result)
    assert result.stdout == "Deployed hello version 7\n"
    assert stub.requests[0].body == {"script": HELLO_JS}


def test_deploy_from_wrangler_toml_with_flags_overriding(tmp_path: Path, stub: StubAdmin) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text(HELLO_JS)
    (tmp_path / "wrangler.toml").write_text(
        """name = "from-file"
main = "src/index.js"
compatibility_date = "2024-09-23"
routes = [{ pattern = "a.test/*", zone_name = "test" }]

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
    stub.answer("PUT", "/api/workers/from-flag", 200, {"name": "from-flag", "version": 2, "routes": ["b.test/*"]})
    result = run_cli(
        "deploy",
        "--name",
        "from-flag",
        "--var",
        "GREETING=flag",
        "--route",
        "b.test/*",
        "--memory-mb",
        "32",
        "--admin",
        stub.url,
        "--token",
        "t",
        cwd=tmp_path,
    )
    assert_ok(result)
    assert result.stderr == "edgeworker: warning: ignoring unknown key 'kv_namespaces' in wrangler.toml\n"
    assert result.stdout.startswith("Deployed from-flag version 2\n")
    assert stub.requests[0].body == {
        "script": HELLO_JS,
        "vars": {"GREETING": "flag", "KEEP": "kept", "COUNT": 3},
        "routes": ["b.test/*"],
        "limits": {"cpu_ms": 10, "memory_mb": 32},
    }


def test_deploy_config_elsewhere_resolves_main_beside_it(tmp_path: Path, stub: StubAdmin) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "index.js").write_text(HELLO_JS)
    (project / "edgeworker.toml").write_text('name = "proj"\nmain = "index.js"\nroute = "p.test/*"\n')
    stub.answer("PUT", "/api/workers/proj", 200, {"name": "proj", "version": 1, "routes": ["p.test/*"]})
    result = run_cli("deploy", "--config", "project/edgeworker.toml", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert_ok(result)
    assert stub.requests[0].body == {"script": HELLO_JS, "routes": ["p.test/*"]}


def test_deploy_script_error(tmp_path: Path, stub: StubAdmin) -> None:
    (tmp_path / "worker.js").write_text("export default {\n  fetch() {\n    return 1 +;\n  }\n};\n")
    script_error = {"name": "SyntaxError", "message": "Unexpected token ';'", "line": 3, "column": 9}
    stub.answer(
        "PUT", "/api/workers/x", 400, {"error": "SyntaxError: Unexpected token ';'", "script_error": script_error}
    )
    result = run_cli("deploy", "worker.js", "--name", "x", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    error = assert_user_error(result, 1)
    assert error == "edgeworker: error: SyntaxError: Unexpected token ';' (worker.js line 3, column 9)"


def test_rejected_token_says_where_the_token_came_from(tmp_path: Path, stub: StubAdmin) -> None:
    stub.answer("GET", "/api/workers", 401, {"error": "bad admin token"})
    result = run_cli("list", "--admin", stub.url, cwd=tmp_path, env={"EDGEWORKER_ADMIN_TOKEN": "nope"})
    assert_user_error(result, 1, "the node rejected the admin token", "$EDGEWORKER_ADMIN_TOKEN")


def test_node_error_message_is_shown(tmp_path: Path, stub: StubAdmin) -> None:
    stub.answer("GET", "/api/workers/ghost/versions", 404, {"error": "no worker named 'ghost'"})
    result = run_cli("versions", "ghost", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert assert_user_error(result, 1) == "edgeworker: error: no worker named 'ghost'"


def test_answer_that_is_not_json(tmp_path: Path, stub: StubAdmin) -> None:
    stub.answer("GET", "/api/workers", 200, b"<html>hello</html>")
    result = run_cli("list", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert_user_error(result, 1, "not a JSON object", "admin port")
    stub.answer("GET", "/api/workers", 502, b"Bad Gateway")
    assert_user_error(run_cli("list", "--admin", stub.url, "--token", "t", cwd=tmp_path), 1, "HTTP 502")


def test_token_from_the_data_folder(tmp_path: Path, stub: StubAdmin) -> None:
    (tmp_path / ".edgeworker").mkdir()
    (tmp_path / ".edgeworker" / "admin-token").write_text("from-file\n")
    stub.answer("GET", "/api/workers", 200, {"workers": []})
    assert_ok(run_cli("list", "--admin", stub.url, cwd=tmp_path))
    assert stub.requests[-1].authorization == "Bearer from-file"
    # The environment variable comes before the file, --token before both.
    assert_ok(run_cli("list", "--admin", stub.url, cwd=tmp_path, env={"EDGEWORKER_ADMIN_TOKEN": "from-env"}))
    assert stub.requests[-1].authorization == "Bearer from-env"
    env = {"EDGEWORKER_ADMIN_TOKEN": "from-env"}
    assert_ok(run_cli("list", "--admin", stub.url, "--token", "from-flag", cwd=tmp_path, env=env))
    assert stub.requests[-1].authorization == "Bearer from-flag"


def test_list_prints_a_table(tmp_path: Path, stub: StubAdmin) -> None:
    workers = [
        {"name": "hello", "version": 3, "routes": ["a.test/*", "b.test/*"], "updated_at": "2026-01-02T03:04:05Z"},
        {"name": "other-worker", "version": 1, "routes": [], "updated_at": "2026-01-01T00:00:00Z"},
    ]
    stub.answer("GET", "/api/workers", 200, {"workers": workers})
    result = run_cli("list", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert_ok(result)
    assert result.stdout.splitlines() == [
        "NAME          VERSION  ROUTES              UPDATED",
        "hello         3        a.test/*, b.test/*  2026-01-02T03:04:05Z",
        "other-worker  1        -                   2026-01-01T00:00:00Z",
    ]


def test_rollback_without_a_version_picks_the_one_before_the_live_one(tmp_path: Path, stub: StubAdmin) -> None:
    versions = [
        {"version": 1, "created_at": "t1", "live": False, "format": "modules"},
        {"version": 2, "created_at": "t2", "live": True, "format": "modules"},
        {"version": 3, "created_at": "t3", "live": False, "format": "modules"},
    ]
    stub.answer("GET", "/api/workers/hello/versions", 200, {"versions": versions})
    stub.answer("POST", "/api/workers/hello/rollback", 200, {"name": "hello", "version": 1})
    result = run_cli("rollback", "hello", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert_ok(result)
    assert stub.requests[-1].body == {"version": 1}
    assert "version 1 is live" in result.stdout


def test_rollback_with_nothing_before(tmp_path: Path, stub: StubAdmin) -> None:
    versions = [{"version": 1, "created_at": "t1", "live": True, "format": "modules"}]
    stub.answer("GET", "/api/workers/hello/versions", 200, {"versions": versions})
    result = run_cli("rollback", "hello", "--admin", stub.url, "--token", "t", cwd=tmp_path)
    assert_user_error(result, 1, "hello has no version before the live version 1")
    assert [r.method for r in stub.requests] == ["GET"]


def test_secret_put_reads_stdin_and_strips_one_newline(tmp_path: Path, stub: StubAdmin) -> None:
    stub.answer("PUT", "/api/workers/hello/secrets/API_KEY", 200, {"name": "hello", "version": 4})
    result = run_cli(
        "secret", "put", "hello", "API_KEY", "--admin", stub.url, "--token", "t", cwd=tmp_path, stdin="s3 cret\n\n"
    )
    assert_ok(result)
    assert stub.requests[0].body == {"value": "s3 cret\n"}
    assert "s3 cret" not in result.stdout + result.stderr
    assert result.stdout == "Set secret API_KEY on hello (version 4)\n"


# --- against a real node ---------------------------------------------------------------------------------------


class Node(Protocol):
    """What the ``node`` fixture in ``tests/conftest.py`` yields."""

    admin_url: str
    data_url: str
    token: str
    data_dir: Path

    async def get(self, host: str, path: str = "/") -> httpx.Response: ...


class TestAgainstNode:
    @staticmethod
    async def cli(node: Node, cwd: Path, *args: str, stdin: str = "") -> Result:
        return await run_cli_async(*args, "--admin", node.admin_url, "--token", node.token, cwd=cwd, stdin=stdin)

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
