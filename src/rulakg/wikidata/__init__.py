"""Wikidata: federated queries (SERVICE through an allow-list and a proxy), the link check, QuickStatements."""
