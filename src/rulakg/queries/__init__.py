"""Saved queries: ``queries/**/*.rq`` with grlc-style decorators, run as a typed REST API and published as RDF."""

from rulakg.queries.binding import ParameterError, bind, to_wire, validate
from rulakg.queries.library import Library, LibraryError, SavedQuery, load_library
from rulakg.queries.parameters import Parameter

__all__ = [
    "Library",
    "LibraryError",
    "Parameter",
    "ParameterError",
    "SavedQuery",
    "bind",
    "load_library",
    "to_wire",
    "validate",
]
