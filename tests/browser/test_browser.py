"""End to end in a real headless Chromium (one session for the module) against a real server over the project's
data: the query editor, the saved-query gallery, entity pages, the timeline, the vote matrix and the network.
Each page is screenshotted into tests/artifacts/ (copies are in docs/screenshots/, shown by the README); the page
weight and the time to first render of ``/`` are written to tests/artifacts/page-metrics.json.

``RULAKG_TEST_URL=http://127.0.0.1:8000`` runs the tests against a server already running."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from ui_support import project_store

pytest.importorskip("selenium")

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

CUBA = "https://w3id.org/rulakg/id/state/cuba"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("RULAKG_TEST_URL")
    if given:
        yield given.rstrip("/")
        return
    from server import LiveServer

    with LiveServer(project_store(tmp_path_factory), workers=2) as live:
        yield live.url


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    found = _chromium()
    if found is None:
        pytest.skip("no chromium and chromedriver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-GB",
        "--disable-extensions",
        "--no-first-run",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def wait(driver: Any, timeout: float = 20) -> WebDriverWait:
    return WebDriverWait(driver, timeout, poll_frequency=0.05)


def shot(driver: Any, artifacts: Path, name: str) -> None:
    driver.save_screenshot(str(artifacts / f"{name}.png"))


def severe_console(driver: Any) -> list[str]:
    """Console errors (a CSP violation, a script error, a failed request) since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]


def marks(driver: Any, chart_id: str) -> int:
    el = wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, f"#{chart_id}[data-marks]"))
    return int(el.get_attribute("data-marks"))


def test_editor_runs_a_query_and_is_light_enough(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.get(live_url + "/")
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")
    # The first load of a fresh profile: nothing cached, so transferSize is what went over the wire.
    metrics = browser.execute_script(
        """const nav = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
        return {document: nav.transferSize, resources: res.map(r => [r.name, r.transferSize, r.encodedBodySize]),
                fp: paint['first-paint'], fcp: paint['first-contentful-paint'], dcl: nav.domContentLoadedEventEnd,
                load: nav.loadEventEnd};"""
    )
    assert not any(
        name.startswith("http") and "127.0.0.1" not in name and "localhost" not in name
        for name, *_ in metrics["resources"]
    ), "a resource from another host"
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    # The project's prefixes are preset; the saved queries are offered as example tabs.
    text = browser.execute_script("return window.rulakgYasgui.getTab().getYasqe().getValue()")
    assert "PREFIX rula: <https://w3id.org/rulakg/ontology#>" in text
    wait(browser).until(lambda d: d.find_element(By.ID, "example-select").get_attribute("data-loaded"))
    # Run the query; the result table shows the states.
    browser.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr table tbody tr") or False)
    assert len(rows) > 20
    assert any("Cuba" in r.text for r in rows)
    total_transfer = metrics["document"] + sum(r[1] for r in metrics["resources"])
    result = {
        "page": "/",
        "bytes_transferred": total_transfer,
        "resources": len(metrics["resources"]) + 1,
        "first_paint_ms": round(metrics["fp"] or 0, 1),
        "first_contentful_paint_ms": round(metrics["fcp"] or 0, 1),
        "dom_content_loaded_ms": round(metrics["dcl"], 1),
        "load_ms": round(metrics["load"], 1),
        "by_resource": {name.split("/", 3)[-1]: size for name, size, _ in metrics["resources"]},
    }
    (artifacts / "page-metrics.json").write_text(json.dumps(result, indent=2))
    print(
        "\npage weight of /:",
        total_transfer,
        "bytes; first contentful paint:",
        result["first_contentful_paint_ms"],
        "ms",
    )
    assert total_transfer < 3_000_000
    assert severe_console(browser) == []
    shot(browser, artifacts, "editor")

    # A saved query opens as a tab with its description.
    Select(browser.find_element(By.ID, "example-select")).select_by_value("resolution-votes")
    wait(browser).until(lambda d: d.find_element(By.ID, "example-description").text)
    assert "UN resolution" in browser.find_element(By.ID, "example-description").text
    assert "rula:voteOption" in browser.execute_script("return window.rulakgYasgui.getTab().getYasqe().getValue()")

    # The address shares the query.
    browser.get(live_url + "/?query=" + quote("SELECT (42 AS ?answer) {}"))
    wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".yasqe .CodeMirror")))
    assert "42 AS ?answer" in browser.execute_script("return window.rulakgYasgui.getTab().getYasqe().getValue()")


