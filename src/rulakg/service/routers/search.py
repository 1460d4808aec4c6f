"""Full-text search: ``/api/search?q=`` (JSON, or SPARQL results) and the ``/search`` page of the search box.

Backed by the SQLite FTS5 index built with the store (``rulakg.search``): labels, alternative names, descriptions
and provenance quotes in every language, ranked by BM25, accents and case folded.

From SPARQL: ``/api/search?q=…&format=srj`` (or ``Accept: application/sparql-results+json``; also ``srx``,
``csv``, ``tsv``) answers as a SPARQL SELECT would, with the variables ``?entity ?label ?type ?score ?snippet``,
so any SPARQL client or results viewer reads it, and its ``?entity`` values can be put in a query's
``VALUES ?entity { … }`` block to join the matches with the graph.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from rulakg import formats
from rulakg.search import Hit, SearchIndex
from rulakg.ui.web import html, iri_link, page, short, state_of

router = APIRouter(tags=["Search"])

JSON = formats.Format("json", "application/json", (), ("search",), False)
OFFERED = (JSON, *formats.RESULT_FORMATS)
VARS = ("entity", "label", "type", "score", "snippet")
XSD = "http://www.w3.org/2001/XMLSchema#"


def index_of(request: Request) -> SearchIndex:
    state = state_of(request)
    return SearchIndex.for_store(state.settings.store_path(), state.settings.base_iri)


def _bindings(hits: list[Hit]) -> list[dict[str, dict[str, str]]]:
    out = []
    for h in hits:
        b: dict[str, dict[str, str]] = {"entity": {"type": "uri", "value": h.iri}}
        if h.label is not None:
            b["label"] = {"type": "literal", "value": h.label}
        if h.type:
            b["type"] = {"type": "uri", "value": h.type}
        b["score"] = {"type": "literal", "value": f"{h.score:.4f}", "datatype": XSD + "decimal"}
        b["snippet"] = {"type": "literal", "value": h.snippet}
        out.append(b)
    return out


def _results(fmt: formats.Format, hits: list[Hit]) -> Response:
    bindings = _bindings(hits)
    headers = {"Vary": "Accept"}
    if fmt.key == "json" and fmt is not JSON:
        body = json.dumps({"head": {"vars": list(VARS)}, "results": {"bindings": bindings}}, ensure_ascii=False)
        return Response(body, media_type=fmt.content_type, headers=headers)
    if fmt.key == "xml":
        rows = []
        for b in bindings:
            cells = []
            for k, v in b.items():
                if v["type"] == "uri":
                    cells.append(f'<binding name="{k}"><uri>{xml_escape(v["value"])}</uri></binding>')
                else:
                    dt = f' datatype="{v["datatype"]}"' if "datatype" in v else ""
                    cells.append(f'<binding name="{k}"><literal{dt}>{xml_escape(v["value"])}</literal></binding>')
            rows.append(f"<result>{''.join(cells)}</result>")
        head = "".join(f'<variable name="{v}"/>' for v in VARS)
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{''.join(rows)}</results></sparql>"
        )
        return Response(body, media_type=fmt.content_type, headers=headers)
    buf = io.StringIO()
    if fmt.key == "csv":
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(VARS)
        for b in bindings:
            w.writerow([b.get(v, {}).get("value", "") for v in VARS])
    else:  # tsv: terms in SPARQL syntax
        buf.write("\t".join("?" + v for v in VARS) + "\n")
        for b in bindings:
            cells = []
            for v in VARS:
                t = b.get(v)
                if t is None:
                    cells.append("")
                elif t["type"] == "uri":
                    cells.append(f"<{t['value']}>")
                elif "datatype" in t:
                    cells.append(t["value"])
                else:
                    cells.append(json.dumps(t["value"], ensure_ascii=False))
            buf.write("\t".join(cells) + "\n")
    return Response(buf.getvalue(), media_type=fmt.content_type, headers=headers)


@router.get(
    "/api/search",
    summary="Full-text search over labels, other names, descriptions and provenance quotes (any language)",
    description=(
        "Ranked by BM25 (a label match first); accents and case are folded (`Bogota` finds `Bogotá`); every word "
        "must match, the last as a prefix. `format=srj` (or Accept: application/sparql-results+json; also srx, "
        "csv, tsv) answers as a SPARQL SELECT with ?entity ?label ?type ?score ?snippet."
    ),
    responses={200: {"content": {f.media_type: {} for f in OFFERED}}},
)
async def api_search(
    request: Request,
    q: str = Query("", description="The words to find"),
    limit: int = Query(20, ge=1, le=200, description="Most results"),
    offset: int = Query(0, ge=0, le=10_000, description="Results to skip"),
    type: str | None = Query(None, description="Keep only entities of this class (IRI)"),
    format: str | None = Query(None, description="json (default), srj, srx, csv or tsv"),
) -> Response:
    try:
        override = {"srj": "application/sparql-results+json", "sparql-results": "application/sparql-results+json"}
        fmt = formats.negotiate(request.headers.get("accept"), OFFERED, override.get(format or "", format))
    except formats.NotAcceptable:
        fmt = JSON  # an API for the search box and scripts: JSON unless a results format is asked for
    except formats.UnknownFormat as e:
        return PlainTextResponse(str(e), 400)
    hits = index_of(request).search(q, limit, offset, type)
    if fmt is not JSON:
        return _results(fmt, hits)
    state = state_of(request)
    results = []
    for h in hits:
        item: dict[str, Any] = h.to_json()
        local = iri_path = None
        base = state.settings.base_iri + "id/"
        if h.iri.startswith(base):
            iri_path = h.iri[len(base) :]
            local = "/id/" + iri_path
        item["url"] = local
        item["type_label"] = short(h.type) if h.type else None
        results.append(item)
    return JSONResponse(
        {"query": q, "count": len(results), "offset": offset, "results": results}, headers={"Vary": "Accept"}
    )


@router.get("/search", include_in_schema=False)
async def search_page(request: Request, q: str = "", offset: int = 0) -> Response:
    state = state_of(request)
    offset = max(0, min(offset, 10_000))
    hits = index_of(request).search(q, 50, offset) if q.strip() else []
    items = []
    for h in hits:
        snippet = escape(h.snippet).replace("[", "<mark>").replace("]", "</mark>")
        typ = f' <span class="type">{escape(short(h.type))}</span>' if h.type else ""
        items.append(f"<li>{iri_link(state, h.iri, h.label)}{typ}<p class=snippet>{snippet}</p></li>")
    if not q.strip():
        body = "<h1>Search</h1><p>Type a name, a place, a word of a quote — in any language.</p>"
    elif not hits:
        body = f'<h1>Search</h1><p role="status">No entity matches “{escape(q)}”.</p>'
    else:
        more = ""
        if len(hits) == 50:
            more = f'<p><a href="/search?q={escape(q)}&amp;offset={offset + 50}">More results</a></p>'
        body = (
            f'<h1>Search: “{escape(q)}”</h1><p role="status">{len(hits)} result(s)</p>'
            f'<ol class="hits" start="{offset + 1}">{"".join(items)}</ol>{more}'
        )
    return html(page("Search", body, query=q))
