"""The UN General Assembly voting record as N-Triples: roll calls, votes, states, agreement and ideal points.

Source files → records (``records``) → states by COW code and date (``states``) → N-Triples lines (here).
Why text lines rather than pyoxigraph terms: several million triples; formatting lines is several times faster,
and the build bulk-loads the written file (``cache``).

What is written (IRIs under ``<base>id/``):

* the data set ``document/unga-voting-data`` (a ``rula:Document`` and ``dcat:Dataset`` with its citation and
  licence) and the two ``qb:DataSet`` of computed figures (``dataset/unga-voting-agreement``,
  ``dataset/unga-ideal-points``), derived from it;
* per roll call ``vote/unga-rollcall-<rcid>`` (the article's ``vote/<resolution id>`` for the roll call adopting a
  resolution the article records, e.g. A/RES/68/262: one node for one event): a ``rula:RollCallVote`` with
  rcid, session, date, Voeten's resolution code, titles, issues, important/amendment/paragraph flags and a
  ``rula:Citation`` quoting its line of ``un_roll_calls.csv`` (offsets in the decompressed file);
* per vote ``vote-cast/unga-<rcid>-<state>``: a ``rula:VoteCast`` (yes, no, abstain, absent, not a member) whose
  provenance and assertion status are its roll call's (``rula:inVote``; the shapes accept that path), not repeated
  on each of the 1.2 million votes (2.4 million triples saved); and beside it the direct ``rula:votedYes``/
  ``votedNo``/``votedAbstain``/``votedAbsent`` link from the state to the roll call (fast joins; none for
  non-members);
* states not in the article (labels en/es/pt/ru, ISO and COW codes, QID from countries.csv only), successions,
  and membership of Latin America and the Caribbean for the 33 states;
* per roll call the Latin American and Caribbean yes/no/abstain(/absent) counts as ``rula:VoteTally`` nodes;
* agreement observations (``agreement``) and ideal points (Bailey–Strezhnev–Voeten) as
  ``rula:StatisticalObservation``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from rulakg.data.unvotes.agreement import agreements
from rulakg.data.unvotes.records import (
    ABSENT,
    ABSTAIN,
    NO,
    NOT_MEMBER,
    YES,
    RollCall,
    read_countries,
    read_ideal_points,
    read_roll_calls,
    read_votes,
)
from rulakg.data.unvotes.states import LAC_ISO2, SUCCESSIONS, StateIndex

R = "https://w3id.org/rulakg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
QB = "http://purl.org/linked-data/cube#"
OWL_SAME_AS = "<http://www.w3.org/2002/07/owl#sameAs>"
DCAT_DATASET = "<http://www.w3.org/ns/dcat#Dataset>"

VOTE_OPTION = {YES: "vote-yes", ABSTAIN: "vote-abstain", NO: "vote-no", ABSENT: "vote-absent",
               NOT_MEMBER: "vote-not-member"}  # fmt: skip
DIRECT = {YES: "votedYes", ABSTAIN: "votedAbstain", NO: "votedNo", ABSENT: "votedAbsent"}
COUNTERPARTS = ("ussr", "russia")
CITATION = (
    'Erik Voeten, "Data and Analyses of Voting in the UN General Assembly", in B. Reinalda (ed.), Routledge '
    "Handbook of International Organization (2013); data: Erik Voeten, Anton Strezhnev and Michael Bailey, "
    '"United Nations General Assembly Voting Data", Harvard Dataverse, hdl:1902.1/12379; ideal points: '
    "Bailey, Strezhnev & Voeten, Journal of Conflict Resolution 61(2), 2017, 430-456."
)

LANDING_PAGE = "https://dataverse.harvard.edu/dataset.xhtml?persistentId=hdl:1902.1/12379"
DESCRIPTION = (
    "Roll calls, votes (with absences and non-members for sessions 1-70), issue codes and ideal points of the UN "
    "General Assembly, 1946-2020, as repackaged in the R package unvotes (dgrtwo/unvotes) and by E. Voeten; see "
    "data/unvotes/SOURCE.md."
)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def lit(text: str, lang: str | None = None) -> str:
    return f'"{_esc(text)}"@{lang}' if lang else f'"{_esc(text)}"'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def boolean(value: bool) -> str:
    return typed("true" if value else "false", "boolean")


def unres_slug(unres: str) -> str:
    """Voeten's resolution code to the id used in resolution IRIs: R/68/262 → unga-resolution-68-262 (the form the
    article's table uses), A/RES/45/12 likewise, ESS/10/2 → unga-resolution-ess-10-2."""
    code = unres.removeprefix("A/RES/").removeprefix("R/")
    return "unga-resolution-" + "".join(c if c.isalnum() else "-" for c in code.lower()).strip("-")


