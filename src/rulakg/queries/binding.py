"""From raw parameter values (URL, form, JSON, CLI) to RDF terms bound with pyoxigraph's ``substitutions``.

Each value is checked against its parameter's type first — a bad IRI, a non-integer year, a value outside
an enumeration, a missing required parameter each raise ``ParameterError`` naming the parameter — and then
becomes a ``NamedNode`` or ``Literal``. Values are never written into the query text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pyoxigraph import Literal, NamedNode

from rulakg.prefixes import PREFIXES
from rulakg.queries.parameters import XSD, Parameter

if TYPE_CHECKING:
    from rulakg.queries.library import SavedQuery

MAX_VALUE_LENGTH = 10_000

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x20]*$")
_PREFIXED = re.compile(r"^([A-Za-z][A-Za-z0-9_\-.]*):([^\s<>\"{}|\\^`/][^\s<>\"{}|\\^`]*)?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DOUBLE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$|^[+-]?INF$|^NaN$")
_TZ = r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
_DATE = re.compile(rf"^(-?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}}){_TZ}$")
_DATETIME = re.compile(rf"^(-?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}})T([0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:\.[0-9]+)?){_TZ}$")
_GYEAR = re.compile(rf"^-?[0-9]{{4,}}{_TZ}$")
_TIME = re.compile(rf"^([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}})(?:\.[0-9]+)?{_TZ}$")


class ParameterError(ValueError):
    """A parameter value that cannot be used; ``name`` is the parameter's (HTTP 400)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def _date_ok(value: str) -> bool:
    m = _DATE.match(value)
    if not m:
        return False
    date = m.group(1).lstrip("-")
    if len(date) != 10:
        return True  # years beyond 9999 are valid xsd:dates Python cannot check
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        return False
    return True


def _datetime_ok(value: str) -> bool:
    m = _DATETIME.match(value)
    if not m or not _date_ok(m.group(1)):
        return False
    h, mi, s = m.group(2).split(":")
    return int(h) <= 24 and int(mi) < 60 and float(s) < 61


def _time_ok(value: str) -> bool:
    m = _TIME.match(value)
    return bool(m) and int(m.group(1)) <= 24 and int(m.group(2)) < 60 and int(m.group(3)) < 61


# datatype IRI → (check, what a valid value looks like, canonicalise)
_LEXICAL: dict[str, tuple[Any, str]] = {
    XSD + "integer": (_INTEGER.match, "an integer such as 2014"),
    XSD + "int": (_INTEGER.match, "an integer"),
    XSD + "long": (_INTEGER.match, "an integer"),
    XSD + "nonNegativeInteger": (lambda v: _INTEGER.match(v) and not v.startswith("-"), "an integer ≥ 0"),
    XSD + "positiveInteger": (lambda v: _INTEGER.match(v) and int(v) > 0, "an integer > 0"),
    XSD + "decimal": (_DECIMAL.match, "a decimal number such as 12.5"),
    XSD + "double": (_DOUBLE.match, "a number such as 1.5e3"),
    XSD + "float": (_DOUBLE.match, "a number such as 1.5e3"),
    XSD + "boolean": (lambda v: v in ("true", "false", "1", "0"), "true or false"),
    XSD + "date": (_date_ok, "a date YYYY-MM-DD"),
    XSD + "dateTime": (_datetime_ok, "a date and time YYYY-MM-DDThh:mm:ss"),
    XSD + "gYear": (_GYEAR.match, "a year YYYY"),
    XSD + "time": (_time_ok, "a time hh:mm:ss"),
}


def _iri(name: str, value: str) -> NamedNode:
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    m = _PREFIXED.match(value)
    if m and m.group(1) in PREFIXES:  # rid:state/cuba, wd:Q414: the project's prefixes
        value = PREFIXES[m.group(1)] + (m.group(2) or "")
    if not _IRI.match(value):
        raise ParameterError(
            name,
            f"the parameter {name!r} must be an absolute IRI (such as https://w3id.org/rulakg/id/state/cuba) "
            f"without spaces, quotes, <, >, {{ or }}; got {value!r}",
        )
    try:
        return NamedNode(value)
    except ValueError as e:
        raise ParameterError(name, f"the parameter {name!r} is not a valid IRI ({e}): {value!r}") from None


def validate(param: Parameter, raw: Any, *, check_enum: bool = True) -> NamedNode | Literal:
    """One raw value (text, or a JSON number/boolean) → the term to bind; ``ParameterError`` if unusable.

    The type is checked first, then (``check_enum``) that the value is one of the allowed ones."""
    term = _convert(param, raw)
    if check_enum and param.enum is not None and term.value not in param.enum:
        name, value = param.name, term.value
        shown = ", ".join(param.enum[:20]) + (f", … ({len(param.enum)} values)" if len(param.enum) > 20 else "")
        raise ParameterError(name, f"{value!r} is not an allowed value of the parameter {name!r}; allowed: {shown}")
    return term


