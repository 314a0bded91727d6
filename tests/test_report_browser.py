"""The HTML report in a real browser: Debian's chromium (``/usr/bin/chromium``, installed by
.ci/run), headless, driven by Playwright with that binary (nothing is downloaded). The page is
opened from a file:// URL with every request routed through the test: only the file itself may
load. The rendered page must show one findings-table row and one diagram per finding (and
Japanese headings for ``--lang ja``); a full-page screenshot is saved as a test artifact under
``$ACCESSSIM_ARTIFACTS`` (or the test's tmp_path) and its path printed.

No chromium is a failure with a message, never a skip: the browser check is part of the suite.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Route, sync_playwright

from accesssim.engine import analyze, load_project
from helpers import REPO, run

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
KANSAI = REPO / "scenarios" / "incidents" / "01-kansai.yaml"
KEEP = REPO / "tests" / "data" / "remediate" / "kansai.keep.yaml"


def artifacts(tmp_path: Path) -> Path:
    """Where screenshots go: ``$ACCESSSIM_ARTIFACTS`` when set (CI keeps it), else tmp_path."""
    folder = Path(os.environ.get("ACCESSSIM_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Headless chromium with a fresh profile of its own (removed with tmp_path)."""
    if not CHROMIUM.is_file():
        found = shutil.which("chromium")
        pytest.fail(f"{CHROMIUM} is missing (found on PATH: {found}); install Debian's "
                    "chromium package (`apt-get install chromium`, as .ci/run does)")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900}, offline=True)
        try:
            yield context
        finally:
            context.close()


def open_report(context: BrowserContext, html: Path) -> tuple[Page, list[str]]:
    """The report loaded with every request recorded (as routed, and as the page's request
    events saw it); anything but the file itself is aborted."""
    url = html.resolve().as_uri()
    requested: list[str] = []
    routed: list[str] = []

    def handle(route: Route) -> None:
        routed.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", handle)
    page = context.new_page()
    page.on("request", lambda r: requested.append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    assert routed == requested, (routed, requested)
    return page, requested


def screenshot(page: Page, tmp_path: Path, name: str, height: int | None = None) -> Path:
    """The whole page (or its first ``height`` pixels, for a page of fifty diagrams)."""
    path = artifacts(tmp_path) / name
    clip = {"x": 0, "y": 0, "width": 1280, "height": height} if height else None
    page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000
    return path


def _write(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "report.html"
    result = run("report", str(KANSAI), "-o", str(out), "--root", str(REPO), "--quiet", *args)
    assert result.exit_code == 1, result.output
    return out


def _finding_ids() -> list[str]:
    project = load_project(KANSAI, REPO)
    return [f.id for f in analyze(project, modes=project.loaded.model.modes).findings]


def test_kansai_report_in_japanese(browser: BrowserContext, tmp_path: Path) -> None:
    html = _write(tmp_path, "--lang", "ja")
    page, requested = open_report(browser, html)
    assert requested == [html.resolve().as_uri()], requested
    ids = _finding_ids()
    rows = page.locator("table.findings tbody tr.finding-row")
    assert rows.count() == len(ids) == 2
    assert [rows.nth(i).get_attribute("data-id") for i in range(rows.count())] == ids
    for finding_id in ids:
        diagrams = page.locator(f"section.finding[id='{finding_id}'] figure.diagram svg")
        assert diagrams.count() == 1
        assert diagrams.first.bounding_box() is not None  # drawn, not hidden
    assert page.locator("figure.diagram svg").count() == len(ids)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.locator("main > section > h2").all_inner_texts()[:3] == ["判定", "情報の露出",
                                                                        "検出事項"]
    assert "不備あり" in page.locator("#verdict").inner_text()
    screenshot(page, tmp_path, "report-kansai-ja.png")


def test_kansai_report_with_a_proposal(browser: BrowserContext, tmp_path: Path) -> None:
    html = _write(tmp_path, "--keep", str(KEEP))
    page, requested = open_report(browser, html)
    assert requested == [html.resolve().as_uri()], requested
    assert page.locator("#proposal tr.change-row").count() == 3
    assert page.locator("table.findings tbody tr").count() == 2
    # every chart bar is drawn with the width the data gives it
    bars = page.locator("svg.chart g.bar rect")
    assert bars.count() == 5 + 2 + 2
    assert all((bars.nth(i).bounding_box() or {"width": 0})["width"] > 0
               for i in range(bars.count()))
    screenshot(page, tmp_path, "report-kansai-en.png")


@pytest.mark.thorough
def test_utility_scale_report(browser: BrowserContext, tmp_path: Path) -> None:
    """The utility preset (51 findings): every row and diagram drawn, nothing fetched."""
    from accesssim.synth.generate import generate

    folder = tmp_path / "utility"
    generate(folder, preset="utility", seed=7)
    html = tmp_path / "utility.html"
    result = run("report", str(folder / "model.yaml"), "-o", str(html), "--quiet")
    assert result.exit_code == 1, result.output
    project = load_project(folder / "model.yaml", folder)
    ids = [f.id for f in analyze(project, modes=project.loaded.model.modes).findings]
    page, requested = open_report(browser, html)
    assert requested == [html.resolve().as_uri()], requested
    assert page.locator("table.findings tbody tr.finding-row").count() == len(ids) > 40
    assert page.locator("section.finding figure.diagram svg").count() == len(ids)
    screenshot(page, tmp_path, "report-utility.png", height=4000)
