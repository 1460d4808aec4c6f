"""RuLA KG: a knowledge graph and SPARQL 1.1 service on Russia's (and the USSR's) relations with Latin America."""

__version__ = "0.1.0"
