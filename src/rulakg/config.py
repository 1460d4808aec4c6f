"""One typed settings object for the CLI, the build and the service.

Every field can be set by a ``RULAKG_<NAME>`` environment variable (e.g. ``RULAKG_PORT=9000``) and
most by a CLI flag; the README's settings table is generated from this class (``rulakg settings``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _project_root() -> Path:
    """The checkout (editable install) or else the working directory (an installed package, a container)."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


PROJECT_ROOT = _project_root()


def _default_workers() -> int:
    # Query workers are processes (so a timed-out query can be killed); on 2 cores 3 keeps both busy
    # while one worker is waiting on I/O or being replaced.
    return max(2, min(8, (os.cpu_count() or 2) + 1))


class Settings(BaseSettings):
    """Settings of RuLA KG; defaults give an embedded store under ``var/`` served on 127.0.0.1:8000."""

    model_config = SettingsConfigDict(env_prefix="RULAKG_", extra="ignore")

    # Where things are
    ontology_dir: Path = Field(PROJECT_ROOT / "ontology", description="Folder of the ontology sources (Turtle).")
    data_dir: Path = Field(PROJECT_ROOT / "data", description="Folder of the curated data sources.")
    queries_dir: Path = Field(PROJECT_ROOT / "queries", description="Folder of the saved queries (.rq).")
    store_dir: Path = Field(
        PROJECT_ROOT / "var" / "store",
        description="Folder of the on-disk Oxigraph stores; `current` links to the store being served.",
    )

    # Identity
    base_iri: str = Field("https://w3id.org/rulakg/", description="Namespace of every IRI the graph mints.")
    public_url: str | None = Field(
        None, description="Public URL of the service (for the service description); default: the request's."
    )

    # Service
    host: str = Field("127.0.0.1", description="Interface the HTTP service listens on.")
    port: int = Field(8000, ge=0, le=65535, description="Port the HTTP service listens on.")
    workers: int = Field(
        default_factory=_default_workers,
        ge=1,
        le=64,
        description="Query worker processes (each opens the store read-only).",
    )
    describe_dataset: bool = Field(
        True,
        description="At build time, add the saved queries as RDF (graph/queries) and the VoID description of "
        "the dataset (graph/void) to the store, and build the guide served at /docs/guide.",
    )
    skip_sources: str = Field(
        "",
        description="Comma-separated `data/` folders the build leaves out (e.g. `unvotes`, the UN voting record of "
        "several million triples, for a quick build of the article's data).",
    )
    union_default_graph: bool = Field(
        True,
        description="Default graph of a query = union of all graphs (public-endpoint behaviour). "
        "False: the store's own default graph, as the SPARQL standard and the W3C tests expect.",
    )
    cors: bool = Field(True, description="Send CORS headers allowing reads from any origin.")

    # Limits
    query_timeout: float = Field(30.0, gt=0, description="Default query timeout in seconds.")
    query_timeout_max: float = Field(
        120.0, gt=0, description="Largest timeout a request may ask for with the `timeout` parameter (seconds)."
    )
    max_rows: int = Field(
        0, ge=0, description="Row cap for SELECT results (0 = no cap). A capped result has the X-SPARQL-MaxRows header."
    )
    max_query_length: int = Field(100_000, ge=1, description="Longest accepted query text, in characters.")
    max_body_bytes: int = Field(1_000_000, ge=1, description="Largest accepted request body, in bytes.")
    result_cache_mb: float = Field(
        64.0,
        ge=0,
        description="Memory for the cache of complete small answers (≤ 256 KiB each) in the service process, in MB; "
        "0: no cache. Keyed by the build served and everything in the request that can change the bytes.",
    )
    http_max_age: int = Field(
        0,
        ge=0,
        description="Cache-Control max-age (seconds) of complete query answers, which carry an ETag; 0: `no-cache` "
        "(clients and proxies may keep answers but must revalidate them with If-None-Match, safe with writes).",
    )
    worker_queue_wait: float = Field(
        10.0, gt=0, description="Longest time a query waits for a free worker before a 503 (seconds)."
    )
    worker_memory_mb: float = Field(
        256.0,
        ge=0,
        description="Memory a query worker may gain, in MiB (its anonymous resident memory: RocksDB's block cache "
        "and table readers, and what the allocator keeps after a large query), before it is replaced by a fresh "
        "one after its answer; 0: never replaced. `rulakg_query_workers_replaced` counts the replacements.",
    )
    inline_lookup_bytes: int = Field(
        65536,
        ge=0,
        description="A look-up of one triple pattern (no FILTER, OPTIONAL, ORDER BY, OFFSET…) whose answer fits in "
        "this many bytes is answered in the service process, without the round trip to a query worker; a bigger "
        "answer goes to a worker. Its cost is bounded by its answer's size. 0: every query goes to a worker.",
    )
    enumeration_wait: float = Field(
        10.0,
        ge=0,
        description="Longest time the start-up waits for the saved queries' enumerations (the allowed values a "
        "query lists) before it serves; the rest are listed in the background, and a saved query's run waits for "
        "its own. They are kept beside the build for the next start.",
    )
    heavy_query_ms: float = Field(
        200.0,
        gt=0,
        description="A query seen to run longer than this (milliseconds, a moving average per query text and "
        "dataset) is heavy; an unseen one is judged by its text (aggregates, GROUP BY, unbounded ORDER BY, `*`/`+` "
        "paths, no LIMIT over several patterns). See the README's query lanes.",
    )
    heavy_workers: int | None = Field(
        None,
        ge=0,
        description="Query workers heavy queries may use at once; the rest stay free for light ones. Default: "
        "workers − 1 (at least 1); 0: no cap (lanes off, heavy and light queries share all workers).",
    )
    max_header_bytes: int = Field(
        65_536,
        ge=1024,
        description="Largest accepted size of a request's headers together (431 beyond it); a URL longer than "
        "3 × max_query_length + 8 KiB gets 414.",
    )
    max_concurrent_per_client: int = Field(
        32,
        ge=0,
        description="Requests one client (address) may have in progress at once; more get 429 with Retry-After "
        "(0: no limit). /health, /metrics and static files are exempt.",
    )
    rate_limit: float = Field(
        0.0,
        ge=0,
        description="Requests per minute per client address (token bucket); beyond it 429 with Retry-After, as the "
        "Wikidata Query Service does. 0: no rate limit (the default; set it on a public deployment).",
    )
    rate_limit_burst: int = Field(
        60, ge=1, description="Requests a client may send at once before the rate limit applies (the bucket's size)."
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For names the client (space- "
        "or comma-separated); from anyone else the header is ignored and the client is the connection's address.",
    )
    access_log: bool = Field(
        True,
        description="One JSON line per request on the `rulakg.access` logger (stderr): time, client, method, path, "
        "status, bytes, duration, query hash, cache hit/miss. Replaces uvicorn's access log.",
    )

    # The store: embedded Oxigraph (default) or a remote SPARQL server; see rulakg.store.remote
    backend: Literal["embedded", "remote"] = Field(
        "embedded",
        description="`embedded`: the built on-disk Oxigraph store, in worker processes. `remote`: an existing SPARQL "
        "server (Virtuoso, QLever, GraphDB, Fuseki, Neptune, the Oxigraph server…) over the SPARQL 1.1 Protocol.",
    )
    remote_query_url: str | None = Field(None, description="Remote backend: the server's SPARQL query endpoint.")
    remote_update_url: str | None = Field(
        None, description="Remote backend: its SPARQL Update endpoint (default: the query endpoint); for /update."
    )
    remote_store_url: str | None = Field(
        None,
        description="Remote backend: its Graph Store Protocol endpoint (e.g. Oxigraph `/store`, Virtuoso "
        "`/sparql-graph-crud`), for /store; unset: /store writes become SPARQL Update and reads CONSTRUCT queries.",
    )
    remote_user: str | None = Field(None, description="Remote backend: user name for HTTP authentication.")
    remote_password: str | None = Field(None, description="Remote backend: password for HTTP authentication.")
    remote_auth: Literal["basic", "digest"] = Field(
        "basic", description="Remote backend: HTTP authentication scheme (Virtuoso's /sparql-auth uses digest)."
    )
    remote_concurrency: int = Field(
        16, ge=1, le=256, description="Remote backend: queries sent to the server at once (heavy_workers caps heavy)."
    )
    remote_default_graphs: Literal["build", "server"] = Field(
        "build",
        description="Remote backend, union_default_graph on: `build`: the default graph is the union of the build's "
        "graphs and those written through this service (sent as default-graph-uri/named-graph-uri); `server`: the "
        "server's own default graph (Virtuoso's includes its system graphs).",
    )
    remote_cache_seconds: float = Field(
        300.0,
        ge=0,
        description="Remote backend: the result cache is emptied this often (seconds), since others may write to the "
        "server; writes through this service empty it at once. 0: only writes through this service do.",
    )

    # Federated queries (SERVICE) and Wikidata; see rulakg.wikidata.federation
    service_allowlist: str = Field(
        "https://query.wikidata.org/sparql",
        description="Endpoints a query may call with SERVICE (space- or comma-separated IRIs; empty: SERVICE is "
        "refused). Calls go through the service's own federation proxy (User-Agent, timeout, cache).",
    )
    service_upstreams: str = Field(
        "",
        description='JSON object mapping an allowed SERVICE IRI to the URL actually called (tests, mirrors), e.g. '
        '{"https://query.wikidata.org/sparql": "http://127.0.0.1:7878/query"}.',
    )
    user_agent: str = Field(
        "RuLA-KG/0.1 (https://w3id.org/rulakg/; set RULAKG_USER_AGENT to add your contact) python-httpx",
        description="User-Agent sent to remote endpoints (SERVICE calls, `rulakg wikidata check`); Wikimedia's "
        "policy asks for a contact (URL or e-mail).",
    )
    federation_timeout: float = Field(
        60.0, gt=0, description="Timeout of one call to a remote endpoint, in seconds (Wikidata stops queries at 60 s)."
    )
    federation_cache_seconds: float = Field(
        3600.0,
        ge=0,
        description="How long a remote endpoint's answer is reused (same endpoint, query and Accept); 0: no cache.",
    )
    federation_cache_entries: int = Field(256, ge=0, description="Most answers kept in the federation cache.")
    federation_proxy_url: str | None = Field(
        None,
        description="Base URL by which the query workers reach this service's federation proxy; default: "
        "http://<host>:<port> (127.0.0.1 when listening on all interfaces).",
    )

    # Writes: SPARQL Update (/update), the Graph Store Protocol (/store), backups; see rulakg.service.auth
    api_tokens: str = Field(
        "",
        description="API tokens allowed to use /update, /store and /admin: `ROLE:SHA256HEX` entries (ROLE `rw` or "
        "`ro`; the SHA-256 of the token, never the token) separated by spaces or commas; `rulakg token create` mints "
        "one. Empty (and no token file): writes are off.",
    )
    api_token_file: Path | None = Field(
        None, description="File of API token hashes, one `ROLE:SHA256HEX` a line (`#` comments), added to api_tokens."
    )
    load_allowlist: str = Field(
        "",
        description="IRIs (or IRI prefixes ending in `/`) that `LOAD` in an update may fetch, space- or "
        "comma-separated; empty: LOAD is refused. Never `file:`, loopback, private, link-local or metadata addresses.",
    )
    update_timeout: float = Field(
        60.0, gt=0, description="Longest time one write (update, upload, backup) may run before its writer is stopped."
    )
    max_upload_bytes: int = Field(
        50_000_000, ge=1, description="Largest accepted body of an update or a Graph Store upload, in bytes."
    )
    backup_dir: Path = Field(
        PROJECT_ROOT / "var" / "backups", description="Folder where `POST /admin/backup` writes its backups."
    )
    releases_dir: Path = Field(
        PROJECT_ROOT / "var" / "releases",
        description="Folder of the releases `rulakg release` writes (dumps, checksums, DCAT), served at /downloads.",
    )

    def store_path(self) -> Path:
        """The store the service opens: the build's ``current`` link."""
        return self.store_dir / "current"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