def test_gallery_form_runs_a_saved_query(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.get(live_url + "/queries")
    cards = browser.find_elements(By.CSS_SELECTOR, ".card")
    assert len(cards) == httpx.get(live_url + "/api/queries").json()["count"]
    shot(browser, artifacts, "gallery")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/queries/resolution-votes"]').click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "query-form")))
    # The enumeration is a drop-down; the default is filled in.
    option = Select(browser.find_element(By.ID, "p-resolution-votes-option"))
    assert [o.get_attribute("value") for o in option.options] == ["", "yes", "no", "abstain", "absent"]
    assert browser.find_element(By.ID, "p-resolution-votes-symbol").get_attribute("value") == "A/68/L.39"
    option.select_by_value("no")
    download = browser.find_element(By.CSS_SELECTOR, 'a.download[data-format="csv"]').get_attribute("href")
    assert "option=no" in download and "format=csv" in download
    browser.find_element(By.CSS_SELECTOR, "#query-form button[type=submit]").click()
    rows = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result table tbody tr") or False)
    expected = httpx.get(live_url + "/api/queries/resolution-votes", params={"option": "no"}).json()
    assert len(rows) == len(expected["results"]["bindings"]) > 0
    assert all("no" in r.text for r in rows)
    assert "row(s)" in browser.find_element(By.ID, "result-status").text
    csv = httpx.get(download)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    shot(browser, artifacts, "saved-query")


def test_entity_page_and_a_link(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.get(live_url + "/id/state/cuba")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Cuba"
    assert (
        browser.find_element(By.CSS_SELECTOR, ".wikidata a")
        .get_attribute("href")
        .startswith("http://www.wikidata.org/entity/Q")
    )
    assert marks(browser, "entity-timeline") > 0
    shot(browser, artifacts, "entity")
    link = browser.find_element(By.CSS_SELECTOR, '#h-in ~ table a[href^="/id/visit/"]')
    target = link.get_attribute("href")
    link.click()
    wait(browser).until(lambda d: d.current_url == target)
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Visit")
    # A fact's page shows the quotes it is derived from.
    assert browser.find_elements(By.CSS_SELECTOR, "ol.quotes blockquote")
    # The search box finds an entity across accents.
    box = browser.find_element(By.ID, "site-search")
    box.send_keys("Bogota", Keys.ENTER)
    wait(browser).until(lambda d: "/search" in d.current_url)
    assert browser.find_element(By.CSS_SELECTOR, 'ol.hits a[href="/id/place/bogota"]').text == "Bogotá"
    assert severe_console(browser) == []


def test_timeline_draws_a_mark_per_item(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.get(live_url + "/views/timeline")
    expected = httpx.get(live_url + "/api/views/timeline").json()["count"]
    assert marks(browser, "timeline-chart") == expected > 20
    svg_paths = len(browser.find_elements(By.CSS_SELECTOR, "#timeline-chart svg path"))
    assert svg_paths >= expected
    shot(browser, artifacts, "timeline")
    Select(browser.find_element(By.ID, "tl-state")).select_by_value(CUBA)
    browser.find_element(By.ID, "tl-from").send_keys("2000")
    browser.find_element(By.CSS_SELECTOR, "#view-form button").click()
    only = httpx.get(live_url + "/api/views/timeline", params={"state": CUBA, "from": "2000"}).json()["count"]
    wait(browser).until(lambda d: d.find_element(By.ID, "timeline-chart").get_attribute("data-marks") == str(only))
    assert 0 < only < expected
    assert "state=" in browser.current_url  # the filtered view has its own address
    assert severe_console(browser) == []


def test_vote_matrix_draws_a_cell_per_vote(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.get(live_url + "/views/votes")
    data = httpx.get(live_url + "/api/views/votes").json()
    assert marks(browser, "votes-chart") == data["count"] == len(data["votes"]) > 10
    status = browser.find_element(By.ID, "view-status").text
    no = sum(v["option"] == "no" for v in data["votes"])
    assert f"{no} no" in status
    # The cell labels drawn in the SVG: one per vote.
    labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "#votes-chart svg text")]
    assert sum(label in data["options"] for label in labels) >= data["count"]
    shot(browser, artifacts, "votes")


def test_network_draws_officials_states_and_agreements(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.get(live_url + "/views/network")
    data = httpx.get(live_url + "/api/views/network").json()
    assert marks(browser, "network-chart") == len(data["nodes"]) > 10
    assert {n["kind"] for n in data["nodes"]} == {"official", "state", "agreement"}
    time.sleep(0.5)  # let the force layout settle for the screenshot
    shot(browser, artifacts, "network")


def test_phone_layout_and_keyboard(browser: Any, live_url: str, artifacts: Path) -> None:
    browser.set_window_size(390, 844)
    try:
        for path, name in (("/id/state/cuba", "entity-phone"), ("/queries/resolution-votes", "saved-query-phone")):
            browser.get(live_url + path)
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} scrolls sideways on a phone"
            shot(browser, artifacts, name)
        # The first Tab reaches the skip link; every form control has a label.
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        assert browser.switch_to.active_element.get_attribute("class") == "skip"
        unlabelled = browser.execute_script(
            """return [...document.querySelectorAll('input, select')].filter(e =>
                 !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.id || e.name)"""
        )
        assert unlabelled == []
    finally:
        browser.set_window_size(1280, 900)
