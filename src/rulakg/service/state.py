"""What the running service holds: its settings, its store backend and what the build recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rulakg.config import Settings
from rulakg.service.lanes import Lanes
from rulakg.store import QueryBackend
from rulakg.store.cache import ResultCache


@dataclass
class ServiceState:
    settings: Settings
    backend: QueryBackend
    manifest: dict = field(default_factory=dict)  # type: ignore[type-arg]
    cache: ResultCache = field(default_factory=lambda: ResultCache(0))  # complete small answers (store/cache.py)
    writer: Any = None  # store.writes.StoreWriter when writes are on (an API token is configured), else None
    tokens: list[Any] = field(default_factory=list)  # service.auth.TokenEntry: who may use /update, /store, /admin
    lanes: Lanes = field(default_factory=lambda: Lanes(200.0))  # light / heavy queries (service/lanes.py)

    @property
    def graphs(self) -> dict[str, int]:
        return dict(self.manifest.get("graphs", {}))

    @property
    def triples(self) -> int:
        return int(self.manifest.get("triples", 0))