def _convert(param: Parameter, raw: Any) -> NamedNode | Literal:
    name = param.name
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    elif isinstance(raw, int | float):
        raw = repr(raw) if isinstance(raw, float) else str(raw)
    elif not isinstance(raw, str):
        raise ParameterError(name, f"the parameter {name!r} takes a single value, not {type(raw).__name__}")
    if len(raw) > MAX_VALUE_LENGTH:
        raise ParameterError(name, f"the value of {name!r} is longer than {MAX_VALUE_LENGTH} characters")
    value = raw.strip() if param.type not in ("string", "lang", "datatype") else raw
    if param.type == "iri":
        return _iri(name, value)
    if param.type == "lang":
        return Literal(value, language=param.language)
    if param.type == "number":
        for pattern, datatype in ((_INTEGER, "integer"), (_DECIMAL, "decimal"), (_DOUBLE, "double")):
            if pattern.match(value):
                return Literal(value, datatype=NamedNode(XSD + datatype))
        raise ParameterError(name, f"the parameter {name!r} must be a number; got {value!r}")
    datatype = param.datatype or XSD + "string"
    lexical = _LEXICAL.get(datatype)
    if lexical is not None:
        check, what = lexical
        if not check(value):
            raise ParameterError(name, f"the parameter {name!r} must be {what}; got {value!r}")
        if datatype == XSD + "boolean":
            value = "true" if value in ("true", "1") else "false"
    if datatype == XSD + "string":
        return Literal(value)
    return Literal(value, datatype=NamedNode(datatype))


def placeholder(param: Parameter) -> NamedNode | Literal:
    """A valid value of the parameter's type (to check a query's syntax with every parameter bound)."""
    samples = {
        "iri": "http://example.org/placeholder",
        "integer": "1",
        "decimal": "1.0",
        "double": "1.0",
        "float": "1.0",
        "number": "1",
        "boolean": "true",
        "date": "2000-01-01",
        "dateTime": "2000-01-01T00:00:00",
        "gYear": "2000",
        "time": "00:00:00",
    }
    if param.type == "datatype":
        return Literal("x", datatype=NamedNode(param.datatype or XSD + "string"))
    return validate(param, samples.get(param.type, "x"), check_enum=False)


def bind(query: SavedQuery, values: Mapping[str, Sequence[Any] | Any]) -> dict[str, NamedNode | Literal]:
    """Every parameter of ``query`` from the given values (name → value or list of values), defaults
    filling in: variable name → term. Unknown names, repeats, missing required values: ``ParameterError``."""
    known = {p.name for p in query.parameters}
    for key in values:
        if key not in known:
            listing = ", ".join(sorted(known)) or "none"
            raise ParameterError(
                key, f"unknown parameter {key!r} for the query {query.name!r}; its parameters: {listing}"
            )
    bound: dict[str, NamedNode | Literal] = {}
    for param in query.parameters:
        given = values.get(param.name)
        if isinstance(given, list | tuple):
            given = [v for v in given if not (isinstance(v, str) and v == "")]  # an empty form field: not given
            if len(given) > 1:
                raise ParameterError(
                    param.name, f"the parameter {param.name!r} was given {len(given)} times; give it once"
                )
            given = given[0] if given else None
        elif given == "":
            given = None
        if given is None:
            if param.default is not None:
                given = param.default
            elif param.required:
                raise ParameterError(
                    param.name, f"the required parameter {param.name!r} ({_describe(param)}) is missing"
                )
            else:
                continue
        bound[param.variable] = validate(param, given)
    return bound


def _describe(param: Parameter) -> str:
    if param.type == "iri":
        return "an IRI"
    if param.type == "lang":
        return f"a text in language {param.language}"
    return param.type if param.type != "datatype" else f"a literal of datatype {param.datatype}"


def to_wire(terms: Mapping[str, NamedNode | Literal]) -> dict[str, dict[str, str]]:
    """Terms as the worker request's ``substitutions`` entry (JSON)."""
    out: dict[str, dict[str, str]] = {}
    for var, term in terms.items():
        if isinstance(term, NamedNode):
            out[var] = {"type": "iri", "value": term.value}
        else:
            entry = {"type": "literal", "value": term.value}
            if term.language:
                entry["language"] = term.language
            else:
                entry["datatype"] = term.datatype.value
            out[var] = entry
    return out
