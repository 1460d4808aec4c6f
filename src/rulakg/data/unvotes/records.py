"""Read Voeten's UN General Assembly voting files (``data/unvotes/``) into plain Python records.

Why plain tuples and dicts: the record is over a million votes; the mapping and the agreement scores loop over
them, and anything heavier than a tuple per vote costs seconds.

Which file gives a roll call's votes: Voeten's raw file (sessions 1–70) has every state's position including
absences (8) and non-membership (9); ``un_votes`` (all sessions) has only yes/abstain/no. A roll call in the raw
file takes its votes from there; the others (sessions 71–74 and 345 roll calls of sessions 52–67 that the raw file
lacks) from ``un_votes``.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROLL_CALLS = "un_roll_calls.csv.gz"
ISSUES = "un_roll_call_issues.csv"
RAW_VOTES = "voeten_raw_votes_s1-70.csv.gz"
VOTES = "un_votes.csv.gz"
IDEAL_POINTS = "idealpoints_all_apr2020.csv.gz"
COUNTRIES = "countries.csv"
FILES = (ROLL_CALLS, ISSUES, RAW_VOTES, VOTES, IDEAL_POINTS, COUNTRIES)

# Voeten's codes: 1 yes, 2 abstain, 3 no, 8 absent, 9 not a member.
YES, ABSTAIN, NO, ABSENT, NOT_MEMBER = 1, 2, 3, 8, 9
UN_VOTES_CODE = {"yes": YES, "abstain": ABSTAIN, "no": NO}
ISSUE_CODES = ("me", "nu", "di", "hr", "co", "ec")

# un_votes names the states by ISO 3166-1 alpha-2; these have none (or a withdrawn one): their COW codes.
UN_VOTES_COW = {
    "Czechoslovakia": 315, "Yugoslavia": 345, "Yemen Arab Republic": 678, "Zanzibar": 511,
    "Yemen People's Republic": 680, "Federal Republic of Germany": 260, "German Democratic Republic": 265,
}  # fmt: skip


@dataclass
class RollCall:
    rcid: int
    session: int
    date: str  # ISO yyyy-mm-dd
    unres: str
    important: bool | None
    amend: bool | None
    para: bool | None
    short: str
    descr: str
    row: str  # the verbatim CSV line of un_roll_calls (the citation's quote)
    start: int  # character offsets of that line in the decompressed file
    end: int
    issues: list[str] = field(default_factory=list)


def _flag(value: str) -> bool | None:
    return None if value == "" else value == "1"


def read_roll_calls(folder: Path) -> dict[int, RollCall]:
    """Every roll call, by rcid, with its issue codes and its own line of the file (for provenance)."""
    with gzip.open(folder / ROLL_CALLS, "rt", encoding="utf-8", newline="") as f:
        text = f.read()
    calls: dict[int, RollCall] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert header == ["rcid", "session", "importantvote", "date", "unres", "amend", "para", "short", "descr"], header
    # Offsets of each record: csv gives no positions, so re-find each record's line (rows may hold quoted commas
    # but no newlines; checked below).
    lines = text.split("\n")
    offset = len(lines[0]) + 1
    for line, row in zip(lines[1:], reader, strict=False):
        rcid, session, important, date, unres, amend, para, short, descr = row
        if next(csv.reader([line])) != row:
            raise ValueError(f"{ROLL_CALLS}: rcid {rcid}: a record spans several lines")
        calls[int(rcid)] = RollCall(
            int(rcid), int(session), date, unres, _flag(important), _flag(amend), _flag(para), short, descr,
            line, offset, offset + len(line),
        )
        offset += len(line) + 1
    with open(folder / ISSUES, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            call = calls[int(row["rcid"])]
            if row["short_name"] not in call.issues:
                call.issues.append(row["short_name"])
    for call in calls.values():
        call.issues.sort(key=ISSUE_CODES.index)
    return calls


def read_votes(folder: Path, iso2_to_cow: dict[str, int]) -> Iterator[tuple[int, int, int]]:
    """Every vote as ``(rcid, COW code, Voeten code)``: the raw file's roll calls, then the rest from un_votes."""
    in_raw: set[int] = set()
    with gzip.open(folder / RAW_VOTES, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        i_rcid, i_vote, i_ccode = header.index("rcid"), header.index("vote"), header.index("ccode")
        for row in reader:
            rcid = int(row[i_rcid])
            in_raw.add(rcid)
            yield rcid, int(row[i_ccode]), int(row[i_vote])
    with gzip.open(folder / VOTES, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["rcid", "country", "country_code", "vote"]
        for rcid_text, country, iso2, vote in reader:
            rcid = int(rcid_text)
            if rcid in in_raw:
                continue
            cow = UN_VOTES_COW.get(country) or iso2_to_cow.get(iso2)
            if cow is None:
                raise ValueError(f"{VOTES}: rcid {rcid}: no COW code for {country!r} ({iso2!r})")
            yield rcid, cow, UN_VOTES_CODE[vote]


@dataclass(frozen=True)
class IdealPoint:
    ccode: int
    session: int
    votes: int
    value: str  # as printed in the file (a decimal)


def read_ideal_points(folder: Path) -> list[IdealPoint]:
    with gzip.open(folder / IDEAL_POINTS, "rt", encoding="utf-8", newline="") as f:
        return [
            IdealPoint(int(r["ccode"]), int(r["session"]), int(r["NVotes"]), r["IdealPoint"])
            for r in csv.DictReader(f)
            if r["IdealPoint"] not in ("", "NA")
        ]


def read_countries(folder: Path) -> list[dict[str, str]]:
    with open(folder / COUNTRIES, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
