"""Labels in English and Spanish for fact rows (visits, votes, holdings…), built from the labels of the
entities they link, so that every node of the graph has a readable name in both languages."""

from __future__ import annotations

from collections.abc import Callable

Lookup = Callable[[str, str], str]  # (id, lang) → label (the id itself when unknown)

_KIND = {
    "visit": ("Visit", "Visita"),
    "holding": ("Office holding", "Ejercicio de cargo"),
    "membership": ("Membership", "Membresía"),
    "vote-cast": ("Vote", "Voto"),
    "recognition": ("Position on recognition", "Posición sobre el reconocimiento"),
    "un-seat": ("UN seat", "Puesto en la ONU"),
    "claim": ("Claim", "Afirmación"),
    "arms-transfer": ("Military-technical cooperation", "Cooperación técnico-militar"),
    "observation": ("Economic figure", "Dato económico"),
    "agreement": ("Agreement", "Acuerdo"),
}
_VOTES = {
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "abstain": ("abstention", "abstención"),
    "absent": ("absent", "ausente"),
}


def _names(lookup: Lookup, cell: str, lang: str) -> str:
    ids = [v.strip() for v in cell.split(";") if v.strip()]
    return ", ".join(lookup(i, lang) for i in ids)


def _when(row: dict[str, str], *columns: str) -> str:
    for c in columns:
        if row.get(c):
            return f" ({row[c]})"
    return ""


def fact_labels(kind: str, row: dict[str, str], lookup: Lookup) -> tuple[str, str] | None:
    """(English, Spanish) label of a fact row, or None when the row has its own labels."""
    if kind not in _KIND:
        return None
    out = []
    for i, lang in enumerate(("en", "es")):
        word = _KIND[kind][i]

        def n(col: str, lang: str = lang) -> str:
            return _names(lookup, row.get(col, ""), lang)

        if kind == "visit":
            who = n("visitors") or n("visiting_state")
            text = f"{word}: {who} → {n('host_states')}{_when(row, 'date')}"
        elif kind == "holding":
            text = f"{word}: {n('person')}, {n('office')} ({n('state')})"
        elif kind == "membership":
            text = f"{word}: {n('member')} – {n('organisation')}"
        elif kind == "vote-cast":
            vote = _VOTES.get(row.get("vote", ""), (row.get("vote", ""),) * 2)[i]
            text = f"{word}: {n('state')} – {n('resolution')}: {vote}"
        elif kind == "recognition":
            text = f"{word}: {n('recognising_state')} – {n('recognised')}{_when(row, 'date')}"
        elif kind == "un-seat":
            text = f"{word}: {n('state')} – {n('body')}"
        elif kind == "claim":
            who = (
                "the article"
                if row.get("attributed_to") == "article" and lang == "en"
                else ("el artículo" if row.get("attributed_to") == "article" else n("attributed_to"))
            )
            short = row.get("claim_text", "")
            short = short if len(short) <= 90 else short[:87].rstrip() + "…"
            text = f"{word} ({who}): {short}"
        elif kind == "arms-transfer":
            text = (
                f"{word}: {n('supplier')} → {n('recipient')}: {n('system') or row.get('kind', '')}{_when(row, 'year')}"
            )
        elif kind == "observation":
            what = row.get("product") or row.get("kind", "")
            text = f"{word}: {n('reporting_state')} – {n('partner_state')}: {what}{_when(row, 'period')}"
        else:  # agreement: the curated title in English; a generated one in Spanish
            if lang == "en" and row.get("title"):
                out.append("")  # the title column gives the English label
                continue
            text = f"{word}: {n('parties')}{_when(row, 'date')}"
        out.append(text)
    return out[0], out[1]
