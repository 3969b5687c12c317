"""The same-run Python baseline for bench/run.py: plain Starlette doing what bench/workers/*.js do.

    python bench/starlette_app.py PORT

`/echo` parses and transforms the JSON body like workers/echo.js, `/stream` streams 1 MiB in 64 KiB chunks like
workers/stream.js, every other path answers the hello JSON. There is no SHA-256
route: hashlib would measure C, not an interpreter.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

CHUNK = b"x" * (64 * 1024)


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": "world"})


async def echo(request: Request) -> Response:
    body = json.loads(await request.body())
    items = [{"id": i["id"], "name": i["name"].upper(), "value": i["value"] * 2} for i in body["items"]]
    out = {"count": len(items), "total": sum(i["value"] for i in items), "items": items}
    return Response(json.dumps(out, separators=(",", ":")), media_type="application/json")


async def stream(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(16):
            yield CHUNK

    return StreamingResponse(chunks(), media_type="application/octet-stream")


app = Starlette(routes=[Route("/echo", echo, methods=["POST"]), Route("/stream", stream), Route("/{path:path}", hello)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
