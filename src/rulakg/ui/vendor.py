"""Fetch the web interface's front-end libraries from the npm registry, without node.

``package-lock.json`` (next to this file, made with npm) pins each package: its tarball URL (``resolved``) and
its checksum (``integrity``, ``sha512-<base64>``). ``python -m rulakg.ui.vendor`` (run by ``./run.sh setup``)
downloads each package named in ``SERVED``, checks the checksum, and unpacks only the files the service serves
into ``vendor/<package>/`` (git-ignored). Nothing is loaded from a CDN at run time. Idempotent: a package whose
files are there with the locked version is not downloaded again.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
LOCK = HERE / "package-lock.json"
VENDOR = HERE / "vendor"

# The packages the pages load, and the files of each that are served (paths inside the package).
SERVED: dict[str, tuple[str, ...]] = {
    "@zazuko/yasgui": ("build/yasgui.min.js", "build/yasgui.min.css", "package.json"),
    "echarts": ("dist/echarts.min.js", "LICENSE", "NOTICE"),
}


class VendorError(Exception):
    """A package could not be fetched or failed its integrity check."""


def locked(lock_path: Path = LOCK) -> dict[str, dict[str, str]]:
    """``{package: {"version", "resolved", "integrity"}}`` of the served packages, from the lock file."""
    data = json.loads(lock_path.read_text(encoding="utf-8"))
    packages = data.get("packages", {})
    out = {}
    for name in SERVED:
        entry = packages.get(f"node_modules/{name}")
        if not entry or not entry.get("resolved") or not entry.get("integrity"):
            raise VendorError(f"{lock_path.name}: no resolved URL and integrity for {name}")
        out[name] = {k: entry[k] for k in ("version", "resolved", "integrity")}
    return out


def verify(data: bytes, integrity: str) -> None:
    """Check ``data`` against an SRI string (``sha512-…``; several, space-separated: any strong one)."""
    for item in integrity.split():
        algo, _, expected = item.partition("-")
        if algo in ("sha512", "sha384", "sha256"):
            actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
            if actual == expected:
                return
    raise VendorError(f"integrity check failed (expected {integrity[:30]}…)")


def unpack(tarball: bytes, files: tuple[str, ...], target: Path) -> list[Path]:
    """Write ``files`` (paths inside the package; the tarball's top folder is ``package/``) under ``target``."""
    written = []
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers() if m.isfile() and "/" in m.name}
        for name in files:
            member = members.get(name)
            if member is None:
                raise VendorError(f"{name} is not in the package")
            source = tar.extractfile(member)
            assert source is not None
            path = target / Path(name).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(source.read())
            written.append(path)
    return written


def _stamp(target: Path) -> Path:
    return target / ".version"


def fetch(vendor_dir: Path = VENDOR, lock_path: Path = LOCK, opener=urllib.request.urlopen) -> list[str]:  # type: ignore[no-untyped-def]
    """Fetch every served package not already unpacked at its locked version; the names fetched."""
    fetched = []
    for name, entry in locked(lock_path).items():
        target = vendor_dir / name
        stamp = f"{entry['version']} {entry['integrity']}"
        if _stamp(target).is_file() and _stamp(target).read_text() == stamp:
            continue
        with opener(entry["resolved"], timeout=120) as response:
            tarball = response.read()
        try:
            verify(tarball, entry["integrity"])
        except VendorError as e:
            raise VendorError(f"{name} {entry['version']} from {entry['resolved']}: {e}") from None
        unpack(tarball, SERVED[name], target)
        _stamp(target).write_text(stamp)
        fetched.append(f"{name}@{entry['version']}")
    return fetched


def main() -> int:
    try:
        done = fetch()
    except (OSError, VendorError) as e:
        print(f"rulakg.ui.vendor: {e}", file=sys.stderr)
        return 1
    if done:
        print("web interface libraries fetched: " + ", ".join(done))
    return 0


if __name__ == "__main__":
    sys.exit(main())
