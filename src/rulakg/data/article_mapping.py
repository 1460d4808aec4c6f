"""The mapping of ``data/article/*.csv`` (facts of the source article) to the RuLA ontology.

Each ``Table`` says which class a row becomes and what each column means; ``compile_article`` runs the
mapping, checks every reference, date and quote, and adds the provenance of every row: a ``rula:Citation``
per quote with its character offsets in the article, the assertion status (stated / inferred) and the
confidence of an inference.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from rulakg.config import Settings
from rulakg.data.article_text import QuoteNotFound, load_article, locate, split_quotes
from rulakg.data.edtf import DateError, parse_edtf
from rulakg.data.labels import fact_labels
from rulakg.data.mapping import (
    RDF_TYPE,
    XSD,
    Concept,
    Context,
    Custom,
    DateRule,
    Lit,
    MappingError,
    Ref,
    Rule,
    Table,
    read_rows,
)

R = "https://w3id.org/rulakg/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
WD = "http://www.wikidata.org/entity/"
QB = "http://purl.org/linked-data/cube#"

ARTICLE_FILE = "russia-latin-america.txt"
ARTICLE_ID = "russia-latin-america-2015"


def _date(text_column: str | None = None) -> DateRule:
    return DateRule(
        R + "dateValue",
        R + "datePrecision",
        R + "earliestDate",
        R + "latestDate",
        R + "precision-",
        text_column,
        R + "dateText",
    )


def _labels() -> dict[str, Lit]:
    return {f"label_{lang}": Lit(RDFS + "label", lang=lang) for lang in ("en", "es", "pt", "ru")}


def _qid(value: str, ctx: Context) -> Iterator[Triple]:
    if not (value.startswith("Q") and value[1:].isdigit()):
        raise MappingError(f"{ctx.where}: {value!r} is not a Wikidata QID")
    yield Triple(ctx.subject, NamedNode(R + "wikidataId"), Literal(value))
    yield Triple(ctx.subject, NamedNode(OWL + "sameAs"), NamedNode(WD + value))


QID = Custom(_qid)
STATE_KINDS = {
    "sovereign-state": (R + "SovereignState",),
    "historical-state": (R + "HistoricalState",),
    "partially-recognised-state": (R + "PartiallyRecognisedState",),
    "disputed-territory": (R + "Region",),
    "region": (R + "Region",),
}
ORG_KINDS = {
    "un-organ": (R + "UNBody",),
    "intergovernmental-organisation": (R + "IntergovernmentalOrganisation",),
    "intergovernmental-forum": (R + "IntergovernmentalOrganisation",),
    "intergovernmental-grouping": (R + "IntergovernmentalOrganisation",),
    "intergovernmental-body": (R + "IntergovernmentalOrganisation",),
    "intergovernmental-dialogue": (R + "IntergovernmentalOrganisation",),
    "international-financial-body": (R + "IntergovernmentalOrganisation",),
    "multilateral-development-bank": (R + "IntergovernmentalOrganisation",),
    "reserve-pool": (R + "IntergovernmentalOrganisation",),
    "supranational-union": (R + "IntergovernmentalOrganisation",),
    "military-alliance": (R + "IntergovernmentalOrganisation",),
    "international-political-organisation": (R + "IntergovernmentalOrganisation",),
    "government-body": (R + "GovernmentAgency",),
    "armed-forces": (R + "GovernmentAgency",),
    "legislature": (R + "GovernmentAgency",),
}
VISIT_KINDS = {
    "state-visit": (R + "DiplomaticVisit",),
    "diplomatic": (R + "DiplomaticVisit",),
    "military": (R + "MilitaryVisit",),
    "naval-port-call": (R + "NavalPortCall",),
    "bomber-flight": (R + "BomberFlight",),
}
AGREEMENT_KINDS = {
    "intergovernmental-agreement": (R + "IntergovernmentalAgreement",),
    "visa-agreement": (R + "IntergovernmentalAgreement",),
    "treaty": (R + "Treaty",),
    "contract": (R + "Contract",),
    "supply-deal": (R + "Contract",),
    "debt-write-off": (R + "DebtWriteOff",),
    "debt-conversion": (R + "DebtWriteOff",),
    "joint-venture": (R + "JointVenture",),
    "letter-of-intent": (R + "LetterOfIntent",),
    "loan": (R + "Loan",),
    "political-agreement": (R + "JointDeclaration",),
}
EVENT_KINDS = {
    "coup": (R + "Coup",),
    "war": (R + "War",),
    "summit": (R + "Summit",),
    "summit-meeting": (R + "Summit",),
    "election": (R + "Election",),
    "military-exercise": (R + "MilitaryExercise",),
    "anti-dumping-measure": (R + "Sanction",),
    "trade-restriction": (R + "Sanction",),
    "sanctions": (R + "Sanction",),
    "policy-document": (R + "PolicyDocument",),
}
ARMS_KINDS = {
    "sale": (R + "ArmsTransfer",),
    "delivery": (R + "ArmsTransfer",),
    "purchase": (R + "ArmsTransfer",),
    "purchases": (R + "ArmsTransfer",),
    "agreement-to-supply": (R + "ArmsTransfer",),
    "planned-purchase": (R + "ArmsTransfer",),
}
COOPERATION_TYPES = {
    "sale": "sale",
    "delivery": "sale",
    "purchase": "sale",
    "purchases": "sale",
    "agreement-to-supply": "sale",
    "planned-purchase": "sale",
    "licensed-production-discussed": "licensed-production",
    "maintenance-participation": "maintenance",
    "maintenance-centre": "maintenance",
    "joint-development-negotiations": "joint-development",
    "military-education-exchange": "training",
    "material-technical-aid": "donation",
    "military-assistance": "donation",
    "negotiation": "sale",
    "training-equipment-project": "training",
}
SUBJECT_AREAS = {
    "energy": "energy",
    "nuclear": "nuclear",
    "arms": "military-technical",
    "military": "military-technical",
    "air-defence": "military-technical",
    "naval": "military-technical",
    "support-stations": "military-technical",
    "exercises": "security",
    "maintenance": "military-technical",
    "finance": "finance",
    "development-bank": "finance",
    "currency-reserves": "finance",
    "debt": "finance",
    "credit": "finance",
    "funding": "finance",
    "investment": "investment",
    "civil-aviation": "transport",
    "aircraft-sale": "transport",
    "transport": "transport",
    "railways": "transport",
    "port-access": "transport",
    "mining": "mining",
    "geology": "mining",
    "media": "media",
    "broadcasting": "media",
    "visa-free": "visas",
    "tourism": "visas",
    "diplomacy": "political",
    "strategic-partnership": "political",
    "political-dialogue": "political",
    "trade": "trade",
    "power-plants": "electric-power",
    "hydropower": "electric-power",
    "oil": "oil-gas",
    "hydrocarbons": "oil-gas",
    "heavy-crude": "oil-gas",
    "education": "education-culture",
    "sports": "education-culture",
    "research": "science-technology",
    "construction": "investment",
}
MEMBERSHIP_STATUS = {
    "member": "member",
    "founding-member": "founding-member",
    "participant": "member",
    "observer-requested": "candidate",
    "applicant": "candidate",
    "suspended-member": "member",
}
INDICATORS = {
    "trade-turnover": "value",
    "export-share": "share",
    "import-share": "share",
    "investment": "value",
    "capacity": "volume",
    "opinion-poll": "share",
    "other": "value",
}
FLOWS = {"export": "export", "import": "import", "turnover": "turnover"}
CURRENCIES = {"USD", "EUR", "RUB"}


def _subject_areas(value: str, ctx: Context) -> Iterator[Triple]:
    keywords = [k.strip() for k in value.split(";") if k.strip()]
    for area in sorted({SUBJECT_AREAS[k] for k in keywords if k in SUBJECT_AREAS}):
        yield Triple(ctx.subject, NamedNode(R + "subjectArea"), NamedNode(R + "area-" + area))
    for k in keywords:
        yield Triple(ctx.subject, NamedNode(SCHEMA + "keywords"), Literal(k))


def _money(amount_col: str, currency_col: str):  # type: ignore[no-untyped-def]
    """An amount with its currency (a rula:MonetaryAmount) or unit (a rula:QuantityValue)."""

    def fn(value: str, ctx: Context) -> Iterator[Triple]:
        unit = ctx.row.get(currency_col, "").strip()
        node = NamedNode(str(ctx.subject.value) + "-amount")
        is_money = unit in CURRENCIES
        yield Triple(ctx.subject, NamedNode(R + ("monetaryValue" if is_money else "quantityValue")), node)
        yield Triple(node, RDF_TYPE, NamedNode(R + ("MonetaryAmount" if is_money else "QuantityValue")))
        yield from Lit(R + "amount", XSD + "decimal").triples(
            value, Context(ctx.iri, ctx.resolve, node, ctx.row, ctx.where)
        )
        if unit:
            yield Triple(node, NamedNode(R + ("currency" if is_money else "unit")), Literal(unit))

    return Custom(fn)


def _kind_code(value: str, ctx: Context) -> Iterator[Triple]:
    yield Triple(ctx.subject, NamedNode(R + "kindCode"), Literal(value))


KIND = Custom(_kind_code)


def _span(start_col: str, end_col: str, *, on_end: bool = False):  # type: ignore[no-untyped-def]
    """``start`` and ``end`` columns → one EDTF interval on the fact (``start/end``, ``start/..``, ``../end``).

    Bound to both columns (a rule runs only for a filled cell): the ``end`` rule (``on_end``) acts only when
    ``start`` is empty, so a span known only by its end is kept and no span is written twice.
    """

    def fn(value: str, ctx: Context) -> Iterator[Triple]:
        start = ctx.row.get(start_col, "").strip()
        end = ctx.row.get(end_col, "").strip()
        if (not start and not end) or (on_end and start):
            return
        edtf = f"{start or '..'}/{end or '..'}"
        texts = "; ".join(t for t in (ctx.row.get(f"{start_col}_text", ""), ctx.row.get(f"{end_col}_text", "")) if t)
        yield from _date().triples(edtf, ctx)
        if texts:
            yield Triple(ctx.subject, NamedNode(R + "dateText"), Literal(texts, language="en"))

    return Custom(fn)


def _attested(value: str, ctx: Context) -> Iterator[Triple]:
    """The date at which the source attests a holding (not its span), with its bounds for range queries."""
    try:
        d = parse_edtf(value)
    except (DateError, ValueError) as e:
        raise MappingError(f"{ctx.where}: {e}") from None
    yield Triple(ctx.subject, NamedNode(R + "attestedDate"), Literal(d.value))
    date_type = NamedNode(XSD + "date")
    for prop, bound in (("attestedEarliestDate", d.earliest), ("attestedLatestDate", d.latest)):
        if bound:
            yield Triple(ctx.subject, NamedNode(R + prop), Literal(bound.isoformat(), datatype=date_type))
    text = ctx.row.get("attested_text", "").strip()
    if text:
        yield Triple(ctx.subject, NamedNode(R + "attestedText"), Literal(text, language="en"))


def _boolean_status(value: str, ctx: Context) -> Iterator[Triple]:
    if value.lower() == "true":
        yield Triple(ctx.subject, NamedNode(R + "status"), NamedNode(R + "status-cancelled"))
    elif value.lower() == "false":
        yield Triple(ctx.subject, NamedNode(R + "status"), NamedNode(R + "status-took-place"))
    else:
        raise MappingError(f"{ctx.where}: cancelled must be true or false, not {value!r}")


def _party_role(role: str):  # type: ignore[no-untyped-def]
    """A qualified party of an agreement (``rula:Party``) with its role (lender, borrower…)."""

    def fn(value: str, ctx: Context) -> Iterator[Triple]:
        for ref in (v.strip() for v in value.split(";") if v.strip()):
            agent = ctx.resolve(ref, None)
            node = NamedNode(f"{ctx.subject.value}-party-{role}-{ref}")
            yield Triple(ctx.subject, NamedNode(R + "hasParty"), node)
            yield Triple(node, RDF_TYPE, NamedNode(R + "Party"))
            yield Triple(node, NamedNode(R + "partyAgent"), agent)
            yield Triple(node, NamedNode(R + "partyRole"), NamedNode(R + "role-" + role))
            yield Triple(ctx.subject, NamedNode(R + "party"), agent)

    return Custom(fn)


def _claimed_by(value: str, ctx: Context) -> Iterator[Triple]:
    for ref in (v.strip() for v in value.split(";") if v.strip()):
        yield Triple(ctx.subject, NamedNode(R + "claimedBy"), ctx.resolve(ref, None))


def _observation_kind(value: str, ctx: Context) -> Iterator[Triple]:
    """Kind → indicator and data set (trade flows in the trade structure, other figures in the other one);
    an investment's investor is its company, or else its reporting state."""
    yield Triple(ctx.subject, NamedNode(R + "kindCode"), Literal(value))
    yield Triple(ctx.subject, NamedNode(R + "indicator"), NamedNode(R + "indicator-" + INDICATORS[value]))
    trade = ctx.row.get("flow") in FLOWS
    dataset = ctx.iri("dataset", "trade-figures" if trade else "other-figures")
    yield Triple(ctx.subject, NamedNode(QB + "dataSet"), dataset)
    if value == "investment":
        investor = ctx.row.get("company") or ctx.row.get("reporting_state")
        for ref in (v.strip() for v in (investor or "").split(";") if v.strip()):
            yield Triple(ctx.subject, NamedNode(R + "investor"), ctx.resolve(ref, None))


