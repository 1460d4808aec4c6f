"""The ontology at its own IRI path (``/ontology``): HTML for browsers, RDF for machines (content negotiation)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from pyoxigraph import RdfFormat, parse, serialize
from starlette.responses import FileResponse, Response

from rulakg import formats
from rulakg.ontology.docs import HTML_NAME, TURTLE_NAME
from rulakg.service.errors import error_response

router = APIRouter(tags=["Ontology"])

HTML = formats.Format("html", "text/html", ("application/xhtml+xml",), (), True)
OFFERED = (HTML, *(f for f in formats.RDF_FORMATS if f.key not in ("nq", "trig")))


def _build_dir(request: Request) -> Path:
    return request.app.state.rulakg.settings.store_path().resolve()


def _answer(request: Request, fmt: formats.Format) -> Response:
    folder = _build_dir(request)
    if fmt.key == "html":
        page = folder / HTML_NAME
        if not page.is_file():
            return error_response(404, "The ontology's documentation was not built; run `rulakg build --force`.")
        return FileResponse(page, media_type=fmt.content_type, headers={"Vary": "Accept"})
    turtle = folder / TURTLE_NAME
    if not turtle.is_file():
        return error_response(404, "The ontology was not built; run `rulakg build --force`.")
    body = turtle.read_bytes()
    if fmt.key != "ttl":
        body = serialize(parse(body, RdfFormat.TURTLE), format=formats.rdf_serializer(fmt.key))
    return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})


@router.get("/ontology", summary="The RuLA ontology (HTML documentation or RDF by Accept)")
@router.get("/ontology/{version}", summary="A version of the ontology", include_in_schema=False)
async def ontology(request: Request, format: str | None = None, version: str | None = None) -> Response:
    # Browsers list text/html first; RDF clients ask for their syntax; nothing at all gets the HTML page.
    try:
        fmt = formats.negotiate(request.headers.get("accept"), OFFERED, format)
    except formats.NotAcceptable as e:
        return error_response(406, str(e))
    except formats.UnknownFormat as e:
        return error_response(400, str(e))
    return _answer(request, fmt)


@router.get("/ontology.{ext}", summary="The ontology in one syntax, by file extension", include_in_schema=False)
async def ontology_file(request: Request, ext: str) -> Response:
    try:
        fmt = formats.negotiate(None, OFFERED, ext)
    except formats.UnknownFormat as e:
        return error_response(404, str(e))
    return _answer(request, fmt)
