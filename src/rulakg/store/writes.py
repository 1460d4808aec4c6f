"""The service's side of writes: one writer subprocess (``writer.py``), one write at a time, each with a timeout.

``StoreWriter.run`` sends a write, waits for its acknowledgement (the write is committed and a snapshot of the
store after it exists) and calls ``on_snapshot`` with the new snapshot before returning, so the answer to the
client is sent only once the next query will see the write (read-your-writes). A write that runs past its
timeout is stopped by killing the writer (its transaction is not committed); a new writer is started.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rulakg.store import frames


class WriteFailed(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class StoreWriter:
    def __init__(self, build_dir: Path, store_dir: Path, *, startup_timeout: float = 60.0):
        self.build_dir = Path(build_dir).resolve()
        self.live = self.build_dir / "oxigraph"
        self.snapshots = self.build_dir / "snapshots"
        self.store_dir = Path(store_dir)
        self.startup_timeout = startup_timeout
        self.snapshot: Path | None = None
        self.version = 0  # writes acknowledged since the start
        self.on_snapshot: Callable[[Path], None] | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self.kills = 0

    async def start(self, clean: bool = True) -> Path:
        args = [str(self.live), str(self.snapshots), str(self.store_dir), str(self.build_dir)]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "rulakg.store.writer", *args, *(["--clean"] if clean else []),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**20,
        )
        self._proc = proc
        try:
            kind, payload = await asyncio.wait_for(self._read_frame(), self.startup_timeout)
        except (TimeoutError, asyncio.IncompleteReadError) as e:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise RuntimeError(f"The store writer did not start ({e!r}).") from None
        info = json.loads(payload)
        if kind != frames.HELLO:
            raise RuntimeError(info.get("message", "The store writer did not start."))
        self._set_snapshot(Path(info["snapshot"]))
        return Path(info["snapshot"])

    async def stop(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()

    def _set_snapshot(self, path: Path) -> None:
        self.snapshot = path
        if self.on_snapshot is not None:
            self.on_snapshot(path)

    async def _read_frame(self) -> tuple[bytes, bytes]:
        assert self._proc is not None and self._proc.stdout is not None
        kind, length = frames.parse_header(await self._proc.stdout.readexactly(frames.HEADER_SIZE))
        return kind, (await self._proc.stdout.readexactly(length)) if length else b""

    async def run(self, request: dict[str, Any], parts: list[bytes], timeout: float) -> dict[str, Any]:
        """Apply one write; its result (``status``; ``snapshot`` when the store changed) or ``WriteFailed``."""
        async with self._lock:
            proc = self._proc
            if proc is None or proc.returncode is not None:
                await self.start(clean=False)
                proc = self._proc
            assert proc is not None and proc.stdin is not None
            data = frames.json_frame(frames.REQUEST, {**request, "parts": len(parts)})
            proc.stdin.write(data + b"".join(frames.frame(frames.DATA, p) for p in parts))
            try:
                async with asyncio.timeout(timeout):
                    await proc.stdin.drain()
                    kind, payload = await self._read_frame()
            except TimeoutError:
                await self._restart()
                raise WriteFailed(
                    503, f"The write was stopped after {timeout:g} s (RULAKG_UPDATE_TIMEOUT); nothing of it was saved."
                ) from None
            except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError) as e:
                await self._restart()
                raise WriteFailed(500, f"The store writer died during the write ({e!r}); it has been restarted.") from e
            result = json.loads(payload)
            if kind == frames.ERROR:
                raise WriteFailed(int(result["status"]), result["message"])
            if result.get("snapshot"):
                self.version += 1
                self._set_snapshot(Path(result["snapshot"]))
            return result

    async def _restart(self) -> None:
        self.kills += 1
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        await self.start(clean=False)
