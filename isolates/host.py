"""The isolate host: a child process of the node that owns V8 isolates and runs requests in them.

The node's own process never hosts V8: an allocation that aborts V8 ends only this process, and the node's
supervisor (``isolates/pool.py``) starts a new one. The node talks to a host over one socket with the frames
of ``_ipc.py``; every message carries a message id (``mid``) that its answer repeats, so requests on
different isolates run concurrently and answer in any order.

Messages from the node (``t``): ``spare`` (create an isolate with the runtime loaded), ``load`` (evaluate a
worker's code in an isolate), ``fetch`` (run one request; the body is the frame's body), ``dispose``,
``check`` (transform and evaluate a script in a throwaway isolate, for a deploy) and ``stats``.
Answers: ``ok``, ``err``, ``res`` (a response; the body is the frame's body) and, when the request left
``waitUntil`` work, a later ``fin`` once that work is over.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from typing import Any

from edgeworker.isolates import _ipc
from edgeworker.isolates.engine import (
    CompiledWorker,
    FetchResult,
    HttpRequest,
    JsIsolate,
    ScriptError,
    compile_worker,
)

log = logging.getLogger("edgeworker.host")


def _script_error(exc: ScriptError) -> dict[str, Any]:
    return {"name": exc.name, "message": exc.message, "line": exc.line, "column": exc.column, "text": str(exc)}


def _result_header(mid: int, result: FetchResult) -> dict[str, Any]:
    header: dict[str, Any] = {
        "mid": mid,
        "outcome": result.outcome.value,
        "status": result.status,
        "headers": result.headers,
        "logs": [[line.level, line.message] for line in result.logs],
        "condemned": result.condemned,
        "wait_until": result.wait_until,
    }
    if result.error is not None:
        header["error"] = {"name": result.error.name, "message": result.error.message, "stack": result.error.stack}
    return header


class Host:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._isolates: dict[int, JsIsolate] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _send(self, header: dict[str, Any], body: bytes = b"") -> None:
        self._writer.write(_ipc.encode(header, body))

    async def run(self) -> None:
        while True:
            try:
                header, body = await _ipc.read_frame(self._reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the node went away: so do we
            task = asyncio.get_running_loop().create_task(self._handle(header, body))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, msg: dict[str, Any], body: bytes) -> None:
        kind = msg.get("t")
        mid = msg.get("mid", 0)
        try:
            if kind == "fetch":
                await self._fetch(msg, body)
            elif kind == "spare":
                await self._isolate(msg["iso"], msg["memory_mb"])
                self._send({"t": "ok", "mid": mid})
            elif kind == "load":
                await self._load(msg)
            elif kind == "dispose":
                self._dispose(msg["iso"])
            elif kind == "check":
                await self._check(msg)
            elif kind == "stats":
                heap = {str(i): iso.heap_used_bytes() for i, iso in self._isolates.items() if not iso.closed}
                self._send({"t": "ok", "mid": mid, "isolates": len(self._isolates), "heap": heap})
            else:
                self._send({"t": "err", "mid": mid, "error": f"unknown message {kind!r}"})
        except Exception as exc:  # a bug here must not take the other isolates down with it
            log.exception("isolate host failed on a %s message", kind)
            self._send({"t": "err", "mid": mid, "error": f"{type(exc).__name__}: {exc}"})

    async def _isolate(self, iso_id: int, memory_mb: int) -> JsIsolate:
        iso = self._isolates.get(iso_id)
        if iso is None or iso.closed:
            iso = await JsIsolate.create(memory_mb=memory_mb)
            self._isolates[iso_id] = iso
        else:
            iso.set_memory_limit(memory_mb)  # a warm spare taken by a worker with its own heap cap
        return iso

    def _dispose(self, iso_id: int) -> None:
        iso = self._isolates.pop(iso_id, None)
        if iso is not None:
            iso.close()

    async def _load(self, msg: dict[str, Any]) -> None:
        iso = await self._isolate(msg["iso"], msg["memory_mb"])
        compiled = CompiledWorker(format=msg["format"], code=msg["code"], line1_offset=msg["line1"])
        try:
            handlers = await iso.load_worker(compiled, msg["env"], timeout_ms=msg["startup_ms"])
        except ScriptError as exc:
            self._dispose(msg["iso"])
            self._send({"t": "err", "mid": msg["mid"], "script_error": _script_error(exc)})
            return
        self._send({"t": "ok", "mid": msg["mid"], "handlers": handlers})

    async def _check(self, msg: dict[str, Any]) -> None:
        iso: JsIsolate | None = None
        try:
            compiled = await compile_worker(msg["source"])
            iso = await JsIsolate.create(memory_mb=msg["memory_mb"])
            handlers = await iso.load_worker(compiled, msg["env"], timeout_ms=msg["startup_ms"])
        except ScriptError as exc:
            self._send({"t": "err", "mid": msg["mid"], "script_error": _script_error(exc)})
            return
        finally:
            if iso is not None:
                iso.close()
        self._send(
            {
                "t": "ok",
                "mid": msg["mid"],
                "format": compiled.format,
                "code": compiled.code,
                "line1": compiled.line1_offset,
                "handlers": handlers,
            }
        )

    async def _fetch(self, msg: dict[str, Any], body: bytes) -> None:
        mid = msg["mid"]
        iso_id = msg["iso"]
        iso = self._isolates.get(iso_id)
        if iso is None or iso.closed:
            self._send({"t": "err", "mid": mid, "error": f"no isolate {iso_id} in this host"})
            return
        req = msg["req"]
        request = HttpRequest(
            method=req["method"],
            url=req["url"],
            headers=[(k, v) for k, v in req["headers"]],
            body=body,
            request_id=req["rid"],
            cf=req.get("cf") or {},
        )
        result = await iso.fetch(request, wall_ms=msg["wall_ms"])
        header = _result_header(mid, result)
        header["t"] = "res"
        if result.condemned:
            self._dispose(iso_id)
        self._send(header, result.body)
        if result.wait_until and not result.condemned:
            done = await iso.finish(wall_ms=msg["wait_until_ms"])
            fin = _result_header(mid, done)
            fin["t"] = "fin"
            if done.condemned:
                self._dispose(iso_id)
            self._send(fin)


async def _main(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    reader, writer = await asyncio.open_connection(sock=sock)
    host = Host(reader, writer)
    try:
        await host.run()
    finally:
        for iso_id in list(host._isolates):
            host._dispose(iso_id)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="edgeworker-isolate-host")
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="host %(process)d %(levelname)s %(message)s", stream=sys.stderr)
    # The node handles SIGINT/SIGTERM and shuts us down by closing the socket; a Ctrl-C in the terminal
    # reaches the whole process group, and must not kill requests that are still finishing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import uvloop

        uvloop.run(_main(args.fd))
    except ImportError:
        asyncio.run(_main(args.fd))
    os._exit(0)  # do not wait for V8 threads of isolates that are stuck in a loop


if __name__ == "__main__":
    main()
