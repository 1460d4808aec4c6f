"""Which state of the graph cast a vote: Correlates of War (COW) code and date → state IRI slug.

IRI rule (stable): a state the article names keeps the article's IRI (matched on ISO 3166-1 alpha-3); any other
state is ``id/state/<slug of its name in countries.csv>`` (ASCII, lowercase, words joined by ``-``); the few
polities that table lacks or merges (Soviet republics, Serbia and Montenegro) have hand-written slugs below.

Succession (SOURCE.md): the record files the USSR, the Byelorussian SSR and the Ukrainian SSR under the codes of
Russia (365), Belarus (370) and Ukraine (369) throughout, and COW 345 covers Yugoslavia, the Federal Republic of
Yugoslavia/Serbia and Montenegro and Serbia. Votes are given to the polity that held the seat on the roll call's
date; the polities stay distinct and are linked with ``rula:successorOf``.
"""

from __future__ import annotations

import csv
import gettext
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

SOVIET_END = "1991-12-26"  # the USSR dissolved; Russia continued its seat (Belarus and Ukraine: same cut-off)
SFRY_END = "1992-04-27"  # the Federal Republic of Yugoslavia proclaimed
SCG_END = "2006-06-03"  # Montenegro independent; Serbia continues the seat

# Polities without a usable row (or ISO code) in countries.csv: labels en, es, pt, ru.
HISTORICAL: dict[str, tuple[str, str, str, str]] = {
    "ussr": ("Soviet Union", "Unión Soviética", "União Soviética", "Советский Союз"),
    "yugoslavia": ("Yugoslavia", "Yugoslavia", "Jugoslávia", "Югославия"),
    "byelorussian-ssr": ("Byelorussian SSR", "RSS de Bielorrusia", "RSS da Bielorrússia", "Белорусская ССР"),
    "ukrainian-ssr": ("Ukrainian SSR", "RSS de Ucrania", "RSS da Ucrânia", "Украинская ССР"),
    "serbia-and-montenegro": ("Serbia and Montenegro", "Serbia y Montenegro", "Sérvia e Montenegro",
                              "Сербия и Черногория"),
    "west-germany": ("West Germany", "Alemania Occidental", "Alemanha Ocidental", "Западная Германия"),
    "east-germany": ("East Germany", "Alemania Oriental", "Alemanha Oriental", "Восточная Германия"),
    "yemen-arab-republic": ("Yemen Arab Republic", "República Árabe de Yemen", "República Árabe do Iêmen",
                            "Йеменская Арабская Республика"),
    "yemen-peoples-republic": ("Yemen People's Republic", "República Democrática Popular de Yemen",
                               "República Democrática Popular do Iêmen", "Народная Демократическая Республика Йемен"),
    "czechoslovakia": ("Czechoslovakia", "Checoslovaquia", "Tchecoslováquia", "Чехословакия"),
    "zanzibar": ("Zanzibar", "Zanzíbar", "Zanzibar", "Занзибар"),
    "republic-of-vietnam": ("Republic of Vietnam", "República de Vietnam", "República do Vietnã",
                            "Республика Вьетнам"),
}  # fmt: skip

# (successor, predecessor) pairs among the polities of the record.
SUCCESSIONS = (
    ("russia", "ussr"), ("belarus", "byelorussian-ssr"), ("ukraine", "ukrainian-ssr"),
    ("serbia-and-montenegro", "yugoslavia"), ("serbia", "serbia-and-montenegro"),
    ("germany", "west-germany"), ("germany", "east-germany"),
    ("yemen", "yemen-arab-republic"), ("yemen", "yemen-peoples-republic"),
    ("czechia", "czechoslovakia"), ("slovakia", "czechoslovakia"),
)  # fmt: skip

# The 33 Latin American and Caribbean states (SOURCE.md), ISO 3166-1 alpha-2.
LAC_ISO2 = frozenset((
    "AG", "AR", "BS", "BB", "BZ", "BO", "BR", "CL", "CO", "CR", "CU", "DM", "DO", "EC", "SV", "GD", "GT",
    "GY", "HT", "HN", "JM", "MX", "NI", "PA", "PY", "PE", "KN", "LC", "VC", "SR", "TT", "UY", "VE",
))  # fmt: skip


def slugify(name: str) -> str:
    name = re.sub(r"\s*\(country\)$", "", name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")


@dataclass
class StateInfo:
    slug: str
    name: str  # English (countries.csv)
    iso2: str
    iso3: str
    cow: int | None
    cow_letter: str
    qid: str
    in_article: bool
    historical: bool

    @property
    def lac(self) -> bool:
        return self.iso2 in LAC_ISO2

    def labels(self) -> tuple[str, str, str, str]:
        """en, es, pt, ru"""
        return HISTORICAL.get(self.slug) or _labels(self.name, self.iso3)


class StateIndex:
    """Resolve COW code + date to a state slug; describe the states used."""

    def __init__(self, countries: list[dict[str, str]], article_states: Path | None):
        self.article: dict[str, str] = {}  # ISO3 → article slug
        self.article_slugs: set[str] = set()
        if article_states is not None and article_states.is_file():
            with open(article_states, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    self.article_slugs.add(row["id"])
                    if row["iso_alpha3"]:
                        self.article[row["iso_alpha3"]] = row["id"]
        self.by_cow: dict[int, StateInfo] = {}
        self.by_slug: dict[str, StateInfo] = {}
        self.iso2_to_cow: dict[str, int] = {}
        for row in countries:
            if not row["cow_code"]:
                continue
            cow = int(row["cow_code"])
            iso3 = row["iso_alpha3"]
            slug = self.article.get(iso3) or slugify(row["name"])
            info = StateInfo(
                slug, row["name"], row["iso_alpha2"], iso3, cow,
                row["cow_letter"], row["wikidata_qid"], slug in self.article_slugs, not iso3,
            )
            self.by_cow[cow] = info
            self.by_slug[slug] = info
            if row["iso_alpha2"]:
                self.iso2_to_cow[row["iso_alpha2"]] = cow
        for slug, labels in HISTORICAL.items():
            if slug not in self.by_slug:
                self.by_slug[slug] = StateInfo(slug, labels[0], "", "", None, "", "", slug in self.article_slugs, True)

    def resolve(self, cow: int, date: str) -> str:
        """The slug of the polity that held COW seat ``cow`` on ``date`` (ISO yyyy-mm-dd)."""
        if cow == 365:
            return "ussr" if date < SOVIET_END else self.by_cow[365].slug
        if cow == 370:
            return "byelorussian-ssr" if date < SOVIET_END else self.by_cow[370].slug
        if cow == 369:
            return "ukrainian-ssr" if date < SOVIET_END else self.by_cow[369].slug
        if cow == 345:
            return "yugoslavia" if date < SFRY_END else "serbia-and-montenegro" if date < SCG_END else "serbia"
        return self.by_cow[cow].slug


_translations: dict[str, gettext.NullTranslations] = {}


def _labels(name: str, iso3: str) -> tuple[str, str, str, str]:
    """English name from countries.csv; Spanish, Portuguese and Russian from ISO 3166 (Debian iso-codes)."""
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3) if iso3 else None
    if country is None:
        raise ValueError(f"countries.csv: no ISO 3166 entry for {name!r} ({iso3!r}); add it to HISTORICAL")
    iso_name = getattr(country, "common_name", None) or country.name
    out = [name]
    for lang in ("es", "pt", "ru"):
        if lang not in _translations:
            _translations[lang] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        out.append(_translations[lang].gettext(iso_name))
    return out[0], out[1], out[2], out[3]
