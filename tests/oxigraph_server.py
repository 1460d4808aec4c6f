"""A throwaway Oxigraph server (the ``oxigraph`` CLI from PyPI, next to this Python) for tests and ``bench/``.

``oxigraph serve`` (read-write: ``/query``, ``/update``, ``/store``) or ``serve-read-only`` over a store in the
given folder, on a free loopback port. Files can be loaded before start (``load_file``, the CLI's bulk loader)
or, while it runs, over the Graph Store Protocol.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """``oxigraph serve`` over ``workdir/store``; a context manager. ``query_url``, ``update_url``, ``store_url``."""

    def __init__(
        self, workdir: Path, port: int | None = None, *, read_only: bool = False, union_default_graph: bool = False
    ):
        self.workdir = Path(workdir).resolve()
        self.location = self.workdir / "store"
        self.port = port or _free_port()
        self.read_only = read_only
        self.union_default_graph = union_default_graph
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.base_url}/query"
        self.update_url = f"{self.base_url}/update"
        self.store_url = f"{self.base_url}/store"
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return OXIGRAPH.exists()

    def load_file(self, path: Path, graph: str | None = None) -> None:
        """Bulk-load a file into the store (the server must be stopped: RocksDB allows one writer)."""
        if self.proc is not None:
            raise RuntimeError("load_file needs the server stopped; use the Graph Store Protocol while it runs")
        self.location.mkdir(parents=True, exist_ok=True)
        cmd = [str(OXIGRAPH), "load", "--location", str(self.location), "--file", str(path)]
        if graph:
            cmd += ["--graph", graph]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"oxigraph load failed on {path}:\n{proc.stdout}{proc.stderr}")

    def start(self, timeout: float = 30) -> OxigraphServer:
        self.location.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(OXIGRAPH),
            "serve-read-only" if self.read_only else "serve",
            "--location",
            str(self.location),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        if self.union_default_graph:
            cmd.append("--union-default-graph")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph exited with {self.proc.returncode}")
            try:
                if httpx.post(self.query_url, data={"query": "ASK {}"}, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"oxigraph did not answer on {self.query_url} within {timeout:g} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