def adopted_symbol(unres: str) -> str | None:
    """The UN document symbol, only where it is certain: sessions 31 on (A/RES/<session>/<number>)."""
    parts = unres.removeprefix("A/RES/").removeprefix("R/").split("/") if unres[:2] in ("R/", "A/") else []
    if len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[0]) >= 31:
        return f"A/RES/{parts[0]}/{parts[1]}"
    return None


def article_votes(article_dir: Path | None) -> dict[str, dict[str, str]]:
    """Adopted symbol → the article's row of un_resolutions.csv, for the resolutions the article records."""
    path = article_dir / "un_resolutions.csv" if article_dir else None
    if path is None or not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        return {row["adopted_symbol"]: row for row in csv.DictReader(f) if row.get("adopted_symbol")}


def resolve_votes(
    folder: Path, calls: dict[int, RollCall], states: StateIndex
) -> dict[int, dict[str, int]]:
    """rcid → state slug → Voeten code."""
    votes: dict[int, dict[str, int]] = {rcid: {} for rcid in calls}
    for rcid, cow, code in read_votes(folder, states.iso2_to_cow):
        slug = states.resolve(cow, calls[rcid].date)
        cast = votes[rcid]
        if slug in cast:
            raise ValueError(f"rcid {rcid}: two votes for {slug} (COW {cow})")
        cast[slug] = code
    return votes


def write_record(folder: Path, base: str, out: TextIO, article_dir: Path | None) -> None:
    """Write the whole record as N-Triples to ``out``."""
    states = StateIndex(read_countries(folder), article_dir / "states.csv" if article_dir else None)
    calls = read_roll_calls(folder)
    votes = resolve_votes(folder, calls, states)
    w = out.write
    for line in _record(folder, base, calls, votes, states, article_votes(article_dir)):
        w(line)


