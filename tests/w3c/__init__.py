"""W3C SPARQL 1.1 conformance tests, run against the real server over HTTP (``pytest -m w3c``)."""
