"""console's format specifiers (%s %d %i %f %j %o %O %c %%), checked in the request's logs."""

from __future__ import annotations

from edgeworker.isolates.engine import HttpRequest, JsIsolate, compile_worker

WORKER = """
export default {
  fetch() {
    console.log("%s is %d years, %i, %f, %j %o %O %c|%% %s", "Bob", 42.5, 7.9, 1.5, { c: 3 }, { a: 1 }, { b: [2] },
      "color: red", "extra", "more");
    console.error("plain", 1, "two", null, undefined);
    console.warn("%d", "x");
    return new Response("ok");
  },
};
"""


async def test_format_specifiers() -> None:
    isolate = await JsIsolate.create(memory_mb=128)
    try:
        await isolate.load_worker(await compile_worker(WORKER), {})
        result = await isolate.fetch(HttpRequest("GET", "https://t/", [], b"", "c"), wall_ms=5000)
        lines = [(line.level, line.message) for line in result.logs]
        assert lines == [
            ("log", 'Bob is 42.5 years, 7, 1.5, {"c":3} { a: 1 } { b: [ 2 ] } |% extra more'),
            ("error", "plain 1 two null undefined"),
            ("warn", "NaN"),
        ]
    finally:
        isolate.close()