def _record(
    folder: Path,
    base: str,
    calls: dict[int, RollCall],
    votes: dict[int, dict[str, int]],
    states: StateIndex,
    in_article: dict[str, dict[str, str]],
) -> Iterator[str]:
    ID = base + "id/"
    r = lambda local: f"<{R}{local}>"  # noqa: E731
    doc = f"<{ID}document/unga-voting-data>"
    yield from _dataset(ID, doc, r)

    used = {slug for cast in votes.values() for slug in cast}
    yield from _states(ID, r, states, used)

    type_vote, type_cast = r("RollCallVote"), r("VoteCast")
    in_vote, voter, option = r("inVote"), r("voter"), r("voteOption")
    derived, status = f"<{PROV}wasDerivedFrom>", r("assertionStatus")
    stated = lit("stated")
    options = {code: r(local) for code, local in VOTE_OPTION.items()}
    direct = {code: r(local) for code, local in DIRECT.items()}
    state_iri = {slug: f"<{ID}state/{slug}>" for slug in used}
    ga = f"<{ID}organisation/un-general-assembly>"
    lac = {slug for slug in used if states.by_slug[slug].lac}
    described: set[str] = set()
    for rcid, call in sorted(calls.items()):
        symbol = adopted_symbol(call.unres)
        row = in_article.get(symbol or "") if not (call.amend or call.para) else None
        article_id = row["id"] if row else None
        vote = f"<{ID}vote/{article_id}>" if article_id else f"<{ID}vote/unga-rollcall-{rcid}>"
        citation = f"<{ID}citation/unga-voting-data-rollcall-{rcid}>"
        yield f"{vote} {r('rollCallId')} {typed(rcid, 'integer')} .\n"
        yield f"{vote} {r('session')} {typed(call.session, 'integer')} .\n"
        # On the article's node, what the article's graph already says is not repeated: the same triple in two
        # graphs is two solutions of a query over their union.
        if not row:
            yield f"{vote} {RDF_TYPE} {type_vote} .\n"
        if not row or row.get("date") != call.date:
            yield f"{vote} {r('dateValue')} {lit(call.date)} .\n"
            yield f"{vote} {r('datePrecision')} {r('precision-day')} .\n"
            yield f"{vote} {r('earliestDate')} {typed(call.date, 'date')} .\n"
            yield f"{vote} {r('latestDate')} {typed(call.date, 'date')} .\n"
        if not row or row.get("body") != "un-general-assembly":
            yield f"{vote} {r('votingBody')} {ga} .\n"
        if not article_id:  # the article's node has its own labels
            title = call.descr or call.short or f"roll call {rcid}"
            yield f"{vote} {RDFS_LABEL} {lit(f'UNGA roll call {rcid} ({call.date}): {title[:200]}', 'en')} .\n"
            yield f"{vote} {RDFS_LABEL} {lit(f'Votación {rcid} de la AGNU ({call.date}): {title[:200]}', 'es')} .\n"
        if call.short:
            yield f"<{vote[1:-1]}> <{DCT}title> {lit(call.short, 'en')} .\n"
        if call.descr:
            yield f"{vote} <{DCT}description> {lit(call.descr, 'en')} .\n"
        for flag, value in (("importantVote", call.important), ("amendmentVote", call.amend),
                            ("paragraphVote", call.para)):  # fmt: skip
            if value is not None:
                yield f"{vote} {r(flag)} {boolean(value)} .\n"
        for issue in call.issues:
            yield f"{vote} {r('voteIssue')} {r('issue-' + issue)} .\n"
        yield f"{vote} {derived} {citation} .\n"
        if not row:
            yield f"{vote} {status} {stated} .\n"
        yield f"{citation} {RDF_TYPE} {r('Citation')} .\n"
        yield f"{citation} {r('quote')} {lit(call.row)} .\n"
        yield f"{citation} {r('startOffset')} {typed(call.start, 'nonNegativeInteger')} .\n"
        yield f"{citation} {r('endOffset')} {typed(call.end, 'nonNegativeInteger')} .\n"
        yield f"{citation} <{DCT}source> {doc} .\n"
        if call.unres:
            resolution = f"<{ID}resolution/{unres_slug(call.unres)}>"
            yield f"{vote} {r('onResolution')} {resolution} .\n"
            yield f"{resolution} {r('resolutionCode')} {lit(call.unres)} .\n"
            if resolution not in described and not (symbol and symbol in in_article):
                described.add(resolution)  # the article describes its own resolutions
                yield f"{resolution} {RDF_TYPE} {r('UNResolution')} .\n"
                name = symbol or f"UNGA resolution {call.unres}"
                yield f"{resolution} {RDFS_LABEL} {lit(name, 'en')} .\n"
                # Voeten's short title of its (first) roll call: the data set gives no resolution titles
                yield f"{resolution} <{DCT}title> {lit(call.short or name, 'en')} .\n"
                if symbol:
                    yield f"{resolution} {r('adoptedSymbol')} {lit(symbol)} .\n"
                    yield f"{resolution} {r('session')} {typed(call.session, 'integer')} .\n"
        yield from _lac_tallies(ID, r, rcid, vote, citation, votes[rcid], lac)
        for slug, code in sorted(votes[rcid].items()):
            cast = f"<{ID}vote-cast/unga-{rcid}-{slug}>"
            yield f"{cast} {RDF_TYPE} {type_cast} .\n"
            yield f"{cast} {in_vote} {vote} .\n"
            yield f"{cast} {voter} {state_iri[slug]} .\n"
            yield f"{cast} {option} {options[code]} .\n"
            if code in direct:
                yield f"{state_iri[slug]} {direct[code]} {vote} .\n"

    agreement_set = f"<{ID}dataset/unga-voting-agreement>"
    for a in agreements(votes, calls, COUNTERPARTS, lac):
        obs = f"<{ID}observation/unga-agreement-{a.session}-{a.state}-{a.counterpart}-{a.issue or 'all'}>"
        yield f"{obs} {RDF_TYPE} {r('StatisticalObservation')} .\n"
        yield f"{obs} <{QB}dataSet> {agreement_set} .\n"
        yield f"{obs} {r('indicator')} {r('indicator-voting-agreement')} .\n"
        yield f"{obs} {r('session')} {typed(a.session, 'integer')} .\n"
        yield f"{obs} {r('refPeriod')} {lit(str(1945 + a.session))} .\n"
        yield f"{obs} {r('refArea')} {state_iri[a.state]} .\n"
        yield f"{obs} {r('counterpartArea')} {state_iri[a.counterpart]} .\n"
        yield f"{obs} {r('voteIssue')} {r('issue-' + a.issue) if a.issue else r('issue-all')} .\n"
        yield f"{obs} {r('obsValue')} {typed(a.index, 'decimal')} .\n"
        yield f"{obs} {r('votesCounted')} {typed(a.votes, 'integer')} .\n"
        yield f"{obs} {r('unit')} {lit('agreement index (0-1)')} .\n"
        yield f"{obs} {derived} {f'<{ID}citation/unga-voting-data>'} .\n"
        yield f"{obs} {status} {lit('inferred')} .\n"
        yield f"{obs} {r('confidence')} {typed('1', 'decimal')} .\n"

    ideal_set = f"<{ID}dataset/unga-ideal-points>"
    for p in read_ideal_points(folder):
        # the polity that held the seat when the session opened (session s opened in 1945 + s)
        slug = states.resolve(p.ccode, f"{1945 + p.session}-09-15")
        iri = state_iri.get(slug) or f"<{ID}state/{slug}>"
        if slug not in used:
            continue  # a state that never voted in the record (none in the April 2020 file; kept for safety)
        obs = f"<{ID}observation/unga-ideal-point-{p.session}-{slug}>"
        yield f"{obs} {RDF_TYPE} {r('StatisticalObservation')} .\n"
        yield f"{obs} <{QB}dataSet> {ideal_set} .\n"
        yield f"{obs} {r('indicator')} {r('indicator-ideal-point')} .\n"
        yield f"{obs} {r('session')} {typed(p.session, 'integer')} .\n"
        yield f"{obs} {r('refPeriod')} {lit(str(1945 + p.session))} .\n"
        yield f"{obs} {r('refArea')} {iri} .\n"
        yield f"{obs} {r('obsValue')} {typed(p.value, 'decimal')} .\n"
        yield f"{obs} {r('votesCounted')} {typed(p.votes, 'integer')} .\n"
        yield f"{obs} {r('unit')} {lit('ideal point (Bailey-Strezhnev-Voeten scale)')} .\n"
        yield f"{obs} {derived} {f'<{ID}citation/unga-ideal-points>'} .\n"
        yield f"{obs} {status} {lit('stated')} .\n"


