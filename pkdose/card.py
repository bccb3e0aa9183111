r"""A one-page printable dosing card: HTML (no extra dependency), or PDF through headless Chromium.

The card is what goes on the ward: the patient and renal state as entered,
each component's amount, vials, volume and pump rate (where the label gives
one bag volume), loading dose, post-dialysis supplements, bag changes, the
dose times (clock times around the dialysis sessions), "give together" for a
combination, cautions, the PK check in one line, a model-informed alternative
clearly marked, and the sources. It is built from the same pieces as the
note (:func:`pkdose.report.note_text`): :func:`pkdose.report.administration_plan`,
:func:`pkdose.report.dose_times` and :func:`pkdose.report.inputs_lines`.

The page's style sheet is ``pkdose/web/static/card.css``; a card written to a
file carries it inline, and the web calculator links it, so the printed card
looks the same from both. Every text is escaped.
"""

import html
from importlib import resources
from pathlib import Path

from . import __version__
from .errors import InputError
from .extracorporeal import WEEKDAYS as _WEEKDAYS
from .report import (
    DISCLAIMER,
    _heading,
    _now,
    _pk_summary,
    _short_citation,
    administration_plan,
    band_text,
    crcl_text,
    dose_times,
    give_together,
    inputs_lines,
)

__all__ = ["card_html", "write_card", "CARD_SUFFIXES", "PAPER"]

#: File types ``write_card`` writes.
CARD_SUFFIXES = (".html", ".htm", ".pdf")
#: Paper of the PDF by jurisdiction (US Letter, EU A4); the card fits both.
PAPER = {"US": "Letter", "EU": "A4"}
#: Path of the Chromium executable used for a PDF (Debian's, as in the browser tests).
CHROMIUM = "/usr/bin/chromium"


def _e(text):
    return html.escape(str(text), quote=True)


def card_css():
    """The card's style sheet (``pkdose/web/static/card.css``) [-]."""
    return resources.files("pkdose").joinpath("web", "static", "card.css").read_text(encoding="utf-8")


def _compact_rows(advice, regimens):
    """The model-informed alternative in brief: the regimen, bag changes and cautions of each component."""
    rows = []
    for p in administration_plan(advice, regimens):
        rows.append(f'<tr><th scope="row">{_e(p["component"])}</th><td><p class="rx2">{_e(p["text"])}</p>'
                    + "".join(f'<p class="flag">! {_e(c)}</p>' for c in p["cautions"]) + "</td></tr>")
    return rows


def _regimen_block(advice, regimens, check, verdict, title, kind, times=True):
    if not times:
        rows = _compact_rows(advice, regimens)
        pk = _pk_summary(check, verdict)
        return (f'<section class="block {kind}"><h2>{_e(title)}</h2><table class="regimens">{"".join(rows)}</table>'
                + (f'<p class="pk"><b>PK check</b>: ' + " · ".join(_e(x) for x in pk) + "</p>" if pk else "")
                + "</section>")
    rows = []
    for p in administration_plan(advice, regimens):
        extra = [("Loading dose", p["loading"] and f"{p['loading']} ({p['loading_vials']})"),
                 ("After dialysis", p["supplement"]), ("Bag changes", p["bag_change"])]
        rows.append(
            f'<tr><th scope="row">{_e(p["component"])}</th><td>'
            f'<p class="rx">{_e(p["text"])}</p>'
            + (f'<p class="split">{_e(p["amounts"])} per {_e(p["per"])}</p>'
               if p["amounts"] and p["per"] != "dose" else "")
            + f'<p>{_e(p["daily"])}</p>'
            + f'<p><b>Vials</b> per {_e(p["per"])}: {_e(p["vials"])}. <b>Infusion</b>: {_e(p["rate_text"])}</p>'
            + "".join(f"<p><b>{k}</b>: {_e(v)}</p>" for k, v in extra if v)
            + "".join(f'<p class="flag">! {_e(c)}</p>' for c in p["cautions"])
            + f'<p class="cite">{_e(p["evidence"])}: '
            + "; ".join(f"[{_e(k)}] {_e(loc)}" for k, loc in p["citations"]) + "</p></td></tr>")
    together = give_together(advice, regimens)
    pk = _pk_summary(check, verdict)
    verdict_class = "" if verdict is None else (" meets" if verdict.verdict == "meets" else " below")
    return (f'<section class="block {kind}"><h2>{_e(title)}</h2>'
            + (f'<p class="together">{_e(together)}</p>' if together else "")
            + f'<table class="regimens">{"".join(rows)}</table>'
            + (_times_block(advice, check, regimens) if times else "")
            + (f'<p class="pk{verdict_class}"><b>PK check</b>: ' + " · ".join(_e(x) for x in pk) + "</p>" if pk
               else "")
            + "</section>")


