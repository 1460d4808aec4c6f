"""The web interface over HTTP (pages, headers, the views' data) and the npm-registry fetcher of its libraries."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server import LiveServer
from ui_support import project_store

from rulakg.ui import vendor

CUBA = "https://w3id.org/rulakg/id/state/cuba"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(project_store(tmp_path_factory), workers=2) as live:
        yield live


def get(server: LiveServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(server.url + path, params=params, timeout=30)


# pages ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/queries", "/queries/state-visits", "/views/timeline", "/views/votes", "/views/network", "/search"]
)
def test_pages_are_html_with_security_headers_and_nothing_from_other_hosts(server: LiveServer, path: str) -> None:
    r = get(server, path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', r.text):
        assert src.startswith("/"), f"{path} loads {src}"
        assert get(server, src).status_code == 200, src  # every script and stylesheet is served here
    assert "<script>" not in r.text  # no inline scripts (the CSP would block them)
    assert '<meta name="viewport"' in r.text and '<html lang="en">' in r.text


def test_editor_page_has_yasgui_and_the_prefixes(server: LiveServer) -> None:
    page = get(server, "/").text
    assert "/vendor/@zazuko/yasgui/yasgui.min.js" in page
    config = json.loads(re.search(r'id="editor-config">(.*?)</script>', page, re.S).group(1))
    assert config["prefixes"]["rula"] == "https://w3id.org/rulakg/ontology#"
    assert get(server, "/api/prefixes").json()["rid"] == "https://w3id.org/rulakg/id/"


def test_gallery_lists_every_saved_query(server: LiveServer) -> None:
    listing = get(server, "/api/queries").json()
    page = get(server, "/queries").text
    for q in listing["queries"]:
        assert f'href="/queries/{q["name"]}"' in page


def test_a_saved_query_form_follows_its_parameters(server: LiveServer) -> None:
    page = get(server, "/queries/state-visits").text
    # the enumerated IRI parameter is a drop-down with labels; the integer one a number field
    select = re.search(r'<select id="p-state-visits-state" name="state"[^>]*required>(.*?)</select>', page, re.S)
    assert select and f'value="{CUBA}"' in select.group(1) and ">Cuba</option>" in select.group(1)
    assert re.search(r'<input id="p-state-visits-year" name="year" type="number"', page)
    assert '<label for="p-state-visits-year">' in page
    votes = get(server, "/queries/resolution-votes").text
    assert 'value="A/68/L.39"' in votes  # the default is filled in
    assert 'href="/api/queries/resolution-votes?symbol=A%2F68%2FL.39&amp;format=csv"' in votes
    assert get(server, "/queries/no-such-query").status_code == 404


def test_timeline_data(server: LiveServer) -> None:
    all_items = get(server, "/api/views/timeline").json()
    assert all_items["count"] == len(all_items["items"]) > 20
    assert {i["kind"] for i in all_items["items"]} == {"visit", "agreement"}
    cuba = get(server, "/api/views/timeline", state=CUBA, **{"from": "2010", "to": "2015"}).json()
    assert cuba["items"] and all(i["state"] == CUBA for i in cuba["items"])
    assert all(i["start"][:4] <= "2015" and i["end"][:4] >= "2010" for i in cuba["items"])
    visits = get(server, "/api/views/timeline", kind="visit").json()
    assert visits["items"] and all(i["kind"] == "visit" for i in visits["items"])
    heads = get(server, "/api/views/timeline", office="https://w3id.org/rulakg/id/office/head-of-state").json()
    labels = {i["label"] for i in heads["items"]}
    assert "Visit: Vladimir Putin → Cuba (2014-07)" in labels  # President of Russia is within head of state
    assert not any("Lavrov" in label for label in labels)
    assert get(server, "/api/views/timeline", **{"from": "soon"}).status_code == 400
    assert get(server, "/api/views/timeline", state="x> } DROP").status_code == 400


def test_vote_data_matches_the_saved_query(server: LiveServer) -> None:
    votes = get(server, "/api/views/votes").json()
    saved = get(server, "/api/queries/resolution-votes", symbol="A/68/L.39").json()["results"]["bindings"]
    assert sorted((v["state"], v["option"]) for v in votes["votes"]) == sorted(
        (b["state"]["value"], b["option"]["value"]) for b in saved
    )


def test_network_data(server: LiveServer) -> None:
    data = get(server, "/api/views/network").json()
    ids = {n["id"] for n in data["nodes"]}
    assert all(link["source"] in ids and link["target"] in ids for link in data["links"])
    kinds = {n["kind"] for n in data["nodes"]}
    assert kinds == {"official", "state", "agreement"}
    only_visits = get(server, "/api/views/network", kind="visits").json()
    assert {n["kind"] for n in only_visits["nodes"]} == {"official", "state"}


def test_vendor_files_are_served(server: LiveServer) -> None:
    for path in (
        "/vendor/@zazuko/yasgui/yasgui.min.js",
        "/vendor/@zazuko/yasgui/yasgui.min.css",
        "/vendor/echarts/echarts.min.js",
    ):
        r = get(server, path)
        assert r.status_code == 200 and len(r.content) > 10_000, f"{path}: run ./run.sh setup"


# the fetcher ---------------------------------------------------------------------------------------------------


def test_the_lock_file_pins_what_package_json_asks_for() -> None:
    package = json.loads((vendor.HERE / "package.json").read_text())
    lock = vendor.locked()
    for name, version in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: pin an exact version"
        assert lock[name]["version"] == version
        assert lock[name]["resolved"].startswith("https://registry.npmjs.org/")
        assert lock[name]["integrity"].startswith("sha512-")
    assert set(vendor.SERVED) == set(package["dependencies"])


def _tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class _Response(io.BytesIO):
    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fake_registry(tmp_path: Path, tarball: bytes, integrity: str) -> tuple[Path, list[str]]:
    lock = tmp_path / "package-lock.json"
    packages = {
        f"node_modules/{name}": {
            "version": "1.0.0",
            "resolved": f"https://registry.example/{name}.tgz",
            "integrity": integrity,
        }
        for name in vendor.SERVED
    }
    lock.write_text(json.dumps({"lockfileVersion": 3, "packages": packages}))
    return lock, []


def test_fetch_verifies_and_unpacks_only_the_served_files(tmp_path: Path) -> None:
    files = {f: f.encode() * 10 for paths in vendor.SERVED.values() for f in paths}
    files["src/other.js"] = b"not served"
    tarball = _tarball(files)
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    lock, _ = _fake_registry(tmp_path, tarball, integrity)
    calls: list[str] = []

    def opener(url: str, timeout: float) -> _Response:
        calls.append(url)
        return _Response(tarball)

    target = tmp_path / "vendor"
    assert len(vendor.fetch(target, lock, opener)) == len(vendor.SERVED)
    unpacked = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    expected = {f"{n}/{Path(f).name}" for n, paths in vendor.SERVED.items() for f in paths}
    assert unpacked - {f"{n}/.version" for n in vendor.SERVED} == expected
    assert vendor.fetch(target, lock, opener) == []  # already there: nothing downloaded again
    assert len(calls) == len(vendor.SERVED)


def test_fetch_refuses_a_tarball_that_fails_its_integrity(tmp_path: Path) -> None:
    tarball = _tarball({f: b"x" for paths in vendor.SERVED.values() for f in paths})
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"something else").digest()).decode()
    lock, _ = _fake_registry(tmp_path, tarball, wrong)
    with pytest.raises(vendor.VendorError, match="integrity"):
        vendor.fetch(tmp_path / "vendor", lock, lambda url, timeout: _Response(tarball))
    assert not (tmp_path / "vendor").exists() or not any((tmp_path / "vendor").rglob("*.js"))
