"""Error responses: a status and a message a person can act on, as plain text (what SPARQL clients show)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Make framework errors (404, 405, validation) and unexpected ones answer in the same style."""

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> Response:
        message = str(exc.detail)
        if exc.status_code == 405:
            message = f"Method not allowed here; allowed: {(exc.headers or {}).get('Allow', '?')}."
        elif exc.status_code == 404:
            message = "Not found. The SPARQL endpoint is /sparql; the API is documented at /docs."
        return error_response(exc.status_code, message, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body"))
            parts.append(f"{where}: {err.get('msg')}")
        return error_response(400, "Invalid parameter(s): " + "; ".join(parts))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        # No traceback in the answer: a request id; the edge (service/edge.py) logs the traceback with it.
        from rulakg.service.edge import internal_error_text

        rid = str(request.scope.get("rulakg.request_id", "-"))
        return PlainTextResponse(internal_error_text(rid), status_code=500, headers={"X-Request-ID": rid})
