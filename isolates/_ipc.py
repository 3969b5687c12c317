"""Framing between the node and its isolate hosts.

One frame is ``[u32 length of the rest][u32 header length][header: JSON, UTF-8][body: raw bytes]``, big-endian.
A plain request costs one frame each way; bodies travel raw, never inside the JSON.
"""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

_LEN = struct.Struct(">II")
MAX_FRAME = 1 << 31  # 2 GiB: a safety net against a corrupted stream, not a limit users meet


def encode(header: dict[str, Any], body: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return _LEN.pack(4 + len(head) + len(body), len(head)) + head + body


async def read_frame(reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes]:
    """Read one frame; raises ``asyncio.IncompleteReadError`` at end of stream."""
    prefix = await reader.readexactly(8)
    total, head_len = _LEN.unpack(prefix)
    if total > MAX_FRAME or head_len > total - 4:
        raise ValueError(f"corrupt frame: length {total}, header {head_len}")
    rest = await reader.readexactly(total - 4)
    header = json.loads(rest[:head_len])
    return header, bytes(rest[head_len:])
