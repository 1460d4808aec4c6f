"""Saved queries, part B (UN votes and positions, arms, economy, events, provenance, Wikidata), end to end.

Each saved query of `queries/{votes,military,economy,events,provenance}/` runs through the REST API
(`GET /api/queries/NAME`) of a live service over the store built from the real project data, and its answer
is compared with the answer read from the source article (`data/article/russia-latin-america.txt`) and the
curated rows the facts come from. The quotes behind each expectation are cited next to it.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from pyoxigraph import NamedNode, RdfFormat, parse
from server import LiveServer, build_store

from rulakg.config import PROJECT_ROOT, Settings
from rulakg.data.article_mapping import ARTICLE_FILE
from rulakg.data.article_text import load_article

DATA = PROJECT_ROOT / "data"
ARTICLE = DATA / "article"
FOLDERS = ("votes", "military", "economy", "events", "provenance")
ID = "https://w3id.org/rulakg/id/"
R = "https://w3id.org/rulakg/ontology#"
PROV = "http://www.w3.org/ns/prov#"

TESTED: set[str] = set()


@pytest.fixture(scope="module")
def project_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_store(tmp_path_factory.mktemp("library-b-store"), PROJECT_ROOT / "ontology", DATA)


@pytest.fixture(scope="module")
def queries_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Only this library's folders, so that the service does not depend on queries edited elsewhere."""
    root = tmp_path_factory.mktemp("library-b-queries")
    for folder in FOLDERS:
        shutil.copytree(PROJECT_ROOT / "queries" / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def server(project_settings: Settings, queries_dir: Path) -> Iterator[LiveServer]:
    with LiveServer(project_settings.store_dir, queries_dir=queries_dir) as live:
        yield live


def short(value: str) -> str:
    return value.removeprefix(ID).removeprefix(R)


def run(server: LiveServer, name: str, **params: str) -> list[dict[str, str]]:
    """The rows of a saved query, each {variable: value} with the project's IRIs shortened (`state/cuba`)."""
    TESTED.add(name)
    response = httpx.get(
        f"{server.url}/api/queries/{name}",
        params={**params, "per_page": "1000"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    # The parameters' own columns (`_state_iri`, `__year_integer`) echo the request: left out.
    return [{k: short(v["value"]) for k, v in b.items() if not k.startswith("_")} for b in bindings]


def column(rows: list[dict[str, str]], *names: str) -> list:
    if len(names) == 1:
        return [r.get(names[0]) for r in rows]
    return [tuple(r.get(n) for n in names) for r in rows]


def csv_row(file: str, ident: str) -> dict[str, str]:
    with (ARTICLE / file).open(encoding="utf-8", newline="") as f:
        return next(r for r in csv.DictReader(f) if r["id"] == ident)


# ---- UN votes and positions -------------------------------------------------------------------------------

# "among the 11 countries who voted on March 27, 2014 against the resolution, 4 were from Latin America (Cuba,
# Bolivia, Venezuela, Nicaragua) ... 13 countries (Bahamas, Barbados, Haiti, Guatemala, Honduras, Dominican
# Republic, Colombia, Costa Rica, Mexico, Panama, Peru, Trinidad and Tobago, and Chile) supported the resolution";
# "the opinion of Brazil, Argentina and Mexico ... Effectively, two of them abstained" (Mexico voted yes).
YES = [
    "bahamas", "barbados", "chile", "colombia", "costa-rica", "dominican-republic", "guatemala", "haiti",
    "honduras", "mexico", "panama", "peru", "trinidad-and-tobago",
]  # fmt: skip
NO = ["bolivia", "cuba", "nicaragua", "venezuela"]
ABSTAIN = ["argentina", "brazil"]


def test_resolution_votes_on_a_68_l_39(server: LiveServer) -> None:
    rows = run(server, "resolution-votes")
    expected = (
        [("abstain", f"state/{s}") for s in ABSTAIN]
        + [("no", f"state/{s}") for s in NO]
        + [("yes", f"state/{s}") for s in YES]
    )
    assert column(rows, "option", "state") == expected
    assert set(column(rows, "resolution")) == {"resolution/unga-resolution-68-262"}
    # Brazil's and Argentina's abstentions are read from "two of them abstained": inferred; the others are named.
    assert {r["state"] for r in rows if r["status"] == "inferred"} == {"state/argentina", "state/brazil"}


def test_resolution_votes_by_adopted_symbol_and_option(server: LiveServer) -> None:
    rows = run(server, "resolution-votes", symbol="A/RES/68/262", option="no")
    assert column(rows, "state") == [f"state/{s}" for s in NO]
    assert run(server, "resolution-votes", symbol="A/68/L.99") == []


def test_resolution_totals(server: LiveServer) -> None:
    rows = run(server, "resolution-totals")
    assert len(rows) == 1
    row = rows[0]
    assert row["draftSymbol"] == "A/68/L.39"
    assert row["adoptedSymbol"] == "A/RES/68/262"
    assert row["date"] == "2014-03-27"
    assert row["body"] == "organisation/un-general-assembly"
    # "the 11 countries who voted ... against"; "Four out of every 58 countries that abstained were Latin American";
    # the total in favour and the absentees are not given by the article.
    assert (row["no"], row["abstain"]) == ("11", "58")
    assert "yes" not in row and "absent" not in row
    assert (row["lacYes"], row["lacNo"], row["lacAbstain"]) == ("13", "4", "4")
    # Only two of the four Latin American abstainers are named (Brazil, Argentina).
    recorded = (row["recordedYes"], row["recordedNo"], row["recordedAbstain"], row["recordedAbsent"])
    assert recorded == ("13", "4", "2", "0")
    assert run(server, "resolution-totals", symbol="A/RES/68/262") == rows


def test_aligned_with_russia(server: LiveServer) -> None:
    # Russia's own vote is not recorded; the resolution condemns its actions, so those against it sided with it
    # ("Two countries have supported Russia during the vote, two others voted against": Cuba and Nicaragua
    # supported it, Chile and Peru did not).
    rows = run(server, "aligned-with-russia")
    assert column(rows, "state") == [f"state/{s}" for s in NO]
    assert set(column(rows, "russiaPosition")) == {"vote-no"}
    assert set(column(rows, "basis")) == {"resolution about Russia: against"}


def test_recognitions(server: LiveServer) -> None:
    # "when the two Latin American countries [Venezuela and Nicaragua] recognized the independence of Abkhazia and
    # South Ossetia"; "Cuba did not consider the option of diplomatic recognition of the newly-emerged states."
    rows = run(server, "recognitions")
    assert column(rows, "polity", "stanceCode", "state") == [
        ("state/abkhazia", "non-recognition", "state/cuba"),
        ("state/abkhazia", "recognition", "state/nicaragua"),
        ("state/abkhazia", "recognition", "state/venezuela"),
        ("state/south-ossetia", "non-recognition", "state/cuba"),
        ("state/south-ossetia", "recognition", "state/nicaragua"),
        ("state/south-ossetia", "recognition", "state/venezuela"),
    ]
    assert {r["state"]: r["status"] for r in rows} == {
        "state/cuba": "inferred", "state/nicaragua": "stated", "state/venezuela": "stated",
    }  # fmt: skip
    assert set(column(rows, "date")) == {"2008"}
    declined = run(server, "recognitions", stance="non-recognition")
    assert column(declined, "recognition") == [
        "recognition/recognition-cuba-abkhazia",
        "recognition/recognition-cuba-south-ossetia",
    ]
    assert column(declined, "stance") == ["stance-opposition"] * 2
    abkhazia = run(server, "recognitions", polity=ID + "state/abkhazia")
    assert column(abkhazia, "state") == ["state/cuba", "state/nicaragua", "state/venezuela"]


def test_un_seats(server: LiveServer) -> None:
    # "In 2003 Chile and Mexico, as non-permanent members of the United Nations Security Council (UNSC)";
    # "the country [Chile] had been elected to the UN Security Council for the period 2014-2015".
    rows = run(server, "un-seats")
    assert column(rows, "seat") == [
        "un-seat/un-seat-chile-unsc-2003",
        "un-seat/un-seat-mexico-unsc-2003",
        "un-seat/un-seat-chile-unsc-2014",
    ]
    assert set(column(rows, "body")) == {"organisation/un-security-council"}
    assert set(column(rows, "seatType")) == {"membership-non-permanent"}
    assert column(rows, "from", "until") == [
        ("2003-01-01", "2003-12-31"), ("2003-01-01", "2003-12-31"), ("2014-01-01", "2015-12-31"),
    ]  # fmt: skip
    assert column(run(server, "un-seats", year="2015"), "seat") == ["un-seat/un-seat-chile-unsc-2014"]
    assert column(run(server, "un-seats", year="2003"), "state") == ["state/chile", "state/mexico"]
    assert run(server, "un-seats", year="2010") == []
    assert column(run(server, "un-seats", state=ID + "state/mexico"), "seat") == ["un-seat/un-seat-mexico-unsc-2003"]


def test_state_positions(server: LiveServer) -> None:
    rows = run(server, "state-positions", state=ID + "state/cuba")
    assert column(rows, "kind", "subject", "position") == [
        ("recognition", "state/abkhazia", "stance-opposition"),
        ("recognition", "state/south-ossetia", "stance-opposition"),
        ("UN vote", "resolution/unga-resolution-68-262", "vote-no"),
    ]
    chile = run(server, "state-positions", state=ID + "state/chile")
    assert column(chile, "kind", "position", "date") == [("UN vote", "vote-yes", "2014-03-27")]


# ---- Arms and military-technical cooperation --------------------------------------------------------------


def test_arms_transfers_to_brazil(server: LiveServer) -> None:
    # "Back in 2008 Brazil bought 12 attack helicopters from Russia ... Mi-35M"; note 5: "the cost of the
    # transaction amounted to not less than 0.3 million US dollars"; October 2013: "agreements to provide Brazil
    # with ... “Pantsyr-S1”" and "man- portable air-defence systems “Igla”".
    rows = run(server, "arms-transfers-to-state", state=ID + "state/brazil")
    assert column(rows, "transfer", "system", "quantity", "year", "amount", "currency", "kind") == [
        ("arms-transfer/arms-russia-brazil-mi-35m-2008", "system/mi-35m", "12", "2008", "300000", "USD", "delivery"),
        ("arms-transfer/arms-russia-brazil-igla-2013", "system/igla", None, "2013", None, None, "agreement-to-supply"),
        ("arms-transfer/arms-russia-brazil-pantsir-s1-2013", "system/pantsir-s1", None, "2013", None, None,
         "agreement-to-supply"),
    ]  # fmt: skip
    assert set(column(rows, "supplier")) == {"state/russia"}


def test_arms_transfers_to_other_recipients(server: LiveServer) -> None:
    # "(Peru has already purchased Soviet tanks “T-55”)"; "military equipment has been sold to Brazil5, Colombia,
    # Ecuador, Peru and Bolivia" (at the same time as Venezuela's purchases "Since 2004").
    peru = run(server, "arms-transfers-to-state", state=ID + "state/peru")
    assert column(peru, "transfer", "supplier", "year") == [
        ("arms-transfer/arms-ussr-peru-t-55", "state/ussr", None),
        ("arms-transfer/arms-russia-peru-military-equipment", "state/russia", "2004"),
    ]
    # "Since 2004, Venezuela has purchased Russian armaments totalling more than $ 5.4 billion."; "In 2013, Caracas
    # received the latest Russian air defence systems of long-range S-300VM".
    venezuela = run(server, "arms-transfers-to-state", state=ID + "state/venezuela")
    assert column(venezuela, "transfer", "amount") == [
        ("arms-transfer/arms-russia-venezuela-since-2004", "5400000000"),
        ("arms-transfer/arms-russia-venezuela-s-300vm-2013", None),
    ]
    # "Bolivia also plans to purchase 10 helicopters “Mi-17V5”".
    bolivia = run(server, "arms-transfers-to-state", state=ID + "state/bolivia")
    # The planned purchase is undated, so it comes first.
    assert column(bolivia, "system", "quantity", "kind") == [
        ("system/mi-17v5", "10", "planned-purchase"),
        (None, None, "sale"),
    ]


def test_arms_transfers_by_system(server: LiveServer) -> None:
    rows = run(server, "arms-transfers-by-system")
    assert column(rows, "supplier", "system", "recipient", "quantity", "year") == [
        ("state/russia", "system/igla", "state/brazil", None, "2013"),
        ("state/russia", "system/mi-17v5", "state/bolivia", "10", None),
        ("state/russia", "system/mi-35m", "state/brazil", "12", "2008"),
        ("state/russia", "system/pantsir-s1", "state/brazil", None, "2013"),
        ("state/russia", "system/s-300vm", "state/venezuela", None, "2013"),
        ("state/ussr", "system/t-55", "state/peru", None, None),
    ]
    ussr = run(server, "arms-transfers-by-system", supplier=ID + "state/ussr")
    assert column(ussr, "transfer") == ["arms-transfer/arms-ussr-peru-t-55"]
    mi35 = run(server, "arms-transfers-by-system", system=ID + "system/mi-35m")
    assert column(mi35, "recipient", "systemKind", "amount") == [("state/brazil", "attack-helicopter", "300000")]


MTC_PROJECTS = {
    # Soviet times: "an extensive military technical cooperation" with Cuba; Nicaragua "received significant
    # economic and military assistance".
    "arms-ussr-cuba-military-technical-cooperation", "arms-ussr-nicaragua-military-assistance",
    # Brazil 2013: the joint venture discussed, the maintenance letter of intent, the T-50 negotiations.
    "mtc-russia-brazil-pantsir-igla-joint-venture", "mtc-russia-brazil-pantsir-igla-maintenance-2013",
    "mtc-russia-brazil-t-50-negotiations-2013",
    # Nicaragua April 2013 (Gerasimov) and February 2015 (Shoigu).
    "mtc-russia-nicaragua-ammunition-recycling-2013", "mtc-russia-nicaragua-computerized-classes-2013",
    "mtc-russia-nicaragua-support-stations-2015", "mtc-russia-nicaragua-topographic-centre-2015",
    # Peru 2013 (Shoigu in Lima): MI-171SH and T-90 discussed, the service centre.
    "arms-russia-peru-mi-171sh-2013", "arms-russia-peru-t-90-2013", "mtc-russia-peru-service-centre-2013",
    # Venezuela February 2015.
    "mtc-russia-venezuela-military-education-2015", "mtc-russia-venezuela-support-stations-2015",
}  # fmt: skip


def test_military_technical_cooperation(server: LiveServer) -> None:
    rows = run(server, "military-technical-cooperation")
    assert {p.removeprefix("arms-transfer/") for p in column(rows, "project")} == MTC_PROJECTS
    # The two Brazilian projects on Pantsir-S1 and Igla have one row per system.
    assert len(rows) == len(MTC_PROJECTS) + 2
    assert column(rows, "year")[:2] == [None, None]  # the Soviet-era cooperation is undated, so first
    nicaragua = run(server, "military-technical-cooperation", state=ID + "state/nicaragua")
    assert column(nicaragua, "project", "year") == [
        ("arms-transfer/arms-ussr-nicaragua-military-assistance", None),
        ("arms-transfer/mtc-russia-nicaragua-ammunition-recycling-2013", "2013"),
        ("arms-transfer/mtc-russia-nicaragua-computerized-classes-2013", "2013"),
        ("arms-transfer/mtc-russia-nicaragua-support-stations-2015", "2015"),
        ("arms-transfer/mtc-russia-nicaragua-topographic-centre-2015", "2015"),
    ]
    venezuela = run(server, "military-technical-cooperation", state=ID + "state/venezuela")
    assert column(venezuela, "cooperationType") == ["cooperation-training", "cooperation-donation"]


def test_arms_deal_values(server: LiveServer) -> None:
    rows = run(server, "arms-deal-values")
    assert column(rows, "transfer", "amount", "currency") == [
        ("arms-transfer/arms-russia-venezuela-since-2004", "5400000000", "USD"),
        ("arms-transfer/arms-russia-brazil-mi-35m-2008", "300000", "USD"),
    ]
    assert run(server, "arms-deal-values", currency="USD") == rows


def test_weapon_systems(server: LiveServer) -> None:
    rows = run(server, "weapon-systems")
    with (ARTICLE / "systems.csv").open(encoding="utf-8", newline="") as f:
        assert {r["system"] for r in rows} == {f"system/{r['id']}" for r in csv.DictReader(f)}
    assert len(rows) == 19
    counts = {r["system"].removeprefix("system/"): (r["cooperations"], r["visits"]) for r in rows}
    # Igla and Pantsir-S1: the 2013 supply agreement, the joint venture discussed and the maintenance letter.
    assert counts["igla"] == counts["pantsir-s1"] == ("3", "0")
    # "missile cruiser “Moscow”" (Nicaragua 2013), "“Peter the Great”" (Venezuela 2008), the Tu-160 flight (2008).
    assert counts["moskva"] == counts["pyotr-velikiy"] == counts["tu-160"] == ("0", "1")
    assert counts["mi-35m"] == counts["t-55"] == counts["t-90"] == counts["mi-171sh"] == ("1", "0")
    soviet = run(server, "weapon-systems", origin=ID + "state/ussr")
    assert column(soviet, "system") == ["system/t-55"]


# ---- Economy ----------------------------------------------------------------------------------------------


def test_trade_turnover(server: LiveServer) -> None:
    # "Trade turnover in 2006-2014 increased from 7 billion to 18.5 billion dollars (at the end of 1992 it amounted
    # to $ 1.3 billion)"; "Up to the moment the volume of trade rose to some $18-19 billion"; Colombia: "The trade
    # turnover remains low –$375 million–".
    rows = run(server, "trade-turnover")
    assert column(rows, "partner", "year", "value", "currency") == [
        ("state/colombia", "2014", "375000000", "USD"),
        ("grouping/latin-america", "1992", "1300000000", "USD"),
        ("grouping/latin-america", "2006", "7000000000", "USD"),
        ("grouping/latin-america", "2014", "18500000000", "USD"),
        ("grouping/latin-america", "2015", "18000000000", "USD"),
    ]
    assert column(rows, "status") == ["inferred", "stated", "stated", "stated", "inferred"]
    latin_america = run(server, "trade-turnover", partner=ID + "grouping/latin-america")
    assert column(latin_america, "year") == ["1992", "2006", "2014", "2015"]
    # "By 2024, the volume of trade between China and Latin American countries is expected to increase up to $ 500
    # billion".
    china = run(server, "trade-turnover", reporter=ID + "state/china")
    assert column(china, "year", "value") == [("2024", "500000000000")]


def test_product_shares(server: LiveServer) -> None:
    # "in 2012 an amount of total Russian imports from Latin America accounted for 97% of bananas, 88% of soybeans,
    # 79% of cattle meat, 73% of cane sugar, 50% of cut flowers, 37% of raw tobacco, 21% of poultry, 19% of pork".
    imports = run(server, "product-shares", flow="import")
    assert column(imports, "product", "value") == [
        ("bananas", "97"), ("soybeans", "88"), ("cattle meat", "79"), ("cane sugar", "73"), ("cut flowers", "50"),
        ("raw tobacco", "37"), ("poultry", "21"), ("pork", "19"),
    ]  # fmt: skip
    assert set(column(imports, "period")) == {"2012"}
    # "Since 2012-2013, the share of the region in the total of Russian export of fertilizers exceeds 75%, of
    # metals a 20%, of special transport facilities (fire, construction equipment) 30%, and of radar equipment, 11%".
    exports = run(server, "product-shares", flow="export")
    assert column(exports, "product", "value") == [
        ("fertilizers", "75"), ("special transport facilities (fire, construction equipment)", "30"),
        ("metals", "20"), ("radar equipment", "11"),
    ]  # fmt: skip
    assert set(column(exports, "partner")) == {"grouping/latin-america"}
    assert run(server, "product-shares") == exports + imports


def test_investments(server: LiveServer) -> None:
    rows = run(server, "investments")
    # "Russian investments in Latin America also have increased (“Zarubezhneft” ... Cuban continental shelf ...,
    # RUSAL in bauxite mining in Guyana, Lukoil, Gazprom and Rosneft in Venezuela, Samaraneftegaz in Peru)".
    unvalued = {(r["investor"], r["host"]) for r in rows if "amount" not in r}
    assert unvalued == {
        ("company/zarubezhneft", "state/cuba"), ("company/rusal", "state/guyana"),
        ("company/lukoil", "state/venezuela"), ("company/gazprom", "state/venezuela"),
        ("company/rosneft", "state/venezuela"), ("company/samaraneftegaz", "state/peru"),
    }  # fmt: skip
    # "its stated capital accounts $100 billion (China – $41 billion, Brazil, India and Russia –$18 billion, South
    # Africa – $5 billion)"; Junin-6: "an investment of a minumum of 20 billion dollars".
    valued = [(r["investment"].removeprefix("observation/"), r["amount"]) for r in rows if "amount" in r]
    assert valued == [
        ("ndb-capital", "100000000000"), ("ndb-contribution-china", "41000000000"),
        ("junin-6-investment", "20000000000"), ("ndb-contribution-brazil", "18000000000"),
        ("ndb-contribution-india", "18000000000"), ("ndb-contribution-russia", "18000000000"),
        ("ndb-contribution-south-africa", "5000000000"),
    ]  # fmt: skip
    assert sum(Decimal(a) for i, a in valued if i.startswith("ndb-contribution")) == Decimal("100000000000")
    venezuela = run(server, "investments", host=ID + "state/venezuela")
    assert column(venezuela, "investor") == ["company/pdvsa", "company/gazprom", "company/lukoil", "company/rosneft"]


def test_energy_projects(server: LiveServer) -> None:
    # "the hydroelectric power plant “La Yesca” with capacity to generate 750 MW" (Power Machines won the tender);
    # "INTER RAO–Export intends to participate in the construction of hydroelectric power plant in the province of
    # Neuquen (a major power plant of 637 MW) together with an Argentinian consortium headed by Helport SA";
    # "in Ecuador, a hydroelectric power plant “Toachi-Pilaton” is under construction"; Junin-6 "(its resources are
    # estimated at 53 billion barrels)", "an investment of a minumum of 20 billion dollars".
    rows = run(server, "energy-projects")
    assert column(rows, "figure", "host", "company", "value", "unit") == [
        ("observation/capacity-neuquen-hydropower", "state/argentina", "company/helport", "637", "MW"),
        ("observation/capacity-neuquen-hydropower", "state/argentina", "company/inter-rao-export", "637", "MW"),
        ("observation/plant-toachi-pilaton", "state/ecuador", None, None, None),
        ("observation/capacity-la-yesca", "state/mexico", "company/power-machines", "750", "MW"),
        ("observation/junin-6-investment", "state/venezuela", "company/pdvsa", "20000000000", "USD"),
        ("observation/junin-6-resources", "state/venezuela", "company/pdvsa", "53000000000", "barrel"),
    ]
    mexico = run(server, "energy-projects", state=ID + "state/mexico")
    assert column(mexico, "project") == ["hydroelectric power plant La Yesca"]


def test_companies(server: LiveServer) -> None:
    rows = run(server, "companies")
    facts = {r["company"].removeprefix("company/"): int(r["facts"]) for r in rows}
    assert facts == {
        "atlas-taxi-aereo": 1,  # the Ka-62 contract with Russian Helicopters
        "gazprom": 1, "lukoil": 1, "rosneft": 1, "rusal": 1, "samaraneftegaz": 1, "zarubezhneft": 1,  # investments
        "helport": 1, "inter-rao-export": 1,  # the Neuquén plant
        "interjet": 2,  # the Superjet contract and the plan to replace its A320 fleet
        "pdvsa": 3,  # the Junín-6 joint venture, its investment and its resources
        "phosagro": 3,  # baseline, 2020 target and growth of its sales to Latin America
        "power-machines": 2,  # the La Yesca contract and capacity
        "rt": 1,  # the broadcasting agreement with Argentina
        "russian-helicopters": 1,  # the Ka-62 contract
    }  # fmt: skip
    assert {r["company"]: r.get("qid") for r in rows if r.get("qid")} == {
        "company/gazprom": "Q102673", "company/lukoil": "Q329347", "company/rosneft": "Q1141123",
    }  # fmt: skip
    assert column(rows, "label") == sorted(column(rows, "label"))
    russian = run(server, "companies", country=ID + "state/russia")
    assert len(russian) == 11
    assert column(run(server, "companies", country=ID + "state/mexico"), "company") == ["company/interjet"]


def test_economic_events(server: LiveServer) -> None:
    rows = run(server, "economic-events")
    assert {e.removeprefix("event/") for e in column(rows, "event")} == {
        "event-antidumping-brazil-russian-magnesium", "event-antidumping-brazil-russian-tires-2015",
        "event-antidumping-mexico-russian-steel", "event-argentina-offer-fruit-wine-2014-09",
        "event-eu-business-dissuasion", "event-financial-crisis-2008-2009", "event-peru-fishery-certification",
        "event-rospotrebnadzor-lifts-mexican-beef-restrictions", "event-ussr-minimizes-trade-chile-1973",
        "event-western-sanctions-russia",
    }  # fmt: skip
    dated = [(r["event"].removeprefix("event/"), r["date"]) for r in rows if "date" in r]
    assert dated == [
        ("event-ussr-minimizes-trade-chile-1973", "1973"), ("event-financial-crisis-2008-2009", "2008/2009"),
        ("event-argentina-offer-fruit-wine-2014-09", "2014-09"),
        ("event-antidumping-brazil-russian-tires-2015", "2015"),
    ]  # fmt: skip
    # "in 2015 the sales of Russian-made tires have fallen under the anti-dumping measures in Brazil"; "and
    # magnesium metal in Brazil"; "the crisis of 2008-2009, Argentina and Brazil have been taken protectionist
    # measures".
    brazil = run(server, "economic-events", state=ID + "state/brazil")
    assert column(brazil, "event") == [
        "event/event-antidumping-brazil-russian-magnesium",
        "event/event-financial-crisis-2008-2009",
        "event/event-antidumping-brazil-russian-tires-2015",
    ]


def test_opinion_polls(server: LiveServer) -> None:
    # "In Brazil, a negative attitude towards Russia amounts to 59% of the population"; Venezuela: "in 2013 was
    # about the same 40% and 41%", "in 2014 it changed to 36% and 51% respectively".
    rows = run(server, "opinion-polls")
    assert column(rows, "state", "attitude", "year", "value") == [
        ("state/brazil", "negative attitude towards Russia", "2014", "59"),
        ("state/venezuela", "dislike Russia", "2013", "41"),
        ("state/venezuela", "like Russia", "2013", "40"),
        ("state/venezuela", "dislike Russia", "2014", "51"),
        ("state/venezuela", "like Russia", "2014", "36"),
    ]
    assert len(run(server, "opinion-polls", state=ID + "state/venezuela")) == 4


# ---- Events -----------------------------------------------------------------------------------------------


def test_events_timeline_1973_to_2003(server: LiveServer) -> None:
    rows = run(server, "events-timeline", **{"from": "1973-01-01", "until": "2003-12-31"})
    assert column(rows, "event") == [
        "event/event-ussr-minimizes-trade-chile-1973",  # "Right after the coup of September 11, 1973"
        "event/event-coup-chile-1973-09-11",
        "event/event-foreign-policy-concept-1990s",  # the 1990s edition (inferred decade)
        "event/event-russia-curtails-ties-cuba-1990s",  # "At the beginning of the 1990s"
        "visit/visit-kozyrev-latin-america-cancelled",
        "visit/visit-primakov-latin-america-1996-1997",
        "event/event-nato-bombing-yugoslavia-1999",
        "event/event-rio-group-denounces-nato-bombing-1999",  # "In 1999, the Rio Group denounced NATO’s bombing"
        "event/event-venezuela-key-areas-cooperation",  # "At the very beginning of the decade" (200X)
        "event/event-lourdes-closure-2001",  # "The closing of the Lourdes Electronic Radar station in Havana (2001)"
        "visit/visit-cardoso-russia-2002",
        "event/event-unsc-iraq-resolution-rejection-2003",  # "In 2003 Chile and Mexico ... contributed to ..."
        "visit/visit-lula-moscow-2003",
        "visit/visit-rio-group-moscow-2003-03",
    ]
    classes = dict(column(rows, "event", "class"))
    assert classes["event/event-coup-chile-1973-09-11"] == "Coup"
    assert classes["event/event-ussr-minimizes-trade-chile-1973"] == "Sanction"
    assert classes["visit/visit-cardoso-russia-2002"] == "DiplomaticVisit"


def test_events_timeline_by_type(server: LiveServer) -> None:
    summits = run(server, "events-timeline", type=R + "Summit")
    assert column(summits, "event", "date") == [
        ("event/event-rousseff-putin-meeting-2012-12", "2012-12"),  # "In mid-December 2012"
        ("event/event-brics-outreach-2014", "2014-07"),
        ("event/event-brics-summit-2014", "2014-07-15"),  # "Documents of VI BRICS summit. July 15, 2014."
    ]
    wars = run(server, "events-timeline", type=R + "War")
    # The Soviet–Afghan War is not dated by the article, so only the 2008 Russian-Georgian conflict is on a timeline.
    assert column(wars, "event") == ["event/event-russia-georgia-conflict-2008"]
    votes = run(server, "events-timeline", type=R + "RollCallVote", **{"from": "2014-03-27", "until": "2014-03-27"})
    assert column(votes, "event") == ["vote/unga-resolution-68-262"]


def test_foreign_policy_concepts(server: LiveServer) -> None:
    rows = run(server, "foreign-policy-concepts")
    editions: dict[str, list[str | None]] = {}
    for edition, state in column(rows, "edition", "state"):
        editions.setdefault(edition.removeprefix("event/event-foreign-policy-concept-"), []).append(state)
    assert list(editions) == ["1990s", "2008", "2013"]
    # "In the Foreign Policy Concept of the Russian Federation, Latin America was far from being a priority."
    assert editions["1990s"] == [None]
    # "In 2008, the Concept ... highlighted ... a “strategic partnership with Brazil” and “increasing political and
    # economic cooperation” with Argentina, Mexico, Cuba and Venezuela."
    assert editions["2008"] == ["state/argentina", "state/brazil", "state/cuba", "state/mexico", "state/venezuela"]
    # "In the updated version of the document, Nicaragua has been added to the list." The data names only Nicaragua
    # for the 2013 edition (the states already on the list are not repeated: reported as a data gap).
    assert "state/nicaragua" in editions["2013"]


# ---- Provenance and Wikidata ------------------------------------------------------------------------------


def test_fact_provenance(server: LiveServer) -> None:
    article = load_article(ARTICLE / ARTICLE_FILE)
    row = csv_row("vote_casts.csv", "vote-68-262-brazil")
    rows = run(server, "fact-provenance", fact=ID + "vote-cast/vote-68-262-brazil")
    assert column(rows, "quote") == [q.strip() for q in row["quote"].split("||")]
    for r in rows:
        assert article[int(r["startOffset"]) : int(r["endOffset"])] == r["quote"]
    assert int(rows[0]["endOffset"]) < int(rows[1]["startOffset"])
    assert set(column(rows, "document")) == {"document/russia-latin-america-2015"}
    assert (rows[0]["status"], rows[0]["confidence"], rows[0]["note"]) == ("inferred", "0.9", row["note"])
    stated = run(server, "fact-provenance", fact=ID + "vote-cast/vote-68-262-cuba")
    assert column(stated, "status") == ["stated"] and "confidence" not in stated[0]


def test_fact_provenance_graph(server: LiveServer) -> None:
    TESTED.add("fact-provenance-graph")
    fact = ID + "arms-transfer/arms-russia-brazil-mi-35m-2008"
    response = httpx.get(
        f"{server.url}/api/queries/fact-provenance-graph",
        params={"fact": fact},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/n-triples")
    triples = list(parse(response.content, format=RdfFormat.N_TRIPLES))
    derived_from = NamedNode(PROV + "wasDerivedFrom")
    citations = {t.object for t in triples if t.subject == NamedNode(fact) and t.predicate == derived_from}
    assert len(citations) == 3
    quotes = {t.object.value for t in triples if t.predicate == NamedNode(R + "quote")}
    row = csv_row("arms_transfers.csv", "arms-russia-brazil-mi-35m-2008")
    assert quotes == {q.strip() for q in row["quote"].split("||")}
    article = load_article(ARTICLE / ARTICLE_FILE)
    for citation in citations:
        values = {t.predicate.value.removeprefix(R): t.object.value for t in triples if t.subject == citation}
        assert article[int(values["startOffset"]) : int(values["endOffset"])] == values["quote"]
    sources = {t.object for t in triples if t.predicate == NamedNode("http://purl.org/dc/terms/source")}
    assert sources == {NamedNode(ID + "document/russia-latin-america-2015")}
    assert any(t.predicate == NamedNode(R + "sha256") for t in triples)
    assert any(t.predicate == NamedNode(R + "assertionStatus") and t.object.value == "stated" for t in triples)


def inferred_rows() -> list[tuple[str, str]]:
    rows = []
    for table in sorted(ARTICLE.glob("*.csv")):
        with table.open(encoding="utf-8", newline="") as f:
            rows += [(r["id"], r["confidence"]) for r in csv.DictReader(f) if r.get("status") == "inferred"]
    return rows


def test_inferred_facts(server: LiveServer) -> None:
    rows = run(server, "inferred-facts")
    assert len(rows) == len(inferred_rows()) == 100
    assert {r["fact"].split("/", 1)[1] for r in rows} == {i for i, _ in inferred_rows()}
    confidences = [Decimal(c) for c in column(rows, "confidence")]
    assert confidences == sorted(confidences)
    # The least confident inferences (0.5): periods or subjects read from context.
    low = run(server, "inferred-facts", below="0.6")
    assert {r["fact"] for r in low} == {
        "observation/arms-trade-rank-venezuela", "observation/export-share-russia-colombia",
        "observation/trade-russia-colombia", "agreement/agreement-russia-argentina-geological-exploration-medvedev",
        "agreement/agreement-russia-argentina-nuclear-medvedev",
        "agreement/agreement-russia-argentina-railway-medvedev",
        "event/event-cuba-aviation-hub-former-base", "visit/visit-medvedev-argentina",
    }  # fmt: skip
    votes = run(server, "inferred-facts", type=R + "VoteCast")
    assert column(votes, "fact", "confidence") == [
        ("vote-cast/vote-68-262-argentina", "0.9"), ("vote-cast/vote-68-262-brazil", "0.9"),
    ]  # fmt: skip
    assert all(r.get("note") for r in votes)


def test_wikidata_links(server: LiveServer) -> None:
    states = run(server, "wikidata-links")
    assert len(states) == 39  # every sovereign state the article names is linked
    assert all(r["wikidata"] == "http://www.wikidata.org/entity/" + r["qid"] for r in states)
    assert dict(column(states, "entity", "qid"))["state/cuba"] == "Q241"
    assert run(server, "wikidata-links", linked="false") == []
    # README "Unresolved Wikidata QIDs": of the states and regions, only Yugoslavia is a state.
    unlinked = run(server, "wikidata-links", type=R + "State", linked="false")
    assert column(unlinked, "entity") == ["state/yugoslavia"]
    companies = run(server, "wikidata-links", type=R + "Company", linked="true")
    assert column(companies, "entity", "qid") == [
        ("company/gazprom", "Q102673"), ("company/lukoil", "Q329347"), ("company/rosneft", "Q1141123"),
    ]  # fmt: skip


def test_facts_involving_state(server: LiveServer) -> None:
    rows = run(server, "facts-involving-state", state=ID + "state/peru")
    assert column(rows, "fact", "role") == [
        ("arms-transfer/arms-russia-peru-mi-171sh-2013", "recipient"),
        ("arms-transfer/arms-russia-peru-military-equipment", "recipient"),
        ("arms-transfer/arms-russia-peru-t-90-2013", "recipient"),
        ("arms-transfer/arms-ussr-peru-t-55", "recipient"),
        ("arms-transfer/mtc-russia-peru-service-centre-2013", "recipient"),
        ("event/event-peru-fishery-certification", "participant"),
        ("holding/holding-humala-president", "ofPolity"),
        ("holding/holding-rivas-foreign-minister", "ofPolity"),
        ("observation/fishery-peru-russia", "refArea"),
        ("observation/investment-samaraneftegaz-peru", "counterpartArea"),
        ("visit/visit-lavrov-peru-2014-spring", "hostState"),
        ("visit/visit-medvedev-peru-2008-11", "hostState"),
        ("visit/visit-shoigu-peru-2013-10", "hostState"),
        ("vote-cast/vote-68-262-peru", "voter"),
    ]
    arms = run(server, "facts-involving-state", state=ID + "state/peru", type=R + "ArmsTransfer")
    assert column(arms, "fact") == [
        "arms-transfer/arms-russia-peru-military-equipment",
        "arms-transfer/arms-ussr-peru-t-55",
    ]


# ---- Coverage ---------------------------------------------------------------------------------------------


def test_every_query_of_the_library_is_tested() -> None:
    """Every query file of the five folders is run by name by a test of this module, or of tests/test_unvotes.py for
    the UN voting record's queries (and no test names a query that does not exist)."""
    names = {p.stem for folder in FOLDERS for p in (PROJECT_ROOT / "queries" / folder).glob("*.rq")}
    assert len(names) >= 22
    here = Path(__file__).parent
    source = "".join((here / name).read_text(encoding="utf-8") for name in (Path(__file__).name, "test_unvotes.py"))
    assert not [n for n in sorted(names) if f'"{n}"' not in source]
    assert names >= TESTED
