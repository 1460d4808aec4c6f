"""A small typed, declarative table-to-RDF mapper.

Why not an (R2)RML engine such as morph-kgc: our tables need three things those engines do poorly —
EDTF dates turned into precision plus bounds, ``;``-separated lists of references to rows of *other*
tables (resolved and checked), and provenance computed from the article (quote offsets). A mapping here is
a list of ``Table`` declarations (see ``article_mapping.py``): which file, which class, and one ``Rule`` per
column. The engine checks every reference and every date, and fails with file, row and column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from rulakg.data.edtf import DateError, parse_edtf

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class MappingError(ValueError):
    """A cell that cannot be mapped: the message names the file, the row id and the column."""


@dataclass
class Context:
    """What rules need while mapping one row."""

    iri: Callable[[str, str], NamedNode]  # (kind, id) → IRI
    resolve: Callable[[str, str | None], NamedNode]  # (id, expected kind or None) → IRI, or raise
    subject: NamedNode
    row: dict[str, str]
    where: str


class Rule:
    """Maps one cell to triples about the row's subject."""

    def triples(self, value: str, ctx: Context) -> Iterator[Triple]:
        raise NotImplementedError


def _node(iri: str) -> NamedNode:
    return NamedNode(iri)


@dataclass
class Lit(Rule):
    """A literal: plain string, language-tagged, or typed (xsd:integer, xsd:decimal, xsd:boolean, …)."""

    prop: str
    datatype: str | None = None
    lang: str | None = None

    def triples(self, value: str, ctx: Context) -> Iterator[Triple]:
        if self.lang:
            yield Triple(ctx.subject, _node(self.prop), Literal(value, language=self.lang))
            return
        if self.datatype in (XSD + "decimal", XSD + "integer", XSD + "nonNegativeInteger"):
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise MappingError(f"{ctx.where}: {value!r} is not a number") from None
            if self.datatype != XSD + "decimal":
                if number != number.to_integral_value():
                    raise MappingError(f"{ctx.where}: {value!r} is not an integer")
                value = str(int(number))
        if self.datatype == XSD + "boolean":
            if value.lower() not in ("true", "false"):
                raise MappingError(f"{ctx.where}: {value!r} is not true/false")
            value = value.lower()
        datatype = NamedNode(self.datatype) if self.datatype else None
        yield Triple(ctx.subject, _node(self.prop), Literal(value, datatype=datatype))


@dataclass
class Ref(Rule):
    """References to rows of other tables, ``;``-separated; ``kind`` restricts the table (None: any)."""

    prop: str
    kind: str | None = None
    many: bool = True

    def triples(self, value: str, ctx: Context) -> Iterator[Triple]:
        ids = [v.strip() for v in value.split(";")] if self.many else [value.strip()]
        for ref in ids:
            if ref:
                yield Triple(ctx.subject, _node(self.prop), ctx.resolve(ref, self.kind))


@dataclass
class Concept(Rule):
    """A code from a controlled list, mapped to a SKOS concept IRI (``scheme`` + code)."""

    prop: str
    scheme: str
    allowed: frozenset[str] | None = None

    def triples(self, value: str, ctx: Context) -> Iterator[Triple]:
        for code in (v.strip() for v in value.split(";")):
            if not code:
                continue
            if self.allowed is not None and code not in self.allowed:
                raise MappingError(f"{ctx.where}: {code!r} is not one of {sorted(self.allowed)}")
            yield Triple(ctx.subject, _node(self.prop), NamedNode(self.scheme + code))


@dataclass
class DateRule(Rule):
    """An EDTF date → value, precision and earliest/latest bounds (see ``edtf.py``)."""

    value_prop: str
    precision_prop: str
    earliest_prop: str
    latest_prop: str
    precision_scheme: str
    text_column: str | None = None
    text_prop: str | None = None

    def triples(self, value: str, ctx: Context) -> Iterator[Triple]:
        try:
            d = parse_edtf(value)
        except (DateError, ValueError) as e:
            raise MappingError(f"{ctx.where}: {e}") from None
        s = ctx.subject
        yield Triple(s, _node(self.value_prop), Literal(d.value))
        yield Triple(s, _node(self.precision_prop), NamedNode(self.precision_scheme + d.precision))
        date_type = NamedNode(XSD + "date")
        if d.earliest:
            yield Triple(s, _node(self.earliest_prop), Literal(d.earliest.isoformat(), datatype=date_type))
        if d.latest:
            yield Triple(s, _node(self.latest_prop), Literal(d.latest.isoformat(), datatype=date_type))
        if self.text_column and self.text_prop and ctx.row.get(self.text_column, "").strip():
            yield Triple(s, _node(self.text_prop), Literal(ctx.row[self.text_column].strip(), language="en"))


@dataclass
class Custom(Rule):
    """Anything else, as a function of the cell and the context."""

    fn: Callable[[str, Context], Iterator[Triple]]

    def triples(self, value: str, ctx: Context) -> Iterator[Triple]:
        yield from self.fn(value, ctx)


@dataclass
class Table:
    """One CSV file: its rows are instances of ``classes`` (or of the class its ``class_column`` selects)."""

    file: str
    kind: str  # the IRI path segment: <base>id/<kind>/<id>
    classes: tuple[str, ...] = ()
    class_column: str | None = None
    class_by_value: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: dict[str, Rule] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    entity: bool = False  # rows are entities (states, persons…) rather than facts


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [{k: (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    for i, row in enumerate(rows, start=2):
        if not row.get("id"):
            raise MappingError(f"{path.name}:{i}: the row has no id")
    return rows
