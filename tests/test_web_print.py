"""The page's "Copy note" gives the note of ``pkdose dose --format note``; printing gives the card on one page.

Headless Chromium drives ``pkdose serve`` as in ``test_web_browser.py`` (same fixtures); copying the page
keeps the PTA by MIC on two lines; the printed disclaimer is dark; folded parts open for print.
"""

import re

import pytest

from pkdose import cli
from test_web_browser import browser_context, page, server  # noqa: F401  (fixtures)

HD_PATIENT = ["--age", "64", "--sex", "M", "--weight", "80", "--height", "175", "--hd", "--mic", "1"]


def _fill_hd_patient(pg):
    pg.check("input[name=rrt][value=hd]")
    pg.fill("#age_y", "64")
    pg.select_option("#sex", "male")
    pg.fill("#weight_kg", "80")
    pg.fill("#height_cm", "175")
    pg.select_option("#drug", "ceftazidime-avibactam+aztreonam")
    pg.fill("#mic_mg_per_l", "1")
    pg.click("#submit")
    pg.wait_for_selector(".actions button.copy:not([disabled])")


def _rgb(text):
    return [int(x) for x in re.findall(r"\d+", text)[:3]]


@pytest.mark.browser
def test_copy_note_gives_the_cli_note_and_print_gives_one_page(page, browser_context, server, capsys, tmp_path):  # noqa: F811
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server["url"])
    _fill_hd_patient(page)
    page.click(".actions button.copy")
    page.wait_for_selector(".actions .status:has-text('Note copied')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert cli.main(["dose", "--drug", "ceftazidime-avibactam+aztreonam", *HD_PATIENT, "--format", "note"]) == 0
    expected = capsys.readouterr().out.rstrip("\n")
    assert copied.splitlines()[1:] == expected.splitlines()[1:]  # the same text but for its time stamp
    assert re.fullmatch(r"pkdose \S+ dose note, .+", copied.splitlines()[0])

    # copying the page: the PTA by MIC stays on two lines (MIC row, PTA row), not one line per tile
    page.evaluate("window.getSelection().selectAllChildren(document.querySelector('.advice .check'))")
    text = page.evaluate("window.getSelection().toString()")
    page.evaluate("window.getSelection().removeAllRanges()")
    rows = [line for line in text.splitlines() if line.startswith(("MIC (mg/L)", "PTA\t"))]
    assert len(rows) == 2 and rows[0].count("\t") == rows[1].count("\t") >= 9, rows

    # print: the card alone, dark disclaimer, on one page of US Letter
    page.emulate_media(media="print")
    assert page.is_visible("#print-card .pk-card") and not page.is_visible("#form")
    assert not page.is_visible(".advice")
    assert max(_rgb(page.eval_on_selector("#print-card .disclaimer", "e => getComputedStyle(e).color"))) <= 40
    pdf = page.pdf(format="Letter")
    assert len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf)) == 1
    (tmp_path / "printed.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    assert not page.is_visible("#print-card") and page.is_visible(".advice")
    assert not page.problems, page.problems


@pytest.mark.browser
def test_print_without_a_dose_opens_references_and_prints_the_disclaimer_dark(page, server):  # noqa: F811
    page.check("input[name=renal_mode][value=crcl]")
    page.fill("#crcl_ml_per_min", "45")
    page.select_option("#mechanism", "MBL")
    page.click("#submit")
    page.wait_for_selector(".guidelines-table")
    page.wait_for_selector("details.product")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
    page.emulate_media(media="print")
    assert not page.is_visible("#form") and page.is_visible(".guidelines-table")
    assert max(_rgb(page.eval_on_selector("#disclaimer", "e => getComputedStyle(e).color"))) <= 40
    page.emulate_media(media="screen")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate("[...document.querySelectorAll('details.refs')].every(d => !d.open)")
