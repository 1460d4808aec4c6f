"""The researcher's web interface: the query editor (``/``), the saved-query gallery (``/queries``), the views
(``/views/timeline``, ``/views/votes``, ``/views/network``) and their data (``/api/views/…``), and the static files.

Pages are rendered here (no template engine); the front-end libraries (YASGUI, ECharts) are served from
``rulakg/ui/vendor`` (fetched from the npm registry by ``python -m rulakg.ui.vendor``), never from a CDN. Every
HTML page carries a Content-Security-Policy that allows scripts from this service only.
"""

from __future__ import annotations

import gzip
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

from rulakg.citation import citation_text
from rulakg.prefixes import PREFIXES
from rulakg.queries import Library, SavedQuery
from rulakg.search import SearchIndex
from rulakg.ui.web import (
    BackendError,
    error_page,
    html,
    json_data,
    local_href,
    page,
    prefix_text,
    select,
    short,
    state_of,
)

UI_DIR = Path(__file__).resolve().parents[2] / "ui"
STATIC_DIR = UI_DIR / "static"
VENDOR_DIR = UI_DIR / "vendor"

router = APIRouter(include_in_schema=False)
views_router = APIRouter(tags=["Views"])


def _library(request: Request) -> Library:
    return request.app.state.saved_queries  # type: ignore[no-any-return]


def _vendor_missing() -> str:
    if (VENDOR_DIR / "@zazuko" / "yasgui" / "yasgui.min.js").is_file():
        return ""
    return (
        '<p class="error" role="alert">The editor\'s library is not installed: run <code>./run.sh setup</code> '
        "(or <code>python -m rulakg.ui.vendor</code>).</p>"
    )


# the query editor ------------------------------------------------------------------------------------------


@router.get("/")
async def editor(request: Request) -> Response:
    config = {
        "endpoint": "/sparql",
        "prefixes": PREFIXES,
        "examples": "/api/queries",
    }
    body = f"""<h1 class="visually-hidden">SPARQL query editor</h1>
{_vendor_missing()}
<p class="lead">Query the knowledge graph with SPARQL. The project's prefixes are preset; each saved query opens
as an example tab (<a href="/queries">gallery</a>). The address of the page shares the query.</p>
<p class="citation"><strong>Cite as:</strong> {escape(citation_text())}
(<a href="/docs/guide/cite/">how to cite, licences</a> · <a href="/downloads">downloads</a> ·
<a href="/docs/guide/">guide</a>)</p>
<div class="examples">
  <label for="example-select">Open a saved query as a tab:</label>
  <select id="example-select"><option value="">— choose —</option></select>
  <p id="example-description" class="description" aria-live="polite"></p>
</div>
<div id="yasgui" aria-label="SPARQL editor and results"></div>
{json_data("editor-config", config)}"""
    return html(
        page(
            "Query editor",
            body,
            scripts=("/vendor/@zazuko/yasgui/yasgui.min.js", "/static/editor.js"),
            styles=("/vendor/@zazuko/yasgui/yasgui.min.css",),
            current="/",
            wide=True,
        )
    )


@router.get("/api/prefixes")
async def prefixes() -> JSONResponse:
    """The project's prefixes as prefix.cc's JSON (the editor's prefix completion)."""
    return JSONResponse(PREFIXES)


# the saved-query gallery -------------------------------------------------------------------------------------


def _option_label(index: SearchIndex | None, value: str) -> str:
    if index is not None and value.startswith(("http://", "https://")):
        label = index.label(value)
        if label:
            return label
    return short(value)