def _cooperation_kind(value: str, ctx: Context) -> Iterator[Triple]:
    """Kind → its cooperation type; a sale under negotiation is a sale with the status "under negotiation"."""
    yield Triple(ctx.subject, NamedNode(R + "kindCode"), Literal(value))
    if value in COOPERATION_TYPES:
        concept = NamedNode(R + "cooperation-" + COOPERATION_TYPES[value])
        yield Triple(ctx.subject, NamedNode(R + "cooperationType"), concept)
    if value == "negotiation":
        yield Triple(ctx.subject, NamedNode(R + "status"), NamedNode(R + "status-under-negotiation"))


def _event_kind(value: str, ctx: Context) -> Iterator[Triple]:
    """Kind code; a policy document (an edition of a document, not only an event) also gets its title."""
    yield Triple(ctx.subject, NamedNode(R + "kindCode"), Literal(value))
    if value == "policy-document":
        yield Triple(ctx.subject, NamedNode(DCT + "title"), Literal(ctx.row["label_en"], language="en"))


def _sender(value: str, ctx: Context) -> Iterator[Triple]:
    """The sending state; a delegation of an organisation (the Rio Group) is the visitor instead."""
    for ref in (v.strip() for v in value.split(";") if v.strip()):
        node = ctx.resolve(ref, None)
        prop = "sendingState" if "/id/state/" in node.value else "visitor"
        yield Triple(ctx.subject, NamedNode(R + prop), node)


