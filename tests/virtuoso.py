"""A throwaway Virtuoso 7 server (Debian's ``virtuoso-opensource``) for tests and ``bench/``.

Everything lives in the given work folder (database, log, ini, files to load); the ports are free loopback
ports, so several can run side by side and nothing system-wide changes. The server listens for SQL (isql) on
``isql_port`` and for HTTP (``/sparql``, ``/sparql-graph-crud``) on ``http_port``. The ``dba`` password is
Virtuoso's default (``dba``): the server is for one test run, on loopback only.

    with VirtuosoServer(tmp_path / "virtuoso") as v:
        v.load_file(Path("data.nt.gz"), "https://example.org/g")
        httpx.post(v.sparql_url, data={"query": "ASK {?s ?p ?o}"})
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx

VIRTUOSO = "/usr/bin/virtuoso-t"
ISQL = "/usr/bin/isql-vt"
VSP_ROOT = Path("/var/lib/virtuoso-opensource-7/vsp")  # Debian's static pages (read only; not needed for /sparql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class VirtuosoError(RuntimeError):
    """Virtuoso did not start, or an isql command failed (the message holds its output)."""


class VirtuosoServer:
    """A Virtuoso server over a fresh database in ``workdir``; a context manager (start / stop)."""

    def __init__(
        self,
        workdir: Path,
        http_port: int | None = None,
        isql_port: int | None = None,
        memory_mb: int = 2000,
    ):
        self.workdir = Path(workdir).resolve()
        self.http_port = http_port or free_port()
        self.isql_port = isql_port or free_port()
        self.memory_mb = memory_mb
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        self.sparql_url = f"{self.base_url}/sparql"
        self.graph_crud_url = f"{self.base_url}/sparql-graph-crud"
        # Files to bulk-load are linked (or copied) here: the only folder, with the work folder, in DirsAllowed.
        self.load_dir = self.workdir / "load"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: object = None

    @staticmethod
    def available() -> bool:
        """Are Virtuoso's server and isql binaries installed?"""
        return os.access(VIRTUOSO, os.X_OK) and os.access(ISQL, os.X_OK)

    # configuration ------------------------------------------------------------------------------------
    def _ini(self) -> str:
        # Virtuoso's tuning guide: ~8 KB per buffer, about 2/3 of the memory given for buffers, 3/4 may be dirty.
        buffers = max(2000, int(self.memory_mb * 1024 * 1024 * 2 / 3 / 8192))
        db = self.workdir / "db"
        return f"""\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{self.isql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 64
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {self.workdir}, {self.load_dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 200000000
MaxQueryMem = {max(256, self.memory_mb // 2)}M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 4
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}

[HTTPServer]
ServerPort = 127.0.0.1:{self.http_port}
ServerRoot = {VSP_ROOT if VSP_ROOT.is_dir() else self.workdir}
MaxClientConnections = 64
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 64
MaxKeepAlives = 64
KeepAliveTimeout = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
; Whole answers (a benchmark asks for a million rows); no server-side time limit: clients set their own.
ResultSetMaxRows = 100000000
MaxSortedTopRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DeferInferenceRulesInit = 0
"""

    # life cycle ---------------------------------------------------------------------------------------
    def start(self, timeout: float = 120) -> VirtuosoServer:
        """Write the ini, start ``virtuoso-t`` in the foreground and wait until ``/sparql`` answers."""
        if not self.available():
            raise VirtuosoError(f"Virtuoso is not installed ({VIRTUOSO}, {ISQL}): apt-get install virtuoso-opensource")
        (self.workdir / "db").mkdir(parents=True, exist_ok=True)
        self.load_dir.mkdir(parents=True, exist_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(self._ini())
        self._log = open(self.workdir / "stdout.log", "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            stdout=self._log,  # type: ignore[arg-type]
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise VirtuosoError(f"virtuoso-t exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                r = httpx.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise VirtuosoError(f"Virtuoso did not answer on {self.sparql_url} within {timeout:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the server (SIGTERM: Virtuoso checkpoints and exits; SIGKILL after 30 s); its files stay."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()  # Virtuoso checkpoints and exits on SIGTERM
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None

    def __enter__(self) -> VirtuosoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for name in ("stdout.log", "db/virtuoso.log"):
            path = self.workdir / name
            if path.exists():
                out += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    # administration -----------------------------------------------------------------------------------
    def isql(self, sql: str, timeout: float = 600) -> str:
        """Run SQL statements (``;``-separated) as ``dba``; the output, or ``VirtuosoError`` with it."""
        proc = subprocess.run(
            [
                ISQL,
                f"127.0.0.1:{self.isql_port}",
                "dba",
                "dba",
                "VERBOSE=OFF",
                "BANNER=OFF",
                "PROMPT=OFF",
                "ECHO=OFF",
                "ERRORS=STDOUT",
            ],
            input=sql if sql.rstrip().endswith(";") else sql + ";",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = proc.stdout + proc.stderr
        # isql exits 0 on most SQL errors; they are printed as "*** Error <SQLSTATE>: ...".
        if proc.returncode != 0 or "*** Error" in out:
            raise VirtuosoError(f"isql failed ({proc.returncode}) on:\n{sql}\n{out}")
        return out

    def load_file(self, path: Path, graph: str) -> None:
        """Bulk-load one RDF file (N-Triples, Turtle, RDF/XML; ``.gz`` too) into ``graph``, then checkpoint.

        The file is hard-linked (or copied) into the load folder, which the ini allows Virtuoso to read."""
        path = Path(path).resolve()
        target = self.load_dir / path.name
        if target.exists() or target.is_symlink():
            target.unlink()
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        self.isql(
            f"DELETE FROM DB.DBA.load_list WHERE ll_file = {_sql_string(str(target))};\n"
            f"ld_add({_sql_string(str(target))}, {_sql_string(graph)});\n"
            "rdf_loader_run();\n"
            "checkpoint;"
        )
        # The loader records a file's parse error in load_list instead of failing the call.
        errors = self.isql(
            f"SELECT ll_error FROM DB.DBA.load_list WHERE ll_file = {_sql_string(str(target))} "
            "AND ll_error IS NOT NULL;"
        ).strip()
        if errors:
            raise VirtuosoError(f"Loading {path} into <{graph}> failed: {errors}")

    def enable_update(self) -> None:
        """Let the public (unauthenticated) SPARQL user run SPARQL Update and the Graph Store Protocol."""
        self.isql(
            'GRANT SPARQL_UPDATE TO "SPARQL";\n'
            'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";\n'
            'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";\n'
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7);"
        )
