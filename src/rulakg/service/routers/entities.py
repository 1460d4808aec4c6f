"""Entity pages: every IRI the graph mints (``<base_iri>id/…``) is dereferenceable at ``/id/…``, the Linked Data way.

A browser gets an HTML page (labels, types, every property with links, incoming links, the provenance quotes, the
Wikidata link, a timeline where there are dates); a client asking for Turtle, N-Triples, JSON-LD or RDF/XML gets
that, by ``Accept`` or by a file extension (``/id/state/cuba.ttl``, ``.nt``, ``.jsonld``, ``.rdf``; ``.html``
for the page). The RDF is a CONSTRUCT run on the worker pool and serialised by pyoxigraph: the entity's own
triples, the triples pointing at it, and the citations it is derived from. An unknown IRI is a 404.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from rulakg import formats
from rulakg.service.execute import execute
from rulakg.ui.web import (
    BackendError,
    error_page,
    html,
    iri_link,
    json_data,
    local_href,
    page,
    prefix_text,
    select,
    short,
    state_of,
)

router = APIRouter()

HTML = formats.Format("html", "text/html", ("application/xhtml+xml",), ("htm",), True)
_BY_KEY = {f.key: f for f in formats.RDF_FORMATS}
# As /ontology: a browser (text/html first) and no Accept get the page; RDF clients name their syntax.
OFFERED = (HTML, _BY_KEY["ttl"], _BY_KEY["nt"], _BY_KEY["jsonld"], _BY_KEY["rdf"])
EXTENSIONS = {"ttl": "ttl", "nt": "nt", "jsonld": "jsonld", "rdf": "rdf", "html": "html"}

RULA = "https://w3id.org/rulakg/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"


def _iri_ok(iri: str) -> bool:
    return not any(c in iri for c in '<>"{}|^`\\ \n\t')


async def _exists(request: Request, iri: str) -> bool:
    rows = await select(state_of(request), f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}")
    return bool(rows) and rows[0].get("boolean", {}).get("value") == "true"


def _alternates(path: str) -> str:
    return ", ".join(f'</id/{path}.{f.key}>; rel="alternate"; type="{f.media_type}"' for f in OFFERED)


@router.api_route(
    "/id/{path:path}",
    methods=["GET", "HEAD"],
    summary="An entity of the graph: HTML for a browser, RDF by content negotiation or file extension",
    tags=["Entities"],
    responses={
        200: {"content": {f.media_type: {} for f in OFFERED}},
        404: {"description": "The graph has no such entity"},
        406: {"description": "No acceptable format"},
    },
)
async def entity(path: str, request: Request, format: str | None = None) -> Response:
    state = state_of(request)
    base = state.settings.base_iri + "id/"
    iri, fmt_key = base + path, format
    stem, dot, ext = path.rpartition(".")
    try:
        if not _iri_ok(iri):
            return error_page(400, "Bad IRI", f"Not a valid IRI: {iri}")
        found = await _exists(request, iri)
        if not found and dot and ext in EXTENSIONS and stem:
            iri, path, fmt_key = base + stem, stem, ext
            found = await _exists(request, iri)
        if not found:
            return _not_found(request, iri)
        try:
            fmt = formats.negotiate(request.headers.get("accept"), OFFERED, fmt_key)
        except formats.NotAcceptable as e:
            return PlainTextResponse(str(e), 406, headers={"Vary": "Accept"})
        except formats.UnknownFormat as e:
            return PlainTextResponse(str(e), 400)
        headers = {"Vary": "Accept", "Link": _alternates(path)}
        if fmt is HTML:
            return html(await _render(request, iri), headers=headers)
        payload: dict[str, Any] = {
            "query": f"""PREFIX prov: <http://www.w3.org/ns/prov#>