OFFICE_TYPES = {
    "head-of-state": "head-of-state", "president": "head-of-state", "president-of-russia": "head-of-state",
    "leader-of-the-soviet-union": "head-of-state", "head-of-government": "head-of-government",
    "prime-minister": "head-of-government", "prime-minister-of-russia": "head-of-government",
    "foreign-minister": "foreign-minister", "deputy-foreign-minister": "deputy-foreign-minister",
    "defence-minister": "defence-minister", "chief-of-general-staff": "chief-of-general-staff",
    "ambassador": "ambassador", "ministry-department-director": "department-director",
}  # fmt: skip


def _datasets(base: str) -> Iterator[Triple]:
    for ident, structure, en, es in (
        ("trade-figures", "TradeStructure", "Trade figures stated by the article",
         "Cifras comerciales que da el artículo"),
        ("other-figures", "FigureStructure", "Other economic figures stated by the article",
         "Otras cifras económicas que da el artículo"),
    ):  # fmt: skip
        node = NamedNode(f"{base}id/dataset/{ident}")
        yield Triple(node, RDF_TYPE, NamedNode(QB + "DataSet"))
        yield Triple(node, NamedNode(QB + "structure"), NamedNode(R + structure))
        yield Triple(node, NamedNode(RDFS + "label"), Literal(en, language="en"))
        yield Triple(node, NamedNode(RDFS + "label"), Literal(es, language="es"))


