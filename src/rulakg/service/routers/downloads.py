"""``/downloads``: the releases written by ``rulakg release`` — a listing (HTML for people, JSON for scripts,
the latest release's DCAT description as RDF by content negotiation) and the files themselves.

Only the files a release's ``SHA256SUMS`` lists are served, so no path outside the release folders can be
named. The folder is read on each request: a new release is offered without a restart.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from pyoxigraph import RdfFormat, parse, serialize
from starlette.responses import FileResponse, JSONResponse, Response

from rulakg import formats
from rulakg.citation import citation_text
from rulakg.release import checksums, versions
from rulakg.release.make import DCAT_FILE, MANIFEST
from rulakg.service.errors import error_response
from rulakg.ui.web import html as html_response
from rulakg.ui.web import page

router = APIRouter(tags=["Downloads"])

HTML = formats.Format("html", "text/html", ("application/xhtml+xml",), (), True)
JSON = formats.Format("json", "application/json", (), (), False)
OFFERED = (HTML, JSON, *(f for f in formats.RDF_FORMATS if f.key in ("ttl", "nt", "rdf", "jsonld")))
MEDIA_TYPES = {".gz": "application/gzip", ".ttl": "text/turtle; charset=utf-8", ".json": "application/json"}


@dataclass(frozen=True)
class Release:
    version: str
    folder: Path
    sums: dict[str, str]
    manifest: dict  # type: ignore[type-arg]


def releases(root: Path) -> list[Release]:
    """The complete releases (a SHA256SUMS written last marks one), newest first."""
    found = []
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and versions.SEMVER.match(folder.name) and (folder / checksums.SUMS).is_file():
                try:
                    sums = checksums.read_sums(folder)
                    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue  # a damaged release is not offered
                found.append(Release(folder.name, folder, sums, manifest))
    return sorted(found, key=lambda r: versions.key(r.version), reverse=True)


def _root(request: Request) -> Path:
    return request.app.state.rulakg.settings.releases_dir  # type: ignore[no-any-return]


def _listing(request: Request, found: list[Release]) -> dict:  # type: ignore[type-arg]
    base = str(request.base_url).rstrip("/") + "/downloads"
    return {
        "latest": found[0].version if found else None,
        "citation": citation_text(found[0].version if found else None),
        "licence": {"data": "CC BY 4.0", "code": "MIT"},
        "releases": [
            {
                "version": r.version,
                "issued": r.manifest.get("issued"),
                "ontology_version": r.manifest.get("ontology_version"),
                "graphs": r.manifest.get("graphs", {}),
                "checksums": f"{base}/{r.version}/{checksums.SUMS}",
                "dcat": f"{base}/{r.version}/{DCAT_FILE}",
                "files": [
                    {**f, "url": f"{base}/{r.version}/{f['name']}"} for f in r.manifest.get("files", [])
                ],
            }
            for r in found
        ],
    }


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)


def _html(listing: dict) -> str:  # type: ignore[type-arg]
    e = html.escape
    parts = [
        "<h1>Downloads</h1>",
        "<p class='lead'>Each release of the knowledge graph as files: the whole dataset (N-Quads, TriG, JSON-LD), "
        "each named graph (Turtle), the main tables (CSV); all gzip. Check a download with "
        "<code>sha256sum -c SHA256SUMS</code>. Data: <a href='https://creativecommons.org/licenses/by/4.0/'>CC BY "
        "4.0</a> (upstream sources keep their own licences, see the <a href='/docs/guide/cite/'>guide</a>). "
        "The same list as JSON: <code>Accept: application/json</code>; the latest release's DCAT description: "
        "<code>Accept: text/turtle</code>.</p>",
        f"<p><strong>Cite as:</strong> {e(listing['citation'])}</p>",
    ]
    if not listing["releases"]:
        parts.append("<p>No release yet: run <code>rulakg release</code> on the server.</p>")
    for r in listing["releases"]:
        parts.append(
            f"<h2 id='v{e(r['version'])}'>Release {e(r['version'])}</h2><p>Issued {e(str(r['issued']))}; "
            f"ontology {e(str(r['ontology_version']))}; <a href='{e(r['checksums'])}'>SHA256SUMS</a>; "
            f"<a href='{e(r['dcat'])}'>DCAT description</a>.</p>"
            "<table><thead><tr><th>file</th><th>content</th><th>size</th><th>SHA-256</th></tr></thead><tbody>"
        )
        for f in r["files"]:
            parts.append(
                f"<tr><td><a href='{e(f['url'])}'>{e(f['name'])}</a></td><td>{e(f['title'])}</td>"
                f"<td>{_size(f['bytes'])}</td><td><code>{e(f['sha256'])}</code></td></tr>"
            )
        parts.append("</tbody></table>")
    return page("Downloads", "".join(parts), current="/downloads")


@router.get("/downloads", summary="The releases and their files (HTML, JSON, or the latest release's DCAT as RDF)")
async def downloads(request: Request, format: str | None = None) -> Response:
    try:
        fmt = formats.negotiate(request.headers.get("accept"), OFFERED, format)
    except formats.NotAcceptable as e:
        return error_response(406, str(e))
    except formats.UnknownFormat as e:
        return error_response(400, str(e))
    found = releases(_root(request))
    headers = {"Vary": "Accept"}
    if fmt.key == "html":
        return html_response(_html(_listing(request, found)), headers=headers)
    if fmt.key == "json":
        return JSONResponse(_listing(request, found), headers=headers)
    if not found:
        return error_response(404, "No release yet: run `rulakg release` to write one.")
    turtle = (found[0].folder / DCAT_FILE).read_bytes()
    if fmt.key != "ttl":
        turtle = serialize(parse(turtle, RdfFormat.TURTLE), format=formats.rdf_serializer(fmt.key))
    body = turtle
    return Response(body, media_type=fmt.content_type, headers=headers)


@router.get("/downloads/{version}/{name}", summary="One file of a release (`latest` names the newest release)")
async def download_file(request: Request, version: str, name: str) -> Response:
    found = releases(_root(request))
    if version == "latest" and found:
        version = found[0].version
    release = next((r for r in found if r.version == version), None)
    if release is None:
        known = ", ".join(r.version for r in found) or "none yet"
        return error_response(404, f"No release {version!r}; releases: {known}.")
    if name != checksums.SUMS and name not in release.sums:
        return error_response(404, f"Release {version} has no file {name!r}; see /downloads.")
    path = release.folder / name
    if not path.is_file():
        return error_response(404, f"{name} of release {version} is missing on the server.")
    headers = {}
    if name in release.sums:  # the digest of the bytes sent (RFC 9530), for clients that check it
        digest = base64.b64encode(bytes.fromhex(release.sums[name])).decode()
        headers["Repr-Digest"] = f"sha-256=:{digest}:"
    media = MEDIA_TYPES.get(path.suffix, "text/plain; charset=utf-8")
    return FileResponse(path, media_type=media, headers=headers, filename=name if path.suffix == ".gz" else None)
