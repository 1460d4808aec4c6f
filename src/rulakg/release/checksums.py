"""``SHA256SUMS`` in the format of ``sha256sum`` (so ``sha256sum -c SHA256SUMS`` checks a download)."""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS = "SHA256SUMS"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_sums(folder: Path, digests: dict[str, str]) -> Path:
    path = folder / SUMS
    path.write_text("".join(f"{digests[name]}  {name}\n" for name in sorted(digests)), encoding="utf-8")
    return path


def read_sums(folder: Path) -> dict[str, str]:
    """File name → hex digest, as listed (a malformed line raises ValueError naming it)."""
    sums: dict[str, str] = {}
    for n, line in enumerate((folder / SUMS).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or "/" in name or name.startswith("."):
            raise ValueError(f"{folder / SUMS}:{n}: not `<sha256>  <file name>`")
        sums[name] = digest
    return sums


def verify(folder: Path) -> list[str]:
    """Problems found: a listed file missing or with another digest. Empty: every file verifies."""
    problems = []
    for name, digest in read_sums(folder).items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256(path) != digest:
            problems.append(f"{name}: SHA-256 differs from {SUMS}")
    return problems