def _vote_node(ctx: Context, resolution_id: str | None = None) -> NamedNode:
    """The roll-call vote on a resolution: its own node (an event), apart from the resolution (a document)."""
    return ctx.iri("vote", resolution_id or ctx.row["id"])


def _on_vote(rule: Rule) -> Custom:
    """Apply a column's rule to the roll-call vote of the row's resolution rather than to the resolution."""

    def fn(value: str, ctx: Context) -> Iterator[Triple]:
        yield from rule.triples(value, Context(ctx.iri, ctx.resolve, _vote_node(ctx), ctx.row, ctx.where))

    return Custom(fn)


def _roll_call(value: str, ctx: Context) -> Iterator[Triple]:
    vote = _vote_node(ctx)
    yield Triple(ctx.subject, NamedNode(R + "draftSymbol"), Literal(value))
    yield Triple(vote, RDF_TYPE, NamedNode(R + "RollCallVote"))
    yield Triple(vote, NamedNode(R + "assertionStatus"), Literal("stated"))
    yield Triple(vote, NamedNode(R + "onResolution"), ctx.subject)
    yield Triple(vote, NamedNode(RDFS + "label"), Literal(f"Vote on draft resolution {value}", language="en"))
    yield Triple(
        vote, NamedNode(RDFS + "label"), Literal(f"Votación del proyecto de resolución {value}", language="es")
    )
    yield Triple(
        vote,
        NamedNode(PROV + "wasDerivedFrom"),
        NamedNode(f"{ctx.subject.value.replace('/id/resolution/', '/id/citation/resolution-')}-1"),
    )


def _cast_in_vote(value: str, ctx: Context) -> Iterator[Triple]:
    resolution = ctx.resolve(value, "resolution")
    yield Triple(ctx.subject, NamedNode(R + "onResolution"), resolution)
    vote = _vote_node(ctx, value)
    yield Triple(ctx.subject, NamedNode(R + "inVote"), vote)
    yield Triple(vote, NamedNode(R + "hasVoteCast"), ctx.subject)


COMMON_FACT = {"quote", "status", "confidence", "note"}

