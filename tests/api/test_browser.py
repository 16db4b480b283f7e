"""The technique browser at /, driven in a real headless Chromium or Chrome through Playwright
(no browser is downloaded) against the real service (`live_server`).

The browser: ``$PANET_BROWSER`` if set, else the first of chromium, chromium-browser,
google-chrome, google-chrome-stable, chrome on PATH, else the macOS applications, else the
Chromium Playwright installed itself (``playwright install chromium``). Without any, these tests
skip with that reason — except under ``CI=true``, where a missing browser fails them.

``PANET_SCREENSHOTS=docs python -m pytest tests/api/test_browser.py`` also refreshes the
screenshots docs/browser.md shows.
"""

from __future__ import annotations

import doctest
import fnmatch
import json
import os
import re
import tomllib
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORDS = Path(__file__).resolve().parents[1] / "data" / "records" / "pan_datasets.json"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MACOS_BROWSERS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
NO_BROWSER = (
    "no Chromium or Chrome found: set $PANET_BROWSER, put chromium, chromium-browser or google-chrome "
    "on PATH, or run 'playwright install chromium'"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = os.environ.get("PANET_SCREENSHOTS")

# WCAG 2 contrast of every visible text node against its (first opaque) background.
CONTRAST_FAILURES = """() => {
  const channels = (color) => color.match(/[\\d.]+/g).map(Number);
  const luminance = (color) => {
    const [r, g, b] = channels(color).slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (node) => {
    for (; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      const parts = channels(color);
      if (parts.length < 4 || parts[3] > 0) return color;
    }
    return "rgb(255, 255, 255)";
  };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !node.checkVisibility() || node.closest(".visually-hidden")) continue;
    const [light, dark] = [luminance(getComputedStyle(node).color), luminance(background(node))].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) failures.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}`);
  }
  return failures;
}"""

# Form controls without an accessible name (label, aria-label, aria-labelledby or text).
UNNAMED_CONTROLS = """() => [...document.querySelectorAll("input, textarea, select, button")]
  .filter((c) => !(c.labels?.length || c.getAttribute("aria-label") || c.getAttribute("aria-labelledby")
                   || c.textContent.trim()))
  .map((c) => c.outerHTML.slice(0, 80))"""


def find_browser(playwright=None) -> str | None:
    """The Chromium or Chrome executable to drive (see the module's docstring), or None."""
    import shutil

    chosen = os.environ.get("PANET_BROWSER")
    if chosen:
        return shutil.which(chosen) or (chosen if os.access(chosen, os.X_OK) else None)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in MACOS_BROWSERS:
        if os.access(path, os.X_OK):
            return path
    if playwright is not None:
        own = playwright.chromium.executable_path
        if own and os.access(own, os.X_OK):
            return own
    return None


def no_browser(reason: str = NO_BROWSER) -> None:
    """Skip — or fail under CI=true, where the browser tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        executable = find_browser(playwright)
        if executable is None:
            no_browser()
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_browser_found_on_path_by_any_name(tmp_path, monkeypatch):
    import shutil

    real = find_browser()
    if real is None:
        no_browser()
    monkeypatch.delenv("PANET_BROWSER", raising=False)
    for name in ("chromium-browser", "google-chrome"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / name).symlink_to(real)
        monkeypatch.setenv("PATH", str(folder))
        assert find_browser() == str(folder / name)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_browser() is None or find_browser() in MACOS_BROWSERS
    monkeypatch.setenv("PANET_BROWSER", real)
    assert find_browser() == real
    assert shutil.which("chromium", path=str(tmp_path)) is None


def test_missing_browser_skips_or_fails_under_ci(tmp_path):
    import subprocess
    import sys

    probe = (
        "import sys; sys.path[:0] = ['tests', 'tests/api']; import pytest, test_browser as t\n"
        "try:\n    t.no_browser()\nexcept pytest.skip.Exception as e:\n    print('skip', e)\n"
        "except pytest.fail.Exception as e:\n    print('fail', e)\n"
    )
    for ci, outcome in (("", "skip"), ("true", "fail")):
        env = {**os.environ, "CI": ci, "PATH": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.stdout.startswith(outcome) and "no Chromium or Chrome found" in done.stdout, done.stderr


@pytest.fixture
def page(chromium, live_server):
    """A fresh tab; requests to anywhere but the service are refused and fail the test (the
    browser works offline), and so do script errors."""
    outside: list[str] = []
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )

    def route(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(5000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    context.close()
    assert errors == []
    assert outside == []


def screenshot(page, name: str, **options) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"browser-{name}.png"), **options)


def suggestions(page, query: str) -> list[tuple[str, str]]:
    """(id, kind) of the autocomplete's options for ``query``, in order."""
    page.wait_for_selector(f'#suggestions[data-query="{query}"] [role=option]')
    return [
        (option.get_attribute("data-id"), option.locator("span").first.get_attribute("class"))
        for option in page.locator("#suggestions [role=option]").all()
    ]


# -- the scenario: search -> term -> parent in the tree -> annotate ------------------------------
def test_search_open_term_walk_to_parent_and_annotate(page, live_server, onto):
    page.goto(live_server + "/")
    page.get_by_role("combobox", name="Search techniques by name, synonym or acronym").fill("saxs")
    assert suggestions(page, "saxs")[0] == ("PaNET01188", "technique")  # the acronym SAXS
    assert "synonym: SAXS" in page.locator("#suggestion-0").inner_text()
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "suggestion-0"
    screenshot(page, "search")
    page.keyboard.press("Enter")
    page.wait_for_url("**/browse/PaNET01188")

    assert page.locator("h1").inner_text().startswith("small angle x-ray scattering")
    assert page.locator("#iri").inner_text() == "http://purl.org/pan-science/PaNET/PaNET01188"
    # the tree shows the term at the end of each of its paths from a root, under each parent
    current = page.locator(".tree a[aria-current=page]")
    assert current.count() == len(onto.paths_to_root("SAXS")) == 3
    parents = {current.nth(i).locator("xpath=ancestor::li[2]/a").inner_text() for i in range(3)}
    assert parents == {"small angle scattering", "x-ray scattering"}
    screenshot(page, "term", full_page=True)

    current.first.locator("xpath=ancestor::li[2]/a").click()
    page.wait_for_url("**/browse/PaNET01124")
    assert page.locator("h1").inner_text().startswith("small angle scattering")
    assert "small angle x-ray scattering" in page.locator("#h-children + ul").inner_text()

    page.get_by_role("link", name="Annotate").click()
    page.get_by_label("Paste a title, abstract or proposal").fill("SAXS and x ray diffraction of thin films")
    page.get_by_role("button", name="Annotate").click()
    marks = page.locator("#annotated mark")
    marks.first.wait_for()
    assert [m.locator("a").inner_text() for m in marks.all()] == ["SAXS", "x ray diffraction"]
    assert [m.locator(".type").inner_text() for m in marks.all()] == ["acronym", "label"]
    assert marks.first.locator("a").get_attribute("href").endswith("/browse/PaNET01188")
    assert page.locator("#annotated").inner_text().startswith("SAXS")
    screenshot(page, "annotate", full_page=True)
    marks.nth(1).locator("a").click()
    page.wait_for_url("**/browse/PaNET01216")


# -- term pages -------------------------------------------------------------------------------------
def test_term_page_shows_everything_about_a_term(page, live_server, onto):
    page.goto(live_server + "/browse/PaNET01188")
    text = page.locator("article").inner_text()
    for expected in ("SAXS", "panet:PaNET01188", "https://en.wikipedia.org/wiki/Small-angle_X-ray_scattering"):
        assert expected in text
    facets = page.locator(".facets").inner_text()
    assert "probe" in facets and "x-ray" in facets
    history = page.locator("#h-history + table tbody tr")
    assert history.first.inner_text().split("\t") == ["1.0.0", "small angle x-ray scattering"]
    assert "skos:exactMatch" in page.locator("#h-mappings ~ .scroll").inner_text()
    assert (
        page.get_by_role("link", name="wfl:1425").get_attribute("href") == "https://www.wayforlight.eu/technique/1425"
    )
    shown = json.loads(page.locator("#search-filter").inner_text())
    assert shown == onto.pan_search_filter("SAXS")

    page.get_by_role("button", name="Copy IRI").click()
    assert page.evaluate("navigator.clipboard.readText()") == "http://purl.org/pan-science/PaNET/PaNET01188"
    page.get_by_role("button", name="Copy filter").click()
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == shown


def test_term_urls_are_shareable(live_server):
    # any key redirects to the page by ID; the page itself is plain HTML
    for key, term_id in (("SAXS", "PaNET01188"), ("panet:PaNET01188", "PaNET01188"), ("x-ray probe", "PaNET01012")):
        response = httpx.get(f"{live_server}/browse/{key}", follow_redirects=True)
        assert response.status_code == 200
        assert response.url.path == f"/browse/{term_id}"
    specifier = httpx.get(f"{live_server}/browse/PaNET2020072")
    assert specifier.status_code == 200
    assert "there is no filter for it" in specifier.text
    missing = httpx.get(f"{live_server}/browse/small angel scatering")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert "/browse/PaNET01124" in missing.text  # a suggestion


def test_what_a_visitor_types_is_shown_as_text(live_server):
    attack = "<script>alert(1)</script>"
    for response in (
        httpx.get(f"{live_server}/browse/{attack}"),
        httpx.get(f"{live_server}/browse", params={"q": attack}),
    ):
        assert attack not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_results_page_lists_techniques_before_specifiers(live_server):
    page = httpx.get(f"{live_server}/browse", params={"q": "diffraction"}).text
    ids = re.findall(r'href="/browse/(PaNET\d+)"', page)
    kinds = ["technique" if len(i) == 10 else "specifier" for i in ids]
    assert ids[0] == "PaNET01022"
    assert "PaNET2020018" in ids
    assert kinds == sorted(kinds, key=lambda k: k != "technique")


# -- tree ---------------------------------------------------------------------------------------------
def test_tree_expands_and_collapses(page, live_server):
    page.goto(live_server + "/")
    node = page.locator('.tree li[data-id="PaNET00003"]')  # defined by experimental physical process
    toggle = node.locator("> button.toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert node.locator("ul").count() == 0  # loaded on demand
    toggle.focus()
    page.keyboard.press("Enter")
    child = node.get_by_role("link", name="scattering technique", exact=True)
    child.wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not child.is_visible()
    toggle.click()
    assert child.is_visible()
    assert node.locator("> ul").count() == 1  # loaded once


def test_children_fragment(live_server, onto):
    fragment = httpx.get(f"{live_server}/browse/PaNET01124/children").text
    assert set(re.findall(r'data-id="(PaNET\d+)"', fragment)) == {t.id for t in onto.children("PaNET01124")}
    assert httpx.get(f"{live_server}/browse/nothing-like-this/children").status_code == 404


# -- record files ---------------------------------------------------------------------------------------
def test_record_file_annotated_and_downloaded(page, live_server):
    page.goto(live_server + "/annotator")
    page.get_by_label("Drop a .json or .jsonl file here, or choose one").set_input_files(RECORDS)
    summary = page.locator("#records-summary")
    summary.wait_for(timeout=30_000)  # the first records request starts the worker processes
    records = json.loads(RECORDS.read_text())
    assert summary.inner_text().startswith(f"pan_datasets.json: {len(records)} read")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download pan_datasets.annotated.json").click()
    annotated = json.loads(Path(download.value.path()).read_text())
    assert [r["pid"] for r in annotated] == [r["pid"] for r in records]
    first = {t["pid"] for t in annotated[0]["techniques"]}
    assert "http://purl.org/pan-science/PaNET/PaNET01188" in first  # "SAXS of lysozyme …"


def test_record_file_dropped(page, live_server, tmp_path):
    page.goto(live_server + "/annotator")
    lines = '{"pid": "a", "title": "GISAXS of thin films", "isPublic": true, "techniques": []}\nnot json\n'
    page.evaluate(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "two.jsonl", {type: "application/x-ndjson"}));
            document.getElementById("dropzone").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer}));
        }""",
        lines,
    )
    page.locator("#records-summary").wait_for(timeout=30_000)
    assert "2 read" in page.locator("#records-summary").inner_text()
    assert "record 2:" in page.locator("#records-result .error").inner_text()  # the bad line, with its reason
    assert page.get_by_role("link", name="Download two.annotated.jsonl").count() == 1


def test_record_file_shows_the_entries_reported(page, live_server):
    """An entry whose pid and name denote different techniques (issue 14's example) is listed
    with the record it is in, the reason and the technique kept; the record is still written."""
    xrf = "http://purl.org/pan-science/PaNET/PaNET01177"
    record = {"pid": "r1", "title": "X-ray reflectivity of thin films", "isPublic": True}
    record["techniques"] = [{"pid": xrf, "name": "X-Ray Reflectivity (XRR)"}]
    page.goto(live_server + "/annotator")
    page.evaluate(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "one.jsonl", {type: "application/x-ndjson"}));
            document.getElementById("dropzone").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer}));
        }""",
        json.dumps(record) + "\n",
    )
    page.locator("#records-summary").wait_for(timeout=30_000)
    assert "1 technique entries reported" in page.locator("#records-summary").inner_text()
    reported = page.locator("#records-report li").all_inner_texts()
    assert len(reported) == 1, reported
    assert reported[0].startswith('record 1 (r1), entry "X-Ray Reflectivity (XRR)": ')
    assert reported[0].endswith("Kept: x-ray reflectivity."), reported[0]


