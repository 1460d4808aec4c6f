"""The service on a remote SPARQL server (``RULAKG_BACKEND=remote``): its backend, writer and API tokens.

What differs from the embedded store, in one place: queries and Graph Store reads go to ``store/remote.py``,
writes to ``store/remote_writes.py`` (on when an API token is configured, as for the embedded store). A local
build (``rulakg build --target``) is optional: its ``build.json`` names the graphs of the union default graph and
the triple counts of ``/health``, and its search index serves ``/api/search``; without one those are empty.
"""

from __future__ import annotations

from typing import Any

from rulakg.config import Settings
from rulakg.service import lanes
from rulakg.service.auth import TokenConfigError, load_tokens
from rulakg.store.remote import RemoteBackend
from rulakg.store.remote_writes import RemoteWriter


def open_remote(settings: Settings, manifest: dict[str, Any]) -> tuple[RemoteBackend, RemoteWriter | None, list[Any]]:
    try:
        tokens = list(load_tokens(settings))
    except (TokenConfigError, OSError) as e:
        raise RuntimeError(f"API token settings: {e}") from e
    cap = lanes.heavy_cap(settings.heavy_workers, settings.remote_concurrency)
    backend = RemoteBackend(settings, manifest.get("graphs", {}), heavy_cap=cap)
    writer = RemoteWriter(settings, backend) if tokens else None
    return backend, writer, tokens
