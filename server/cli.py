"""The ``edgeworker`` command: run a node, run one worker for development, and manage a node's workers.

Every user mistake ends in one ``edgeworker: error: …`` line on stderr and exit code 2 (bad usage: flags, names,
values) or 1 (something failed while doing the work: files, the network, the node's answer). Nothing a user can
get wrong ends in a traceback.
"""

from __future__ import annotations

import argparse
import datetime
import getpass
import ipaddress
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import httpx

from edgeworker.limits.settings import DEFAULT_MAXIMA, LimitError, NodeLimits, WorkerLimits
from edgeworker.server.config import ConfigError, NodeSettings, default_data_dir
from edgeworker.server.modules import ModuleError, collect_modules, has_relative_imports
from edgeworker.server.project import (
    CONFIG_NAMES,
    DEV_VARS_NAME,
    ProjectConfig,
    ProjectError,
    check_worker_name,
    find_config,
    load_config,
    load_dev_vars,
    read_script,
)

PROG = "edgeworker"
DEFAULT_ADMIN_URL = "http://127.0.0.1:8788"
ADMIN_URL_ENV = "EDGEWORKER_ADMIN_URL"
ADMIN_TOKEN_ENV = "EDGEWORKER_ADMIN_TOKEN"
TOKEN_FILE_NAME = "admin-token"
ADMIN_TIMEOUT_S = 30.0

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report as one ``edgeworker: error:`` line; the message is for the user as is."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


# --- argument parsing ------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Reports usage errors as ``edgeworker: error: …`` whichever subcommand they come from."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}\n")


