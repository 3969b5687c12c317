from __future__ import annotations

from pathlib import Path

import pytest

from edgeworker.server.project import (
    ProjectError,
    check_worker_name,
    find_config,
    load_config,
    load_dev_vars,
    parse_dev_vars,
    read_script,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- wrangler.toml ---------------------------------------------------------------------------------------------


def test_reads_the_keys_edgeworker_uses(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path / "wrangler.toml",
            """
name = "hello"
main = "src/index.js"
compatibility_date = "2024-09-23"
routes = ["hello.example.com/*", { pattern = "api.example.com/hello/*", zone_name = "example.com" }]

[vars]
GREETING = "hi"
COUNT = 3
FLAGS = { beta = true }

[limits]
cpu_ms = 100
""",
        )
    )
    assert config.name == "hello"
    assert config.main == tmp_path / "src" / "index.js"
    assert config.compatibility_date == "2024-09-23"
    assert config.routes == ["hello.example.com/*", "api.example.com/hello/*"]
    assert config.vars == {"GREETING": "hi", "COUNT": 3, "FLAGS": {"beta": True}}
    assert config.limits == {"cpu_ms": 100}
    assert config.warnings == []


def test_main_is_relative_to_the_config_file_not_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    config = load_config(write(tmp_path / "proj" / "wrangler.toml", 'main = "index.js"\n'))
    assert config.main == tmp_path / "proj" / "index.js"


def test_a_single_route_as_a_string_or_a_table(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "a.toml", 'route = "a.example.com/*"\n')).routes == ["a.example.com/*"]
    table = load_config(write(tmp_path / "b.toml", 'route = { pattern = "b.example.com/*" }\n'))
    assert table.routes == ["b.example.com/*"]


def test_no_routes_key_means_not_given(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "wrangler.toml", 'name = "x"\n'))
    assert config.routes is None
    assert config.vars == {}
    assert config.limits == {}


def test_route_and_routes_together_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "wrangler.toml", 'route = "a/*"\nroutes = ["b/*"]\n')
    with pytest.raises(ProjectError, match="either 'route' or 'routes'"):
        load_config(path)


@pytest.mark.parametrize("routes", ["routes = 'x'", "routes = [1]", "routes = [{ zone_name = 'x' }]"])
def test_bad_routes_are_errors(tmp_path: Path, routes: str) -> None:
    with pytest.raises(ProjectError, match=r"wrangler.toml: '?routes"):
        load_config(write(tmp_path / "wrangler.toml", routes + "\n"))


def test_unknown_keys_are_warnings_not_failures(tmp_path: Path) -> None:
    path = write(
        tmp_path / "wrangler.toml",
        'name = "x"\nmain = "i.js"\nworkers_dev = true\n\n[[kv_namespaces]]\nbinding = "KV"\nid = "abc"\n',
    )
    config = load_config(path)
    assert config.name == "x"
    assert config.warnings == [
        f"ignoring unknown key 'workers_dev' in {path}",
        f"ignoring unknown key 'kv_namespaces' in {path}",
    ]


def test_missing_main_is_a_clear_error_when_it_is_needed(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "wrangler.toml", 'name = "x"\n'))
    assert config.main is None
    with pytest.raises(ProjectError, match=r"has no 'main' key; set it to the worker's script"):
        config.require_main()


def test_bad_toml_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "wrangler.toml", 'name = "x\n')
    with pytest.raises(ProjectError, match=r"wrangler.toml is not valid TOML: .*line 1"):
        load_config(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such file"):
        load_config(tmp_path / "wrangler.toml")


def test_config_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "wrangler.toml"
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(ProjectError, match="not valid UTF-8"):
        load_config(path)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('name = "Hello"', "invalid worker name 'Hello'"),
        ("name = 3", "'name' must be a string"),
        ("main = 3", "'main' must be the path"),
        ("vars = 3", "'vars' must be a table"),
        ("[vars]\nWHEN = 2024-01-01", "vars.WHEN holds a TOML date"),
        ("limits = 3", "'limits' must be a table"),
        ("[limits]\ncpu_ms = -1", "limits.cpu_ms must be positive"),
        ("[limits]\ncpu_ms = 'fast'", "limits.cpu_ms must be a whole number"),
        ("[limits]\ncpus = 2", "unknown limit 'cpus'"),
    ],
)
def test_bad_values_are_errors_naming_the_file(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ProjectError, match="wrangler.toml") as info:
        load_config(write(tmp_path / "wrangler.toml", toml + "\n"))
    assert message in str(info.value)