TABLES: tuple[Table, ...] = (
    Table(
        "states.csv",
        "state",
        class_column="kind",
        class_by_value=STATE_KINDS,
        entity=True,
        columns={
            **_labels(),
            "qid": QID,
            "iso_alpha2": Lit(R + "isoAlpha2"),
            "iso_alpha3": Lit(R + "isoAlpha3"),
            "cow_code": Lit(R + "cowCode", XSD + "integer"),
            "groupings": Ref(R + "inGrouping", "grouping"),
            "kind": KIND,
        },
        ignore=frozenset({"in_lac"}),
    ),
    Table(
        "groupings.csv",
        "grouping",
        classes=(R + "StateGrouping",),
        entity=True,
        columns={**_labels(), "qid": QID, "members": Ref(R + "hasMember"), "kind": KIND},
    ),
    Table(
        "persons.csv",
        "person",
        class_column="role",
        class_by_value={
            "scholar": (R + "Scholar",),
            "official": (R + "Official",),
            "leader": (R + "Official",),
            "other": (R + "Person",),
        },
        entity=True,
        columns={**_labels(), "qid": QID, "nationality": Ref(R + "nationality", "state", many=False)},
        ignore=frozenset({"role"}),
    ),
    Table(
        "offices.csv",
        "office",
        classes=(R + "Office",),
        entity=True,
        columns={
            **_labels(),
            "qid": QID,
            "broader": Ref(R + "partOf", "office"),
            "id": Custom(lambda v, ctx: iter(
                [Triple(ctx.subject, NamedNode(R + "officeType"), NamedNode(R + "office-" + OFFICE_TYPES[v]))]
                if v in OFFICE_TYPES else []
            )),
            "state": Ref(R + "officeOf", "state"),
        },
    ),
    Table(
        "office_holdings.csv",
        "holding",
        classes=(R + "OfficeHolding",),
        columns={
            "person": Ref(R + "holder", "person", many=False),
            "office": Ref(R + "office", "office", many=False),
            "state": Ref(R + "ofPolity", many=False),
            "accredited_to": Ref(R + "accreditedTo"),
            "start": _span("start", "end"),
            "end": _span("start", "end", on_end=True),
            "attested": Custom(_attested),
        },
        ignore=frozenset({"start_text", "end_text", "attested_text"}),
    ),
    Table(
        "organisations.csv",
        "organisation",
        class_column="kind",
        class_by_value=ORG_KINDS,
        classes=(R + "Organisation",),
        entity=True,
        columns={
            **_labels(),
            "qid": QID,
            "acronym": Lit(SKOS + "altLabel"),
            "part_of": Ref(R + "partOf"),
            "country": Ref(R + "country"),
            "kind": KIND,
        },
        ignore=frozenset({"qid_source"}),
    ),
    Table(
        "memberships.csv",
        "membership",
        classes=(R + "Membership",),
        columns={
            "member": Ref(ORG + "member", many=False),
            "organisation": Ref(ORG + "organization", many=False),
            "start": _span("start", "end"),
            "end": _span("start", "end", on_end=True),
            "role": Custom(
                lambda v, ctx: iter(
                    [
                        Triple(
                            ctx.subject,
                            NamedNode(R + "membershipStatus"),
                            NamedNode(R + "membership-" + MEMBERSHIP_STATUS[v]),
                        ),
                        Triple(ctx.subject, NamedNode(R + "kindCode"), Literal(v)),
                    ]
                )
            ),
        },
        ignore=frozenset({"start_text", "end_text"}),
    ),
    Table(
        "un_resolutions.csv",
        "resolution",
        classes=(R + "UNResolution",),
        entity=True,
        columns={
            "label_en": Custom(lambda v, ctx: iter([
                Triple(ctx.subject, NamedNode(RDFS + "label"), Literal(v, language="en")),
                Triple(ctx.subject, NamedNode(DCT + "title"), Literal(v, language="en")),
            ])),
            "label_es": Lit(RDFS + "label", lang="es"),
            "qid": QID,
            "draft_symbol": Custom(_roll_call),
            "adopted_symbol": Lit(R + "adoptedSymbol"),
            "body": _on_vote(Ref(R + "votingBody", "organisation", many=False)),
            "date": _on_vote(_date("date_text")),
            "subject": Ref(R + "about"),
            "yes": _on_vote(Lit(R + "yesCount", XSD + "nonNegativeInteger")),
            "no": _on_vote(Lit(R + "noCount", XSD + "nonNegativeInteger")),
            "abstain": _on_vote(Lit(R + "abstainCount", XSD + "nonNegativeInteger")),
            "absent": _on_vote(Lit(R + "absentCount", XSD + "nonNegativeInteger")),
            "lac_yes": _on_vote(Lit(R + "lacYesCount", XSD + "nonNegativeInteger")),
            "lac_no": _on_vote(Lit(R + "lacNoCount", XSD + "nonNegativeInteger")),
            "lac_abstain": _on_vote(Lit(R + "lacAbstainCount", XSD + "nonNegativeInteger")),
            "session": Lit(R + "session", XSD + "integer"),
        },
        ignore=frozenset({"date_text"}),
    ),
    Table(
        "vote_casts.csv",
        "vote-cast",
        classes=(R + "VoteCast",),
        columns={
            "resolution": Custom(_cast_in_vote),
            "state": Ref(R + "voter", "state", many=False),
            "vote": Concept(R + "voteOption", R + "vote-", frozenset({"yes", "no", "abstain", "absent"})),
        },
    ),
    Table(
        "recognitions.csv",
        "recognition",
        classes=(R + "Recognition",),
        columns={
            "recognising_state": Ref(R + "recognisingState", "state", many=False),
            "recognised": Ref(R + "recognisedPolity", "state", many=False),
            "stance": Custom(
                lambda v, ctx: iter(
                    [
                        Triple(
                            ctx.subject,
                            NamedNode(R + "stance"),
                            NamedNode(R + ("stance-support" if v == "recognition" else "stance-opposition")),
                        ),
                        Triple(ctx.subject, NamedNode(R + "kindCode"), Literal(v)),
                    ]
                )
            ),
            "date": _date("date_text"),
        },
        ignore=frozenset({"date_text"}),
    ),
    Table(
        "un_seats.csv",
        "un-seat",
        classes=(R + "UNBodySeat",),
        columns={
            "state": Ref(ORG + "member", "state", many=False),
            "body": Ref(ORG + "organization", "organisation", many=False),
            "seat_type": Concept(R + "membershipStatus", R + "membership-", frozenset({"non-permanent", "permanent"})),
            "start": _span("start", "end"),
            "end": _span("start", "end", on_end=True),
            "attested": Custom(_attested),
        },
        ignore=frozenset({"start_text", "end_text", "attested_text"}),
    ),
    Table(
        "claims.csv",
        "claim",
        classes=(R + "Claim",),
        columns={
            "claim_text": Lit(R + "statementText", lang="en"),
            "attributed_to": Custom(_claimed_by),
            "about": Ref(R + "about"),
            "cited_work": Lit(DCT + "bibliographicCitation"),
        },
    ),
    Table(
        "claims_events.csv",
        "claim",
        classes=(R + "Claim",),
        columns={
            "claim_text": Lit(R + "statementText", lang="en"),
            "attributed_to": Custom(_claimed_by),
            "about": Ref(R + "about"),
        },
    ),
    Table(
        "companies.csv",
        "company",
        classes=(R + "Company",),
        entity=True,
        columns={**_labels(), "qid": QID, "country": Ref(R + "country", "state"), "kind": KIND},
        ignore=frozenset({"qid_source"}),
    ),
    Table(
        "places.csv",
        "place",
        class_column="kind",
        class_by_value={
            "city": (R + "City",),
            "power-plant": (R + "Facility",),
            "military-facility": (R + "Facility",),
            "port": (R + "Facility",),
        },
        classes=(R + "Place",),
        entity=True,
        columns={
            **_labels(),
            "qid": QID,
            "state": Ref(R + "country", "state"),
            "part_of": Ref(R + "partOf"),
            "country": Ref(R + "country"),
            "kind": KIND,
        },
        ignore=frozenset({"qid_source"}),
    ),
    Table(
        "systems.csv",
        "system",
        classes=(R + "WeaponSystem",),
        entity=True,
        columns={**_labels(), "qid": QID, "country_of_origin": Ref(R + "countryOfOrigin", "state"), "kind": KIND},
        ignore=frozenset({"qid_source"}),
    ),
    Table(
        "visits.csv",
        "visit",
        class_column="kind",
        class_by_value=VISIT_KINDS,
        columns={
            "visitors": Ref(R + "visitor"),
            "visiting_state": Custom(_sender),
            "host_states": Ref(R + "hostState"),
            "places": Ref(R + "location", "place"),
            "date": _date("date_text"),
            "purpose": Lit(R + "purpose", lang="en"),
            "outcome_agreements": Ref(R + "hasOutcome"),
            "outcome_text": Lit(R + "outcomeText", lang="en"),
            "cancelled": Custom(_boolean_status),
            "vessels_or_aircraft": Ref(R + "visitingSystem", "system"),
            "kind": KIND,
        },
        ignore=frozenset({"date_text"}),
    ),
    Table(
        "agreements.csv",
        "agreement",
        class_column="kind",
        class_by_value=AGREEMENT_KINDS,
        classes=(R + "Agreement",),
        columns={
            "title": Lit(RDFS + "label", lang="en"),
            "parties": Ref(R + "party"),
            "lender_or_creditor": _party_role("lender"),
            "borrower_or_debtor": _party_role("borrower"),
            "date": _date("date_text"),
            "subject": Custom(_subject_areas),
            "amount": _money("amount", "currency"),
            "percentage": Lit(R + "percentage", XSD + "decimal"),
            "signed_during_visit": Ref(R + "outcomeOf", "visit"),
            "kind": KIND,
        },
        ignore=frozenset({"date_text", "currency"}),
    ),
    Table(
        "arms_transfers.csv",
        "arms-transfer",
        class_column="kind",
        class_by_value=ARMS_KINDS,
        classes=(R + "MilitaryTechnicalCooperation",),
        columns={
            "supplier": Ref(R + "supplier"),
            "recipient": Ref(R + "recipient"),
            "system": Ref(R + "weaponSystem", "system"),
            "quantity": Lit(R + "quantity", XSD + "decimal"),
            "year": _date("year_text"),
            "amount": _money("amount", "currency"),
            "kind": Custom(_cooperation_kind),
        },
        ignore=frozenset({"year_text", "currency"}),
    ),
    Table(
        "economic_figures.csv",
        "observation",
        class_column="kind",
        class_by_value={"investment": (R + "Investment", R + "StatisticalObservation")},
        classes=(R + "StatisticalObservation",),
        columns={
            "reporting_state": Ref(R + "refArea"),
            "partner_state": Ref(R + "counterpartArea"),
            "product": Lit(R + "productText", lang="en"),
            "flow": Custom(
                lambda v, ctx: iter(
                    [Triple(ctx.subject, NamedNode(R + "tradeFlow"), NamedNode(R + "flow-" + FLOWS[v]))]
                    if v in FLOWS
                    else []
                )
            ),
            "period": DateRule(
                R + "refPeriod", R + "datePrecision", R + "earliestDate", R + "latestDate", R + "precision-",
                "period_text", R + "dateText",
            ),
            "value": Lit(R + "obsValue", XSD + "decimal"),
            "unit_or_currency": Custom(
                lambda v, ctx: iter(
                    [Triple(ctx.subject, NamedNode(R + ("currency" if v in CURRENCIES else "unit")), Literal(v))]
                )
            ),
            "company": Ref(R + "participant"),
            "kind": Custom(_observation_kind),
        },
        ignore=frozenset({"period_text"}),
    ),
    Table(
        "events.csv",
        "event",
        class_column="kind",
        class_by_value=EVENT_KINDS,
        classes=(R + "Event",),
        columns={
            **_labels(),
            "date": _date("date_text"),
            "places": Ref(R + "location"),
            "participants": Ref(R + "participant"),
            "issued_by": Ref(R + "issuedBy"),
            "kind": Custom(_event_kind),
        },
        ignore=frozenset({"date_text"}),
    ),
)