def _lac_tallies(  # type: ignore[no-untyped-def]
    ID: str, r, rcid: int, vote: str, citation: str, cast: dict[str, int], lac: set[str]
) -> Iterator[str]:
    """How the Latin American and Caribbean states voted: one rula:VoteTally per option (yes, no and abstain
    always, absent when any), so that "where did the region split" is a filter, not a GROUP BY."""
    counts = {YES: 0, NO: 0, ABSTAIN: 0, ABSENT: 0}
    for slug, code in cast.items():
        if slug in lac and code in counts:
            counts[code] += 1
    group = f"<{ID}grouping/latin-america-and-the-caribbean>"
    for code, n in counts.items():
        if code == ABSENT and not n:
            continue
        tally = f"<{ID}tally/unga-{rcid}-lac-{VOTE_OPTION[code].removeprefix('vote-')}>"
        yield f"{tally} {RDF_TYPE} {r('VoteTally')} .\n"
        yield f"{tally} {r('tallyOf')} {vote} .\n"
        yield f"{tally} {r('tallyGroup')} {group} .\n"
        yield f"{tally} {r('voteOption')} {r(VOTE_OPTION[code])} .\n"
        yield f"{tally} {r('voteCount')} {typed(n, 'integer')} .\n"
        yield f"{tally} <{PROV}wasDerivedFrom> {citation} .\n"
        yield f"{tally} {r('assertionStatus')} {lit('inferred')} .\n"
        yield f"{tally} {r('confidence')} {typed('1', 'decimal')} .\n"


