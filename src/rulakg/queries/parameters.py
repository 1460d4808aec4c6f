"""Parameters declared in a saved query's SPARQL text, the way grlc and BASIL users already write them.

* ``?_name`` is a required parameter, ``?__name`` an optional one (left unbound when not given).
* A suffix says what the value is:

  ============================== ==============================================================
  ``?_state_iri``                an IRI
  ``?_name`` / ``_string``       a string literal (``xsd:string``); ``_literal`` is the same
  ``?_year_integer`` (``_int``)  ``xsd:integer``; ``_decimal``, ``_double``, ``_float``,
                                 ``_boolean`` (``_bool``), ``_date``, ``_datetime``, ``_gyear``,
                                 ``_time`` likewise
  ``?_n_number``                 a number: ``xsd:integer``, ``xsd:decimal`` or ``xsd:double``
                                 from how it is written (grlc's ``_number``)
  ``?_label_en``                 a literal with that language tag (an ISO 639-1 code)
  ``?_year_xsd_gYear``           a literal of that datatype, ``prefix_localname`` with one of
                                 the project's prefixes (BASIL's ``_xsd_integer``)
  ============================== ==============================================================

Names may contain underscores (``?_start_year_integer`` → ``start_year``); only a recognised last part
is read as a type. The value is bound through pyoxigraph's ``substitutions`` (SEP-0007), which binds the
variable everywhere in the query: it is never spliced into the text.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from rulakg.prefixes import PREFIXES
from rulakg.sparql_text import _tokens

XSD = "http://www.w3.org/2001/XMLSchema#"

# type keyword (lower case) → (type name, datatype IRI or None for an IRI)
TYPE_KEYWORDS: dict[str, tuple[str, str | None]] = {
    "iri": ("iri", None),
    "uri": ("iri", None),
    "string": ("string", XSD + "string"),
    "literal": ("string", XSD + "string"),
    "str": ("string", XSD + "string"),
    "integer": ("integer", XSD + "integer"),
    "int": ("integer", XSD + "integer"),
    "decimal": ("decimal", XSD + "decimal"),
    "double": ("double", XSD + "double"),
    "float": ("float", XSD + "float"),
    "number": ("number", None),
    "boolean": ("boolean", XSD + "boolean"),
    "bool": ("boolean", XSD + "boolean"),
    "date": ("date", XSD + "date"),
    "datetime": ("dateTime", XSD + "dateTime"),
    "gyear": ("gYear", XSD + "gYear"),
    "time": ("time", XSD + "time"),
}

# ISO 639-1 language codes: a last part like ``_en`` or ``_ru`` makes a language-tagged literal.
_ISO_639_1 = """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
LANGUAGES = frozenset(_ISO_639_1.split())

# Names the API itself uses in a run request: a parameter may not take them.
RESERVED = frozenset({"page", "per_page", "format", "timeout", "query", "output"})

# How each type appears in OpenAPI (a JSON Schema)
_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "uri"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "double": {"type": "number"},
    "float": {"type": "number"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "dateTime": {"type": "string", "format": "date-time"},
    "gYear": {"type": "string", "pattern": r"^-?[0-9]{4,}$"},
    "time": {"type": "string", "format": "time"},
    "lang": {"type": "string"},
    "datatype": {"type": "string"},
}