def article_document(settings: Settings, folder: Path) -> Iterator[Triple]:
    """The source article as a bibliographic resource (what every citation points to)."""
    doc = NamedNode(f"{settings.base_iri}id/document/{ARTICLE_ID}")
    digest = hashlib.sha256((folder / ARTICLE_FILE).read_bytes()).hexdigest()
    yield Triple(doc, RDF_TYPE, NamedNode(R + "Document"))
    yield Triple(
        doc,
        NamedNode(RDFS + "label"),
        Literal("Russia's policy towards Latin America (source article, 2015)", language="en"),
    )
    yield Triple(
        doc,
        NamedNode(RDFS + "label"),
        Literal("La política de Rusia hacia América Latina (artículo fuente, 2015)", language="es"),
    )
    # The extracted text carries no title page: a supplied title, in brackets as cataloguers write one.
    yield Triple(doc, NamedNode(DCT + "title"), Literal("[Russia's policy towards Latin America]", language="en"))
    yield Triple(doc, NamedNode(DCT + "language"), Literal("en"))
    yield Triple(doc, NamedNode(DCT + "issued"), Literal("2015", datatype=NamedNode(XSD + "gYear")))
    yield Triple(
        doc,
        NamedNode(DCT + "description"),
        Literal(
            "An English article (2015) on Russia's policy towards Latin America from Soviet times to 2015, extracted "
            f"from a PDF; the text quoted by the graph is data/article/{ARTICLE_FILE} (sha256 {digest}).",
            language="en",
        ),
    )
    yield Triple(doc, NamedNode(R + "sha256"), Literal(digest))


