"""Shared pieces of the web interface: the page layout, security headers, links to entity pages, and running a
SELECT on the worker pool (the same path as /sparql) for the server-rendered pages and the views' data."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from rulakg.prefixes import PREFIXES
from rulakg.service.execute import run_on_backend
from rulakg.service.state import ServiceState

# Scripts only from this service; styles too (YASGUI and ECharts set element styles from script, and YASGUI
# adds a few style attributes, hence 'unsafe-inline' for styles only); no frames, plugins or foreign hosts.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}

NAV = (
    ("/", "Query editor"),
    ("/queries", "Saved queries"),
    ("/views/timeline", "Timeline"),
    ("/views/votes", "UN votes"),
    ("/views/network", "Network"),
)


class BackendError(Exception):
    def __init__(self, response: Response):
        self.response = response
        super().__init__(response.body.decode("utf-8", "replace") if hasattr(response, "body") else "error")


def state_of(request: Request) -> ServiceState:
    return request.app.state.rulakg  # type: ignore[no-any-return]


def prefix_text(*names: str) -> str:
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in (names or PREFIXES))


async def select(state: ServiceState, query: str, timeout: float | None = None) -> list[dict[str, dict[str, str]]]:
    """The bindings of a SELECT run on the worker pool (SPARQL JSON, the union default graph)."""
    payload = {"query": query, "union_default_graph": True, "format": "json", "max_rows": 0}
    answer = await run_on_backend(state, payload, timeout or state.settings.query_timeout)
    if isinstance(answer, Response):
        raise BackendError(answer)
    body = b"".join([chunk async for chunk in answer.body()])
    data = json.loads(body)
    if "boolean" in data:
        return [{"boolean": {"type": "literal", "value": str(data["boolean"]).lower()}}]
    return data["results"]["bindings"]  # type: ignore[no-any-return]


async def ask(state: ServiceState, query: str) -> bool:
    rows = await select(state, query)
    return bool(rows) and rows[0].get("boolean", {}).get("value") == "true"


def ids_base(state: ServiceState) -> str:
    return state.settings.base_iri + "id/"


def local_href(state: ServiceState, iri: str) -> str | None:
    """The path of an IRI's page on this service, for the IRIs the graph mints; else None."""
    base = ids_base(state)
    if iri.startswith(base):
        return "/id/" + iri[len(base) :]
    if iri.startswith(state.settings.base_iri + "ontology"):
        return "/ontology" + ("#" + iri.split("#", 1)[1] if "#" in iri else "")
    return None


def short(iri: str) -> str:
    """``prefix:local`` for the project's prefixes, else the IRI."""
    best = None
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = p
    if best is None:
        return iri
    local = iri[len(PREFIXES[best]) :]
    return f"{best}:{local}" if local and "/" not in local and "#" not in local else iri


def iri_link(state: ServiceState, iri: str, label: str | None = None) -> str:
    text = escape(label or short(iri))
    href = local_href(state, iri)
    if href:
        return f'<a href="{escape(href)}">{text}</a>'
    if iri.startswith(("http://", "https://")):
        return f'<a href="{escape(iri)}" rel="noopener noreferrer">{text}</a>'
    return text


def page(
    title: str,
    body: str,
    *,
    scripts: tuple[str, ...] = (),
    styles: tuple[str, ...] = (),
    current: str = "",
    query: str = "",
    wide: bool = False,
) -> str:
    """A complete HTML page in the service's layout: header with navigation and search, main, footer."""
    nav = "".join(
        f'<li><a href="{href}"{" aria-current=page" if href == current else ""}>{escape(text)}</a></li>'
        for href, text in NAV
    )
    css = "".join(f'<link rel="stylesheet" href="{escape(s)}">' for s in (*styles, "/static/ui.css"))
    js = "".join(f'<script src="{escape(s)}" defer></script>' for s in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · RuLA KG</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
{css}
{js}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">RuLA KG</a>
  <nav aria-label="Main"><ul>{nav}</ul></nav>
  <form class="search" role="search" action="/search" method="get">
    <label for="site-search" class="visually-hidden">Search entities</label>
    <input id="site-search" name="q" type="search" placeholder="Search entities (any language)" value="{escape(query)}"
      autocomplete="off" list="site-search-suggestions" data-suggest="/api/search">
    <datalist id="site-search-suggestions"></datalist>
    <button type="submit">Search</button>
  </form>
</header>
<main id="main" class="{"wide" if wide else ""}" tabindex="-1">
{body}
</main>
<footer class="bottom">
  <p>RuLA KG — Russia (and the USSR) and Latin America and the Caribbean.
  <a href="/sparql">SPARQL endpoint</a> · <a href="/docs">API</a> · <a href="/ontology">Ontology</a> ·
  <a href="/api/search?q=Cuba">Search API</a> · <a href="/docs/guide/">Guide</a> · <a href="/downloads">Downloads</a>.
  Data <a href="/docs/guide/cite/">CC BY 4.0</a>, code MIT.</p>
</footer>
<script src="/static/common.js" defer></script>
</body>
</html>
"""


def html(content: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def json_data(element_id: str, data: Any) -> str:
    """Data for a page's script, in a non-executed JSON block (allowed by the CSP, unlike inline scripts)."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{escape(element_id)}">{text}</script>'


def error_page(status: int, title: str, message: str) -> HTMLResponse:
    body = f'<h1>{escape(title)}</h1><p class="error" role="alert">{escape(message)}</p>'
    return html(page(title, body), status)