CONSTRUCT {{ <{iri}> ?p ?o . ?s ?q <{iri}> . ?c ?cp ?co }}
WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?q <{iri}> }} UNION {{ <{iri}> prov:wasDerivedFrom ?c . ?c ?cp ?co }} }}""",
            "union_default_graph": True,
            "format": fmt.key,
            "max_rows": 0,
        }
        response = await execute(request, state, payload, state.settings.query_timeout)
        response.headers.update(headers)
        if fmt_key in EXTENSIONS:  # a file URL: the file's own name for downloads
            name = path.rsplit("/", 1)[-1]
            response.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt.key}"'
        return response
    except BackendError as e:
        return e.response


def _not_found(request: Request, iri: str) -> Response:
    accept = request.headers.get("accept") or ""
    message = f"The graph has no entity {iri}."
    if "text/html" in accept:
        return error_page(404, "Not found", message + " Try the search box.")
    return PlainTextResponse(message, 404)


PER_PROPERTY = 50  # above this many values of one property, the page shows a count and a link to the list


async def _crowded(state: Any, pattern: str) -> list[tuple[str, int]]:
    """The properties of ``pattern`` (with ``?p``) that have more than PER_PROPERTY values: a state is linked to
    thousands of UN votes and figures, and listing them would make its page slow and huge."""
    rows = await select(state, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {pattern} }} GROUP BY ?p ORDER BY ?p")
    return [(r["p"]["value"], int(r["n"]["value"])) for r in rows if int(r["n"]["value"]) > PER_PROPERTY]


def _leave_out(crowded: list[tuple[str, int]]) -> str:
    return f"FILTER(?p NOT IN ({', '.join(f'<{p}>' for p, _ in crowded)}))" if crowded else ""


def _listing(n: int, pattern: str, var: str) -> str:
    """A count and a link to the whole list as CSV from the SPARQL endpoint."""
    query = urlencode({"query": f"SELECT {var} WHERE {{ {pattern} }} ORDER BY {var}", "format": "csv"})
    return f'{n:,} values — <a href="/sparql?{escape(query)}">all of them (CSV)</a>'


def _value(state: Any, term: dict[str, str], label: str | None = None) -> str:
    """A term of a result as HTML: a link for an IRI, the text and its language or datatype for a literal."""
    if term["type"] == "uri":
        return iri_link(state, term["value"], label)
    if term["type"] == "bnode":
        return f"<span class=bnode>_:{escape(term['value'])}</span>"
    text = escape(term["value"])
    if term.get("xml:lang"):
        return (
            f'<span lang="{escape(term["xml:lang"])}">{text}</span> <span class=lang>@{escape(term["xml:lang"])}</span>'
        )
    dt = term.get("datatype")
    if dt and not dt.endswith("#string"):
        return f"{text} <span class=dt>{escape(short(dt))}</span>"
    return text


async def _render(request: Request, iri: str) -> str:
    state = state_of(request)
    lbl = 'FILTER(LANGMATCHES(LANG(?l), "en") || LANG(?l) = "")'
    out_crowded = await _crowded(state, f"<{iri}> ?p ?o")
    out_rows = await select(
        state,
        prefix_text("rdfs")
        + f"""SELECT ?p ?o (SAMPLE(?l) AS ?ol) (SAMPLE(?pl0) AS ?pl) (SAMPLE(?g) AS ?graph) WHERE {{
  GRAPH ?g {{ <{iri}> ?p ?o {_leave_out(out_crowded)} }}
  OPTIONAL {{ ?o rdfs:label ?l {lbl} }}
  OPTIONAL {{ ?p rdfs:label ?pl0 FILTER(LANGMATCHES(LANG(?pl0), "en")) }}
}} GROUP BY ?p ?o ORDER BY ?p ?o LIMIT 2000""",
    )
    crowded = await _crowded(state, f"?s ?p <{iri}>")
    leave_out = _leave_out(crowded)
    in_rows = await select(
        state,
        prefix_text("rdfs")
        + f"""SELECT ?s ?p (SAMPLE(?l) AS ?sl) (SAMPLE(?pl0) AS ?pl) WHERE {{
  ?s ?p <{iri}> {leave_out}
  OPTIONAL {{ ?s rdfs:label ?l {lbl} }}
  OPTIONAL {{ ?p rdfs:label ?pl0 FILTER(LANGMATCHES(LANG(?pl0), "en")) }}
}} GROUP BY ?s ?p ORDER BY ?p ?sl ?s LIMIT 1000""",
    )
    quotes = await select(
        state,
        prefix_text("rula", "prov", "dcterms")
        + f"""SELECT ?c ?quote ?source ?start ?end WHERE {{
  <{iri}> prov:wasDerivedFrom ?c . ?c rula:quote ?quote .
  OPTIONAL {{ ?c dcterms:source ?source }}
  OPTIONAL {{ ?c rula:startOffset ?start }} OPTIONAL {{ ?c rula:endOffset ?end }}
}} ORDER BY ?start ?c""",
    )
    dated = await select(
        state,
        prefix_text("rula", "rdfs")
        + f"""SELECT ?s (SAMPLE(?l) AS ?label) (MIN(?a) AS ?start) (MAX(?b) AS ?end) WHERE {{
  {{ BIND(<{iri}> AS ?s) }} UNION {{ ?s ?p <{iri}> {leave_out} }}
  UNION {{ <{iri}> ?p ?s FILTER(isIRI(?s)) {_leave_out(out_crowded)} }}
  ?s rula:earliestDate ?a . OPTIONAL {{ ?s rula:latestDate ?b0 }} BIND(COALESCE(?b0, ?a) AS ?b)
  OPTIONAL {{ ?s rdfs:label ?l {lbl} }}
}} GROUP BY ?s ORDER BY ?start LIMIT 300""",
    )

    labels = [r["o"] for r in out_rows if r["p"]["value"] == RDFS_LABEL and r["o"]["type"] == "literal"]
    title = next((t["value"] for t in labels if t.get("xml:lang") == "en"), None) or (
        labels[0]["value"] if labels else short(iri)
    )
    types = [r for r in out_rows if r["p"]["value"] == RDF_TYPE]
    wikidata = [r["o"]["value"] for r in out_rows if r["p"]["value"] == SAME_AS and "wikidata.org" in r["o"]["value"]]
    inferred_graph = state.settings.base_iri + "graph/inferred"

    parts = [f'<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › {escape(short(iri))}</nav>']
    parts.append(f"<h1>{escape(title)}</h1>")
    parts.append(f'<p class="iri"><code>{escape(iri)}</code></p>')
    if types:
        parts.append(
            '<p class="types">'
            + " ".join(
                f'<span class="type">{iri_link(state, t["o"]["value"], (t.get("ol") or {}).get("value"))}</span>'
                for t in types
            )
            + "</p>"
        )
    if wikidata:
        parts.append(
            '<p class="wikidata">Wikidata: '
            + ", ".join(
                f'<a href="{escape(w)}" rel="noopener noreferrer">{escape(w.rsplit("/", 1)[-1])}</a>' for w in wikidata
            )
            + "</p>"
        )
    if labels:
        parts.append('<section aria-labelledby="h-labels"><h2 id="h-labels">Names</h2><ul class="labels">')
        for t in labels:
            lang = t.get("xml:lang", "")
            parts.append(
                f"<li><span class=lang>{escape(lang or '—')}</span> "
                f'<span lang="{escape(lang)}">{escape(t["value"])}</span></li>'
            )
        parts.append("</ul></section>")
    if len(dated) > 0:
        points = [
            {
                "iri": r["s"]["value"],
                "href": local_href(state, r["s"]["value"]),
                "label": (r.get("label") or {}).get("value") or short(r["s"]["value"]),
                "start": r["start"]["value"][:10],
                "end": (r.get("end") or r["start"])["value"][:10],
                "self": r["s"]["value"] == iri,
            }
            for r in dated
            if "start" in r
        ]
        if points:
            parts.append(
                '<section aria-labelledby="h-time"><h2 id="h-time">Timeline</h2>'
                f'<div id="entity-timeline" class="chart small" role="img" aria-label="Timeline of {len(points)} dated '
                f'items: this entity and the facts linked to it"></div>'
                + json_data("entity-timeline-data", points)
                + "</section>"
            )
    # Properties, grouped by predicate
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    plabel: dict[str, str] = {}
    for r in out_rows:
        grouped[r["p"]["value"]].append(r)
        if "pl" in r:
            plabel[r["p"]["value"]] = r["pl"]["value"]
    parts.append('<section aria-labelledby="h-props"><h2 id="h-props">Properties</h2>')
    parts.append('<table class="props"><caption class="visually-hidden">Properties of this entity</caption>')
    parts.append('<thead><tr><th scope="col">Property</th><th scope="col">Value</th></tr></thead><tbody>')
    for p, n in out_crowded:
        parts.append(
            f'<tr class="crowded"><th scope="row">{iri_link(state, p, short(p))}</th>'
            f'<td>{_listing(n, f"<{iri}> <{p}> ?o", "?o")}</td></tr>'
        )
    for p, rows in grouped.items():
        cells = []
        for r in rows:
            mark = (
                ' <span class="badge" title="inferred by the build">inferred</span>'
                if r.get("graph", {}).get("value") == inferred_graph
                else ""
            )
            cells.append(f"<li>{_value(state, r['o'], (r.get('ol') or {}).get('value'))}{mark}</li>")
        parts.append(
            f'<tr><th scope="row">{iri_link(state, p, plabel.get(p) or short(p))}</th>'
            f"<td><ul>{''.join(cells)}</ul></td></tr>"
        )
    parts.append("</tbody></table></section>")
    if quotes:
        parts.append('<section aria-labelledby="h-prov"><h2 id="h-prov">Provenance</h2><ol class="quotes">')
        for q in quotes:
            where = ""
            if "start" in q:
                span = f"{escape(q['start']['value'])}–{escape(q.get('end', q['start'])['value'])}"
                where = f' <span class="offsets">characters {span}</span>'
            src = f" — {iri_link(state, q['source']['value'], 'source')}" if "source" in q else ""
            parts.append(
                f"<li><blockquote>{escape(q['quote']['value'])}</blockquote>"
                f'<p class="cite">{iri_link(state, q["c"]["value"], "citation")}{src}{where}</p></li>'
            )
        parts.append("</ol></section>")
    if in_rows or crowded:
        total = len(in_rows) + sum(n for _, n in crowded)
        parts.append(f'<section aria-labelledby="h-in"><h2 id="h-in">Linked from ({total})</h2>')
        parts.append(
            '<table class="props"><thead><tr><th scope="col">Subject</th><th scope="col">Property</th></tr></thead>'
            "<tbody>"
        )
        for r in in_rows:
            p = r["p"]["value"]
            parts.append(
                f"<tr><td>{_value(state, r['s'], (r.get('sl') or {}).get('value'))}</td>"
                f"<td>{iri_link(state, p, (r.get('pl') or {}).get('value') or short(p))}</td></tr>"
            )
        for p, n in crowded:
            parts.append(
                f'<tr class="crowded"><td>{_listing(n, f"?s <{p}> <{iri}>", "?s")}</td>'
                f"<td>{iri_link(state, p, short(p))}</td></tr>"
            )
        parts.append("</tbody></table></section>")
    path = iri[len(state.settings.base_iri + "id/") :]
    parts.append(
        '<p class="formats">This entity as data: '
        + " · ".join(
            f'<a href="/id/{escape(path)}.{k}" type="{f.media_type}">{n}</a>'
            for k, f, n in (
                ("ttl", OFFERED[1], "Turtle"),
                ("nt", OFFERED[2], "N-Triples"),
                ("jsonld", OFFERED[3], "JSON-LD"),
                ("rdf", OFFERED[4], "RDF/XML"),
            )
        )
        + "</p>"
    )
    scripts = ("/vendor/echarts/echarts.min.js", "/static/entity.js") if dated else ()
    return page(title, "\n".join(parts), scripts=scripts)