def compile_article(folder: Path, settings: Settings) -> Iterator[Triple]:
    """Map every table of ``folder`` to RDF; raise ``MappingError`` on the first bad cell."""
    base = settings.base_iri
    article = load_article(folder / ARTICLE_FILE)
    doc = NamedNode(f"{base}id/document/{ARTICLE_ID}")

    def iri(kind: str, ident: str) -> NamedNode:
        return NamedNode(f"{base}id/{kind}/{ident}")

    tables = [(t, read_rows(folder / t.file)) for t in TABLES if (folder / t.file).is_file()]
    index: dict[str, tuple[str, NamedNode]] = {"article": ("document", doc)}
    for table, rows in tables:
        for row in rows:
            if row["id"] in index and index[row["id"]][0] != table.kind:
                raise MappingError(f"{table.file}: id {row['id']!r} is also used by another table")
            index[row["id"]] = (table.kind, iri(table.kind, row["id"]))

    labels: dict[tuple[str, str], str] = {}
    for _table, rows in tables:
        for row in rows:
            for lang in ("en", "es"):
                if row.get(f"label_{lang}"):
                    labels[(row["id"], lang)] = row[f"label_{lang}"]
            if row.get("draft_symbol"):
                labels[(row["id"], "en")] = labels[(row["id"], "es")] = row["draft_symbol"]

    def lookup(ident: str, lang: str) -> str:
        return labels.get((ident, lang)) or labels.get((ident, "en")) or ident

    yield from article_document(settings, folder)
    yield from _datasets(base)
    for table, rows in tables:
        for row in rows:
            where = f"{table.file} row {row['id']!r}"

            def resolve(ref: str, kind: str | None, where: str = where) -> NamedNode:
                if ref not in index:
                    raise MappingError(f"{where}: unknown id {ref!r}")
                found_kind, node = index[ref]
                if kind is not None and found_kind != kind and not (kind == "state" and found_kind == "grouping"):
                    raise MappingError(f"{where}: {ref!r} is a {found_kind}, expected a {kind}")
                return node

            subject = iri(table.kind, row["id"])
            ctx = Context(iri, resolve, subject, row, where)
            classes = table.class_by_value.get(row.get(table.class_column or "", ""), table.classes)
            if not classes:
                raise MappingError(f"{where}: no class for {table.class_column}={row.get(table.class_column or '')!r}")
            for cls in classes:
                yield Triple(subject, RDF_TYPE, NamedNode(cls))
            yield Triple(subject, NamedNode(R + "localId"), Literal(row["id"]))
            generated = fact_labels(table.kind, row, lookup)
            if generated:
                for text, lang in zip(generated, ("en", "es"), strict=True):
                    if text:
                        yield Triple(subject, NamedNode(RDFS + "label"), Literal(text, language=lang))
            for column, value in row.items():
                if not value or column in COMMON_FACT or column in table.ignore:
                    continue
                if column == "id" and "id" not in table.columns:
                    continue
                rule = table.columns.get(column)
                if rule is None:
                    raise MappingError(f"{table.file}: column {column!r} has no mapping")
                ctx.where = f"{where}, column {column!r}"
                yield from rule.triples(value, ctx)
            yield from _provenance(subject, row, where, article, doc, base, table)