def _times_block(advice, check, regimens):
    """The dose times as a grid: on a dialysis week one row per weekday and one column per clock time."""
    times = dose_times(advice, check, regimens)
    if not times["rows"]:
        return ""
    if times["weekly"]:
        head = ("<p><b>Dose times</b> (24-hour clock; sessions " + _e(", ".join(times["sessions"]))
                + "): doses marked <b>after HD</b> start when the session ends.</p>")
        slots = {}
        for row in times["rows"]:
            day, clock = row["when"].split()
            slots.setdefault(clock, {})[day] = row
        hd_days = {w.split()[0] for w in times["sessions"]}
        days = list(dict.fromkeys(r["when"].split()[0] for r in times["rows"]))
        days = [d for d in _WEEKDAYS if d in days or d in hd_days]
        groups = {}  # days with the same doses at the same times share a row
        for d in days:
            cells = {c: slots[c].get(d) for c in slots}
            key = (d in hd_days, tuple((c, None if r is None else (tuple(r["doses"]), r["after_hd"]))
                                       for c, r in cells.items()))
            groups.setdefault(key, ([], cells))[0].append(d)
        lines = [(", ".join(ds) + (" (HD days)" if hd else ""), cells) for (hd, _), (ds, cells) in groups.items()]
    else:
        head = (f"<p><b>Dose times</b>, hours after the first dose, every {times['period_h']:g} h "
                "(first dose given at ______ on ________).</p>")
        slots = {row["when"]: None for row in times["rows"]}
        lines = [("each day" if times["period_h"] == 24 else f"each {times['period_h']:g} h",
                  {row["when"]: row for row in times["rows"]})]
    cols = "".join(f'<th scope="col">{_e(c)}</th>' for c in slots)
    body = []
    for label, cells in lines:
        tds = []
        for c in slots:
            row = cells.get(c)
            if row is None:
                tds.append("<td></td>")
                continue
            # a dose never breaks inside ("aztreonam 0.5 g"); a cell wraps only between doses
            text = " + ".join(f"{n} {t}".replace(" ", "\u00a0") for n, t in row["doses"])
            tds.append(f'<td class="hd">after HD: {_e(text)}</td>' if row["after_hd"] else f"<td>{_e(text)}</td>")
        body.append(f'<tr><th scope="row">{_e(label)}</th>{"".join(tds)}</tr>')
    return (f'<div class="times">{head}<table class="times"><thead><tr><th scope="col"></th>{cols}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')



def _sources_html(advice):
    """The sources of what the card prescribes in full; the others (PK check, breakpoints) by key."""
    cited = {k for r in advice.regimens for k, _ in r.citations}
    cited |= {k for p in administration_plan(advice) for k, _ in p["citations"]}
    first = [s for s in advice.sources if s.key in cited]
    others = [s.key for s in advice.sources if s.key not in cited]
    return (f'<ol class="sources{" many" if len(first) > 2 else ""}">' + "".join(f"<li><b>[{_e(s.key)}]</b> {_e(_short_citation(s))}</li>"
                                             for s in first) + "</ol>"
            + '<p class="sources">PK models: ' + _e(", ".join(advice.pk_models))
            + (f'. Also used (PK check, breakpoints, model-informed search; full references and why a model-informed '
               f'alternative is offered: pkdose dose --format note): {_e(", ".join(others))}' if others else "")
            + "</p>")


def card_html(advice, *, patient=None, seed=None, when=None, standalone=True):
    r"""The one-page dosing card of a dose advice, as HTML.

    Parameters
    ----------
    advice, patient, seed, when
        As in :func:`pkdose.report.note_text`: the card restates the same
        inputs and time [-].
    standalone : bool, optional
        A whole HTML document with the style sheet inline (a file); False
        gives the ``<article class="pk-card">`` element alone, for a page
        that links ``card.css`` (the web calculator) [-].

    Returns
    -------
    str

    Examples
    --------
    >>> from pkdose.recommend import advise_dose
    >>> page = card_html(advise_dose("cefiderocol", crcl_ml_per_min=45, n=200))
    >>> page.startswith("<!doctype html>"), "1.5 g IV q8h, infused over 3 h" in page
    (True, True)
    """
    r = advice.renal
    stamp = _now(when).isoformat(sep=" ", timespec="minutes")
    bands = "; ".join(f"{c} {band_text(lo, hi, b)} mL/min" for c, lo, hi, b in advice.bands)
    facts = inputs_lines(advice, patient, seed)
    facts.insert(2, ("CrCL", f"{crcl_text(r.crcl_ml_per_min, advice.bands)} mL/min, {r.method}"
                     + (f" (label band: {bands})" if bands else "")))
    alarms = [w for w in advice.warnings if w.startswith("!!")]
    parts = [f'<article class="pk-card" lang="en"><header><p class="stamp">Dosing card · pkdose {_e(__version__)} · '
             f'{_e(stamp)}</p><h1>{_e(_heading(advice))}</h1></header>',
             f'<p class="disclaimer">{_e(DISCLAIMER)}</p>',
             '<dl class="facts">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>"]
    parts += [f'<p class="flag-box">{_e(w)}</p>' for w in alarms]
    if advice.regimens:
        parts.append(_regimen_block(advice, advice.regimens, advice.check, advice.verdict,
                                    f"Regimen: {advice.basis_text}", "label"))
    else:
        parts.append(f'<section class="block"><h2>No label or published regimen</h2><p>{_e(advice.label_note)}</p>'
                     "</section>")
    if advice.alternative:
        parts.append(_regimen_block(advice, advice.alternative, advice.alternative_check,
                                    advice.alternative_verdict, "Model-informed alternative: NOT labelled dosing",
                                    "alt", times=False))

    elif advice.alternative_note:
        parts.append(f'<p class="why">Model-informed search: {_e(advice.alternative_note)}</p>')
    shown = ("!!", "Dialysis days:")  # the alarms above; the dose times say when 'after HD' starts
    rest = [w for w in advice.warnings if not w.startswith(shown)]
    if rest:
        parts.append('<ul class="card-warnings">' + "".join(f"<li>{_e(w)}</li>" for w in rest) + "</ul>")
    parts.append("<footer>" + _sources_html(advice)
                 + '<p class="sign">Checked by (pharmacist): ____________________ Date: __________</p></footer>'
                 + "</article>")
    card = "".join(parts)
    if not standalone:
        return card
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(advice.display_name)} dosing card</title><style>{card_css()}</style></head>"
            f"<body>{card}</body></html>\n")