def _field(query: SavedQuery, param: Any, index: SearchIndex | None) -> str:
    pid = f"p-{query.name}-{param.name}"
    desc = escape(param.description or "")
    required = " required" if param.required else ""
    value = param.default or ""
    label = f'<label for="{pid}">{escape(param.name)}{" *" if param.required else ""}</label>'
    hint = f'<small id="{pid}-hint">{desc} <span class="ptype">({escape(param.type)})</span></small>'
    aria = f'aria-describedby="{pid}-hint"'
    if param.enum:
        opts = [] if param.required else ['<option value="">(any)</option>']
        for v in param.enum:
            sel = " selected" if v == value else ""
            opts.append(f'<option value="{escape(v)}"{sel}>{escape(_option_label(index, v))}</option>')
        control = f'<select id="{pid}" name="{escape(param.name)}" {aria}{required}>{"".join(opts)}</select>'
    else:
        kind = {"integer": "number", "number": "number", "date": "date", "iri": "url", "boolean": "text"}.get(
            param.type, "text"
        )
        step = ' step="any"' if param.type == "number" else ""
        placeholder = param.example or ""
        control = (
            f'<input id="{pid}" name="{escape(param.name)}" type="{kind}"{step} value="{escape(value)}" '
            f'placeholder="{escape(placeholder)}" {aria}{required}>'
        )
    return f'<div class="field">{label}{control}{hint}</div>'


def _index(request: Request) -> SearchIndex | None:
    state = state_of(request)
    try:
        return SearchIndex.for_store(state.settings.store_path(), state.settings.base_iri)
    except Exception:  # the labels are a nicety
        return None


@router.get("/queries")
async def gallery(request: Request) -> Response:
    library = _library(request)
    sections: dict[str, list[SavedQuery]] = {}
    for q in library:
        sections.setdefault("/".join(q.section) or "other", []).append(q)
    parts = [
        '<h1>Saved queries</h1><p class="lead">Each query answers a research question; open one to fill in its '
        'parameters and see the results, or open it in the <a href="/">editor</a>.</p>'
    ]
    parts.append('<nav aria-label="Sections" class="toc"><ul>')
    parts += [f'<li><a href="#s-{escape(s)}">{escape(s)}</a> ({len(qs)})</li>' for s, qs in sorted(sections.items())]
    parts.append("</ul></nav>")
    for section, queries in sorted(sections.items()):
        parts.append(f'<section id="s-{escape(section)}" aria-labelledby="h-{escape(section)}">')
        parts.append(f'<h2 id="h-{escape(section)}">{escape(section)}</h2><ul class="cards">')
        for q in sorted(queries, key=lambda q: q.name):
            params = ", ".join(p.name for p in q.parameters) or "no parameters"
            parts.append(
                f'<li class="card"><h3><a href="/queries/{escape(q.name)}">{escape(q.summary)}</a></h3>'
                f'<p class="name"><code>{escape(q.name)}</code> · {escape(q.form)} · {escape(params)}</p>'
                f"<p>{escape(_first_paragraph(q.description or ''))}</p></li>"
            )
        parts.append("</ul></section>")
    return html(page("Saved queries", "\n".join(parts), current="/queries"))


def _first_paragraph(text: str) -> str:
    para = text.strip().split("\n\n", 1)[0]
    return re.sub(r"\s+", " ", para)


