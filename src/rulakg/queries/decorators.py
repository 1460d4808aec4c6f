"""grlc-style decorators: YAML in the ``#+`` comment lines of a saved query.

```sparql
#+ summary: Visits between Russia and a state in a year
#+ description: |
#+   Every visit whose host or sending state is the given one, in the given year.
#+ tags:
#+   - visits
#+ defaults:
#+   - year: 2014
#+ enumerate:
#+   - state
#+ pagination: 50
#+ method: GET
#+ endpoint_in_url: False
```

Supported keys (grlc's, where they fit a service that runs queries on its own store):

* ``summary``, ``description`` (text), ``tags`` (a list; the query's sub-folders are tags too)
* ``defaults``: a list of ``- name: value``: the value used when the parameter is not given (the parameter
  becomes optional)
* ``enumerate``: a list of parameter names whose allowed values come from a query. A bare name derives the
  query from the saved query's own WHERE clause (``SELECT DISTINCT ?var WHERE { … }``, as grlc does); a
  mapping ``- name: "SELECT ?v { … }"`` gives the query (its first column), ``- name: [a, b]`` the values
* ``pagination``: page size; the API then answers page by page (``page``, ``per_page``, ``Link`` headers)
* ``method``: ``GET`` (default) or ``POST``: the method the OpenAPI document lists (both are served)
* ``endpoint_in_url``: grlc's switch for an ``endpoint`` parameter; only ``False`` is accepted here, since
  saved queries always run on this service's store
* ``examples`` (not grlc): a list of ``- name: value`` shown in the API documentation
* ``parameters`` (not grlc): a mapping ``name: description`` documenting the parameters
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import yaml

KNOWN_KEYS = frozenset(
    {
        "summary",
        "description",
        "tags",
        "defaults",
        "enumerate",
        "pagination",
        "method",
        "endpoint_in_url",
        "examples",
        "parameters",
    }
)
UNSUPPORTED = {
    "endpoint": "saved queries always run on this service's own store; remove `#+ endpoint`",
    "transform": "result transformations are not supported; remove `#+ transform`",
}


class DecoratorError(ValueError):
    """A decorator problem, with the line (in the file) it is on."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass
class Decorators:
    summary: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)
    enumerate: dict[str, str | list[str] | None] = field(default_factory=dict)  # None: derive the query
    pagination: int | None = None
    method: str = "GET"
    endpoint_in_url: bool = False
    examples: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # key → line of the file where it is set


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _name_values(key: str, value: Any, line: int) -> dict[str, str]:
    """``- name: value`` items (or one mapping) → {name: value as text}."""
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else None
    if items is None:
        raise DecoratorError(f"`#+ {key}` must be a list of `- name: value` items", line)
    out: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict):
            raise DecoratorError(f"`#+ {key}`: each item is `- name: value`, not {item!r}", line)
        for name, v in item.items():
            out[str(name)] = _scalar(v)
    return out


def parse_decorators(text: str) -> Decorators:
    """Read the ``#+`` lines of a query (anywhere at the start of a line) as one YAML document."""
    numbers: list[int] = []
    lines: list[str] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip()
        if stripped.startswith("#+"):
            numbers.append(i)
            lines.append(stripped[2:])
    dec = Decorators()
    if not lines:
        return dec
    block = textwrap.dedent("\n".join(lines))
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = numbers[min(mark.line, len(numbers) - 1)] if mark is not None else numbers[0]
        problem = getattr(e, "problem", None) or str(e)
        if "mapping values are not allowed" in problem:
            problem += " (quote a text that contains ': ', or write it as a `|` block)"
        raise DecoratorError(f"the `#+` decorators are not valid YAML: {problem}", line) from None
    if data is None:
        return dec
    if not isinstance(data, dict):
        raise DecoratorError("the `#+` decorators must be `key: value` lines", numbers[0])

    def line_of(key: str) -> int:
        for n, raw in zip(numbers, lines, strict=True):
            if raw.strip().startswith(f"{key}:") or raw.strip() == key:
                return n
        return numbers[0]

    for key, value in data.items():
        key = str(key)
        line = line_of(key)
        dec.lines[key] = line
        if key in UNSUPPORTED:
            raise DecoratorError(f"`#+ {key}`: {UNSUPPORTED[key]}", line)
        if key not in KNOWN_KEYS:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise DecoratorError(f"unknown decorator `#+ {key}`; known ones: {known}", line)
        if key in ("summary", "description"):
            if not isinstance(value, str | int | float):
                raise DecoratorError(f"`#+ {key}` must be text", line)
            setattr(dec, key, str(value).strip())
        elif key == "tags":
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(t, str | int) for t in values):
                raise DecoratorError("`#+ tags` must be a list of words", line)
            dec.tags = [str(t) for t in values]
        elif key in ("defaults", "examples"):
            setattr(dec, key, _name_values(key, value, line))
        elif key == "parameters":
            if not isinstance(value, dict):
                raise DecoratorError("`#+ parameters` must map each parameter name to its description", line)
            dec.parameters = {str(k): str(v).strip() for k, v in value.items()}
        elif key == "enumerate":
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, str):
                    dec.enumerate[item] = None
                elif isinstance(item, dict):
                    for name, source in item.items():
                        if isinstance(source, list):
                            dec.enumerate[str(name)] = [_scalar(v) for v in source]
                        elif isinstance(source, str):
                            dec.enumerate[str(name)] = source
                        else:
                            raise DecoratorError(
                                f"`#+ enumerate`: {name} takes a SPARQL query or a list of values", line
                            )
                else:
                    raise DecoratorError(f"`#+ enumerate`: {item!r} is not a parameter name", line)
        elif key == "pagination":
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise DecoratorError("`#+ pagination` must be a positive number of rows per page", line)
            dec.pagination = value
        elif key == "method":
            method = str(value).upper()
            if method not in ("GET", "POST"):
                raise DecoratorError(f"`#+ method` must be GET or POST, not {value!r}", line)
            dec.method = method
        elif key == "endpoint_in_url":
            if value not in (False, "false", "False", "no"):
                raise DecoratorError(
                    "`#+ endpoint_in_url`: saved queries always run on this service's store; only False is accepted",
                    line,
                )
            dec.endpoint_in_url = False
    return dec