def _dataset(ID: str, doc: str, r) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield f"{doc} {RDF_TYPE} {r('Document')} .\n"
    yield f"{doc} {RDF_TYPE} {DCAT_DATASET} .\n"
    yield f"{doc} {RDF_TYPE} <{PROV}Entity> .\n"
    yield f"{doc} <{DCT}title> {lit('United Nations General Assembly Voting Data', 'en')} .\n"
    yield f"{doc} {RDFS_LABEL} {lit('UN General Assembly voting data (Voeten), 1946-2020', 'en')} .\n"
    label_es = "Datos de votación de la Asamblea General de la ONU (Voeten), 1946-2020"
    yield f"{doc} {RDFS_LABEL} {lit(label_es, 'es')} .\n"
    yield f"{doc} <{DCT}bibliographicCitation> {lit(CITATION)} .\n"
    yield f"{doc} <{DCT}identifier> {lit('hdl:1902.1/12379')} .\n"
    yield f"{doc} <{DCT}license> <https://creativecommons.org/publicdomain/zero/1.0/> .\n"
    yield f"{doc} <http://www.w3.org/ns/dcat#landingPage> <{LANDING_PAGE}> .\n"
    yield f"{doc} <{DCT}description> {lit(DESCRIPTION, 'en')} .\n"
    for ident, file_, en in (
        ("unga-voting-data", "un_roll_calls.csv", "Voeten's roll-call and vote files"),
        ("unga-ideal-points", "idealpoints_all_apr2020.csv", "Ideal point estimates, April 2020"),
    ):
        c = f"<{ID}citation/{ident}>"
        yield f"{c} {RDF_TYPE} {r('Citation')} .\n"
        quote = f"{en} ({file_}, data/unvotes/SOURCE.md)"
        yield f"{c} {r('quote')} {lit(quote)} .\n"
        yield f"{c} {r('startOffset')} {typed(0, 'nonNegativeInteger')} .\n"
        yield f"{c} {r('endOffset')} {typed(len(quote), 'nonNegativeInteger')} .\n"
        yield f"{c} <{DCT}source> {doc} .\n"
    for ident, structure, en, es in (
        ("unga-voting-agreement", "VotingAgreementStructure",
         "Voting agreement between states in the UN General Assembly, per session (computed from Voeten's data)",
         "Coincidencia de voto entre estados en la Asamblea General de la ONU, por periodo de sesiones"),
        ("unga-ideal-points", "IdealPointStructure",
         "Ideal points of states in the UN General Assembly, per session (Bailey, Strezhnev and Voeten)",
         "Puntos ideales de los estados en la Asamblea General de la ONU, por periodo de sesiones"),
    ):  # fmt: skip
        node = f"<{ID}dataset/{ident}>"
        yield f"{node} {RDF_TYPE} <{QB}DataSet> .\n"
        yield f"{node} <{QB}structure> {r(structure)} .\n"
        yield f"{node} {RDFS_LABEL} {lit(en, 'en')} .\n"
        yield f"{node} {RDFS_LABEL} {lit(es, 'es')} .\n"
        yield f"{node} <{PROV}wasDerivedFrom> {doc} .\n"


def _states(ID: str, r, states: StateIndex, used: set[str]) -> Iterator[str]:  # type: ignore[no-untyped-def]
    lac_group = f"<{ID}grouping/latin-america-and-the-caribbean>"
    for slug in sorted(used):
        info = states.by_slug[slug]
        node = f"<{ID}state/{slug}>"
        if info.in_article:
            continue  # the article's graph describes it
        yield f"{node} {RDF_TYPE} {r('HistoricalState' if info.historical else 'SovereignState')} .\n"
        for text, lang in zip(info.labels(), ("en", "es", "pt", "ru"), strict=True):
            yield f"{node} {RDFS_LABEL} {lit(text, lang)} .\n"
        if info.iso2 and not info.historical:
            yield f"{node} {r('isoAlpha2')} {lit(info.iso2)} .\n"
            yield f"{node} {r('isoAlpha3')} {lit(info.iso3)} .\n"
        if info.cow is not None:
            yield f"{node} {r('cowCode')} {typed(info.cow, 'integer')} .\n"
        if info.cow_letter:
            yield f"{node} {r('cowAbbreviation')} {lit(info.cow_letter)} .\n"
        if info.qid:
            yield f"{node} {r('wikidataId')} {lit(info.qid)} .\n"
            yield f"{node} {OWL_SAME_AS} <http://www.wikidata.org/entity/{info.qid}> .\n"
        if info.iso2 in LAC_ISO2:
            yield f"{node} {r('inGrouping')} {lac_group} .\n"
    for successor, predecessor in SUCCESSIONS:
        if successor in used and predecessor in used:
            yield f"<{ID}state/{successor}> {r('successorOf')} <{ID}state/{predecessor}> .\n"

