"""The saved-query library: every ``queries/**/*.rq`` read, checked and described once, at start-up.

A query's name is its file name without ``.rq`` (unique across folders); its sub-folders are its section and
are added to its tags. Each file is checked: its decorators (``#+`` lines), its parameters, its syntax
(pyoxigraph parses it against an empty in-memory store, with every parameter bound) — and a problem is
reported as ``file:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Store, Variable

from rulakg.queries.binding import ParameterError, placeholder, validate
from rulakg.queries.decorators import DecoratorError, Decorators, parse_decorators
from rulakg.queries.parameters import Parameter, find_parameters
from rulakg.sparql_text import QUERY_FORMS, _tokens, inspect

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


class LibraryError(Exception):
    """One or more saved queries are broken; ``problems`` lists them as ``file:line: message``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        listing = "\n  ".join(problems)
        super().__init__(f"{len(problems)} problem(s) in the saved queries:\n  {listing}")


@dataclass
class SavedQuery:
    name: str
    path: Path
    relpath: str  # path under the queries folder, POSIX style
    text: str
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    parameters: list[Parameter]
    decorators: Decorators
    section: tuple[str, ...] = ()
    tags: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.decorators.summary:
            return self.decorators.summary
        if self.decorators.description:
            return self.decorators.description.splitlines()[0]
        return self.name.replace("_", " ").replace("-", " ")

    @property
    def body(self) -> str:
        """The SPARQL text without its ``#+`` decorator lines."""
        return "\n".join(ln for ln in self.text.splitlines() if not ln.lstrip().startswith("#+")).strip() + "\n"

    @property
    def description(self) -> str | None:
        return self.decorators.description

    @property
    def method(self) -> str:
        return self.decorators.method

    @property
    def pagination(self) -> int | None:
        return self.decorators.pagination

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": self.tags,
            "section": "/".join(self.section) or None,
            "file": self.relpath,
            "form": self.form,
            "method": self.method,
            "pagination": self.pagination,
            "parameters": [p.to_json() for p in self.parameters],
            "sparql": self.text,
        }


@dataclass
class Library:
    root: Path
    queries: dict[str, SavedQuery] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.queries)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.queries.values())

    def get(self, name: str) -> SavedQuery | None:
        return self.queries.get(name)

    def enumerations(self) -> list[tuple[SavedQuery, Parameter]]:
        """The parameters whose allowed values must be listed by running a query on the store."""
        return [(q, p) for q in self for p in q.parameters if p.enum_query is not None]


