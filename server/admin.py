"""The admin API: deploy, inspect, roll back and delete workers; health and metrics.

Every ``/api`` call needs ``Authorization: Bearer <token>`` (compared in constant time). ``/healthz`` and
``/metrics`` need none: the admin address is the operator's, and neither carries secrets.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from edgeworker.server.node import DeployError

if TYPE_CHECKING:
    from edgeworker.server.node import Node

MAX_BODY_BYTES = 64 * 1024 * 1024


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise DeployError(413, f"request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    try:
        data = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise DeployError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DeployError(400, "request body must be a JSON object")
    return data


def build_admin_app(node: Node) -> Starlette:
    def authorized(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), node.admin_token.encode())

    def api(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            if not authorized(request):
                return error(401, "missing or wrong admin token (send 'Authorization: Bearer <token>')")
            try:
                return await handler(request)  # type: ignore[no-any-return]
            except DeployError as exc:
                return error(exc.status, exc.message, **exc.extra)

        return endpoint

    async def list_workers(request: Request) -> Response:
        return JSONResponse({"workers": node.describe_all()})

    async def worker(request: Request) -> Response:
        name = request.path_params["name"]
        if request.method == "GET":
            return JSONResponse(node.describe(name))
        if request.method == "DELETE":
            await node.delete(name)
            return JSONResponse({"deleted": name})
        data = await _json_object(request)
        version = await node.deploy_request(name, data)
        return JSONResponse(node.deploy_answer(version))

    async def versions(request: Request) -> Response:
        return JSONResponse({"versions": node.versions(request.path_params["name"])})

    async def rollback(request: Request) -> Response:
        data = await _json_object(request)
        live = await node.rollback(request.path_params["name"], data.get("version"))
        return JSONResponse({"name": live.worker, "version": live.version})

    async def secrets(request: Request) -> Response:
        return JSONResponse({"secrets": node.secret_names(request.path_params["name"])})

    async def secret(request: Request) -> Response:
        name, key = request.path_params["name"], request.path_params["key"]
        if request.method == "DELETE":
            version = await node.change_secret(name, key, None)
        else:
            data = await _json_object(request)
            value = data.get("value")
            if not isinstance(value, str):
                raise DeployError(400, "field 'value' must be a string")
            version = await node.change_secret(name, key, value)
        return JSONResponse({"name": version.worker, "version": version.version})

    async def healthz(request: Request) -> Response:
        healthy = node.healthy()
        return JSONResponse({"status": "ok" if healthy else "degraded"}, status_code=200 if healthy else 503)

    async def metrics(request: Request) -> Response:
        return Response(await node.metrics_text(), media_type=CONTENT_TYPE_LATEST)

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, f"no such admin endpoint: {request.method} {request.url.path}")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error(405, f"method {request.method} is not allowed on {request.url.path}")

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            Route("/api/workers", api(list_workers)),
            Route("/api/workers/{name}", api(worker), methods=["GET", "PUT", "DELETE"]),
            Route("/api/workers/{name}/versions", api(versions)),
            Route("/api/workers/{name}/rollback", api(rollback), methods=["POST"]),
            Route("/api/workers/{name}/secrets", api(secrets)),
            Route("/api/workers/{name}/secrets/{key}", api(secret), methods=["PUT", "DELETE"]),
        ],
        exception_handlers={404: not_found, 405: not_allowed},
    )
