"""The saved-query API's overhead over ``/sparql``: the same query run N times each way, interleaved.

    python bench/saved_queries_latency.py http://127.0.0.1:8000 [N]

For each case, ``/api/queries/NAME?params`` is compared with ``/sparql`` running the same text (the
parameters written into the text here, for the comparison only); p50 and p90 in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import time

import httpx

CUBA = "https://w3id.org/rulakg/id/state/cuba"
VENEZUELA = "https://w3id.org/rulakg/id/state/venezuela"
CASES = [
    # (saved query, its parameters, the variable → SPARQL term written into the text for /sparql)
    ("list-states", {"per_page": "1000"}, {}),
    ("state-visits", {"state": CUBA, "year": "2014"}, {"?_state_iri": f"<{CUBA}>", "?__year_integer": "2014"}),
    ("resolution-votes", {"symbol": "A/68/L.39"}, {"?_symbol_string": '"A/68/L.39"'}),
    ("arms-transfers-to-state", {"state": VENEZUELA}, {"?_state_iri": f"<{VENEZUELA}>"}),
]


def main(url: str, n: int) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        listing = {q["name"]: q for q in client.get("/api/queries").json()["queries"]}
        for name, params, inline in CASES:
            text = "\n".join(ln for ln in listing[name]["sparql"].splitlines() if not ln.startswith("#"))
            head, where, body = text.partition("WHERE")
            for var, term in inline.items():  # projected as (term AS ?var), written into the pattern
                head, body = head.replace(var, f"({term} AS {var})"), body.replace(var, term)
            text = head + where + body
            if name == "list-states":
                text += "\nLIMIT 1000"  # the API pages it: same window
            api_t, sparql_t = [], []
            for i in range(n + 20):
                for which in ((0, 1) if i % 2 else (1, 0)):
                    start = time.perf_counter()
                    if which == 0:
                        r = client.get(f"/api/queries/{name}", params=params)
                    else:
                        r = client.get("/sparql", params={"query": text})
                    elapsed = (time.perf_counter() - start) * 1000
                    assert r.status_code == 200, r.text
                    if i >= 20:  # warm-up
                        (api_t if which == 0 else sparql_t).append(elapsed)
            p = statistics.quantiles
            a50, s50 = statistics.median(api_t), statistics.median(sparql_t)
            print(
                f"{name:14} n={n}  /api/queries p50 {a50:.2f} ms p90 {p(api_t, n=10)[8]:.2f}  |  "
                f"/sparql p50 {s50:.2f} ms p90 {p(sparql_t, n=10)[8]:.2f}  |  overhead p50 {a50 - s50:+.2f} ms"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000", int(sys.argv[2]) if len(sys.argv) > 2 else 200)
