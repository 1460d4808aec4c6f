"""``/sparql``: the SPARQL 1.1 Protocol query endpoint (and its Service Description)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from rulakg import formats
from rulakg.service import description, metrics
from rulakg.service.errors import error_response
from rulakg.service.execute import execute
from rulakg.service.protocol import ProtocolError, QueryRequest, parse_query_request
from rulakg.service.state import ServiceState

router = APIRouter()

_DOC = """SPARQL 1.1 Protocol query operation.

* `GET /sparql?query=…`, `POST` a form (`query=…`), or `POST` the query as `application/sparql-query`.
* `default-graph-uri`, `named-graph-uri` (repeatable) set the dataset; by default the default graph is the
  union of all named graphs (setting `union_default_graph`).
* `format=` overrides `Accept` (json, xml, csv, tsv; ttl, nt, nq, trig, rdf, jsonld); `timeout=` (seconds)
  lowers or raises the timeout up to the configured maximum.
* Without a query, `GET` returns the SPARQL 1.1 Service Description.
"""

_RESPONSES = {
    200: {
        "description": "Query results (SELECT/ASK) or an RDF graph (CONSTRUCT/DESCRIBE)",
        "content": {f.media_type: {} for f in formats.RESULT_FORMATS + formats.RDF_FORMATS},
    },
    400: {"description": "Syntax error, bad parameter, or an update sent to the query endpoint"},
    406: {"description": "No acceptable format; the message lists the offered ones"},
    413: {"description": "Body or query longer than the configured limit"},
    415: {"description": "Unsupported Content-Type for a POST"},
    503: {"description": "Query timeout, or all workers busy"},
}


def _state(request: Request) -> ServiceState:
    return request.app.state.rulakg


def _endpoint_url(request: Request, state: ServiceState) -> str:
    if state.settings.public_url:
        return state.settings.public_url.rstrip("/") + "/sparql"
    return str(request.url.replace(query=""))


def _service_description(request: Request, req: QueryRequest, state: ServiceState) -> Response:
    fmt = formats.negotiate(req.accept, formats.RDF_FORMATS, req.format)
    endpoint = _endpoint_url(request, state)
    turtle = description.service_description_turtle(state.settings, endpoint, state.graphs)
    return Response(description.render(turtle, fmt, endpoint), media_type=fmt.content_type)


@router.api_route(
    "/sparql",
    methods=["GET", "POST", "HEAD"],
    summary="SPARQL 1.1 query endpoint",
    description=_DOC,
    responses=_RESPONSES,
    tags=["SPARQL"],
)
async def sparql(request: Request) -> Response:
    return await answer(request)


async def answer(request: Request) -> Response:
    """The query operation (also called directly by ``fast.ServiceApp`` for a GET with a query)."""
    state = _state(request)
    started = time.perf_counter()
    status = 500
    try:
        try:
            req = await parse_query_request(request, state.settings)
            if req.query is None:
                response = _service_description(request, req, state)
            else:
                response = await _run(request, req, state)
        except ProtocolError as e:
            response = error_response(e.status, str(e), e.headers)
        except formats.NotAcceptable as e:
            response = error_response(406, str(e))
        except formats.UnknownFormat as e:
            response = error_response(400, str(e))
        status = response.status_code
        return response
    finally:
        metrics.answered("sparql", status, started, query=True)


async def _run(request: Request, req: QueryRequest, state: ServiceState) -> Response:
    timeout, payload = query_payload(req, state, _endpoint_url(request, state))
    return await execute(request, state, payload, timeout)


def query_payload(req: QueryRequest, state: ServiceState, endpoint: str) -> tuple[float, dict[str, object]]:
    """The timeout and the worker request for a Protocol query request."""
    settings = state.settings
    timeout = min(req.timeout or settings.query_timeout, settings.query_timeout_max)
    payload = {
        "query": req.query,
        "default_graph_uri": req.default_graph_uri,
        "named_graph_uri": req.named_graph_uri,
        "union_default_graph": settings.union_default_graph,
        "accept": req.accept,
        "format": req.format,
        "max_rows": settings.max_rows,
        # The service's base IRI for relative IRIs in a query without BASE (Protocol 2.1.4: the endpoint).
        "base_iri": endpoint,
    }
    return timeout, payload
