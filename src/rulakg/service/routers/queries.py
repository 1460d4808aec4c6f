"""``/api/queries``: the saved-query library as a typed REST API; ``/.well-known/sparql-examples`` and
``/.well-known/void``: the queries and the dataset described in RDF.

The runs go through one generic route, ``/api/queries/{name}``, and the same code path as ``/sparql``
(``service.execute``); the OpenAPI document gets one operation per saved query (``install_openapi``), with
its own typed parameters, so tools can generate clients from it.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import JSONResponse, Response

from rulakg import formats
from rulakg.queries import Library, ParameterError, SavedQuery, bind, load_library, to_wire
from rulakg.queries.rdf import examples_document
from rulakg.queries.void import void_graph_iri
from rulakg.service import metrics
from rulakg.service.enumerations import CACHE_FILE, Enumerations
from rulakg.service.errors import error_response
from rulakg.service.execute import execute, sparql_endpoint
from rulakg.service.protocol import FORM, ProtocolError, params_of, read_body, single, timeout_param
from rulakg.service.state import ServiceState
from rulakg.store.cache import build_identity

router = APIRouter()

MAX_PER_PAGE = 10_000
DEFAULT_PER_PAGE = 100
CONTROL = ("page", "per_page", "format", "output", "timeout")  # the API's own parameters in a run request


def library_of(app: FastAPI) -> Library:
    return app.state.saved_queries


# start-up -----------------------------------------------------------------------------------------------------


async def _run_to_json(state: ServiceState, text: str) -> dict[str, Any]:
    payload = {
        "query": text,
        "union_default_graph": state.settings.union_default_graph,
        "format": "json",
        "max_rows": 0,
    }
    lane, _ = state.lanes.classify(payload)  # in the background beside the users' queries: keep to the lanes
    answer = await state.backend.run(payload, state.settings.query_timeout, state.settings.worker_queue_wait, lane)
    body = b"".join([chunk async for chunk in answer.body()])
    return json.loads(body)


async def startup(app: FastAPI) -> Enumerations:
    """Load and check the library (a broken file stops the start-up: file, line, message), then start listing
    the enumerated parameters' values (``service/enumerations.py``); the caller stops them at shutdown."""
    state: ServiceState = app.state.rulakg
    library = load_library(state.settings.queries_dir)
    app.state.saved_queries = library
    keep = state.settings.backend != "remote" and state.writer is None  # else the data may change under us
    root = state.settings.store_path().resolve()
    enumerations = Enumerations(
        library,
        lambda text: _run_to_json(state, text),
        root / CACHE_FILE if keep else None,
        build_identity(root, state.manifest),
    )

    def rebuild_openapi() -> None:
        app.openapi_schema = None  # rebuilt with the enumerations' values

    enumerations.on_done = rebuild_openapi
    app.state.enumerations = enumerations
    rebuild_openapi()
    await enumerations.start(state.settings.enumeration_wait)
    return enumerations


# browse ----------------------------------------------------------------------------------------------------


def _listing(request: Request, query: SavedQuery) -> dict[str, Any]:
    return {**query.to_json(), "url": str(request.url_for("run_saved_query", name=query.name))}


@router.get(
    "/api/queries",
    summary="Every saved query: name, summary, description, tags, parameters, method and SPARQL text",
    tags=["Saved queries"],
    operation_id="list_saved_queries",
)
async def list_queries(request: Request) -> JSONResponse:
    library = library_of(request.app)
    return JSONResponse({"count": len(library), "queries": [_listing(request, q) for q in library]})


# run -------------------------------------------------------------------------------------------------------