def write_card(advice, path, *, patient=None, seed=None, when=None, chromium=CHROMIUM):
    r"""Write the dosing card to an ``.html`` file, or to a ``.pdf`` through headless Chromium.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    path : str or pathlib.Path
        File to write; its suffix (:data:`CARD_SUFFIXES`) chooses the format [-].
    patient, seed, when
        As for :func:`card_html` [-].
    chromium : str, optional
        Chromium executable for a PDF [-].

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        Another suffix (``field="out"``), or a PDF without Playwright or
        Chromium (the message says what to install).

    Notes
    -----
    The PDF is printed on US Letter for a US-label answer and on A4 for an EU
    one (:data:`PAPER`); the card is laid out to fit one page of either.
    """
    path = Path(path)
    if path.suffix.lower() not in CARD_SUFFIXES:
        raise InputError(f"{{out}} {path.name!r}: a dosing card is written as .html or .pdf", field="out")
    page = card_html(advice, patient=patient, seed=seed, when=when)
    if path.suffix.lower() != ".pdf":
        path.write_text(page, encoding="utf-8")
        return path
    path.write_bytes(html_to_pdf(page, paper=PAPER.get(advice.jurisdiction, "A4"), chromium=chromium))
    return path


def html_to_pdf(page, *, paper="A4", chromium=CHROMIUM):
    r"""Print an HTML document to PDF bytes with headless Chromium (Playwright).

    Parameters
    ----------
    page : str
        A whole HTML document [-].
    paper : str, optional
        Paper format of Playwright's ``page.pdf`` (``"A4"``, ``"Letter"``) [-].
    chromium : str, optional
        Chromium executable [-].

    Returns
    -------
    bytes

    Raises
    ------
    InputError
        Playwright or Chromium is missing (``field="out"``).
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise InputError("{out}: a PDF card needs Playwright (pip install 'pkdose[test]' or playwright) and "
                         "Chromium; write .html instead and print it from a browser", field="out") from None
    if not Path(chromium).is_file():
        raise InputError(f"{{out}}: a PDF card needs Chromium at {chromium} (apt-get install chromium); write "
                         ".html instead and print it from a browser", field="out")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page()
            tab.emulate_media(media="print")
            tab.set_content(page, wait_until="load")
            return tab.pdf(format=paper, print_background=True, prefer_css_page_size=False,
                           scale=_fit_scale(tab, paper))
        finally:
            browser.close()


#: Printable area of each paper at the card's 10-mm margins, at 96 px per inch [px].
_PRINTABLE_PX = {"A4": ((210 - 20) / 25.4 * 96, (297 - 20) / 25.4 * 96),
                 "Letter": (8.5 * 96 - 20 / 25.4 * 96, 11 * 96 - 20 / 25.4 * 96)}
#: Smallest print scale used to keep a card on one page; below it the card takes two pages.
MIN_SCALE = 0.8


def _fit_scale(tab, paper):
    """The largest print scale (1 down to MIN_SCALE) at which the card's height fits one page."""
    width, height = _PRINTABLE_PX.get(paper, _PRINTABLE_PX["A4"])
    scale = 1.0
    while scale >= MIN_SCALE:
        # a print scale s lays the page out at width / s and shrinks it by s
        tab.set_viewport_size({"width": int(width / scale), "height": 800})
        if tab.evaluate("document.documentElement.scrollHeight") * scale <= height - 2:
            return scale
        scale = round(scale - 0.02, 2)
    return 1.0
