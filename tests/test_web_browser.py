"""End to end: ``pkdose serve`` in a subprocess, the page driven in headless Chromium.

Uses Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/system-deps``)
through Playwright from PyPI; no browser is downloaded. Skipped, with the
reason, only when that executable or Playwright is missing (set
``PKDOSE_REQUIRE_BROWSER=1`` to make that a failure instead). Everything is on
loopback; any request the page makes elsewhere is blocked and fails the test.

``PKDOSE_UPDATE_SCREENSHOT=1`` also writes ``docs/img/web_calculator.png``.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PKDOSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "img" / "web_calculator.png"
TIMEOUT_MS = 60_000


def _unavailable(reason):
    if os.environ.get("PKDOSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PKDOSE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("fastapi", reason="the web extra (fastapi, uvicorn) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("server") / "serve.log"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pkdose", "serve", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/products", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"pkdose serve did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield {"url": url, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium (or run .ci/system-deps)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install 'pkdose[test]'")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 900}, timeout=TIMEOUT_MS)
        context.set_default_timeout(TIMEOUT_MS)
        outside = []

        def loopback_only(route):
            host = urlsplit(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", loopback_only)
        context.outside_requests = outside
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context, server):
    pg = browser_context.new_page()
    problems = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.problems = problems
    pg.goto(server["url"] + "/")
    pg.wait_for_selector("#drug option[value=cefiderocol]", state="attached")
    yield pg
    pg.close()
    assert not browser_context.outside_requests, browser_context.outside_requests


def _wait_for_plot(pg, within=None):
    """Wait until the concentration–time figure has loaded (polled from Python: the page's CSP
    forbids the string evaluation that Playwright's wait_for_function polls with)."""
    img = (within or pg).locator("figure.plot img").first
    img.wait_for()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not img.evaluate("i => i.complete && i.naturalWidth > 0"):
        assert time.monotonic() < deadline, "the plot did not load"
        time.sleep(0.1)
    return img


def _no_horizontal_overflow(pg):
    return pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_cefiderocol_at_crcl_45(page, server, tmp_path):
    page.check("input[name=renal_mode][value=crcl]")
    page.fill("#crcl_ml_per_min", "45")
    page.select_option("#drug", "cefiderocol")
    page.click("#submit")
    regimen = page.wait_for_selector(".advice .regimen")
    assert regimen.inner_text().strip() == "cefiderocol: 1.5 g IV q8h, infused over 3 h"  # the drug on every line
    results = page.inner_text("#results")
    assert "45 mL/min" in results and "CrCL given" in results
    assert "fetroja-uspi" in results
    assert "Joint PTA at MIC 4 mg/L" in results
    _wait_for_plot(page)
    assert page.inner_text("body").count("Decision support for healthcare professionals") == 1
    assert _no_horizontal_overflow(page)
    shot = tmp_path / "web_calculator.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("PKDOSE_UPDATE_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True)
    # a narrow window: one column, nothing wider than the screen, the curve redrawn to fit
    page.set_viewport_size({"width": 420, "height": 900})
    page.evaluate("document.querySelector('#results').replaceChildren()")
    page.click("#submit")
    _wait_for_plot(page)
    assert _no_horizontal_overflow(page)
    page.screenshot(path=str(tmp_path / "web_calculator_narrow.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not page.problems, page.problems


def _ask_with_scr(page, age, sex, weight, scr, unit, drug="cefiderocol"):
    """Fill the patient with a serum creatinine, choose the drug and calculate."""
    page.fill("#age_y", age)
    page.select_option("#sex", sex)
    page.fill("#weight_kg", weight)
    page.fill("#scr", scr)
    page.select_option("#scr_unit", unit)
    page.select_option("#drug", drug)
    page.click("#submit")


def test_scr_in_the_wrong_unit_is_flagged_next_to_the_scr_field(page, server):
    _ask_with_scr(page, "61.5", "male", "70", "106", "mg/dL")
    error = page.wait_for_selector("#scr-error:not(:empty)")
    text = error.inner_text()
    assert "implausible" in text and "µmol/L" in text
    assert page.get_attribute("#scr", "aria-invalid") == "true"
    box_input, box_error = page.locator("#scr").bounding_box(), error.bounding_box()
    assert 0 <= box_error["y"] - (box_input["y"] + box_input["height"]) < 80  # right under the field
    assert page.locator(".advice").count() == 0
    # the browser logs the 422 as a failed resource load; nothing else may go wrong
    assert all("status of 422" in p for p in page.problems), page.problems
    # nothing about the patient reached the server's output
    log = server["log"].read_text(errors="replace")
    assert "61.5" not in log and "106" not in log and "/api/dose" not in log


def test_mechanism_shows_the_guideline_comparison(page, server, tmp_path):
    page.check("input[name=renal_mode][value=crcl]")
    page.fill("#crcl_ml_per_min", "45")
    page.select_option("#mechanism", "MBL")
    page.fill("#mic_mg_per_l", "2")
    page.click("#submit")
    page.wait_for_selector(".guidelines-table")
    text = page.inner_text("#results")
    assert "Guideline options: MBL" in text and "IDSA 2026" in text
    assert "Doses for this patient" in text and "Pitfalls" in text
    # the AI-generated seeds apart from the guidelines, never in the grade column (issue 8)
    assert "AI-generated summaries — not guidelines" in text and "pending human review" in text
    # secondary-only grades carry their tag, co-equal options are not numbered as ranks (safe2 findings 10, 12)
    assert "conditional, moderate [V2]" in text and "1=" in text
    assert "Seed" not in page.inner_text(".guidelines-table")
    assert "When aztreonam-avibactam is not available." in page.inner_text(".guidelines-table")
    details = page.locator("details.product").first
    details.locator(":scope > summary").click()
    _wait_for_plot(page, details)
    page.screenshot(path=str(tmp_path / "web_mechanism.png"), full_page=True)
    assert not page.problems, page.problems


def test_form_takes_its_limits_from_the_server_and_errors_land_under_their_field(page, server):
    # the page restates no range: min/max and defaults come from /api/products (models/clinical.toml)
    assert page.get_attribute("#age_y", "min") == "18" and page.get_attribute("#weight_kg", "min") == "20"
    assert page.input_value("#residual_crcl_ml_per_min") == "5" and page.input_value("#n") == "1000"
    _ask_with_scr(page, "70", "female", "140", "1.0", "mg/dL")
    error = page.wait_for_selector("#height_cm-error:not(:empty)")  # obesity without a height: refused
    assert "overweight or obese" in error.inner_text() and "Weight for Cockcroft–Gault" in error.inner_text()
    page.select_option("#weight_rule", "total")  # the explicit choice
    page.click("#submit")
    page.wait_for_selector(".advice .regimen")
    assert "total body weight 140.0 kg" in page.inner_text("#results")
    # on haemodialysis the SCr inputs step aside: the residual CrCL is the renal input
    page.check("input[name=rrt][value=hd]")
    assert page.is_hidden("#scr-block") and page.is_visible("#rrt-hint")
    page.evaluate("document.querySelector('#results').replaceChildren()")
    page.click("#submit")
    page.wait_for_selector(".advice .regimen")
    assert "intermittent haemodialysis" in page.inner_text("#results")
    assert all("status of 422" in p for p in page.problems), page.problems


def test_crrt_shows_the_published_regimen_its_evidence_and_the_clearance_range(page, server):
    """Issue 8: on CRRT the first answer is the published regimen, with its grade and the PTA across the range."""
    page.check("input[name=renal_mode][value=crcl]")
    page.check("input[name=rrt][value=crrt]")
    page.fill("#crrt_effluent", "2.5")
    page.select_option("#drug", "aztreonam-avibactam")
    page.click("#submit")
    page.wait_for_selector(".advice .crrt-range")
    text = page.inner_text(".advice")
    assert "published practice on crrt" in text.lower() and "Evidence: case-report" in text
    assert page.inner_text(".advice .regimen").startswith("aztreonam-avibactam: 2.67 g")
    assert "loading dose over 3 h" in text and "continuous infusion" in text
    rows = page.locator(".crrt-range tbody tr")
    assert rows.count() == 3 and "high" in rows.nth(2).inner_text()
    assert "Monte Carlo interval" in text
    assert not page.problems, page.problems


def test_hd_week_amounts_loading_dose_and_exposure_ceilings_are_on_the_page(page, server):
    """Pharmacist review (safe2), findings 2, 7, 11: the week's amount, the loading dose of the week plan and the
    exposure ceilings are shown, not kept in JSON only."""
    page.check("input[name=renal_mode][value=crcl]")
    page.check("input[name=rrt][value=hd]")
    page.select_option("#drug", "aztreonam")
    page.click("#submit")
    page.wait_for_selector(".advice .hd-week")
    text = page.inner_text(".advice")
    assert "Start of therapy (once, before the weekly plan): aztreonam 2 g loading dose over 0.5 h" in text
    assert "10.5 g/week = 1.5 g/day of aztreonam (+ 0.75 g/week of post-HD supplements)" in text
    assert "Exposure ceilings (toxicity):" in text and "aztreonam: no published exposure ceiling" in text
    assert not page.problems, page.problems


def test_bayesian_tdm_section(page, server):
    # a published patient (examples/tdm/cefiderocol_cvvh_*): CVVH, cefiderocol 2 g q8h, peak and trough
    page.check("input[name=rrt][value=crrt]")
    page.fill("#crrt_effluent", "2.3")
    page.select_option("#crrt_modality", "CVVH")
    page.select_option("#drug", "cefiderocol")
    page.fill("#mic_mg_per_l", "2")
    page.locator("#tdm-block > summary").click()
    page.fill("#doses", "time_h,amount_mg,infusion_h\n" + "\n".join(f"{t},2000,3" for t in range(0, 81, 8)))
    page.fill("#levels", "time_h,conc_mg_per_l\n75,104.94\n79.99,57.95")
    page.click("#tdm-submit")
    page.wait_for_selector(".tdm h2")
    text = page.inner_text("#results")
    low = text.lower()  # headings and tags may be set in capitals by the style sheet
    assert "bayesian tdm" in low and "model-informed" in low and "levels beside the predictions" in low
    assert "105 mg/L" in text and "Next regimen" in text
    _wait_for_plot(page)
    assert page.inner_text("body").count("Decision support for healthcare professionals") == 1
    # an implausible infusion time is refused under the doses field
    page.fill("#doses", "time_h,amount_mg,infusion_h\n0,2000,0.0167")
    page.click("#tdm-submit")
    error = page.wait_for_selector("#doses-error:not(:empty)")
    assert "1 min" in error.inner_text()
    assert all("status of 422" in p for p in page.problems), page.problems
