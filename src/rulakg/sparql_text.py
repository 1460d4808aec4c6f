"""A light look at a SPARQL request's text, without a full parse.

pyoxigraph parses queries itself but exposes nothing of the result, and the service must know three things
before it runs one: is this an update (so the query endpoint can say where to send it), does the query
name its own dataset (``FROM``; the union-default-graph mode must not override it), and where its outermost
``LIMIT`` is (to apply the row cap). A tokenizer that knows comments, strings and IRIs answers all three.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-.\u00B7-\uFFFF]*(?::[^\s{}()<>,;]*)?|:[^\s{}()<>,;]*)
  | (?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


@dataclass(frozen=True)
class QueryShape:
    """What the service needs to know of a request's text."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None when unknown
    is_update: bool
    has_dataset: bool  # the query has FROM / FROM NAMED clauses
    has_service: bool  # the query calls a remote endpoint (SERVICE)
    limit: int | None  # the outermost LIMIT, if any
    limit_span: tuple[int, int] | None  # where that LIMIT's number is in the text
    insert_at: int  # where an outermost LIMIT clause may be inserted


def _tokens(text: str):
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, m.group(), m.start(), m.end()


Token = tuple[str, str, int, int]  # kind, text, start, end
_SHORT = 8192  # texts up to this many characters have their tokens kept (token_list)


@functools.lru_cache(maxsize=32)
def _kept_tokens(text: str) -> tuple[Token, ...]:
    return tuple(_tokens(text))


def token_list(text: str) -> tuple[Token, ...]:
    """The tokens of ``text``. A request's text is looked at several times on its way (lanes, result cache,
    in-process look-up, row cap): a short one is tokenized once, a long one each time (not kept in memory)."""
    return _kept_tokens(text) if len(text) <= _SHORT else tuple(_tokens(text))


def inspect(text: str) -> QueryShape:
    """The form, dataset clauses and outermost LIMIT of ``text``; a short text's shape is kept (as its tokens are:
    the service, the result cache and the evaluation each ask, and saved queries are asked again and again)."""
    return _kept_shape(text) if len(text) <= _SHORT else _shape(text)


@functools.lru_cache(maxsize=256)
def _kept_shape(text: str) -> QueryShape:
    return _shape(text)


def _shape(text: str) -> QueryShape:
    form: str | None = None
    is_update = False
    has_dataset = False
    has_service = False
    depth = 0
    limit: int | None = None
    limit_span: tuple[int, int] | None = None
    insert_at = len(text)
    toks = token_list(text)
    in_prologue = True
    for i, (kind, value, start, _end) in enumerate(toks):
        upper = value.upper() if kind == "word" else ""
        if in_prologue and kind == "word":
            if upper in ("PREFIX", "BASE"):
                continue
            if upper in QUERY_FORMS:
                form, in_prologue = upper, False
                continue
            if upper in UPDATE_KEYWORDS:
                is_update, in_prologue = True, False
                continue
            if ":" not in value:
                in_prologue = False
        if in_prologue:
            continue
        if kind == "word" and upper == "SERVICE":
            has_service = True
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif depth == 0 and kind == "word":
            if upper == "FROM":
                has_dataset = True
            elif upper == "LIMIT" and i + 1 < len(toks) and toks[i + 1][0] == "number":
                limit = int(float(toks[i + 1][1]))
                limit_span = (toks[i + 1][2], toks[i + 1][3])
            elif upper == "VALUES" and form is not None:
                insert_at = start
    return QueryShape(form, is_update, has_dataset, has_service, limit, limit_span, insert_at)


def cap_rows(text: str, cap: int, shape: QueryShape | None = None) -> tuple[str, bool]:
    """Lower (or add) the outermost LIMIT of a SELECT query to ``cap``; say whether the cap was applied."""
    shape = shape or inspect(text)
    if cap <= 0 or shape.form != "SELECT":
        return text, False
    if shape.limit is not None and shape.limit_span is not None:
        if shape.limit <= cap:
            return text, False
        a, b = shape.limit_span
        return text[:a] + str(cap) + text[b:], True
    at = shape.insert_at
    return f"{text[:at]}\nLIMIT {cap}\n{text[at:]}", True


def _outer_modifiers(text: str) -> tuple[dict[str, tuple[int, int, int]], int]:
    """The outermost LIMIT and OFFSET of a query: keyword → (value, start of the keyword, end of the number),
    and where a new solution modifier may be inserted (before a trailing VALUES clause, else at the end)."""
    found: dict[str, tuple[int, int, int]] = {}
    depth = 0
    started = False
    insert_at = len(text)
    toks = list(_tokens(text))
    for i, (kind, value, start, _end) in enumerate(toks):
        upper = value.upper() if kind == "word" else ""
        if not started:
            started = upper in QUERY_FORMS
            continue
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif depth == 0 and upper in ("LIMIT", "OFFSET") and i + 1 < len(toks) and toks[i + 1][0] == "number":
            found[upper] = (int(float(toks[i + 1][1])), start, toks[i + 1][3])
        elif depth == 0 and upper == "VALUES":
            insert_at = start
    return found, insert_at


