"""``/docs/guide``: the documentation site (MkDocs) built with the store (``rulakg build``, ``rulakg docs``)
into ``<build>/guide``. Static files, resolved inside that folder only; ``/docs`` stays the OpenAPI UI."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from rulakg.guide.site import GUIDE_DIR
from rulakg.service.errors import error_response
from rulakg.ui.web import SECURITY_HEADERS

router = APIRouter(include_in_schema=False)

# MkDocs' theme starts its scripts inline (base_url, search); the pages are our own static files, nothing else.
GUIDE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
TYPES = {".svg": "image/svg+xml", ".js": "text/javascript", ".css": "text/css", ".json": "application/json"}


def _folder(request: Request) -> Path:
    return (request.app.state.rulakg.settings.store_path() / GUIDE_DIR).resolve()


@router.get("/docs/guide")
async def guide_root() -> Response:
    return RedirectResponse("/docs/guide/", status_code=308)


@router.get("/docs/guide/{path:path}")
async def guide_file(request: Request, path: str) -> Response:
    folder = _folder(request)
    if not folder.is_dir():
        return error_response(404, "The guide was not built: run `rulakg docs` (or `rulakg build --force`).")
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": GUIDE_CSP, "Cache-Control": "no-cache"}
    try:
        target = (folder / path).resolve()
        inside = target.is_relative_to(folder) and "\x00" not in path
        if inside and target.is_dir():
            if path and not path.endswith("/"):
                return RedirectResponse(f"/docs/guide/{path}/", status_code=308)
            target = target / "index.html"
        found = inside and target.is_file()
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system…
        found = False
    if not found:
        missing = folder / "404.html"
        if missing.is_file():
            return FileResponse(missing, status_code=404, media_type="text/html; charset=utf-8", headers=headers)
        return error_response(404, f"No page {path[:200]!r} in the guide.")
    media = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if media.startswith("text/") and "charset" not in media:
        media += "; charset=utf-8"
    return FileResponse(target, media_type=media, headers=headers)
