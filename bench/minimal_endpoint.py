"""The least a Python SPARQL endpoint over pyoxigraph can do: the floor under this service's request path.

A raw ASGI app under uvicorn (no FastAPI, no limits, cache, lanes, ETag, metrics or log): it reads ``query``
from the URL, runs it on a read-only opener of the store (union default graph) and answers SPARQL JSON
serialized by pyoxigraph. ``bench/inline_ab.py`` runs it beside the service and the Oxigraph server, so the
gap between the service and the Oxigraph server splits into what Python and uvicorn cost at all and what the
service's own features cost.

    MINIMAL_STORE=<oxigraph folder> uvicorn --app-dir bench minimal_endpoint:app --port 8001
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl

from pyoxigraph import QueryResultsFormat, Store

store = Store.read_only(os.environ["MINIMAL_STORE"])
HEADERS = [(b"content-type", b"application/sparql-results+json")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    query = dict(parse_qsl(scope["query_string"].decode()))["query"]
    body = store.query(query, use_default_graph_as_union=True).serialize(format=QueryResultsFormat.JSON)
    headers = [*HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