def paginate(text: str, limit: int, offset: int = 0) -> str:
    """Set the outermost LIMIT/OFFSET of a SELECT query to a page of ``limit`` rows starting at ``offset``.

    The page is taken within the query's own window: with ``LIMIT 100 OFFSET 10`` in the text, page offset
    20 starts at row 30 and no page goes past row 110. Other query forms are returned unchanged.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be non-negative")
    if inspect(text).form != "SELECT":
        return text
    found, insert_at = _outer_modifiers(text)
    own_limit = found["LIMIT"][0] if "LIMIT" in found else None
    own_offset = found["OFFSET"][0] if "OFFSET" in found else 0
    new_offset = own_offset + offset
    new_limit = limit if own_limit is None else max(0, min(limit, own_limit - offset))
    # Cut the old clauses (from the end, so the spans stay valid), then add the new ones in one place.
    for _, start, end in sorted(found.values(), key=lambda v: v[1], reverse=True):
        text = text[:start] + text[end:]
        if start < insert_at:
            insert_at -= end - start
    insert_at = min(insert_at, len(text))
    clause = f"\nLIMIT {new_limit}" + (f" OFFSET {new_offset}" if new_offset else "") + "\n"
    return text[:insert_at] + clause + text[insert_at:]


@dataclass(frozen=True)
class ServiceCall:
    """One ``SERVICE [SILENT] <endpoint>`` of a query: the endpoint and where its token is in the text."""

    endpoint: str | None  # the IRI (prefixed names resolved); None when the endpoint is a variable
    token: str  # the endpoint as written (``<…>``, ``p:local`` or ``?var``)
    silent: bool
    span: tuple[int, int]  # where the endpoint token is in the text


def service_calls(text: str) -> list[ServiceCall]:
    """Every SERVICE clause of a query or update, in text order (comments and strings are skipped)."""
    toks = list(_tokens(text))
    prefixes: dict[str, str] = {}
    calls: list[ServiceCall] = []
    for i, (kind, value, _start, _end) in enumerate(toks):
        if kind != "word":
            continue
        upper = value.upper()
        if upper == "PREFIX" and i + 2 < len(toks) and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1].rstrip(":")] = toks[i + 2][1][1:-1]
        elif upper == "SERVICE" and i + 1 < len(toks):
            j = i + 1
            silent = toks[j][0] == "word" and toks[j][1].upper() == "SILENT"
            if silent:
                j += 1
            if j >= len(toks):
                break
            k, v, s, e = toks[j]
            endpoint: str | None = None
            if k == "iri":
                endpoint = v[1:-1]
            elif k == "word" and ":" in v:
                prefix, local = v.split(":", 1)
                endpoint = prefixes[prefix] + local if prefix in prefixes else v
            calls.append(ServiceCall(endpoint, v, silent, (s, e)))
    return calls


def replace_spans(text: str, replacements: list[tuple[tuple[int, int], str]]) -> str:
    """``text`` with each span replaced (spans must not overlap)."""
    for (a, b), new in sorted(replacements, key=lambda r: r[0][0], reverse=True):
        text = text[:a] + new + text[b:]
    return text


AGGREGATES = {"COUNT", "SUM", "AVG", "MIN", "MAX", "GROUP_CONCAT", "SAMPLE"}
SMALL_LIMIT = 1000  # an ORDER BY under a LIMIT this small is a top-k, not a full sort of the answer
SEVERAL_PATTERNS = 3  # this many triple patterns without a LIMIT: a join whose size nothing bounds


def looks_heavy(text: str) -> tuple[bool, str | None]:
    """A cheap static guess of a query's cost, for a query text not yet seen run: (heavy?, the reason).

    Heavy when the text has any of (outside comments and strings):

    * an aggregate (``COUNT``, ``SUM``, ``AVG``, ``MIN``, ``MAX``, ``GROUP_CONCAT``, ``SAMPLE``) or ``GROUP BY``;
    * an ``ORDER BY`` without an outermost ``LIMIT`` of at most ``SMALL_LIMIT`` rows;
    * a property path with ``*`` or ``+`` (after an IRI, a prefixed name, ``a`` or a ``)``);
    * no outermost ``LIMIT`` and either ``SEVERAL_PATTERNS`` triple patterns or more, or a pattern of three
      variables (a scan of the whole store).

    A guess only: the service then remembers how long each query text really took (``service/lanes.py``), and
    that observation wins over this estimate.
    """
    toks = token_list(text)
    shape = inspect(text)
    if shape.is_update:
        return False, None
    depth = 0
    parens = 0
    patterns = 0
    has_group = False
    vars_in_row = 0
    full_scan = False
    order_by = False
    prev: tuple[str, str] = ("", "")
    for i, (kind, value, _start, _end) in enumerate(toks):
        upper = value.upper() if kind == "word" else ""
        if kind == "word":
            if upper in AGGREGATES and i + 1 < len(toks) and toks[i + 1][1] == "(":
                return True, f"aggregate {upper}"
            if upper == "GROUP" and i + 1 < len(toks) and toks[i + 1][1].upper() == "BY":
                has_group = True
            if upper == "ORDER" and i + 1 < len(toks) and toks[i + 1][1].upper() == "BY":
                order_by = True
        if depth > 0:
            pk, pv = prev
            if value in ("*", "+") and kind == "other":
                if pk == "iri" or (pk == "word" and (":" in pv or pv == "a")) or pv == ")":
                    return True, f"property path with {value}"
            elif kind == "word" and ":" in value and value[-1] in "*+":  # ex:knows+ is one token
                return True, f"property path with {value[-1]}"
            if parens == 0:
                if kind == "var":
                    vars_in_row += 1
                    full_scan = full_scan or vars_in_row >= 3
                else:
                    vars_in_row = 0
                if value in (".", ";", ",") or (value == "}" and pv not in (".", "{", "}")):
                    patterns += 1
        if value == "{":
            depth += 1
        elif value == "}":
            depth -= 1
        elif value == "(":
            parens += 1
        elif value == ")":
            parens = max(0, parens - 1)
        prev = (kind, value)
    if has_group:
        return True, "GROUP BY"
    limit = shape.limit
    if order_by and (limit is None or limit > SMALL_LIMIT):
        return True, "ORDER BY without a small LIMIT"
    if limit is None and shape.form in ("SELECT", "CONSTRUCT", "DESCRIBE"):
        if full_scan:
            return True, "a pattern of three variables without a LIMIT"
        if patterns >= SEVERAL_PATTERNS:
            return True, f"{patterns} triple patterns without a LIMIT"
    return False, None


_NAME = re.compile(r"(?:[A-Za-z_][\w\-.]*)?:[\w\-.:%]*")  # a prefixed name (or blank node label), no path operators
_SIMPLE_WORDS = {"a", "true", "false"}


def _term_end(toks: list[tuple[str, str, int, int]], i: int) -> int | None:
    """Where the RDF term (or variable) starting at ``toks[i]`` ends (the next index), None if it is none."""
    if i >= len(toks):
        return None
    kind, value = toks[i][0], toks[i][1]
    if kind in ("var", "iri", "number"):
        return i + 1
    if kind == "word":
        return i + 1 if value in _SIMPLE_WORDS or _NAME.fullmatch(value.rstrip(".")) else None
    if kind == "other" and value in "+-" and i + 1 < len(toks) and toks[i + 1][0] == "number":
        return i + 2
    if kind == "string":
        nxt = [t[1] for t in toks[i + 1 : i + 3]]
        if nxt[:1] == ["@"] and i + 2 < len(toks) and toks[i + 2][0] == "word":
            return i + 3
        if nxt == ["^", "^"]:
            end = _term_end(toks, i + 3)
            return end if end is not None and toks[i + 3][0] in ("iri", "word") else None
        return i + 1
    return None


def is_single_pattern(text: str) -> bool:
    """Is this a SELECT or ASK of at most one triple pattern, with plain projected variables and at most a LIMIT?

    The work of such a query is one index range scan, and every row it reads is a row of the answer: its cost
    is bounded by the size of what it sends back. That is what lets the service answer it in its own process
    (``store/inline.py``), where nothing could stop a query that runs long. Anything else — FILTER, OPTIONAL, a
    second pattern, a path, DISTINCT, ORDER BY, OFFSET, FROM, a projected variable the pattern does not bind
    (empty rows) — is not.
    """
    toks = token_list(text)
    i = 0
    while i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() in ("PREFIX", "BASE"):
        i += 3 if toks[i][1].upper() == "PREFIX" else 2
    if i >= len(toks) or toks[i][0] != "word" or toks[i][1].upper() not in ("SELECT", "ASK"):
        return False
    form = toks[i][1].upper()
    i += 1
    projected: set[str] | None = None  # None: SELECT * (or ASK)
    if form == "SELECT":
        if i < len(toks) and toks[i][1] == "*":
            i += 1
        else:
            projected = set()
            while i < len(toks) and toks[i][0] == "var":
                projected.add(toks[i][1][1:])
                i += 1
            if not projected:
                return False
    if i < len(toks) and toks[i][0] == "word" and toks[i][1].upper() == "WHERE":
        i += 1
    if i >= len(toks) or toks[i][1] != "{":
        return False
    i += 1
    bound: set[str] = set()
    if toks[i : i + 1] and toks[i][1] != "}":
        for _ in range(3):
            end = _term_end(toks, i)
            if end is None:
                return False
            if toks[i][0] == "var":
                bound.add(toks[i][1][1:])
            i = end
        if i < len(toks) and toks[i][1] == ".":
            i += 1
    if i >= len(toks) or toks[i][1] != "}":
        return False
    i += 1
    if i + 1 < len(toks) and toks[i][0] == "word" and toks[i][1].upper() == "LIMIT" and toks[i + 1][0] == "number":
        i += 2
    return i == len(toks) and (projected is None or projected <= bound)