def test_a_toml_date_for_compatibility_date_is_accepted(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "wrangler.toml", "compatibility_date = 2024-09-23\n"))
    assert config.compatibility_date == "2024-09-23"


def test_find_config_prefers_edgeworker_toml(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    write(tmp_path / "wrangler.toml", "")
    assert find_config(tmp_path) == tmp_path / "wrangler.toml"
    write(tmp_path / "edgeworker.toml", "")
    assert find_config(tmp_path) == tmp_path / "edgeworker.toml"


@pytest.mark.parametrize("name", ["a", "hello-world", "0abc", "a" * 63])
def test_good_worker_names(name: str) -> None:
    assert check_worker_name(name) == name


@pytest.mark.parametrize("name", ["", "-a", "Hello", "a_b", "a.b", "a/b", "a" * 64])
def test_bad_worker_names(name: str) -> None:
    with pytest.raises(ValueError, match="invalid worker name"):
        check_worker_name(name)


# --- .dev.vars -------------------------------------------------------------------------------------------------


def test_dev_vars_forms() -> None:
    text = """
# a comment
PLAIN=value
SPACED = spaced value   # trailing comment
DOUBLE="quoted # not a comment"
SINGLE='single \\n stays'
ESCAPES="line1\\nline2"
export EXPORTED=yes
EMPTY=
EQUALS=a=b=c

MULTI="first
second"
LAST=after multi
"""
    assert parse_dev_vars(text) == {
        "PLAIN": "value",
        "SPACED": "spaced value",
        "DOUBLE": "quoted # not a comment",
        "SINGLE": "single \\n stays",
        "ESCAPES": "line1\nline2",
        "EXPORTED": "yes",
        "EMPTY": "",
        "EQUALS": "a=b=c",
        "MULTI": "first\nsecond",
        "LAST": "after multi",
    }


def test_dev_vars_later_assignment_wins_and_crlf_is_fine() -> None:
    assert parse_dev_vars("A=1\r\nA=2\r\nB=3") == {"A": "2", "B": "3"}


def test_dev_vars_lines_that_are_not_assignments_are_skipped_with_a_warning() -> None:
    warnings: list[str] = []
    values = parse_dev_vars("A=1\nnot an assignment\nB=2\n", ".dev.vars", warnings.append)
    assert values == {"A": "1", "B": "2"}
    assert warnings == ["ignoring line 2 of .dev.vars: expected KEY=value"]


def test_load_dev_vars_missing_file_is_empty(tmp_path: Path) -> None:
    assert load_dev_vars(tmp_path / ".dev.vars") == {}


def test_load_dev_vars_reads_the_file(tmp_path: Path) -> None:
    assert load_dev_vars(write(tmp_path / ".dev.vars", 'API_KEY="s3cret"\n')) == {"API_KEY": "s3cret"}


# --- scripts ---------------------------------------------------------------------------------------------------


def test_read_script(tmp_path: Path) -> None:
    assert read_script(write(tmp_path / "w.js", "export default {} // é\n")) == "export default {} // é\n"


def test_read_script_errors(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such file"):
        read_script(tmp_path / "missing.js")
    with pytest.raises(ProjectError, match="is a folder"):
        read_script(tmp_path)
    bad = tmp_path / "bad.js"
    bad.write_bytes(b"// ok\nconst x = '\xff';\n")
    with pytest.raises(ProjectError, match=r"bad.js is not valid UTF-8 \(byte 0xff on line 2\)"):
        read_script(bad)
