"""A seeded synthetic graph in the project's own model, at any size (bench/peers.py's data).

Unlike ``bench.py``'s generator (kept as it was, so that runs 1–4 stay reproducible), this one uses the
ontology's terms, so that the saved queries and their build-time aggregates make sense on it: sovereign states
with labels in en/es/ru grouped by region (one grouping is Latin America and the Caribbean, the default of
``state-contact-counts``), officials, visits (diplomatic or military, host and sending state, a start date, a
status: 90 % took place), agreements (two parties, one or two subject areas, a date), UN resolutions and one
vote per member state per resolution (yes / no / abstain / absent). The mix by triples: ~55 % votes, ~20 %
visits, ~10 % agreements, ~15 % persons. The same seed and size give the same file.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

R = "https://w3id.org/rulakg/ontology#"
ID = "https://w3id.org/rulakg/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
PREF = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
XSD = "http://www.w3.org/2001/XMLSchema#"
N_STATES = 200
REGIONS = ["latin-america-and-the-caribbean", "europe", "asia", "africa", "oceania", "north-america"]
AREAS = ["energy", "nuclear", "trade", "finance", "military-technical", "transport", "space", "health"]
OPTIONS = ["yes", "no", "abstain", "absent"]


def iri(kind: str, key: object) -> str:
    return f"<{ID}{kind}/{key}>"


def state(i: int) -> str:
    return iri("state", f"s{i}")


def person(i: int) -> str:
    return iri("person", f"p{i}")


def resolution(i: int) -> str:
    return iri("resolution", f"r{i}")


def t(local: str) -> str:
    return f"<{R}{local}>"


def lit(s: str, lang: str | None = None) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"@{lang}' if lang else f'"{s}"'


def date(d: str) -> str:
    return f'"{d}"^^<{XSD}date>'


def plan(triples: int) -> dict[str, int]:
    """How many entities of each kind give about ``triples`` triples."""
    rest = max(0, triples - N_STATES * 8 - 400)
    return {
        "states": N_STATES,
        "persons": max(1, rest * 15 // 100 // 4),
        "visits": max(1, rest * 20 // 100 // 8),
        "agreements": max(1, rest * 10 // 100 // 7),
        "resolutions": max(1, rest * 55 // 100 // (N_STATES * 4 + 3)),
    }


def generate(path: Path, triples: int, seed: int) -> dict[str, Any]:
    """Write the N-Triples file (skipped when one of this size and seed exists); its plan and triple count."""
    counts = plan(triples)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("counts") == counts and meta.get("seed") == seed:
            return meta
    rng = random.Random(seed)
    n = 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as f:

        def w(s: str, p: str, o: str) -> None:
            nonlocal n
            f.write(f"{s} {p} {o} .\n")
            n += 1

        region_of = [REGIONS[i % len(REGIONS)] for i in range(N_STATES)]
        for region in REGIONS:
            g = iri("grouping", region)
            w(g, RDF_TYPE, t("StateGrouping"))
            w(g, LABEL, lit(region.replace("-", " ").title(), "en"))
        for i in range(N_STATES):
            s = state(i)
            w(s, RDF_TYPE, t("SovereignState"))
            w(s, RDF_TYPE, t("State"))
            w(s, LABEL, lit(f"State {i}", "en"))
            w(s, LABEL, lit(f"Estado {i}", "es"))
            w(s, LABEL, lit(f"Государство {i}", "ru"))
            w(s, t("isoAlpha3"), lit(f"S{i:02d}"[:3] if i < 100 else f"T{i - 100:02d}"))
            w(iri("grouping", region_of[i]), t("hasMember"), s)
            w(s, t("memberOf"), iri("grouping", region_of[i]))
        for a in AREAS:
            w(t(f"area-{a}"), PREF, lit(a.replace("-", " "), "en"))
        for i in range(counts["persons"]):
            p = person(i)
            w(p, RDF_TYPE, t("Official"))
            w(p, LABEL, lit(f"Person {i} {rng.randrange(10**6)}", "en"))
            w(p, t("birthDate"), date(f"{rng.randint(1920, 1990)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"))
            w(p, t("nationality"), state(rng.randrange(N_STATES)))
        for i in range(counts["visits"]):
            v = iri("visit", f"v{i}")
            military = rng.random() < 0.2
            w(v, RDF_TYPE, t("Visit"))
            w(v, RDF_TYPE, t("MilitaryVisit" if military else "DiplomaticVisit"))
            host, sender = rng.sample(range(N_STATES), 2)
            w(v, t("hostState"), state(host))
            w(v, t("sendingState"), state(sender))
            w(v, t("visitor"), person(rng.randrange(counts["persons"])))
            w(v, t("status"), t("status-took-place" if rng.random() < 0.9 else "status-cancelled"))
            day = f"{rng.randint(1960, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w(v, t("earliestDate"), date(day))
            w(v, LABEL, lit(f"Visit {i} on {day}", "en"))
        for i in range(counts["agreements"]):
            a = iri("agreement", f"a{i}")
            p1, p2 = rng.sample(range(N_STATES), 2)
            w(a, RDF_TYPE, t("Agreement"))
            w(a, t("party"), state(p1))
            w(a, t("party"), state(p2))
            for area in rng.sample(AREAS, 1 if rng.random() < 0.7 else 2):
                w(a, t("subjectArea"), t(f"area-{area}"))
            day = f"{rng.randint(1960, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w(a, t("earliestDate"), date(day))
            w(a, LABEL, lit(f"Agreement {i} between {p1} and {p2}", "en"))
        for r in range(counts["resolutions"]):
            res = resolution(r)
            w(res, RDF_TYPE, t("UNResolution"))
            w(res, LABEL, lit(f"Resolution {r}", "en"))
            w(res, t("draftSymbol"), lit(f"A/{r // 100}/L.{r % 100}"))
            for i in range(N_STATES):
                c = iri("vote", f"r{r}-s{i}")
                w(c, RDF_TYPE, t("VoteCast"))
                w(c, t("onResolution"), res)
                w(c, t("voter"), state(i))
                w(c, t("voteOption"), t(f"vote-{rng.choices(OPTIONS, weights=(6, 2, 2, 1))[0]}"))
    tmp.replace(path)
    meta = {"seed": seed, "counts": counts, "triples": n, "bytes": path.stat().st_size}
    meta_path.write_text(json.dumps(meta))
    return meta