@dataclass
class Parameter:
    """One parameter of a saved query."""

    name: str  # the API name: ``state`` for ``?_state_iri``
    variable: str  # the SPARQL variable, without ``?``: ``_state_iri``
    type: str  # iri, string, integer, decimal, double, float, number, boolean, date, dateTime, gYear, time,
    # lang (a language-tagged string), datatype (another datatype)
    datatype: str | None = None  # the literal's datatype IRI (None for an IRI, a number or a language tag)
    language: str | None = None
    required: bool = True
    default: str | None = None
    example: str | None = None
    description: str | None = None
    enum: list[str] | None = None  # allowed values (from ``#+ enumerate``)
    enum_query: str | None = field(default=None, repr=False)  # the SPARQL that lists them

    @property
    def is_iri(self) -> bool:
        return self.type == "iri"

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the parameter's value (for OpenAPI)."""
        schema = dict(_SCHEMAS[self.type])
        if self.enum:
            schema = {"type": "string", "enum": list(self.enum)}
            if self.type == "iri":
                schema["format"] = "uri"
            if self.type in ("integer",):
                with contextlib.suppress(ValueError):
                    schema = {"type": "integer", "enum": [int(v) for v in self.enum]}
        if self.default is not None:
            schema["default"] = _typed(self.default, schema["type"])
        return schema

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "variable": "?" + self.variable,
            "type": self.type,
            "datatype": self.datatype,
            "language": self.language,
            "required": self.required,
            "default": self.default,
            "example": self.example,
            "description": self.description,
            "allowed_values": self.enum,
        }


def _typed(value: str, json_type: str) -> Any:
    """A default value written as text, as the JSON value of its schema type (when it reads as one)."""
    try:
        if json_type == "integer":
            return int(value)
        if json_type == "number":
            return float(value)
        if json_type == "boolean":
            return value.strip().lower() in ("true", "1")
    except ValueError:
        pass
    return value


class ParameterSyntaxError(ValueError):
    """A parameter variable that cannot be read (e.g. two types for one name)."""


def parse_variable(variable: str) -> Parameter | None:
    """The parameter a variable name declares (``_year_integer`` → year, integer), or None if none."""
    if variable.startswith("__"):
        body, required = variable[2:], False
    elif variable.startswith("_"):
        body, required = variable[1:], True
    else:
        return None
    body = body.strip("_")
    if not body:
        return None
    parts = body.split("_")
    if len(parts) >= 3 and parts[-2] in PREFIXES and parts[-1]:
        datatype = PREFIXES[parts[-2]] + parts[-1]
        name = "_".join(parts[:-2])
        known = next((t for t, (_, dt) in TYPE_KEYWORDS.items() if dt == datatype), None)
        if known is not None:  # ?_year_xsd_integer is ?_year_integer
            kind, dt = TYPE_KEYWORDS[known]
            return Parameter(name, variable, kind, dt, required=required)
        return Parameter(name, variable, "datatype", datatype, required=required)
    if len(parts) >= 2 and parts[-1].lower() in TYPE_KEYWORDS:
        kind, dt = TYPE_KEYWORDS[parts[-1].lower()]
        return Parameter("_".join(parts[:-1]), variable, kind, dt, required=required)
    if len(parts) >= 2 and parts[-1] in LANGUAGES:
        return Parameter("_".join(parts[:-1]), variable, "lang", None, language=parts[-1], required=required)
    return Parameter(body, variable, "string", XSD + "string", required=required)


def find_parameters(text: str) -> tuple[list[Parameter], list[tuple[str, int]]]:
    """The parameters of a query text, in order of first appearance, and problems (message, line)."""
    params: dict[str, Parameter] = {}
    problems: list[tuple[str, int]] = []
    for kind, value, start, _end in _tokens(text):
        if kind != "var":
            continue
        param = parse_variable(value[1:])
        if param is None:
            continue
        line = text.count("\n", 0, start) + 1
        seen = params.get(param.name)
        if seen is None:
            if param.name in RESERVED:
                problems.append(
                    (
                        f"the parameter name {param.name!r} (from {value}) is reserved by the API "
                        f"({', '.join(sorted(RESERVED))}); rename the variable",
                        line,
                    )
                )
            params[param.name] = param
        elif seen.variable != param.variable:
            problems.append(
                (
                    f"the parameter {param.name!r} is declared twice, as ?{seen.variable} and {value}; "
                    "use one variable per parameter",
                    line,
                )
            )
    return list(params.values()), problems