def _provenance(
    subject: NamedNode, row: dict[str, str], where: str, article: str, doc: NamedNode, base: str, table: Table
) -> Iterator[Triple]:
    quotes = split_quotes(row.get("quote", ""))
    if not quotes:
        raise MappingError(f"{where}: no quote: every fact rests on a verbatim quote of the article")
    for n, quote in enumerate(quotes, start=1):
        try:
            span = locate(article, quote)
        except QuoteNotFound as e:
            raise MappingError(f"{where}: {e}") from None
        citation = NamedNode(f"{base}id/citation/{table.kind}-{row['id']}-{n}")
        nonneg = NamedNode(XSD + "nonNegativeInteger")
        yield Triple(subject, NamedNode(PROV + "wasDerivedFrom"), citation)
        yield Triple(citation, RDF_TYPE, NamedNode(R + "Citation"))
        yield Triple(citation, NamedNode(R + "quote"), Literal(quote))
        yield Triple(citation, NamedNode(R + "startOffset"), Literal(str(span.start), datatype=nonneg))
        yield Triple(citation, NamedNode(R + "endOffset"), Literal(str(span.end), datatype=nonneg))
        yield Triple(citation, NamedNode(DCT + "source"), doc)
    status = row.get("status", "stated") or "stated"
    if status not in ("stated", "inferred"):
        raise MappingError(f"{where}: status must be stated or inferred, not {status!r}")
    yield Triple(subject, NamedNode(R + "assertionStatus"), Literal(status))
    confidence = row.get("confidence", "")
    if status == "inferred":
        if not confidence:
            raise MappingError(f"{where}: an inferred fact needs a confidence between 0 and 1")
        yield from Lit(R + "confidence", XSD + "decimal").triples(
            confidence, Context(lambda k, i: subject, lambda r, k: subject, subject, row, where)
        )
    if row.get("note"):
        yield Triple(subject, NamedNode(SKOS + "editorialNote"), Literal(row["note"], language="en"))
