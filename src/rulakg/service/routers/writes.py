"""Writes: SPARQL 1.1 Update (``/update``), the SPARQL 1.1 Graph Store HTTP Protocol (``/store``) and online backups
(``/admin/backup``). All of them are off (404) unless an API token is configured, and need
``Authorization: Bearer <token>`` (401 without, 403 with a read-only token for a write).

Writes go to the writer process (``store/writes.py``, ``store/writer.py``); Graph Store reads (GET, HEAD) go
to the query workers, which read the newest snapshot, like ``/sparql``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from rulakg.config import Settings
from rulakg.service import metrics
from rulakg.service.auth import AuthError, TokenConfigError, authorize, load_tokens
from rulakg.service.errors import error_response
from rulakg.service.execute import answer_response
from rulakg.service.protocol import FORM, SPARQL_UPDATE, ProtocolError, params_of
from rulakg.service.state import ServiceState
from rulakg.service.update_text import UpdateRefused, apply_using, check_loads
from rulakg.store import PoolBusy, QueryFailed, QueryTimeout
from rulakg.store.cache import ResultCache
from rulakg.store.writer import MEDIA_FORMATS
from rulakg.store.writes import StoreWriter, WriteFailed

router = APIRouter()

OFF = (
    "Writes are off on this service: no API token is configured (RULAKG_API_TOKENS or RULAKG_API_TOKEN_FILE; "
    "`rulakg token create` mints one)."
)


async def start(settings: Settings, build_dir: Path) -> tuple[StoreWriter | None, list[object]]:
    """The writer of the served build, when writes are on (an API token is configured)."""
    try:
        tokens = load_tokens(settings)
    except (TokenConfigError, OSError) as e:
        raise RuntimeError(f"API token settings: {e}") from e
    if not tokens:
        return None, []
    writer = StoreWriter(build_dir, settings.store_dir)
    await writer.start(clean=True)
    return writer, list(tokens)


def attach(writer: StoreWriter | None, pool: object, cache: ResultCache) -> None:
    """After each write: the workers move to the new snapshot, the result cache forgets every answer."""
    if writer is None:
        return
    if hasattr(pool, "set_store"):
        pool.snapshots = writer.snapshots  # type: ignore[attr-defined]

    def on_snapshot(path: Path) -> None:
        if hasattr(pool, "set_store"):
            pool.set_store(path)  # type: ignore[attr-defined]
        cache.invalidate(path.name)

    writer.on_snapshot = on_snapshot


def _state(request: Request) -> ServiceState:
    return request.app.state.rulakg


def _guard(request: Request, need_write: bool) -> ServiceState:
    state = _state(request)
    if state.writer is None:
        raise AuthError(404, OFF)
    authorize(request, state.tokens, need_write)  # type: ignore[arg-type]
    return state


def _media(request: Request) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type", "")
    media, *params = raw.split(";")
    out = {}
    for param in params:
        k, _, v = param.partition("=")
        out[k.strip().lower()] = v.strip().strip('"')
    return media.strip().lower(), out


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, f"The request body is larger than the limit of {limit} bytes (max_upload_bytes).")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProtocolError(413, f"The request body is larger than the limit of {limit} bytes.")
    return bytes(body)


def _utf8(body: bytes, params: dict[str, str], what: str) -> str:
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"The {what} must be UTF-8 (charset={charset} given).")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"The {what} is not valid UTF-8 (byte {e.start}).") from e


def _params(raw: bytes) -> dict[str, list[str]]:
    return params_of(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _endpoint(request: Request, state: ServiceState, path: str) -> str:
    if state.settings.public_url:
        return state.settings.public_url.rstrip("/") + path
    return str(request.url.replace(path=path, query=""))


async def _write(state: ServiceState, op: dict[str, object], parts: list[bytes]) -> dict[str, object]:
    assert state.writer is not None
    return await state.writer.run(op, parts, state.settings.update_timeout)


def _error(e: Exception) -> Response:
    if isinstance(e, (AuthError, ProtocolError, UpdateRefused, WriteFailed)):
        return error_response(e.status, str(e), getattr(e, "headers", None))
    raise e


# --- SPARQL 1.1 Update --------------------------------------------------------------------------------------------


@router.post(
    "/update",
    summary="SPARQL 1.1 Update",
    description="POST a form (`update=…`) or the update as `application/sparql-update`; `using-graph-uri` and "
    "`using-named-graph-uri` set the dataset of the operations' WHERE. Needs a read-write API token. "
    "One request is one transaction: a failing update changes nothing. `LOAD` only from RULAKG_LOAD_ALLOWLIST.",
    tags=["Writes"],
    responses={204: {"description": "Applied (durable, visible to the next query)"}},
)
async def update(request: Request) -> Response:
    started = time.perf_counter()
    status = 500
    try:
        try:
            state = _guard(request, need_write=True)
            settings = state.settings
            params = _params(request.scope.get("query_string", b""))
            media, mparams = _media(request)
            body = await _body(request, settings.max_upload_bytes)
            if media == FORM:
                form = _params(body)
                if "query" in form or "query" in params:
                    raise ProtocolError(400, "This is the update endpoint: send queries to /sparql.")
                texts = form.get("update", [])
                if len(texts) != 1:
                    raise ProtocolError(400, f"The form must have exactly one 'update' parameter ({len(texts)} given).")
                text = texts[0]
                for k, v in form.items():
                    if k != "update":
                        params.setdefault(k, []).extend(v)
            elif media == SPARQL_UPDATE:
                if "update" in params:
                    raise ProtocolError(400, "Give the update once: in the body, not also in the URL.")
                text = _utf8(body, mparams, "update")
            else:
                raise ProtocolError(
                    415, f"Unsupported Content-Type {media or '(none)'!r} for an update: use {FORM} (a form with an "
                    f"'update' field) or {SPARQL_UPDATE} (the update as the body).",
                )
            text = apply_using(text, params.get("using-graph-uri", []), params.get("using-named-graph-uri", []))
            base = _endpoint(request, state, "/update")
            if "load" in text.lower():  # resolving a LOAD source's host may block: off the event loop
                await asyncio.to_thread(check_loads, text, base, settings.load_allowlist)
            await _write(state, {"op": "update", "text": text, "base_iri": base}, [])
            response = Response(status_code=204, headers={"X-Store-Version": str(state.writer.version)})  # type: ignore[union-attr]
        except (AuthError, ProtocolError, UpdateRefused, WriteFailed) as e:
            response = _error(e)
        status = response.status_code
        return response
    finally:
        metrics.answered("update", status, started)


# --- SPARQL 1.1 Graph Store HTTP Protocol ---------------------------------------------------------------------------


def _target(request: Request, state: ServiceState, direct: str | None) -> tuple[str, str | None]:
    """("graph", IRI) | ("default", None) | ("dataset", None) from ``?graph=`` / ``?default`` / the request path."""
    if direct is not None:
        return "graph", _endpoint(request, state, "/store/" + quote(direct, safe="/:@!$&'()*+,;=-._~%"))
    params = _params(request.scope.get("query_string", b""))
    graphs = params.get("graph", [])
    if "default" in params and graphs:
        raise ProtocolError(400, "Give either ?default or ?graph=IRI, not both.")
    if "default" in params:
        return "default", None
    if len(graphs) > 1:
        raise ProtocolError(400, "Give one ?graph=IRI.")
    if graphs:
        iri = graphs[0]
        if not iri or any(c in iri for c in '<>"{}|^`\\ \n\t'):
            raise ProtocolError(400, f"Invalid graph IRI {iri!r}.")
        return "graph", iri
    return "dataset", None


def _parts(media: str, params: dict[str, str], body: bytes) -> list[tuple[str, bytes]]:
    """(media type, bytes) of each RDF document in the body: one, or each part of a multipart/form-data upload."""
    if media != "multipart/form-data":
        if not media:
            raise ProtocolError(415, "Give the Content-Type of the RDF payload (e.g. text/turtle).")
        if media not in MEDIA_FORMATS:
            raise ProtocolError(415, f"Unsupported RDF media type {media!r}; use e.g. text/turtle or N-Triples.")
        return [(media, body)]
    boundary = params.get("boundary")
    if not boundary:
        raise ProtocolError(400, "A multipart/form-data body needs a boundary parameter.")
    out = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        part_media = ""
        filename = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-type":
                part_media = value.split(";")[0].strip().lower()
            elif name.strip().lower() == "content-disposition" and "filename=" in value:
                filename = value.split("filename=", 1)[1].split(";")[0].strip().strip('"')
        if not part_media or part_media == "application/octet-stream":
            from rulakg.formats import rdf_format_for_path

            fmt = rdf_format_for_path(filename)
            part_media = fmt.media_type if fmt is not None else ""
        if part_media not in MEDIA_FORMATS:
            raise ProtocolError(415, f"Unsupported RDF media type {part_media or '(none)'!r} in a multipart part.")
        out.append((part_media, content))
    if not out:
        raise ProtocolError(400, "The multipart/form-data body has no part.")
    return out


async def _gsp(request: Request, direct: str | None) -> Response:
    method = request.method
    need_write = method not in ("GET", "HEAD")
    state = _guard(request, need_write)
    settings = state.settings
    kind, iri = _target(request, state, direct)
    if not need_write:
        payload = {
            "dump": {"graph": iri, "dataset": kind == "dataset", "head": method == "HEAD"},
            "accept": request.headers.get("accept"),
            "format": (_params(request.scope.get("query_string", b"")).get("format") or [None])[0],
        }
        try:
            answer = await state.backend.run(payload, settings.query_timeout, settings.worker_queue_wait)
        except QueryTimeout as e:
            return error_response(503, str(e), {"Retry-After": "1"})
        except PoolBusy as e:
            return error_response(503, f"{e} Try again shortly.", {"Retry-After": "2"})
        except QueryFailed as e:
            return error_response(e.status, str(e))
        return answer_response(answer, method == "HEAD")
    if method == "DELETE":
        if kind == "dataset":
            raise ProtocolError(400, "DELETE needs ?graph=IRI or ?default (the whole store is not deleted).")
        result = await _write(state, {"op": "gsp", "method": "DELETE", "target": kind, "graph": iri}, [])
        if result["status"] == 404:
            return error_response(404, f"No graph <{iri}> in the store.")
        return Response(status_code=204)
    media, mparams = _media(request)
    body = await _body(request, settings.max_upload_bytes)
    parts = _parts(media, mparams, body)
    location = None
    quad_media = ("application/n-quads", "text/x-nquads", "application/trig")
    if method == "POST" and kind == "dataset" and all(m not in quad_media for m, _ in parts):
        # POST of a graph to the graph store itself: a new graph, named by the service (GSP 5.5).
        kind, iri = "graph", _endpoint(request, state, f"/store/graphs/{uuid.uuid4().hex}")
        location = iri
    base = iri or _endpoint(request, state, "/store")
    result = await _write(
        state,
        {"op": "gsp", "method": method, "target": kind, "graph": iri, "media": [m for m, _ in parts], "base_iri": base},
        [b for _, b in parts],
    )
    status = int(result["status"])  # type: ignore[call-overload]
    if location is not None:
        return Response(status_code=201, headers={"Location": location})
    return Response(status_code=status)


_GSP_DOC = (
    "SPARQL 1.1 Graph Store HTTP Protocol. `?graph=IRI` (indirect), `/store/PATH` (direct: the graph named by the "
    "request URL), `?default` (the default graph), or neither: the whole store (GET as N-Quads or TriG, PUT replaces "
    "it, POST of N-Quads/TriG merges; POST of a graph creates a new graph, 201 + Location). GET/HEAD need an API "
    "token (read-only is enough); PUT/POST/DELETE a read-write one. Uploads: RDF bodies or multipart/form-data."
)


@router.api_route(
    "/store", methods=["GET", "HEAD", "PUT", "POST", "DELETE"], summary="Graph Store Protocol", description=_GSP_DOC,
    tags=["Writes"],
)
async def graph_store(request: Request) -> Response:
    return await _gsp_answer(request, None)


@router.api_route(
    "/store/{path:path}", methods=["GET", "HEAD", "PUT", "POST", "DELETE"], summary="Graph Store Protocol (direct)",
    description=_GSP_DOC, tags=["Writes"],
)
async def graph_store_direct(request: Request, path: str) -> Response:
    return await _gsp_answer(request, path)


async def _gsp_answer(request: Request, direct: str | None) -> Response:
    started = time.perf_counter()
    status = 500
    try:
        try:
            response = await _gsp(request, direct)
        except (AuthError, ProtocolError, UpdateRefused, WriteFailed) as e:
            response = _error(e)
        status = response.status_code
        return response
    finally:
        metrics.answered("store", status, started)


# --- online backup --------------------------------------------------------------------------------------------------


@router.post(
    "/admin/backup",
    summary="Online backup",
    description="Write a consistent backup of the store (Oxigraph's backup: a RocksDB checkpoint) and the build's "
    "files into a new folder of RULAKG_BACKUP_DIR; `rulakg restore FOLDER` brings it back. Needs a read-write token.",
    tags=["Writes"],
)
async def backup(request: Request) -> Response:
    try:
        state = _guard(request, need_write=True)
        target = state.settings.backup_dir / f"backup-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        result = await _write(state, {"op": "backup", "target": str(target)}, [])
        return JSONResponse({"backup": result["target"]}, status_code=201)
    except (AuthError, ProtocolError, UpdateRefused, WriteFailed) as e:
        return _error(e)
