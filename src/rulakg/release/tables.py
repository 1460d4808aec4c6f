"""The main tables of a release as CSV: one SELECT each over the union of the graphs, one row per entity or
fact, IRIs kept (so rows join with the RDF) and English labels beside them. Multi-valued columns are joined
with `` | ``. Written by pyoxigraph's CSV serialiser (see ``dumps.write_table``)."""

from __future__ import annotations

PREFIXES = """PREFIX rula: <https://w3id.org/rulakg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX org: <http://www.w3.org/ns/org#>
"""


def _label(var: str) -> str:
    return f'OPTIONAL {{ ?{var} rdfs:label ?{var}Label FILTER(LANGMATCHES(LANG(?{var}Label), "en")) }}'


TABLES: dict[str, str] = {
    "states": f"""{PREFIXES}
SELECT ?state (SAMPLE(?l) AS ?label) (SAMPLE(?a3) AS ?isoAlpha3) (SAMPLE(?a2) AS ?isoAlpha2)
       (SAMPLE(?cow) AS ?cowCode) (SAMPLE(?wd) AS ?wikidata) (SAMPLE(?k) AS ?kind) WHERE {{
  ?state a rula:Polity .
  OPTIONAL {{ ?state rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}
  OPTIONAL {{ ?state rula:isoAlpha3 ?a3 }} OPTIONAL {{ ?state rula:isoAlpha2 ?a2 }}
  OPTIONAL {{ ?state rula:cowCode ?cow }} OPTIONAL {{ ?state owl:sameAs ?wd }} OPTIONAL {{ ?state rula:kindCode ?k }}
}} GROUP BY ?state ORDER BY ?state""",
    "persons": f"""{PREFIXES}
SELECT ?person (SAMPLE(?l) AS ?label) (SAMPLE(?n) AS ?nationality) (SAMPLE(?wd) AS ?wikidata) WHERE {{
  ?person a rula:Person .
  OPTIONAL {{ ?person rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}
  OPTIONAL {{ ?person rula:nationality ?n }} OPTIONAL {{ ?person owl:sameAs ?wd }}
}} GROUP BY ?person ORDER BY ?person""",
    "office-holdings": f"""{PREFIXES}
SELECT ?holding ?holder ?holderLabel ?office ?officeLabel ?polity ?attestedText ?attestedDate ?status WHERE {{
  ?holding a rula:OfficeHolding ; rula:holder ?holder ; rula:office ?office ; rula:assertionStatus ?status .
  OPTIONAL {{ ?holding rula:ofPolity ?polity }}
  OPTIONAL {{ ?holding rula:attestedText ?attestedText }} OPTIONAL {{ ?holding rula:attestedDate ?attestedDate }}
  {_label("holder")} {_label("office")}
}} ORDER BY ?holding""",
    "visits": f"""{PREFIXES}
SELECT ?visit (SAMPLE(?l) AS ?label) (SAMPLE(?k) AS ?kind) (SAMPLE(?from) AS ?sendingState)
       (GROUP_CONCAT(DISTINCT STR(?host); SEPARATOR=" | ") AS ?hostStates) (SAMPLE(?d) AS ?date)
       (SAMPLE(?e) AS ?earliestDate) (SAMPLE(?la) AS ?latestDate) (SAMPLE(?vs) AS ?visitStatus)
       (SAMPLE(?st) AS ?status) (SAMPLE(?c) AS ?confidence) WHERE {{
  ?visit a rula:Visit ; rula:assertionStatus ?st .
  OPTIONAL {{ ?visit rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}
  OPTIONAL {{ ?visit rula:kindCode ?k }} OPTIONAL {{ ?visit rula:sendingState ?from }}
  OPTIONAL {{ ?visit rula:hostState ?host }} OPTIONAL {{ ?visit rula:dateValue ?d }}
  OPTIONAL {{ ?visit rula:earliestDate ?e }} OPTIONAL {{ ?visit rula:latestDate ?la }}
  OPTIONAL {{ ?visit rula:status ?vs }} OPTIONAL {{ ?visit rula:confidence ?c }}
}} GROUP BY ?visit ORDER BY ?visit""",
    "agreements": f"""{PREFIXES}
SELECT ?agreement (SAMPLE(?l) AS ?label) (SAMPLE(?k) AS ?kind) (GROUP_CONCAT(DISTINCT STR(?party); SEPARATOR=" | ")
       AS ?parties) (SAMPLE(?d) AS ?date) (SAMPLE(?e) AS ?earliestDate) (SAMPLE(?st) AS ?status) WHERE {{
  ?agreement a rula:Agreement ; rula:assertionStatus ?st .
  OPTIONAL {{ ?agreement rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}
  OPTIONAL {{ ?agreement rula:kindCode ?k }} OPTIONAL {{ ?agreement rula:party ?party }}
  OPTIONAL {{ ?agreement rula:dateValue ?d }} OPTIONAL {{ ?agreement rula:earliestDate ?e }}
}} GROUP BY ?agreement ORDER BY ?agreement""",
    "memberships": f"""{PREFIXES}
SELECT ?membership ?member ?organisation ?membershipStatus ?date ?status WHERE {{
  ?membership a rula:Membership ; org:member ?member ; org:organization ?organisation ; rula:assertionStatus ?status .
  OPTIONAL {{ ?membership rula:membershipStatus ?membershipStatus }} OPTIONAL {{ ?membership rula:dateValue ?date }}
}} ORDER BY ?membership""",
    "un-resolutions": f"""{PREFIXES}
SELECT ?resolution ?draftSymbol ?adoptedSymbol ?label ?session WHERE {{
  ?resolution a rula:UNResolution .
  OPTIONAL {{ ?resolution rula:draftSymbol ?draftSymbol }} OPTIONAL {{ ?resolution rula:adoptedSymbol ?adoptedSymbol }}
  OPTIONAL {{ ?resolution rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?resolution rula:session ?session }}
}} ORDER BY ?resolution""",
    # one row per vote cast: the article's (rula:onResolution) and the UN roll calls' (rula:inVote); in the
    # store's own order (by cast IRI), not sorted: a million rows of UN votes need no sort to be reproducible
    "votes": f"""{PREFIXES}
SELECT ?cast ?rollCall ?resolution ?voter ?voteOption ?status WHERE {{
  ?cast a rula:VoteCast ; rula:voter ?voter ; rula:voteOption ?voteOption .
  OPTIONAL {{ ?cast rula:inVote ?rollCall }}
  OPTIONAL {{ ?cast rula:onResolution ?resolution }}
  OPTIONAL {{ ?cast rula:assertionStatus ?status }}
}}""",
    "arms-transfers": f"""{PREFIXES}
SELECT ?transfer ?label ?supplier ?recipient ?cooperationType ?weaponSystem ?date ?status WHERE {{
  ?transfer a rula:ArmsTransfer ; rula:supplier ?supplier ; rula:recipient ?recipient ; rula:assertionStatus ?status .
  OPTIONAL {{ ?transfer rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
  OPTIONAL {{ ?transfer rula:cooperationType ?cooperationType }}
  OPTIONAL {{ ?transfer rula:weaponSystem ?weaponSystem }}
  OPTIONAL {{ ?transfer rula:dateValue ?date }}
}} ORDER BY ?transfer""",
}
