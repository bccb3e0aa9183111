"""End to end in headless Chromium: the new inputs on the web page (covariates, a changing creatinine,
haemodialysis in real time). Same server and browser fixtures as ``test_web_browser.py``."""

import pytest

from test_web_browser import browser_context, page, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_a_changing_creatinine_and_covariates_on_the_page(page):  # noqa: F811
    page.fill("#age_y", "70")
    page.select_option("#sex", "male")
    page.fill("#weight_kg", "80")
    page.check("input[name=renal_mode][value=series]")
    page.fill("#scr_series", "0:1.1, 24:2.0, 48:2.6")
    page.select_option("#series_unit", "mg/dL")
    page.fill("#baseline_scr", "1.0")
    page.select_option("#drug", "cefiderocol")
    assert page.is_hidden("#race-block")  # Kawaguchi 2021 has no population-group covariate
    page.select_option("#site", "pneumonia")
    page.click("details.more summary")
    page.fill("#n", "200")
    page.click("#submit")
    card = page.wait_for_selector(".changing-renal")
    text = card.inner_text()
    assert "1.10 → 2.00" in text and "Now (48 h): kinetic CrCL 25 mL/min" in text
    assert "Re-check renal function by 72 h." in text and "Crass et al." in text
    assert "First days of therapy with the changing clearance" in text and "48–72" in text
    covariates = page.inner_text(".covariates-used")
    assert "Infection site: pneumonia." in covariates and "CL ×0.981" in covariates
    assert "kinetic CrCL (Chen 2013)" in page.inner_text(".renal")
    assert not page.problems, page.problems


def test_a_population_group_is_offered_only_where_a_model_uses_it(page):  # noqa: F811
    page.select_option("#drug", "ceftazidime-avibactam")
    assert page.is_visible("#race-block")
    page.select_option("#drug", "aztreonam")
    assert page.is_hidden("#race-block")


def test_a_late_session_on_cza_and_aztreonam_gives_now_and_next(page):  # noqa: F811
    page.check("input[name=rrt][value=hd]")
    page.select_option("#drug", "ceftazidime-avibactam+aztreonam")
    page.click("#hd-timing-block summary")
    last = page.query_selector_all("#hd-last-doses input")
    assert len(last) == 2  # one clock per component
    last[0].fill("2026-12-05T14:00")
    last[1].fill("2026-12-07T06:00")
    page.fill("#hd_now", "2026-12-07T14:10")
    page.click("#hd-add-session")
    page.fill("#hd-sessions .scheduled", "2026-12-07T08:00")
    page.fill("#hd-sessions .start", "2026-12-07T10:00")
    page.fill("#hd-sessions .end", "2026-12-07T14:10")
    page.click("#hd-timing-submit")
    text = page.wait_for_selector(".hd-timing-answer").inner_text()
    assert "give now; next at Wed 09 Dec 12:00" in text
    assert "2 h 10 min later than scheduled" in text
    assert "Post-session supplement 0.25 g: due now" in text
    assert not page.problems, page.problems
    page.fill("#hd_now", "2026-12-04T14:10")  # the 422 that follows is an answer, shown under its field
    page.click("#hd-timing-submit")
    error = page.wait_for_selector("#last_dose_at-error:not(:empty)")
    assert "is after now" in error.inner_text()
