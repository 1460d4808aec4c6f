"""Releases: versioned, checksummed dumps of the store with a DCAT description (``rulakg release``).

A release folder (``<releases_dir>/<version>/``) holds the dataset as N-Quads and TriG (gzip), Turtle per
named graph, JSON-LD, CSV of the main tables, ``SHA256SUMS``, ``dcat.ttl`` and ``iris.txt.gz`` (the persistent
IRIs it publishes); the IRI list is also kept in the repository (``releases/<version>/iris.txt.gz``) so that
the next release can be checked against it (``rulakg.release.iris``).
"""

from rulakg.release.make import ReleaseError, ReleaseFile, ReleaseResult, make_release

__all__ = ["ReleaseError", "ReleaseFile", "ReleaseResult", "make_release"]