def _worker_name(value: str) -> str:
    try:
        return check_worker_name(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _number(value: str, parse: Callable[[str], float], what: str) -> float:
    try:
        return parse(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, not {value!r}") from None


def _positive_int(value: str) -> int:
    number = int(_number(value, int, "a whole number"))
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {number}")
    return number


def _processes(value: str) -> int:
    """``--processes``: a positive number, or ``auto`` (see server/cluster.py: one per three cores, at least two
    from 2 cores on)."""
    if value.strip().lower() == "auto":
        from edgeworker.isolates.pool import available_cpus
        from edgeworker.server.cluster import auto_processes

        return auto_processes(available_cpus())
    try:
        return _positive_int(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be a positive whole number or 'auto', not {value!r}") from None


def _nonnegative_int(value: str) -> int:
    number = int(_number(value, int, "a whole number"))
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {number}")
    return number


def _positive_float(value: str) -> float:
    number = _number(value, float, "a number of seconds")
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {value}")
    return number


def _egress_entry(value: str) -> str:
    """A host name, an IP address or a CIDR network for --allow-egress."""
    text = value.strip()
    if "/" in text:
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            text = ""
    if not text or "," in text or " " in text:
        raise UsageError(f"argument --allow-egress: {value!r} is not a host name, an IP address or a network")
    return text


def _port(value: str) -> int:
    number = int(_number(value, int, "a port number"))
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, not {number}")
    return number


def _version(value: str) -> int:
    number = int(_number(value, int, "a version number such as 3"))
    if number < 1:
        raise argparse.ArgumentTypeError(f"versions start at 1, not {number}")
    return number


def _add_limit_flags(parser: argparse.ArgumentParser, wall: bool = True) -> None:
    group = parser.add_argument_group("limits for each request / isolate")
    group.add_argument("--cpu-ms", type=_positive_int, metavar="N", help="CPU time per request, in milliseconds")
    group.add_argument("--memory-mb", type=_positive_int, metavar="N", help="heap size per isolate, in MiB")
    if wall:
        group.add_argument("--wall-ms", type=_positive_int, metavar="N", help="wall-clock time per request, in ms")
        group.add_argument("--subrequests", type=_positive_int, metavar="N", help="outbound fetch() calls per request")


def _add_node_limit_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("node-wide limits")
    for name, help_text in (
        ("max-cpu-ms", "the most CPU time per request a deploy may ask for"),
        ("max-memory-mb", "the most memory per isolate a deploy may ask for"),
        ("max-wall-ms", "the most wall-clock time per request a deploy may ask for"),
        ("max-subrequests", "the most subrequests per request a deploy may ask for"),
        ("startup-cpu-ms", "CPU time a script's top level may take (default 400)"),
        ("max-body-mb", "request body size, in MB (default 100; larger: 413)"),
        ("max-url-kb", "URL length, in KB (default 16; longer: 414)"),
        ("max-headers-kb", "request headers, in KB (default 128; larger: 431)"),
        ("max-script-mb", "script size at deploy, in MB (default 10)"),
        ("max-response-mb", "response size from a worker, in MB (default: no limit)"),
        ("host-memory-mb", "RSS budget of each isolate host process, in MB (default: none beyond each isolate's)"),
        ("max-isolates", "isolates on this node (default 256)"),
        ("max-isolates-per-worker", "isolates per worker (default 32)"),
    ):
        group.add_argument(f"--{name}", type=_positive_int, metavar="N", help=help_text)
    group.add_argument("--idle-timeout-s", type=_positive_int, metavar="N", help="drop isolates idle this long (300)")
    group.add_argument(
        "--warm-spares", type=_nonnegative_int, metavar="N", help="isolates kept ready with the runtime loaded (2)"
    )
    group.add_argument(
        "--queue-timeout-s", type=_positive_float, metavar="S", help="how long a request waits for an isolate (10)"
    )


def _add_data_flag(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--data", type=Path, metavar="DIR", help=help_text)


def _add_admin_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connecting to the node")
    group.add_argument(
        "--admin",
        metavar="URL",
        help=f"the node's admin API (default: ${ADMIN_URL_ENV}, else {DEFAULT_ADMIN_URL})",
    )
    group.add_argument(
        "--token",
        metavar="T",
        help=f"admin token (default: ${ADMIN_TOKEN_ENV}, else the file {TOKEN_FILE_NAME} in the data folder)",
    )
    group.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="the node's data folder, where its admin-token file is (default: $EDGEWORKER_DATA, else ./.edgeworker)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Run Cloudflare-Workers-style JavaScript on your own machines.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="run a node: the data plane and the admin API")
    serve.add_argument("--host", default="127.0.0.1", help="address of the data plane (default: %(default)s)")
    serve.add_argument("--port", type=_port, default=8787, help="port of the data plane (default: %(default)s)")
    serve.add_argument("--admin-host", default="127.0.0.1", help="address of the admin API (default: %(default)s)")
    serve.add_argument("--admin-port", type=_port, default=8788, help="port of the admin API (default: %(default)s)")
    _add_data_flag(serve, "where workers and the admin token are kept (default: $EDGEWORKER_DATA, else ./.edgeworker)")
    serve.add_argument("--deploy", type=Path, metavar="DIR", help="deploy every *.js in DIR at start, named by file")
    serve.add_argument("--isolate-hosts", type=_positive_int, metavar="N", help="isolate host processes")
    serve.add_argument(
        "--processes",
        type=_processes,
        default="auto",
        metavar="N|auto",
        help="front processes sharing the data plane's port; connections for workers that are not busy move to the "
        "first one, which keeps the isolate hosts (default: auto, one per three cores, at least two from 2 cores "
        "on)",
    )
    _add_limit_flags(serve)
    _add_node_limit_flags(serve)
    serve.add_argument(
        "--allow-egress",
        action="append",
        default=[],
        metavar="HOST_OR_CIDR",
        help="let workers' fetch() reach this host or network although the egress policy blocks it (repeatable)",
    )
    serve.set_defaults(handler=cmd_serve)

    dev = commands.add_parser("dev", help="serve one worker script for every host and path, for development")
    dev.add_argument("file", type=Path, metavar="FILE", help="the worker's script")
    dev.add_argument("--port", type=_port, default=8787, help="port to listen on (default: %(default)s)")
    dev.add_argument("--var", action="append", default=[], metavar="K=V", help="a variable for env (repeatable)")
    _add_limit_flags(dev)
    _add_data_flag(dev, "data folder (default: a fresh temporary folder)")
    dev.set_defaults(handler=cmd_dev)

    deploy = commands.add_parser(
        "deploy",
        help="deploy a worker to a running node",
        description="Deploy FILE as worker NAME, or the project described by --config (by default ./"
        + " or ./".join(CONFIG_NAMES)
        + "). Flags override the config file. A worker of several modules: give its folder (DIR), or its files "
        "with --main; a main script that imports relative files brings the files it reaches along.",
    )
    deploy.add_argument(
        "file", type=Path, nargs="*", metavar="FILE", help="the worker's script, its folder, or its module files"
    )
    deploy.add_argument("--main", metavar="MODULE", help="the main module, with a folder or several files")
    deploy.add_argument("--config", type=Path, metavar="FILE", help="a wrangler.toml-style project file")
    deploy.add_argument("--name", type=_worker_name, help="the worker's name")
    deploy.add_argument("--var", action="append", default=[], metavar="K=V", help="a variable for env (repeatable)")
    deploy.add_argument("--secret", action="append", default=[], metavar="K=V", help="a secret for env (repeatable)")
    deploy.add_argument("--route", action="append", default=[], metavar="PATTERN", help="a route (repeatable)")
    _add_limit_flags(deploy)
    _add_admin_flags(deploy)
    deploy.set_defaults(handler=cmd_deploy)

    secret = commands.add_parser("secret", help="manage a worker's secrets")
    secret_commands = secret.add_subparsers(
        dest="secret_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    put = secret_commands.add_parser("put", help="set a secret; the value is read from stdin (or prompted for)")
    put.add_argument("name", type=_worker_name, metavar="NAME")
    put.add_argument("key", metavar="KEY")
    _add_admin_flags(put)
    put.set_defaults(handler=cmd_secret_put)
    secret_list = secret_commands.add_parser("list", help="list the names of a worker's secrets")
    secret_list.add_argument("name", type=_worker_name, metavar="NAME")
    _add_admin_flags(secret_list)
    secret_list.set_defaults(handler=cmd_secret_list)
    secret_delete = secret_commands.add_parser("delete", help="remove a secret")
    secret_delete.add_argument("name", type=_worker_name, metavar="NAME")
    secret_delete.add_argument("key", metavar="KEY")
    _add_admin_flags(secret_delete)
    secret_delete.set_defaults(handler=cmd_secret_delete)

    list_ = commands.add_parser("list", help="list the workers deployed on a node")
    _add_admin_flags(list_)
    list_.set_defaults(handler=cmd_list)

    versions = commands.add_parser("versions", help="list a worker's versions")
    versions.add_argument("name", type=_worker_name, metavar="NAME")
    _add_admin_flags(versions)
    versions.set_defaults(handler=cmd_versions)

    rollback = commands.add_parser("rollback", help="make an earlier version live (default: the one before)")
    rollback.add_argument("name", type=_worker_name, metavar="NAME")
    rollback.add_argument("version", type=_version, nargs="?", metavar="VERSION")
    _add_admin_flags(rollback)
    rollback.set_defaults(handler=cmd_rollback)

    delete = commands.add_parser("delete", help="delete a worker and all its versions")
    delete.add_argument("name", type=_worker_name, metavar="NAME")
    _add_admin_flags(delete)
    delete.set_defaults(handler=cmd_delete)

    return parser


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("edgeworker")
    except PackageNotFoundError:
        return "(not installed)"


def parse_assignments(items: Sequence[str], flag: str) -> dict[str, str]:
    """``["K=V", …]`` from a repeatable flag; a later K wins."""
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"argument {flag}: expected KEY=VALUE, not {item!r}")
        if not key.strip():
            raise UsageError(f"argument {flag}: the name before '=' is empty in {item!r}")
        result[key.strip()] = value
    return result


def _limits_from_args(args: argparse.Namespace, base: dict[str, int] | None = None) -> dict[str, int]:
    """The limits set by the config file (``base``) and the flags, flags winning; checked, but only those given."""
    given = dict(base or {})
    for name in ("cpu_ms", "memory_mb", "wall_ms", "subrequests"):
        value = getattr(args, name, None)
        if value is not None:
            given[name] = value
    try:
        WorkerLimits(**{**WorkerLimits().to_dict(), **given})
    except LimitError as exc:
        message = str(exc)
        for name in ("cpu_ms", "memory_mb", "wall_ms"):
            if getattr(args, name, None) is not None and message.startswith(f"limits.{name} "):
                message = f"argument --{name.replace('_', '-')}: " + message.removeprefix(f"limits.{name} ")
        raise UsageError(message) from None
    return given


# --- serve and dev ---------------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    if args.deploy is not None and not args.deploy.is_dir():
        raise UsageError(f"argument --deploy: {args.deploy} is not a folder")
    options: dict[str, Any] = {}
    if args.data is not None:
        options["data_dir"] = args.data
    if args.isolate_hosts is not None:
        options["isolate_hosts"] = args.isolate_hosts
    options["processes"] = args.processes
    for flag in ("max_isolates", "max_isolates_per_worker", "idle_timeout_s", "queue_timeout_s", "warm_spares"):
        if getattr(args, flag) is not None:
            options[flag] = getattr(args, flag)
    try:
        maxima = {
            name: getattr(args, f"max_{name}")
            for name in ("cpu_ms", "memory_mb", "wall_ms", "subrequests")
            if getattr(args, f"max_{name}") is not None
        }
        node_limits = {
            field: getattr(args, flag)
            for field, flag in (
                ("startup_cpu_ms", "startup_cpu_ms"),
                ("request_body_mb", "max_body_mb"),
                ("url_kb", "max_url_kb"),
                ("request_headers_kb", "max_headers_kb"),
                ("script_mb", "max_script_mb"),
                ("response_mb", "max_response_mb"),
                ("host_memory_mb", "host_memory_mb"),
            )
            if getattr(args, flag) is not None
        }
        options["max_limits"] = WorkerLimits(**{**DEFAULT_MAXIMA.to_dict(), **maxima})
        options["node_limits"] = NodeLimits(**node_limits)
        options["allow_egress"] = tuple(_egress_entry(e) for e in args.allow_egress)
        settings = NodeSettings(
            host=args.host,
            port=args.port,
            admin_host=args.admin_host,
            admin_port=args.admin_port,
            deploy_dir=args.deploy,
            limits=WorkerLimits(**{**WorkerLimits().to_dict(), **_limits_from_args(args)}),
            **options,
        )
    except (ConfigError, LimitError) as exc:
        raise UsageError(str(exc)) from None

    from edgeworker.server.node import run_node

    return run_node(settings)


def cmd_dev(args: argparse.Namespace) -> int:
    script_path: Path = args.file
    overrides = parse_assignments(args.var, "--var")
    limits = WorkerLimits(**{**WorkerLimits().to_dict(), **_limits_from_args(args)})
    read_script(script_path)  # a clear error now rather than from inside the node
    secrets = load_dev_vars(script_path.parent / DEV_VARS_NAME, warn=warn)
    for key in overrides:
        secrets.pop(key, None)

    from edgeworker.server.node import run_dev

    def run(data_dir: Path) -> int:
        try:
            # dev has no node maximum: the limits asked for are the ceiling
            maxima = WorkerLimits(**{k: max(v, getattr(DEFAULT_MAXIMA, k)) for k, v in limits.to_dict().items()})
            settings = NodeSettings(port=args.port, data_dir=data_dir, limits=limits, max_limits=maxima)
        except (ConfigError, LimitError) as exc:
            raise UsageError(str(exc)) from None
        return run_dev(script_path, settings=settings, vars=overrides, secrets=secrets)

    if args.data is not None:
        return run(args.data)
    with tempfile.TemporaryDirectory(prefix="edgeworker-dev-", ignore_cleanup_errors=True) as tmp:
        return run(Path(tmp))


# --- the admin API ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminClient:
    """Calls a node's admin API and turns every failure into a :class:`CliError`."""

    url: str
    token: str
    # Where the token came from, for the message when the node rejects it.
    token_source: str

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        target = self.url + path
        try:
            with httpx.Client(timeout=ADMIN_TIMEOUT_S) as client:
                response = client.request(method, target, json=body, headers={"Authorization": f"Bearer {self.token}"})
        except httpx.ConnectError as exc:
            raise CliError(
                f"cannot reach the node's admin API at {self.url} ({_connect_reason(exc)}); "
                "is `edgeworker serve` running?"
            ) from None
        except httpx.TimeoutException:
            raise CliError(f"the node's admin API at {self.url} did not answer within {ADMIN_TIMEOUT_S:g} s") from None
        except httpx.HTTPError as exc:
            raise CliError(f"request to the node's admin API at {self.url} failed: {exc}") from None
        except UnicodeError:
            # httpx may raise this for a header value (the token) it cannot encode.
            raise UsageError(
                f"the admin token from {self.token_source} contains characters that are not ASCII"
            ) from None

        data = _json_body(response)
        if response.status_code == 401:
            detail = data.get("error") if isinstance(data, dict) else None
            raise CliError(
                f"the node rejected the admin token (from {self.token_source})" + (f": {detail}" if detail else "")
            )
        if response.is_error:
            if isinstance(data, dict) and isinstance(data.get("error"), str):
                raise NodeError(data["error"], data.get("script_error"), response.status_code)
            hint = "; see the node's log" if response.status_code >= 500 else ""
            raise CliError(f"the node's admin API answered {method} {path} with HTTP {response.status_code}{hint}")
        if not isinstance(data, dict):
            raise CliError(
                f"the node's admin API at {self.url} answered HTTP {response.status_code} with a body that is not "
                "a JSON object; is --admin the admin port of an edgeworker node?"
            )
        return data


class NodeError(CliError):
    """The node refused a request and said why (``{"error": …}``)."""

    def __init__(self, message: str, script_error: Any, status: int) -> None:
        super().__init__(message)
        self.script_error = script_error if isinstance(script_error, dict) else None
        self.status = status


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "name resolution" in lowered:
        return "unknown host name"
    if "unreachable" in lowered:
        return "network unreachable"
    # "[Errno 113] No route to host" -> "No route to host"
    if text.startswith("[Errno") and "] " in text:
        text = text.split("] ", 1)[1]
    return text or type(exc).__name__


def admin_url(args: argparse.Namespace) -> str:
    url: str
    flag: str
    if args.admin:
        url, flag = args.admin, "--admin"
    elif os.environ.get(ADMIN_URL_ENV):
        url, flag = os.environ[ADMIN_URL_ENV], f"${ADMIN_URL_ENV}"
    else:
        url, flag = DEFAULT_ADMIN_URL, "--admin"
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(f"{flag} must be a URL such as {DEFAULT_ADMIN_URL}, not {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{flag} must be an http:// or https:// URL such as {DEFAULT_ADMIN_URL}, not {url!r}")
    return url


def admin_token(args: argparse.Namespace) -> tuple[str, str]:
    """The admin token and where it came from: ``--token``, ``$EDGEWORKER_ADMIN_TOKEN``, the data folder's file."""
    if args.token is not None:
        if not args.token.strip():
            raise UsageError("argument --token: the token is empty")
        return args.token.strip(), "--token"
    from_env = os.environ.get(ADMIN_TOKEN_ENV, "").strip()
    if from_env:
        return from_env, f"${ADMIN_TOKEN_ENV}"
    data_dir: Path = args.data if args.data is not None else default_data_dir()
    token_file = data_dir / TOKEN_FILE_NAME
    try:
        token = token_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CliError(
            f"no admin token: pass --token, set ${ADMIN_TOKEN_ENV}, or point --data at the node's data folder "
            f"(looked for {token_file})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot read the admin token from {token_file}: {reason}") from None
    if not token:
        raise CliError(f"the admin token file {token_file} is empty")
    return token, str(token_file)


def admin_client(args: argparse.Namespace) -> AdminClient:
    url = admin_url(args)
    token, source = admin_token(args)
    return AdminClient(url=url, token=token, token_source=source)


def _worker_path(name: str, *rest: str) -> str:
    return "/api/workers/" + "/".join(quote(part, safe="") for part in (name, *rest))


# --- deploy ----------------------------------------------------------------------------------------------------


def cmd_deploy(args: argparse.Namespace) -> int:
    var_flags = parse_assignments(args.var, "--var")
    secrets = parse_assignments(args.secret, "--secret")
    config = _deploy_config(args)
    for message in config.warnings if config else ():
        warn(message)

    if args.file:
        script_path: Path = args.file[0]
    elif config is not None:
        script_path = config.require_main()
    else:  # pragma: no cover - _deploy_config returns a config when there is no FILE
        raise UsageError("give the worker's script FILE or --config")
    name = args.name or (config.name if config else None)
    if name is None:
        where = f" or set name in {config.path}" if config else ""
        raise UsageError(f"the worker needs a name: pass --name NAME{where}")

    vars_: dict[str, Any] = {**(config.vars if config else {}), **var_flags}
    routes = args.route or (config.routes if config else None)
    limits = _limits_from_args(args, config.limits if config else None)
    body: dict[str, Any] = _worker_body(args, script_path)
    if vars_:
        body["vars"] = vars_
    if secrets:
        body["secrets"] = secrets
    if routes:
        body["routes"] = list(routes)
    if limits:
        body["limits"] = limits

    client = admin_client(args)
    try:
        result = client.request("PUT", _worker_path(name), body)
    except NodeError as exc:
        if exc.script_error:
            raise CliError(format_script_error(exc.script_error, script_path, str(exc))) from None
        raise
    print(f"Deployed {result.get('name', name)} version {result.get('version', '?')}")
    for route in result.get("routes") or []:
        print(f"  route: {route}")
    return EXIT_OK


def _worker_body(args: argparse.Namespace, script_path: Path) -> dict[str, Any]:
    """``{"script"}`` for one self-contained file, else ``{"modules", "main"}`` (see server/modules.py)."""
    try:
        if len(args.file) > 1:
            if args.main is None:
                raise UsageError("several files make one worker of modules: say which is the main one with --main")
            main = next((f for f in args.file if f.as_posix() == args.main or f.name == args.main), None)
            if main is None:
                raise UsageError(f"--main {args.main} is not one of the files given")
            modules, main_name = collect_modules(main.parent, main, [f for f in args.file if f is not main])
            return {"modules": modules, "main": main_name}
        if not script_path.exists():
            raise ModuleError(f"{script_path}: no such file or folder")
        if script_path.is_dir():
            main = script_path / (args.main or "index.js")
            if args.main is None and not main.is_file() and (script_path / "index.mjs").is_file():
                main = script_path / "index.mjs"
            if not main.is_file():
                raise UsageError(f"{script_path} has no {main.name}: say which module is the main one with --main")
            modules, main_name = collect_modules(script_path, main)
            return {"modules": modules, "main": main_name}
        if args.main is not None:
            raise UsageError("--main goes with a folder or several files")
        script = read_script(script_path)
        if not has_relative_imports(script):
            return {"script": script}
        modules, main_name = collect_modules(script_path.parent, script_path)
        return {"modules": modules, "main": main_name}
    except ModuleError as exc:
        raise CliError(str(exc)) from None


def _deploy_config(args: argparse.Namespace) -> ProjectConfig | None:
    if len(args.file) == 1 and args.file[0].suffix == ".toml" and args.config is None:
        raise UsageError(f"{args.file[0]} is a TOML file; to deploy a project use --config {args.file[0]}")
    if args.config is not None:
        return load_config(args.config)
    if args.file:
        return None
    found = find_config(Path())
    if found is None:
        raise UsageError(
            "nothing to deploy: give the worker's script FILE with --name NAME, or --config FILE, "
            f"or run where {' or '.join(CONFIG_NAMES)} is"
        )
    return load_config(found)


def format_script_error(error: dict[str, Any], script_path: Path, fallback: str) -> str:
    """``SyntaxError: Unexpected token ';' (worker.js line 3, column 9)``; a module's name in a multi-module worker."""
    name = error.get("name")
    message = error.get("message")
    text = f"{name}: {message}" if name and message else str(message or name or fallback)
    where = str(error.get("module") or script_path.name)
    line, column = error.get("line"), error.get("column")
    if line is not None:
        where += f" line {line}"
        if column is not None:
            where += f", column {column}"
    return f"{text} ({where})"


# --- secrets ---------------------------------------------------------------------------------------------------


def _check_key(key: str) -> str:
    if not key or key != key.strip() or "/" in key:
        raise UsageError(f"invalid secret name {key!r}")
    return key


def read_secret_value(key: str) -> str:
    """The secret's value from stdin, without one trailing newline; prompted for when stdin is a terminal."""
    stdin = sys.stdin
    if stdin is None:
        raise UsageError("pipe the secret's value on stdin")
    if stdin.isatty():
        try:
            value = getpass.getpass(f"Value for {key}: ")
        except EOFError:
            raise UsageError("no value given") from None
    else:
        raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode("utf-8")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("the secret's value on stdin is not valid UTF-8") from None
        if value.endswith("\r\n"):
            value = value[:-2]
        elif value.endswith("\n"):
            value = value[:-1]
    if not value:
        raise UsageError(
            "the secret's value is empty; pipe it on stdin, e.g. `printf %s VALUE | edgeworker secret put …`"
        )
    return value


def cmd_secret_put(args: argparse.Namespace) -> int:
    key = _check_key(args.key)
    client = admin_client(args)  # a missing token is reported before asking for the value
    value = read_secret_value(key)
    result = client.request("PUT", _worker_path(args.name, "secrets", key), {"value": value})
    print(f"Set secret {key} on {args.name} (version {result.get('version', '?')})")
    return EXIT_OK


def cmd_secret_list(args: argparse.Namespace) -> int:
    result = admin_client(args).request("GET", _worker_path(args.name, "secrets"))
    names = result.get("secrets") or []
    if not names:
        print(f"{args.name} has no secrets", file=sys.stderr)
    for secret_name in names:
        print(secret_name)
    return EXIT_OK


def cmd_secret_delete(args: argparse.Namespace) -> int:
    key = _check_key(args.key)
    result = admin_client(args).request("DELETE", _worker_path(args.name, "secrets", key))
    print(f"Deleted secret {key} from {args.name} (version {result.get('version', '?')})")
    return EXIT_OK


# --- list, versions, rollback, delete --------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    workers = admin_client(args).request("GET", "/api/workers").get("workers") or []
    if not workers:
        print("No workers deployed.", file=sys.stderr)
        return EXIT_OK
    rows = [
        [
            str(w.get("name", "")),
            str(w.get("version", "")),
            ", ".join(w.get("routes") or []) or "-",
            _format_time(w.get("updated_at")),
        ]
        for w in workers
    ]
    _print_table(["NAME", "VERSION", "ROUTES", "UPDATED"], rows)
    return EXIT_OK


def cmd_versions(args: argparse.Namespace) -> int:
    versions = _versions(admin_client(args), args.name)
    rows = [
        [
            str(v.get("version", "")),
            _format_time(v.get("created_at")),
            str(v.get("format", "")),
            "live" if v.get("live") else "",
        ]
        for v in versions
    ]
    _print_table(["VERSION", "CREATED", "FORMAT", ""], rows)
    return EXIT_OK


def _versions(client: AdminClient, name: str) -> list[dict[str, Any]]:
    versions = client.request("GET", _worker_path(name, "versions")).get("versions") or []
    return [v for v in versions if isinstance(v, dict)]


def cmd_rollback(args: argparse.Namespace) -> int:
    client = admin_client(args)
    version: int | None = args.version
    if version is None:
        versions = _versions(client, args.name)
        live = next((v["version"] for v in versions if v.get("live") and isinstance(v.get("version"), int)), None)
        if live is None:
            raise CliError(f"{args.name} has no live version to roll back from")
        earlier = [v["version"] for v in versions if isinstance(v.get("version"), int) and v["version"] < live]
        if not earlier:
            raise CliError(f"{args.name} has no version before the live version {live}")
        version = max(earlier)
    result = client.request("POST", _worker_path(args.name, "rollback"), {"version": version})
    print(f"Rolled back {result.get('name', args.name)}; version {result.get('version', version)} is live")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    result = admin_client(args).request("DELETE", _worker_path(args.name))
    print(f"Deleted {result.get('deleted', args.name)}")
    return EXIT_OK


def _format_time(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


# --- entry point -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors, already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        _print_error(str(exc))
        return exc.exit_code
    except (ProjectError, ConfigError, LimitError) as exc:
        _print_error(str(exc))
        return EXIT_FAILURE
    except BrokenPipeError:
        # stdout was closed early (``edgeworker list | head -1``): not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE
    except OSError as exc:
        _print_error(_describe_os_error(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


def _print_error(message: str) -> None:
    # One line: a multi-line message (say, from a TOML parser) is folded.
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}: {exc.filename}" if exc.filename else reason


if __name__ == "__main__":
    sys.exit(main())