def _line_col(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _syntax_problem(message: str) -> tuple[int | None, str]:
    """pyoxigraph's ``error at L:C: msg`` → (line, a readable message)."""
    m = _POSITION.match(message)
    if not m:
        return None, message
    line, col, msg = int(m.group(1)), int(m.group(2)), m.group(3)
    if "Prefix not found" in msg:
        msg = "undefined prefix: declare it with PREFIX (saved queries carry their own prefixes)"
    elif len(msg) > 300:
        msg = msg[:300] + "…"
    return line, f"column {col}: {msg}"


def _locate(text: str) -> tuple[int, str] | None:
    """Where a syntax error is. pyoxigraph's parser reports the furthest position it tried (often the end of
    the query); rdflib's points at the offending token: ask it, when it also fails."""
    try:
        from pyparsing import ParseException
        from rdflib.plugins.sparql.parser import parseQuery
    except ImportError:  # pragma: no cover - rdflib is a dependency
        return None
    try:
        parseQuery(text)
    except ParseException as e:
        found = e.line.strip()[:60] if e.line else ""
        return e.lineno, f"column {e.col}: unexpected text here: {found!r}"
    except Exception:
        return None
    return None


def derive_enumeration(text: str, variable: str) -> str | None:
    """grlc's enumeration query: the distinct values ``?variable`` takes in the query's own WHERE clause."""
    toks = list(_tokens(text))
    form_at = next((i for i, t in enumerate(toks) if t[0] == "word" and t[1].upper() in QUERY_FORMS), None)
    if form_at is None:
        return None
    prologue = text[: toks[form_at][2]]
    form = toks[form_at][1].upper()
    i = form_at + 1
    # CONSTRUCT { template } WHERE { … }: skip the template unless it is the short form CONSTRUCT WHERE { … }
    skip_blocks = 1 if form == "CONSTRUCT" else 0
    depth = 0
    start = None
    while i < len(toks):
        kind, value, pos, end = toks[i]
        if depth == 0 and kind == "word" and value.upper() == "WHERE":
            skip_blocks = 0
        elif value == "{":
            if depth == 0 and skip_blocks == 0 and start is None:
                start = end
            depth += 1
        elif value == "}":
            depth -= 1
            if depth == 0:
                if start is not None:
                    body = text[start:pos]
                    return f"{prologue}SELECT DISTINCT ?{variable} WHERE {{{body}}}\nORDER BY ?{variable}\nLIMIT 1000"
                skip_blocks -= 1
        i += 1
    return None


def _check_syntax(query: SavedQuery) -> tuple[int | None, str] | None:
    """Parse (and run on an empty store) the query with every parameter bound; a problem or None."""
    subs = {Variable(p.variable): placeholder(p) for p in query.parameters}
    try:
        result = Store().query(query.text, substitutions=subs or None)
        # A SERVICE clause would call the remote endpoint: the check parses the query, it does not run it.
        if hasattr(result, "__iter__") and not inspect(query.text).has_service:
            for _ in result:
                break
    except SyntaxError as e:
        line, message = _syntax_problem(str(e))
        return _locate(query.text) or (line, message)
    except RuntimeError as e:
        msg = str(e)
        m = re.search(r"variable \?(\S+) in its SELECT projection", msg)
        if m:
            var = m.group(1)
            at = next((t[2] for t in _tokens(query.text) if t[0] == "var" and t[1][1:] == var), 0)
            return _line_col(query.text, at), (
                f"the parameter ?{var} is not in the SELECT projection: pyoxigraph binds parameters "
                f"(substitutions, SEP-0007) through projected variables only; add ?{var} to the SELECT "
                "clause (or use SELECT *)"
            )
        return None, msg
    return None


def load_query(path: Path, root: Path) -> tuple[SavedQuery | None, list[str]]:
    """Read and check one ``.rq`` file: the query, or the problems (``file:line: message``)."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    shown = str(path)

    def problem(message: str, line: int | None = None) -> str:
        return f"{shown}:{line}: {message}" if line else f"{shown}: {message}"

    name = path.stem
    if not NAME.match(name):
        return None, [problem(f"the query name {name!r} (the file name) must be letters, digits, - and _")]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        return None, [problem(f"not UTF-8 (byte {e.start})")]
    try:
        dec = parse_decorators(text)
    except DecoratorError as e:
        return None, [problem(str(e), e.line)]
    shape = inspect(text)
    if shape.is_update:
        return None, [problem("a SPARQL Update; saved queries are SELECT, ASK, CONSTRUCT or DESCRIBE queries")]
    if shape.form is None:
        return None, [problem("no SELECT, ASK, CONSTRUCT or DESCRIBE query found")]
    params, param_problems = find_parameters(text)
    problems = [problem(m, line) for m, line in param_problems]
    section = tuple(Path(rel).parts[:-1])
    tags = list(dict.fromkeys([*section, *dec.tags]))
    query = SavedQuery(name, path, rel, text, shape.form, params, dec, section, tags)
    by_name = {p.name: p for p in params}
    known = ", ".join(by_name) or "none"
    for key, mapping in (
        ("defaults", dec.defaults),
        ("examples", dec.examples),
        ("parameters", dec.parameters),
        ("enumerate", dec.enumerate),
    ):
        for pname in mapping:
            if pname not in by_name:
                problems.append(
                    problem(
                        f"`#+ {key}` names {pname!r}, which is not a parameter (parameters: {known})",
                        dec.lines.get(key),
                    )
                )
    for pname, value in dec.defaults.items():
        if pname in by_name:
            p = by_name[pname]
            p.default = value
            p.required = False
    for pname, desc in dec.parameters.items():
        if pname in by_name:
            by_name[pname].description = desc
    for pname, source in dec.enumerate.items():
        p = by_name.get(pname)
        if p is None:
            continue
        if isinstance(source, list):
            p.enum = source
        elif isinstance(source, str):
            p.enum_query = source
            check = _check_enum_query(source)
            if check:
                problems.append(problem(f"`#+ enumerate` query of {pname!r}: {check}", dec.lines.get("enumerate")))
        else:
            p.enum_query = derive_enumeration(text, p.variable)
            if p.enum_query is None:
                problems.append(
                    problem(
                        f"`#+ enumerate`: cannot derive the values of {pname!r} from the query",
                        dec.lines.get("enumerate"),
                    )
                )
    for pname, value in [*dec.defaults.items(), *dec.examples.items()]:
        p = by_name.get(pname)
        if p is None:
            continue
        try:
            validate(p, value, check_enum=False)
        except ParameterError as e:
            problems.append(problem(f"the value {value!r} of {pname!r}: {e}", dec.lines.get("defaults")))
    for pname, value in dec.examples.items():
        if pname in by_name:
            by_name[pname].example = value
    problems += [problem(m, line) for m, line in _bound_calls(text, {p.variable for p in params})]
    syntax = _check_syntax(query)
    if syntax:
        line, message = syntax
        problems.append(problem(f"SPARQL syntax error, {message}" if line else message, line))
    return (None if problems else query), problems


def _bound_calls(text: str, variables: set[str]) -> list[tuple[str, int]]:
    """``BOUND(?param)``: pyoxigraph folds it to false before the substitution (the variable is bound by no
    pattern), so it is false even when the parameter is given. Point authors to the idiom that works."""
    toks = list(_tokens(text))
    found = []
    for i in range(len(toks) - 2):
        if toks[i][0] == "word" and toks[i][1].upper() == "BOUND" and toks[i + 1][1] == "(" and toks[i + 2][0] == "var":
            var = toks[i + 2][1][1:]
            if var in variables:
                found.append(
                    (
                        f"BOUND(?{var}) is always false for a parameter (pyoxigraph's substitutions do not bind it "
                        f"for BOUND); for an optional filter write FILTER(COALESCE(<condition on ?{var}>, true))",
                        _line_col(text, toks[i][2]),
                    )
                )
    return found


def _check_enum_query(text: str) -> str | None:
    shape = inspect(text)
    if shape.form != "SELECT":
        return "must be a SELECT query (its first column gives the values)"
    try:
        Store().query(text)
    except SyntaxError as e:
        line, msg = _syntax_problem(str(e))
        return f"line {line}, {msg}" if line else msg
    return None


def load_library(root: Path) -> Library:
    """Every ``*.rq`` under ``root`` (sorted), checked; ``LibraryError`` lists every problem found."""
    root = Path(root)
    library = Library(root)
    problems: list[str] = []
    if not root.is_dir():
        return library
    for path in sorted(root.rglob("*.rq")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        query, found = load_query(path, root)
        problems += found
        if query is None:
            continue
        other = library.queries.get(query.name)
        if other is not None:
            problems.append(f"{path}: the name {query.name!r} is already taken by {other.path}; rename one file")
            continue
        library.queries[query.name] = query
    if problems:
        raise LibraryError(problems)
    return library
