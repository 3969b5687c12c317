"""Framing between the node and its isolate hosts.

One frame is ``[u32 length of the rest][u32 header length][header: JSON, UTF-8][body: raw bytes]``, big-endian.
A plain request costs one frame each way; bodies travel raw, never inside the JSON.

Both ends use :class:`FrameProtocol`: frames are handed over as they arrive, with no task or await per frame,
and the frames written during one turn of the event loop leave in one write (one system call, one wake-up of
the other side) — under load, many requests share them.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Callable
from typing import Any, cast

import orjson

_LEN = struct.Struct(">II")
MAX_FRAME = 1 << 31  # 2 GiB: a safety net against a corrupted stream, not a limit users meet
# A host's exit code when the V8 binding failed its start-up check (isolates/_v8.py): the node does not restart it.
EXIT_SELF_TEST = 78

OnFrame = Callable[[dict[str, Any], bytes], None]


def dumps(value: Any) -> bytes:
    """JSON as UTF-8 bytes. orjson is about 15 times faster than the standard library, which takes over for what
    orjson refuses (lone surrogates, which console.log can carry; integer dict keys; integers over 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(value, separators=(",", ":")).encode()


def loads(data: bytes | bytearray | str) -> Any:
    """Parses what :func:`dumps` wrote (the standard library's fallback escapes lone surrogates)."""
    try:
        return orjson.loads(data)
    except ValueError:  # orjson.JSONDecodeError: a lone surrogate's escape, or not JSON at all
        return json.loads(data)


def encode(header: dict[str, Any], body: bytes = b"") -> bytes:
    head = dumps(header)
    return _LEN.pack(4 + len(head) + len(body), len(head)) + head + body


class CorruptFrame(ValueError):
    pass


class FrameProtocol(asyncio.Protocol):
    """One end of the socket: ``on_frame(header, body)`` for each frame in order; ``on_close(exc)`` once at the
    end (None: the other side closed it). A bug in ``on_frame`` closes the connection: the stream cannot be
    trusted after it."""

    def __init__(self, on_frame: OnFrame, on_close: Callable[[Exception | None], None]) -> None:
        self._on_frame = on_frame
        self._on_close = on_close
        self._buffer = bytearray()
        self._out: list[bytes] = []
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's subclasses

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        try:
            while len(buffer) - start >= 8:
                total, head_len = _LEN.unpack_from(buffer, start)
                if total > MAX_FRAME or head_len > total - 4:
                    raise CorruptFrame(f"corrupt frame: length {total}, header {head_len}")
                end = start + 4 + total
                if len(buffer) < end:
                    break
                head_end = start + 8 + head_len
                header = loads(buffer[start + 8 : head_end])
                body = bytes(buffer[head_end:end])
                start = end
                self._on_frame(header, body)
        except Exception as exc:
            self.close(exc)
            return
        finally:
            if start:
                del buffer[:start]

    def send(self, header: dict[str, Any], body: bytes = b"") -> None:
        if self.closed:
            return
        if not self._out:
            self._loop.call_soon(self._flush)
        self._out.append(encode(header, body))

    def _flush(self) -> None:
        out, self._out = self._out, []
        if self._transport is not None and not self.closed and out:
            self._transport.write(b"".join(out) if len(out) > 1 else out[0])

    def close(self, exc: Exception | None = None) -> None:
        if self._transport is not None:
            self._flush()
            self._transport.close()
        self._lost(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost(exc)

    def _lost(self, exc: Exception | None) -> None:
        if not self.closed:
            self.closed = True
            self._on_close(exc)


async def connect(sock: Any, on_frame: OnFrame, on_close: Callable[[Exception | None], None]) -> FrameProtocol:
    """Wrap a connected socket."""
    _, protocol = await asyncio.get_running_loop().connect_accepted_socket(
        lambda: FrameProtocol(on_frame, on_close), sock=sock
    )
    return protocol
