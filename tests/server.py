"""Test helpers: build a real on-disk store and run the real service under uvicorn on a free loopback port."""

from __future__ import annotations

import collections
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

from rulakg.build import build
from rulakg.config import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_store(store_dir: Path, ontology_dir: Path, data_dir: Path, **settings: object) -> Settings:
    """Build a store from the given sources into ``store_dir``; return the settings used.

    The saved queries' and VoID graphs are left out unless asked for (``describe_dataset=True``), so the store
    holds exactly the given sources."""
    settings.setdefault("describe_dataset", False)
    # The UN voting record (data/unvotes, millions of triples) only where a test asks for it (tests/test_unvotes.py).
    settings.setdefault("skip_sources", "unvotes")
    cfg = Settings(store_dir=store_dir, ontology_dir=ontology_dir, data_dir=data_dir, **settings)  # type: ignore[arg-type]
    build(cfg)
    return cfg


class LiveServer:
    """``rulakg serve`` in a subprocess over an existing store; ``url`` is its base URL."""

    def __init__(self, store_dir: Path, **env: object):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "RULAKG_STORE_DIR": str(store_dir),
            "RULAKG_PORT": str(self.port),
            "RULAKG_HOST": "127.0.0.1",
            **{f"RULAKG_{k.upper()}": str(v) for k, v in env.items()},
        }
        self.proc: subprocess.Popen[bytes] | None = None
        # The server's output (access log included), read all along so that the pipe never fills up.
        self.lines: collections.deque[str] = collections.deque(maxlen=20_000)
        self._reader: threading.Thread | None = None

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def output(self) -> str:
        """What the server has printed so far (the last 20,000 lines)."""
        return "\n".join(list(self.lines))

    def start(self, timeout: float = 60.0) -> LiveServer:
        self.lines.clear()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rulakg.cli", "serve", "--no-build"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._reader.join(5)
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become healthy in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(store_dir: Path, **env: object) -> Iterator[LiveServer]:
    """A live server for as long as a (generator) fixture lasts: ``yield from serve(store_dir, workers=2)``."""
    with LiveServer(store_dir, **env) as live:
        yield live
