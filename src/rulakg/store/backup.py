"""Online backups of the current store (``rulakg backup``) and their restore (``rulakg restore``).

A backup folder holds ``oxigraph/`` (Oxigraph's ``Store.backup``: a consistent RocksDB checkpoint, a real copy
when the target is on another file system, hard links otherwise), the build's other files (``build.json``, the
documentation, the search index) and ``backup.json``. The service makes the same folders (``POST /admin/backup``).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
from pathlib import Path

from pyoxigraph import Store

from rulakg.store.writer import copy_build_files, writes_lock


class BackupError(Exception):
    pass


def backup_current(store_dir: Path, target: Path) -> Path:
    """Back up ``store_dir/current`` into ``target``. Under the writers' lock: when a service writes the store,
    its newest snapshot (which has every acknowledged write) is backed up, else the store itself."""
    from rulakg.build.builder import store_in_use

    current = store_dir / "current"
    if not (current / "oxigraph").is_dir():
        raise BackupError(f"no store at {current}: run `rulakg build` first")
    if target.exists():
        raise BackupError(f"{target} already exists")
    build_dir = current.resolve()
    with writes_lock(store_dir):
        source = build_dir / "oxigraph"
        if store_in_use(source):
            snapshots = sorted((build_dir / "snapshots").glob("s-*"), key=lambda p: p.stat().st_mtime)
            if not snapshots:
                raise BackupError(f"{source} is open for writing and has no snapshot")
            source = snapshots[-1]
        target.mkdir(parents=True)
        try:
            Store.read_only(str(source)).backup(str(target / "oxigraph"))
            copy_build_files(build_dir, target)
            (target / "backup.json").write_text(
                json.dumps({"created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "build": build_dir.name})
            )
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    return target


def restore_backup(source: Path, store_dir: Path) -> Path:
    """Copy a backup into a new ``build-restored-…`` folder, check that it opens, and swap ``current`` to it."""
    from rulakg.build.builder import _prune, _swap_current

    if not (source / "oxigraph").is_dir():
        raise BackupError(f"{source} is not a backup (no oxigraph/ folder)")
    try:
        Store.read_only(str(source / "oxigraph"))
    except OSError as e:
        raise BackupError(f"{source / 'oxigraph'} does not open: {e}") from e
    store_dir.mkdir(parents=True, exist_ok=True)
    target = store_dir / f"build-restored-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    try:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("backup.json"))
        store = Store(str(target / "oxigraph"))  # opens (and recovers) the copy before it is served
        store.flush()
        del store
        gc.collect()  # closed: its RocksDB lock released
        with writes_lock(store_dir):
            _swap_current(store_dir, target)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    _prune(store_dir, target)
    return target