# -- accessibility and narrow screens ---------------------------------------------------------------------
def test_keyboard_only_search(page, live_server):
    page.goto(live_server + "/")
    focused = []
    for _ in range(7):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    assert focused == ["Skip to content", "PaNET technique browser", "q", "Search", "Tree", "Annotate", "API"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("diffraction")
    ordered = suggestions(page, "diffraction")
    assert ordered[0] == ("PaNET01022", "technique")
    assert ("PaNET2020018", "specifier") in ordered
    kinds = [kind for _, kind in ordered]
    assert kinds == sorted(kinds, key=lambda k: k != "technique")  # techniques first
    page.keyboard.press("ArrowUp")  # wraps to the last suggestion
    assert page.get_attribute("#q", "aria-activedescendant") == f"suggestion-{len(ordered) - 1}"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.get_attribute("#q", "aria-expanded") == "false"
    assert page.input_value("#q") == "diffraction"
    page.keyboard.press("ArrowDown")  # opens again
    page.wait_for_selector("#suggestions", state="visible")
    page.keyboard.press("ArrowDown")
    techniques = kinds.count("technique")
    status = f"{techniques} techniques and {len(kinds) - techniques} specifiers suggested"
    assert page.text_content("#search-status") == status
    page.keyboard.press("Enter")
    page.wait_for_url("**/browse/PaNET01022")


def test_skip_link_moves_focus_to_content(page, live_server):
    page.goto(live_server + "/browse/PaNET01188")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


@pytest.mark.parametrize("path", ["/", "/browse/PaNET01188", "/browse/PaNET2020072", "/annotator", "/browse?q=xas"])
def test_labels_and_contrast(page, live_server, path):
    page.goto(live_server + path)
    if path == "/":  # with the suggestions open, one of them chosen
        page.fill("#q", "scattering")
        suggestions(page, "scattering")
        page.keyboard.press("ArrowDown")
    if path == "/annotator":  # with highlighted spans and the table
        page.get_by_role("button", name="Annotate").click()
        page.locator("#annotated mark").first.wait_for()
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate(CONTRAST_FAILURES) == []
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").count() == 1


@pytest.mark.parametrize("path", ["/", "/browse/PaNET01262", "/annotator"])
def test_narrow_screen_has_no_sideways_scrolling(page, live_server, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if path == "/browse/PaNET01262":
        screenshot(page, "narrow")


# -- offline and packaging ----------------------------------------------------------------------------------
def test_pages_load_nothing_from_outside(live_server):
    for path in ("/", "/browse/PaNET01188", "/annotator", "/static/browser.js", "/static/browser.css"):
        body = httpx.get(live_server + path).text
        assert not re.search(r'(src|srcset)="(https?:)?//', body), path
        assert not re.search(r'<link[^>]+href="(https?:)?//', body), path
        assert not re.search(r"(import|fetch|url)\(\s*[\"'](https?:)?//", body), path


def test_static_files_and_templates_are_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["panet.api"]
    files = [p.relative_to(ROOT / "panet" / "api").as_posix() for p in (ROOT / "panet" / "api").glob("*/*")]
    files = [f for f in files if not f.startswith("__pycache__")]
    assert files
    assert [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)] == []


def test_docstring_example():
    import panet.api.browser

    assert doctest.testmod(panet.api.browser).failed == 0