async def _request_values(request: Request, state: ServiceState) -> dict[str, list[Any]]:
    """The run's values: the URL's, and for a POST the form's or the JSON object's."""
    raw_qs = request.scope.get("query_string", b"")
    try:
        values = params_of(parse_qsl(raw_qs.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise ProtocolError(400, "The query string is not valid UTF-8.") from None
    if request.method != "POST":
        return values
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, state.settings)
    if not body.strip():
        return values
    if media == FORM:
        try:
            form = params_of(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ProtocolError(400, "The form body is not valid UTF-8.") from None
    elif media in ("application/json", "") or media.endswith("+json"):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as e:
            raise ProtocolError(400, f"The JSON body cannot be read: {e}") from None
        if not isinstance(data, dict):
            raise ProtocolError(400, 'The JSON body must be an object: {"parameter": value, …}.')
        form = {}
        for k, v in data.items():
            if v is None:
                continue
            items = v if isinstance(v, list) else [v]
            if any(isinstance(x, dict | list) for x in items):
                raise ProtocolError(400, f"The parameter {k!r}: give a single value (text, number or boolean).")
            form[str(k)] = items
    else:
        raise ProtocolError(
            415, f"Unsupported Content-Type {media!r}: send the parameters as {FORM} or application/json."
        )
    for k, v in form.items():
        values.setdefault(k, []).extend(v)
    return values


def _positive(values: dict[str, list[Any]], name: str) -> int | None:
    raw = single(values, name)
    if raw is None or raw == "":
        return None
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ProtocolError(400, f"The parameter {name!r} must be a whole number ≥ 1; got {raw!r}.")
    return int(raw)


def _as_text(value: Any) -> str:
    """A value as a URL parameter (a JSON boolean as true/false, as the API reads it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _page_links(request: Request, values: dict[str, list[Any]], page: int, per_page: int, has_next: bool) -> str:
    """GitHub-style ``Link`` header: next (when there is one), prev, first."""
    base = str(request.url.replace(query=""))
    keep = [(k, _as_text(v)) for k, vs in values.items() if k not in ("page", "per_page") for v in vs]

    def url(n: int) -> str:
        return f"{base}?{urlencode([*keep, ('page', str(n)), ('per_page', str(per_page))])}"

    links = []
    if has_next:
        links.append(f'<{url(page + 1)}>; rel="next"')
    if page > 1:
        links.append(f'<{url(page - 1)}>; rel="prev"')
    links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links)


@router.api_route(
    "/api/queries/{name}",
    methods=["GET", "POST", "HEAD"],
    include_in_schema=False,  # each query has its own operation in the OpenAPI document
    name="run_saved_query",
)
async def run_saved_query(name: str, request: Request) -> Response:
    state: ServiceState = request.app.state.rulakg
    started = time.perf_counter()
    status = 500
    try:
        response = await _run(name, request, state)
        status = response.status_code
        return response
    finally:
        metrics.answered("queries", status, started, query=True)


async def _run(name: str, request: Request, state: ServiceState) -> Response:
    library = library_of(request.app)
    query = library.get(name)
    if query is None:
        known = sorted(library.queries)
        listing = ", ".join(known[:100]) + (" …" if len(known) > 100 else "")
        return error_response(404, f"No saved query {name!r}. Known queries: {listing or 'none'}. See /api/queries.")
    settings = state.settings
    try:
        values = await _request_values(request, state)
        control = {k: values.pop(k) for k in CONTROL if k in values}
        fmt = single(control, "format") or single(control, "output")
        timeout = min(timeout_param(control) or settings.query_timeout, settings.query_timeout_max)
        page_no = _positive(control, "page")
        per_page = _positive(control, "per_page")
        paginated = query.form == "SELECT" and (
            query.pagination is not None or page_no is not None or per_page is not None
        )
        if (page_no or per_page) and query.form != "SELECT":
            raise ProtocolError(400, f"The query {name!r} is a {query.form} query; page and per_page apply to SELECT.")
        await request.app.state.enumerations.ready(query)  # its allowed values, if still being listed
        terms = bind(query, values)
    except ProtocolError as e:
        return error_response(e.status, str(e), e.headers)
    except ParameterError as e:
        return error_response(400, f"Invalid parameter {e.name!r}: {e}")
    payload: dict[str, Any] = {
        "query": query.text,
        "union_default_graph": settings.union_default_graph,
        "accept": request.headers.get("accept"),
        "format": fmt,
        "max_rows": settings.max_rows,
        "base_iri": sparql_endpoint(request, state),
        "substitutions": to_wire(terms),
    }
    headers_for = None
    if paginated:
        size = per_page or query.pagination or DEFAULT_PER_PAGE
        size = min(size, MAX_PER_PAGE, settings.max_rows or MAX_PER_PAGE)
        number = page_no or 1
        payload["page"] = {"limit": size, "offset": (number - 1) * size}
        given = {k: v for k, v in values.items()}
        if fmt:
            given["format"] = [fmt]

        def headers_for(head: dict[str, Any]) -> dict[str, str]:
            return {"Link": _page_links(request, given, number, size, bool(head.get("has_next")))}

    return await execute(request, state, payload, timeout, headers_for)


# RDF descriptions ------------------------------------------------------------------------------------------


@router.get(
    "/.well-known/sparql-examples",
    summary="The saved queries as RDF (SIB/SHACL sparql-examples: sh:SPARQLExecutable, sh:select, …)",
    tags=["Saved queries"],
    responses={200: {"content": {f.media_type: {} for f in formats.RDF_FORMATS}}},
)
async def sparql_examples(request: Request, format: str | None = None) -> Response:
    state: ServiceState = request.app.state.rulakg
    try:
        fmt = formats.negotiate(request.headers.get("accept"), formats.RDF_FORMATS, format)
    except formats.NotAcceptable as e:
        return error_response(406, str(e))
    except formats.UnknownFormat as e:
        return error_response(400, str(e))
    body = examples_document(
        library_of(request.app),
        state.settings.base_iri,
        sparql_endpoint(request, state),
        formats.rdf_serializer(fmt.key),
    )
    return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})


@router.get(
    "/.well-known/void",
    summary="The VoID description of the dataset (computed at build time)",
    tags=["Saved queries"],
    responses={200: {"content": {f.media_type: {} for f in formats.RDF_FORMATS}}},
)
async def void_description(request: Request, format: str | None = None) -> Response:
    state: ServiceState = request.app.state.rulakg
    graph = void_graph_iri(state.settings.base_iri)
    payload = {
        "query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        "accept": request.headers.get("accept"),
        "format": format,
        "max_rows": 0,
    }
    return await execute(request, state, payload, state.settings.query_timeout)


# OpenAPI ---------------------------------------------------------------------------------------------------

_ERRORS = {
    "400": {"description": "A parameter is missing or invalid (the message names it)"},
    "404": {"description": "No such saved query"},
    "406": {"description": "No acceptable format; the message lists the offered ones"},
    "503": {"description": "Query timeout, or all workers busy"},
}


def _example(param: Any) -> Any:
    from rulakg.queries.binding import placeholder
    from rulakg.queries.parameters import _typed

    value = param.example or param.default or (param.enum[0] if param.enum else None)
    if value is None:
        value = placeholder(param).value
    return _typed(value, param.schema()["type"])


def _operation(query: SavedQuery) -> dict[str, Any]:
    result_formats = formats.RDF_FORMATS if query.returns_graph else formats.RESULT_FORMATS
    params: list[dict[str, Any]] = []
    for p in query.parameters:
        desc = p.description or f"?{p.variable}: " + (
            "an IRI" if p.is_iri else f"a literal ({p.type}{', @' + p.language if p.language else ''})"
        )
        params.append(
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": desc,
                "schema": p.schema(),
                "example": _example(p),
            }
        )
    control: list[dict[str, Any]] = []
    if query.form == "SELECT":
        control += [
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": "Page number (from 1)",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": "per_page",
                "in": "query",
                "required": False,
                "description": "Rows per page",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": query.pagination or DEFAULT_PER_PAGE,
                },
            },
        ]
    control += [
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "Result format; overrides Accept",
            "schema": {"type": "string", "enum": [f.key for f in result_formats]},
        },
        {
            "name": "timeout",
            "in": "query",
            "required": False,
            "description": "Timeout in seconds",
            "schema": {"type": "number", "exclusiveMinimum": 0},
        },
    ]
    description = (
        query.description or query.summary
    ) + f"\n\nFile: `{query.relpath}`\n\n```sparql\n{query.body}```"
    ok: dict[str, Any] = {
        "description": "The graph (Turtle by default)"
        if query.returns_graph
        else "The results (SPARQL JSON by default)",
        "content": {f.media_type: {} for f in result_formats},
    }
    if query.pagination is not None or query.form == "SELECT":
        ok["headers"] = {
            "Link": {
                "description": "Pagination links (rel=next, prev, first) when paginated",
                "schema": {"type": "string"},
            }
        }
    operation: dict[str, Any] = {
        "operationId": query.name,
        "summary": query.summary,
        "description": description,
        "tags": query.tags or ["Saved queries"],
        "responses": {"200": ok, **_ERRORS},
    }
    if query.method == "POST":
        properties = {prm["name"]: {**prm["schema"], "description": prm["description"]} for prm in params}
        required = [prm["name"] for prm in params if prm["required"]]
        body_schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            body_schema["required"] = required
        example = {prm["name"]: prm["example"] for prm in params}
        operation["requestBody"] = {
            "required": bool(required),
            "content": {
                "application/json": {"schema": body_schema, "example": example},
                FORM: {"schema": body_schema},
            },
        }
        operation["parameters"] = control
    else:
        operation["parameters"] = params + control
    return operation


def _unique_operation_ids(schema: dict[str, Any]) -> None:
    """FastAPI gives a multi-method route (``/sparql``: GET, POST, HEAD) one operationId for all its methods;
    OpenAPI wants them unique: suffix the repeats with their method."""
    seen: set[str] = set()
    for item in schema.get("paths", {}).values():
        for method, op in item.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            if op["operationId"] in seen:
                op["operationId"] = f"{op['operationId']}_{method}"
            seen.add(op["operationId"])


def install_openapi(app: FastAPI) -> None:
    """Add one path (one operation, ``operationId`` = the query's name) per saved query to ``/openapi.json``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        _unique_operation_ids(schema)
        library: Library | None = getattr(app.state, "saved_queries", None)
        if library is not None:
            tags = {t["name"] for t in schema.get("tags", [])}
            for query in library:
                op = _operation(query)
                schema["paths"][f"/api/queries/{query.name}"] = {query.method.lower(): op}
                for tag in op["tags"]:
                    if tag not in tags:
                        schema.setdefault("tags", []).append({"name": tag})
                        tags.add(tag)
            app.openapi_schema = schema
        else:  # before start-up: not cached, so the saved queries appear once they are loaded
            app.openapi_schema = None
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