@router.get("/queries/{name}")
async def saved_query_page(name: str, request: Request) -> Response:
    query = _library(request).get(name)
    if query is None:
        return error_page(404, "Not found", f"No saved query {name!r}; see the gallery at /queries.")
    await request.app.state.enumerations.ready(query)  # the choices of its enumerated parameters
    index = _index(request)
    fields = "".join(_field(query, p, index) for p in query.parameters)
    defaults = [(p.name, p.default) for p in query.parameters if p.default]
    api = f"/api/queries/{query.name}"
    graph = query.returns_graph
    downloads = (
        (("ttl", "Turtle"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"))
        if graph
        else (("csv", "CSV"), ("json", "JSON"), ("tsv", "TSV"))
    )
    links = " · ".join(
        f'<a class="download" data-format="{k}" href="{api}?{escape(urlencode([*defaults, ("format", k)]))}" '
        f"download>{n}</a>"
        for k, n in downloads
    )
    editor_link = "/#" + urlencode({"query": query.text, "endpoint": "/sparql"})
    description = "".join(f"<p>{escape(p.strip())}</p>" for p in (query.description or query.summary).split("\n\n"))
    per_page = f'value="{query.pagination or 100}"' + ("" if query.form == "SELECT" else " disabled")
    body = f"""<nav class="crumbs" aria-label="Breadcrumb">
<a href="/queries">Saved queries</a> › {escape(query.name)}</nav>
<h1>{escape(query.summary)}</h1>
<div class="description">{description}</div>
<form id="query-form" class="query-form" action="{api}" method="get" data-api="{api}" data-graph="{str(graph).lower()}">
  <fieldset><legend>Parameters</legend>{fields or "<p>This query has no parameters.</p>"}
  <div class="field"><label for="p-per-page">Rows per page</label>
    <input id="p-per-page" name="per_page" type="number" min="1" max="10000" {per_page}></div>
  </fieldset>
  <div class="actions"><button type="submit">Run</button>
  <span class="downloads">Download: {links}</span>
  <a href="{escape(editor_link)}">Open in the editor</a></div>
</form>
<p id="result-status" role="status" aria-live="polite"></p>
<div id="result" class="result"></div>
<details><summary>SPARQL</summary><pre><code>{escape(query.text)}</code></pre></details>"""
    return html(page(query.summary, body, scripts=("/static/table.js", "/static/gallery.js"), current="/queries"))


# the views -------------------------------------------------------------------------------------------------


def _view(title: str, current: str, intro: str, controls: str, chart_id: str, script: str, label: str) -> Response:
    body = f"""<h1>{escape(title)}</h1><p class="lead">{intro}</p>
<form id="view-form" class="view-form">{controls}<button type="submit">Show</button></form>
<p id="view-status" role="status" aria-live="polite"></p>
<div id="{chart_id}" class="chart" role="img" aria-label="{escape(label)}"></div>
<div id="view-table" class="result"></div>"""
    return html(
        page(
            title,
            body,
            scripts=("/vendor/echarts/echarts.min.js", "/static/table.js", "/static/views.js", script),
            current=current,
            wide=True,
        )
    )


async def _states(request: Request) -> list[tuple[str, str]]:
    rows = await select(
        state_of(request),
        prefix_text("rula", "rdfs")
        + """SELECT DISTINCT ?s ?l WHERE {
  ?s a rula:SovereignState ; rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }
ORDER BY ?l""",
    )
    return [(r["s"]["value"], r["l"]["value"]) for r in rows]


@router.get("/views/timeline")
async def timeline_page(request: Request) -> Response:
    try:
        states = await _states(request)
    except BackendError as e:
        return e.response
    opts = "".join(f'<option value="{escape(s)}">{escape(lbl)}</option>' for s, lbl in states)
    try:
        offices = await select(
            state_of(request),
            prefix_text("rula", "rdfs")
            + """SELECT DISTINCT ?o ?l WHERE {
  ?v a rula:Visit ; rula:visitor ?p . ?h rula:holder ?p ; rula:office ?off .
  ?off rula:partOf* ?o .
  ?o rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) } ORDER BY ?l""",
        )
    except BackendError as e:
        return e.response
    office_opts = "".join(
        f'<option value="{escape(r["o"]["value"])}">{escape(r["l"]["value"])}</option>' for r in offices
    )
    controls = f"""<div class="field"><label for="tl-state">State</label>
<select id="tl-state" name="state"><option value="">(all states)</option>{opts}</select></div>
<div class="field"><label for="tl-office">Visitor's office</label>
<select id="tl-office" name="office"><option value="">(any office)</option>{office_opts}</select></div>
<div class="field"><label for="tl-from">From year</label>
<input id="tl-from" name="from" type="number" min="1900" max="2100"></div>
<div class="field"><label for="tl-to">To year</label>
<input id="tl-to" name="to" type="number" min="1900" max="2100"></div>
<div class="field"><label for="tl-kind">Show</label><select id="tl-kind" name="kind">
<option value="">visits and agreements</option><option value="visit">visits</option>
<option value="agreement">agreements</option></select></div>"""
    return _view(
        "Timeline of visits and agreements",
        "/views/timeline",
        "Each mark is a visit or an agreement, placed at its date, on the row of the partner "
        "state involved. Select a mark to open its page.",
        controls,
        "timeline-chart",
        "/static/timeline.js",
        "Timeline of visits and agreements by state",
    )


@router.get("/views/votes")
async def votes_page(request: Request) -> Response:
    try:
        rows = await select(
            state_of(request),
            prefix_text("rula", "rdfs")
            # the resolutions with vote casts of their own (the article's; the UN voting record's are reached by
            # their roll call, below), found from the casts: `?r a rula:UNResolution` alone lists the record's 4,000
            + """SELECT ?r (SAMPLE(?d0) AS ?d) (SAMPLE(?a0) AS ?a) WHERE { ?c rula:onResolution ?r ; rula:voter ?v .
?r a rula:UNResolution .
OPTIONAL { ?r rula:draftSymbol ?d0 } OPTIONAL { ?r rula:adoptedSymbol ?a0 } } GROUP BY ?r ORDER BY ?r""",
        )
    except BackendError as e:
        return e.response
    opts = "".join(
        f'<option value="{escape(r["r"]["value"])}">'
        f"{escape(' / '.join(x['value'] for x in (r.get('a'), r.get('d')) if x) or short(r['r']['value']))}</option>"
        for r in rows
    )
    controls = f"""<div class="field"><label for="v-resolution">Resolution</label>
<select id="v-resolution" name="resolution"><option value="">(all resolutions)</option>{opts}</select></div>
<div class="field"><label for="v-rollcall">or a roll call of the UN voting record (rcid, e.g. 5309)</label>
<input id="v-rollcall" name="rollcall" type="number" min="1" inputmode="numeric"></div>"""
    return _view(
        "How states voted at the UN",
        "/views/votes",
        "A matrix of the recorded votes: one row per state, one column per resolution, coloured by the vote "
        "(yes, no, abstain, absent). Select a cell to open the vote's page. A roll call number (Voeten's rcid) "
        "shows every state's vote in that roll call of the UN General Assembly voting record, 1946–2019.",
        controls,
        "votes-chart",
        "/static/votes.js",
        "Matrix of votes by state and resolution",
    )


@router.get("/views/network")
async def network_page(request: Request) -> Response:
    controls = """<div class="field"><label for="n-kind">Links</label><select id="n-kind" name="kind">
<option value="">officials, states and agreements</option><option value="visits">officials ↔ states (visits)</option>
<option value="agreements">agreements ↔ states</option></select></div>"""
    return _view(
        "Network of officials, states and agreements",
        "/views/network",
        "Officials are linked to the states they visited, agreements to their parties and to the officials whose "
        "visit produced them. Drag to explore; select a node to open its page.",
        controls,
        "network-chart",
        "/static/network.js",
        "Network of officials, states and agreements",
    )


# the views' data -------------------------------------------------------------------------------------------


def _label(row: dict[str, Any], key: str, iri_key: str) -> str:
    return (row.get(key) or {}).get("value") or short(row[iri_key]["value"])


def _year(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().lstrip("-").isdigit():
        raise ValueError(f"not a year: {text!r}")
    return int(text)


@views_router.get("/api/views/timeline", summary="Visits and agreements with their dates and the states involved")
async def timeline_data(
    request: Request,
    state: str | None = Query(None, description="Keep the items involving this state (IRI)"),
    from_: str | None = Query(None, alias="from", description="First year"),
    to: str | None = Query(None, description="Last year"),
    kind: str | None = Query(None, description="visit or agreement (default: both)"),
    office: str | None = Query(
        None, description="Keep the visits of a holder of this office or of one within it (IRI), and their agreements"
    ),
) -> Response:
    st = state_of(request)
    try:
        y0, y1 = _year(from_), _year(to)
    except ValueError as e:
        return JSONResponse({"error": str(e)}, 400)
    filters = []
    if y0 is not None:
        filters.append(f"FILTER(YEAR(?end) >= {y0})")
    if y1 is not None:
        filters.append(f"FILTER(YEAR(?start) <= {y1})")
    if state:
        if any(c in state for c in '<>" {}|\\^`'):
            return JSONResponse({"error": "bad state IRI"}, 400)
        filters.append(f"FILTER(?state = <{state}>)")
    if office:
        if any(c in office for c in '<>" {}|\\^`'):
            return JSONResponse({"error": "bad office IRI"}, 400)
        filters.append(
            f"""FILTER EXISTS {{ {{ ?item rula:visitor ?who }} UNION {{ ?item rula:outcomeOf/rula:visitor ?who }}
  ?holding rula:holder ?who ; rula:office ?off .
  ?off rula:partOf* <{office}> }}"""
        )
    kinds = {"visit": "rula:Visit", "agreement": "rula:Agreement"}
    chosen = [kinds[kind]] if kind in kinds else list(kinds.values())
    russia = st.settings.base_iri + "id/state/russia"
    query = (
        prefix_text("rula", "rdfs")
        + f"""SELECT ?item ?class ?label ?start ?end ?state ?stateLabel WHERE {{
  VALUES ?class {{ {" ".join(chosen)} }}
  ?item a ?class ; rula:earliestDate ?start .
  OPTIONAL {{ ?item rula:latestDate ?end0 }} BIND(COALESCE(?end0, ?start) AS ?end)
  {{ ?item rula:hostState ?state }} UNION {{ ?item rula:sendingState ?state }} UNION {{ ?item rula:party ?state }}
  ?state a rula:SovereignState . FILTER(?state != <{russia}>)
  {" ".join(filters)}
  OPTIONAL {{ ?item rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?state rdfs:label ?stateLabel FILTER(LANGMATCHES(LANG(?stateLabel), "en")) }}
}} ORDER BY ?start ?item ?state"""
    )
    try:
        rows = await select(st, query)
    except BackendError as e:
        return e.response
    seen = set()
    items = []
    for r in rows:
        key = (r["item"]["value"], r["state"]["value"])
        if key in seen:
            continue
        seen.add(key)
        items.append(
            {
                "iri": r["item"]["value"],
                "href": local_href(st, r["item"]["value"]),
                "kind": "visit" if r["class"]["value"].endswith("#Visit") else "agreement",
                "label": _label(r, "label", "item"),
                "start": r["start"]["value"][:10],
                "end": r["end"]["value"][:10],
                "state": r["state"]["value"],
                "stateLabel": _label(r, "stateLabel", "state"),
            }
        )
    return JSONResponse({"count": len(items), "items": items})


@views_router.get("/api/views/votes", summary="The recorded votes of states on UN resolutions")
async def votes_data(
    request: Request,
    resolution: str | None = Query(None, description="Keep one resolution (IRI)"),
    rollcall: int | None = Query(
        None, ge=1, le=10**9, description="Instead: every state's vote in one roll call of the UN voting record (rcid)"
    ),
) -> Response:
    st = state_of(request)
    if rollcall is not None:
        return await _roll_call_votes(st, rollcall)
    flt = ""
    if resolution:
        if any(c in resolution for c in '<>" {}|\\^`'):
            return JSONResponse({"error": "bad resolution IRI"}, 400)
        flt = f"FILTER(?resolution = <{resolution}>)"
    query = (
        prefix_text("rula", "rdfs")
        + f"""SELECT ?cast ?resolution ?symbol ?state ?stateLabel ?option ?status WHERE {{
  ?cast rula:onResolution ?resolution ; rula:voter ?state ; rula:voteOption ?o .
  {flt}
  OPTIONAL {{ ?cast rula:assertionStatus ?status }}
  BIND(STRAFTER(STR(?o), "#vote-") AS ?option)
  OPTIONAL {{ ?resolution rula:adoptedSymbol ?a }} OPTIONAL {{ ?resolution rula:draftSymbol ?d }}
  BIND(COALESCE(?a, ?d, STR(?resolution)) AS ?symbol)
  OPTIONAL {{ ?state rdfs:label ?stateLabel FILTER(LANGMATCHES(LANG(?stateLabel), "en")) }}
}} ORDER BY ?symbol ?stateLabel"""
    )
    try:
        rows = await select(st, query)
    except BackendError as e:
        return e.response
    votes = [_vote(st, r, "cast", "resolution") for r in rows]
    return JSONResponse({"count": len(votes), "options": ["yes", "no", "abstain", "absent"], "votes": votes})


def _vote(st: Any, row: dict[str, Any], page: str, resolution: str) -> dict[str, Any]:
    """One vote of the votes view: ``page`` and ``resolution`` name the columns its link and resolution come from."""
    return {
        "cast": row["cast"]["value"],
        "href": local_href(st, row[page]["value"]),
        "resolution": row[resolution]["value"],
        "symbol": row["symbol"]["value"],
        "state": row["state"]["value"],
        "stateLabel": _label(row, "stateLabel", "state"),
        "option": row["option"]["value"],
        "status": (row.get("status") or {}).get("value"),
    }


async def _roll_call_votes(st: Any, rcid: int) -> Response:
    """Every state's vote in roll call ``rcid`` of the UN voting record (graph/unvotes); 404 if there is none."""
    query = (
        prefix_text("rula", "rdfs")
        + f"""SELECT ?cast ?rc ?symbol ?state ?stateLabel ?option WHERE {{
  ?rc rula:rollCallId {rcid} .
  GRAPH <{st.settings.base_iri}graph/unvotes> {{ ?cast rula:inVote ?rc ; rula:voter ?state ; rula:voteOption ?o }}
  BIND(STRAFTER(STR(?o), "#vote-") AS ?option)
  OPTIONAL {{ SELECT ?rc (SAMPLE(COALESCE(?a, ?code)) AS ?s0) WHERE {{ ?rc rula:rollCallId {rcid} ;
      rula:onResolution ?res . OPTIONAL {{ ?res rula:adoptedSymbol ?a }} OPTIONAL {{ ?res rula:resolutionCode ?code }}
  }} GROUP BY ?rc }}
  BIND(CONCAT(COALESCE(?s0, "no resolution"), " (roll call {rcid})") AS ?symbol)
  OPTIONAL {{ ?state rdfs:label ?stateLabel FILTER(LANGMATCHES(LANG(?stateLabel), "en")) }}
}} ORDER BY ?stateLabel ?state"""
    )
    try:
        rows = await select(st, query)
    except BackendError as e:
        return e.response
    if not rows:
        return JSONResponse({"detail": f"No roll call {rcid} in the UN voting record."}, 404)
    votes = [_vote(st, r, "rc", "rc") for r in rows]
    options = ["yes", "no", "abstain", "absent", "not-member"]
    return JSONResponse({"count": len(votes), "options": options, "votes": votes})


@views_router.get("/api/views/network", summary="Officials, states and agreements as a graph (nodes and links)")
async def network_data(
    request: Request, kind: str | None = Query(None, description="visits, agreements or both")
) -> Response:
    st = state_of(request)
    if kind not in (None, "", "visits", "agreements"):  # (an unknown kind once gave an empty UNION: a 500)
        return JSONResponse({"detail": f"Unknown kind {kind!r}: visits, agreements, or none for both."}, 400)
    russia = st.settings.base_iri + "id/state/russia"
    parts = []
    if kind in (None, "", "visits"):
        parts.append(f"""{{ ?visit a rula:Visit ; rula:visitor ?a ; rula:hostState ?b . ?a a rula:Person .
  BIND("visited" AS ?rel) FILTER(?b != <{russia}>) }}""")
    if kind in (None, "", "agreements"):
        parts.append(f"""{{ ?a a rula:Agreement ; rula:party ?b . ?b a rula:SovereignState . BIND("party" AS ?rel)
  FILTER(?b != <{russia}>) }}""")
        parts.append("""{ ?a a rula:Agreement ; rula:outcomeOf ?visit . ?visit rula:visitor ?b . ?b a rula:Person .
  BIND("signed on a visit of" AS ?rel) }""")
    query = (
        prefix_text("rula", "rdfs")
        + f"""SELECT DISTINCT ?a ?b ?rel ?al ?bl ?at ?bt WHERE {{
  {" UNION ".join(parts)}
  OPTIONAL {{ ?a rdfs:label ?al FILTER(LANGMATCHES(LANG(?al), "en")) }}
  OPTIONAL {{ ?b rdfs:label ?bl FILTER(LANGMATCHES(LANG(?bl), "en")) }}
  BIND(IF(EXISTS {{ ?a a rula:Agreement }}, "agreement", IF(EXISTS {{ ?a a rula:Person }}, "official", "state")) AS ?at)
  BIND(IF(EXISTS {{ ?b a rula:Person }}, "official", IF(EXISTS {{ ?b a rula:Agreement }}, "agreement", "state")) AS ?bt)
}}"""
    )
    try:
        rows = await select(st, query)
    except BackendError as e:
        return e.response
    nodes: dict[str, dict[str, Any]] = {}
    links = []
    for r in rows:
        for k, lk, tk in (("a", "al", "at"), ("b", "bl", "bt")):
            iri = r[k]["value"]
            node = nodes.setdefault(
                iri,
                {
                    "id": iri,
                    "label": _label(r, lk, k),
                    "kind": r[tk]["value"],
                    "href": local_href(st, iri),
                    "degree": 0,
                },
            )
            node["degree"] += 1
        links.append({"source": r["a"]["value"], "target": r["b"]["value"], "relation": r["rel"]["value"]})
    return JSONResponse({"nodes": list(nodes.values()), "links": links})


class CompressedStatic(StaticFiles):
    """Static files, gzip-compressed for clients that accept it (the libraries shrink to about a quarter), with
    a cache lifetime; the compressed bytes are kept in memory per file and modification time."""

    TEXT = (".js", ".css", ".svg", ".json", ".map", ".html")

    def __init__(self, *args: Any, max_age: int = 3600, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_age = max_age
        self._gzipped: dict[tuple[str, float], bytes] = {}

    async def get_response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = f"public, max-age={self.max_age}"
        if response.status_code != 200 or not isinstance(response, FileResponse) or not path.endswith(self.TEXT):
            return response
        accept = dict(scope.get("headers", [])).get(b"accept-encoding", b"").decode("latin-1")
        if "gzip" not in accept:
            response.headers["Vary"] = "Accept-Encoding"
            return response
        file = Path(response.path)
        key = (str(file), file.stat().st_mtime)
        body = self._gzipped.get(key)
        if body is None:
            body = gzip.compress(file.read_bytes(), 6)
            self._gzipped[key] = body
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "accept-ranges")
        }
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(body, status_code=200, headers=headers, media_type=response.media_type)


def install(app: FastAPI) -> None:
    """Add the web interface to the application: pages, entity pages, search, the views' data, static files."""
    from rulakg.service.routers import entities, search

    app.include_router(router)
    app.include_router(views_router)
    app.include_router(search.router)
    app.include_router(entities.router)
    app.mount("/static", CompressedStatic(directory=STATIC_DIR, max_age=600), name="ui-static")
    app.mount("/vendor", CompressedStatic(directory=VENDOR_DIR, check_dir=False, max_age=86400), name="ui-vendor")
