"""Query text for a remote SPARQL server: what pyoxigraph takes as arguments, written into the text instead.

The embedded store gets a saved query's parameters as ``substitutions`` and the base IRI as an argument; the
SPARQL 1.1 Protocol has neither. So the base becomes a ``BASE`` line, and the parameters a ``VALUES`` block at
the start of the query's outermost group (values are terms, never spliced into the text as code): the same
answers, since the bound variables are joined before anything else of the group is evaluated.
"""

from __future__ import annotations

from typing import Any

from rulakg.sparql_text import QUERY_FORMS, _tokens

_ECHAR = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


class TermError(ValueError):
    """A parameter value that is not a valid RDF term."""


def term_text(term: dict[str, Any]) -> str:
    """A wire term (``{"type": "iri"|"literal", "value", "language"?, "datatype"?}``) in SPARQL syntax."""
    value = str(term.get("value", ""))
    if term.get("type") == "iri":
        if any(c in value for c in '<>"{}|^`\\ \n\r\t'):
            raise TermError(f"Invalid IRI {value!r}")
        return f"<{value}>"
    text = '"' + value.translate(_ECHAR) + '"'
    if term.get("language"):
        lang = str(term["language"])
        if not all(part.isalnum() for part in lang.split("-")):
            raise TermError(f"Invalid language tag {lang!r}")
        return f"{text}@{lang}"
    if term.get("datatype"):
        return text + "^^" + term_text({"type": "iri", "value": term["datatype"]})
    return text


def with_base(text: str, base_iri: str | None) -> str:
    """``text`` resolved against ``base_iri`` (a ``BASE`` before the query's own prologue, which may override it)."""
    if not base_iri:
        return text
    return f"BASE {term_text({'type': 'iri', 'value': base_iri})}\n{text}"


def _matching(toks: list[tuple[str, str, int, int]], i: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``toks[i]``."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j][1] == "{":
            depth += 1
        elif toks[j][1] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise TermError("Unbalanced braces in the query")


def bind_values(text: str, substitutions: dict[str, dict[str, Any]]) -> str:
    """``text`` with each variable of ``substitutions`` bound to its term, as pyoxigraph's ``substitutions`` do."""
    if not substitutions:
        return text
    names = sorted(substitutions)
    block = (
        "VALUES ("
        + " ".join(f"?{n}" for n in names)
        + ") { ("
        + " ".join(term_text(substitutions[n]) for n in names)
        + ") }\n"
    )
    toks = list(_tokens(text))
    form_at = next((i for i, t in enumerate(toks) if t[0] == "word" and t[1].upper() in QUERY_FORMS), None)
    if form_at is None:
        raise TermError("Not a query: no SELECT, ASK, CONSTRUCT or DESCRIBE")
    form = toks[form_at][1].upper()
    i = form_at + 1
    if form == "CONSTRUCT" and i < len(toks) and toks[i][1] == "{":
        i = _matching(toks, i) + 1  # the template
    elif form == "CONSTRUCT":  # CONSTRUCT WHERE { T }: as CONSTRUCT { T } WHERE { VALUES … T }
        group = next((j for j in range(i, len(toks)) if toks[j][1] == "{"), None)
        if group is None:
            raise TermError("CONSTRUCT WHERE without a group")
        end = _matching(toks, group)
        inner = text[toks[group][3] : toks[end][2]]
        where_at = next(j for j in range(form_at, group) if toks[j][1].upper() == "WHERE")
        return text[: toks[where_at][2]] + "{" + inner + "} WHERE {\n" + block + inner + "}" + text[toks[end][3] :]
    group = next((j for j in range(i, len(toks)) if toks[j][1] == "{"), None)
    if group is None:  # DESCRIBE ?x with no WHERE: the described variables become their terms
        out, last = [], 0
        for kind, value, start, end in toks[i:]:
            if kind == "var" and value[1:] in substitutions:
                out += [text[last:start], term_text(substitutions[value[1:]])]
                last = end
        return "".join(out) + text[last:]
    at = toks[group][3]
    return text[:at] + "\n" + block + text[at:]
