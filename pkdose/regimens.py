r"""Dosing regimens: the Regimen record, a small regimen language, and label-band selection.

A :class:`Regimen` is one component's dosing as a pharmacist writes it on a
chart: dose, interval, infusion time, an optional loading dose, what to do
around haemodialysis, the label's daily maximum, and the citations it came
from.  :func:`parse_regimen` and :func:`format_regimen` translate between the
record and text such as ``"2 g q8h over 3 h"`` (after mrgsolve's ``ev_rx``
mini-language).  :func:`select_regimens` looks a patient's renal function
up in a product's label table (``models/regimens/<product>.toml``, loaded by
:func:`pkdose.library.load_regimen_table`) and returns one regimen per
component, each with its source and locator.

The band lookup is purely a table lookup: the clinical choices (band edges,
US vs EU haemodialysis rows, the CZA + aztreonam component rules) are written
and justified in the TOML files, not here.
"""

import math
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from .errors import InputError, ModelFileError, OutOfRangeError
from .extracorporeal import HOURS_PER_WEEK

__all__ = [
    "JURISDICTIONS",
    "RENAL_STATES",
    "Regimen",
    "band_contains",
    "regimen_from_row",
    "parse_regimen",
    "format_regimen",
    "select_regimens",
    "select_published",
    "exceeds_label_maximum",
    "after_each_session",
    "week_amounts_mg",
]

#: Jurisdictions whose labels the regimen tables reproduce.
JURISDICTIONS = ("US", "EU")

#: Renal states of the regimen tables: native kidneys, intermittent
#: haemodialysis, continuous renal replacement therapy.
RENAL_STATES = ("native", "ihd", "crrt")

_REL_TOL = 1e-9


@dataclass(frozen=True)
class Regimen:
    r"""One component's dosing regimen with its label maximum and citations.

    Parameters
    ----------
    component : str
        What is given: a product (``"cefiderocol"``) or one component of a
        combination (``"aztreonam"``); ``""`` if unknown [-].
    dose_mg : float
        Maintenance dose of the product as labelled (e.g. 940 for "0.94 g"
        ceftazidime-avibactam) [mg].
    interval_h : float
        Dosing interval tau [h].
    infusion_h : float
        Infusion duration; 0 for a bolus [h].
    analyte_dose_mg : Mapping[str, float], optional
        Amount of each analyte in one maintenance dose (exact split used by
        the PK model, e.g. avibactam 187.5) [mg].
    loading_dose_mg : float or None, optional
        First dose when it differs from the maintenance dose; None when the
        regimen has no loading dose [mg].
    post_hd_supplement_mg : float, optional
        Extra dose after each haemodialysis session [mg].
    give_after_hd : bool, optional
        On dialysis days the scheduled dose is given after the session [-].
    max_daily_dose_mg : float or None, optional
        Label maximum per day for this product or component; None if not
        known (e.g. a parsed user regimen) [mg].
    citations : tuple of (str, str), optional
        ``(source_key, locator)`` pairs [-].
    note : str, optional
        Caveat carried over from the regimen table [-].
    loading_infusion_h : float or None, optional
        Infusion time of the loading dose; None: as the maintenance doses.
        Required with a loading dose before a continuous infusion, which
        starts when the loading dose ends [h].
    evidence : str, optional
        What the regimen rests on, e.g. ``"label"`` or ``"published practice:
        PK study (n = 4, CVVHDF)"`` [-].
    caution : str, optional
        A label caution that must be shown as a warning (e.g. not to be used
        without renal replacement therapy) [-].
    bag_change_h : float or None, optional
        The infusion outlasts the in-use stability of an infusion bag of the
        label's dilution: a new bag is needed at least this often [h].
    syringe_change_h : float or None, optional
        A continuous infusion may instead run from syringes of the
        concentrated solution a cited study tested: a new syringe at least
        this often (only at that concentration) [h].
    exposure : str, optional
        ``"standard"``, or ``"high"`` for the label's high dose (an MIC in the
        "susceptible, increased exposure" or intermediate category) [-].

    Raises
    ------
    InputError
        A non-positive dose or interval, a negative infusion time or one
        longer than the interval, a non-positive loading dose, or a negative
        supplement; a continuous infusion with a loading dose but no loading
        infusion time.

    Notes
    -----
    :attr:`daily_dose_mg` is the maintenance dose per 24 h,
    :math:`D \cdot 24 / \tau`; it leaves out the loading dose and post-HD
    supplements, which is how label maxima are stated.

    Examples
    --------
    >>> r = Regimen("cefiderocol", dose_mg=2000, interval_h=8, infusion_h=3)
    >>> r.daily_dose_mg
    6000.0
    """

    component: str
    dose_mg: float
    interval_h: float
    infusion_h: float
    analyte_dose_mg: object = field(default_factory=dict)
    loading_dose_mg: float | None = None
    post_hd_supplement_mg: float = 0.0
    give_after_hd: bool = False
    max_daily_dose_mg: float | None = None
    citations: tuple = ()
    note: str = ""
    loading_infusion_h: float | None = None
    evidence: str = ""
    caution: str = ""
    bag_change_h: float | None = None
    syringe_change_h: float | None = None
    exposure: str = "standard"

    def __post_init__(self):
        _positive("dose_mg", self.dose_mg, "mg")
        _positive("interval_h", self.interval_h, "h")
        _nonnegative("infusion_h", self.infusion_h, "h")
        if self.infusion_h > self.interval_h:
            raise InputError(f"infusion_h={self.infusion_h!r} h is longer than "
                             f"interval_h={self.interval_h!r} h; shorten the infusion")
        if self.loading_dose_mg is not None:
            _positive("loading_dose_mg", self.loading_dose_mg, "mg (use None for no loading dose)")
        _nonnegative("post_hd_supplement_mg", self.post_hd_supplement_mg, "mg")
        for name in ("loading_infusion_h", "bag_change_h", "syringe_change_h"):
            if getattr(self, name) is not None:
                _positive(name, getattr(self, name), "h")
        if self.continuous and self.loading_dose_mg is not None and self.loading_infusion_h is None:
            raise InputError("a loading dose before a continuous infusion needs loading_infusion_h "
                             "(the continuous infusion starts when it ends) [h]")
        doses = {str(k): float(v) for k, v in dict(self.analyte_dose_mg).items()}
        object.__setattr__(self, "analyte_dose_mg", MappingProxyType(doses))
        object.__setattr__(self, "citations", tuple(tuple(c) for c in self.citations))

    @property
    def daily_dose_mg(self):
        r"""Maintenance dose per 24 h [mg] (loading dose and supplements excluded)."""
        return self.dose_mg * 24.0 / self.interval_h

    @property
    def continuous(self):
        r"""True when the infusion lasts the whole interval (a continuous infusion) [-]."""
        return self.infusion_h >= self.interval_h


def _positive(name, value, unit):
    """Raise InputError unless value is a finite number > 0."""
    if not _is_number(value) or not value > 0 or not math.isfinite(value):
        raise InputError(f"{name}={value!r}: must be a finite number > 0 [{unit}]")


def _nonnegative(name, value, unit):
    """Raise InputError unless value is a finite number >= 0."""
    if not _is_number(value) or not value >= 0 or not math.isfinite(value):
        raise InputError(f"{name}={value!r}: must be a finite number >= 0 [{unit}]")


def _is_number(value):
    """True for int/float-like values, False for bool and non-numbers."""
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------
# Regimen table rows -> Regimen
# ---------------------------------------------------------------------------

def regimen_from_row(row):
    r"""Build a Regimen from one regimen-table row.

    Parameters
    ----------
    row : pkdose.library.RegimenRow
        A validated row (any object with the same attribute names works) [-].

    Returns
    -------
    regimen : Regimen
        The row's regimen; a ``loading_dose_mg`` of 0 becomes None, and the
        row's ``(source, locator)`` becomes the citation.
    """
    loading = float(row.loading_dose_mg or 0.0)
    return Regimen(
        component=row.component, dose_mg=float(row.dose_mg),
        interval_h=float(row.interval_h), infusion_h=float(row.infusion_h),
        analyte_dose_mg=dict(row.analyte_dose_mg),
        loading_dose_mg=loading if loading > 0 else None,
        post_hd_supplement_mg=float(row.post_hd_supplement_mg or 0.0),
        give_after_hd=bool(row.give_after_hd),
        max_daily_dose_mg=float(row.max_daily_dose_mg),
        citations=((row.source, row.locator),), note=row.note or "",
        loading_infusion_h=getattr(row, "loading_infusion_h", None),
        evidence=getattr(row, "evidence", ""), caution=getattr(row, "caution", ""),
        exposure=getattr(row, "exposure", "standard"))


# ---------------------------------------------------------------------------
# Band selection
# ---------------------------------------------------------------------------

def band_contains(lo, hi, bounds, x):
    r"""Whether a value lies in a band, honouring its open and closed ends.

    The one band lookup of pkdose: :func:`select_regimens` and
    :meth:`pkdose.library.RegimenRow.contains` both call it.

    Parameters
    ----------
    lo, hi : float
        Ends of the band; ``hi`` may be ``inf`` [mL/min or L/h].
    bounds : str
        Closed ends: ``"[)"``, ``"(]"``, ``"[]"`` or ``"()"`` [-].
    x : float
        CrCL or effluent rate to look up [mL/min or L/h].

    Returns
    -------
    inside : bool

    Examples
    --------
    The label band "31 to 50 mL/min" read as (30, 50]:

    >>> band_contains(30, 50, "(]", 30), band_contains(30, 50, "(]", 50)
    (False, True)
    """
    above = x >= lo if bounds[0] == "[" else x > lo
    below = x <= hi if bounds[1] == "]" else x < hi
    return bool(above and below)


def _check_choice(name, value, choices):
    """Return value (US/EU upper-cased) if it is one of choices, else raise."""
    text = value.strip() if isinstance(value, str) else value
    if name == "jurisdiction" and isinstance(text, str):
        text = text.upper()
    if text not in choices:
        raise InputError(f"{name}={value!r}: use one of {', '.join(choices)}")
    return text


def _axis_value(renal_state, crcl_ml_per_min, effluent_l_per_h):
    """Return the value to look up: CrCL for native/ihd, effluent for crrt."""
    if renal_state == "crrt":
        if effluent_l_per_h is None:
            raise InputError("effluent_l_per_h is required for renal_state='crrt' "
                             "(ultrafiltrate + dialysate flow) [L/h]")
        return _check_axis("effluent_l_per_h", effluent_l_per_h, "L/h")
    if crcl_ml_per_min is None:
        if renal_state == "ihd":
            return 0.0  # no residual-function estimate: treat as anuric
        raise InputError("crcl_ml_per_min is required for renal_state='native' "
                         "(Cockcroft-Gault) [mL/min]")
    return _check_axis("crcl_ml_per_min", crcl_ml_per_min, "mL/min")


def _check_axis(name, value, unit):
    """Return a finite, non-negative float, or raise InputError."""
    if not _is_number(value) or not math.isfinite(float(value)) or float(value) < 0:
        raise InputError(f"{name}={value!r}: must be a finite number >= 0 [{unit}]")
    return float(value)


def _no_rows_message(product, renal_state, jurisdiction, rows):
    """Explain that the label has no regimen for this state and jurisdiction."""
    have = sorted({(j, r.renal_state) for r in rows for j in r.jurisdiction})
    listed = ", ".join(f"{j} {s}" for j, s in have) or "none"
    return (f"{product or 'this product'}: no labelled regimen for "
            f"renal_state={renal_state!r} in jurisdiction {jurisdiction!r} "
            f"(labelled: {listed}). The label gives no dose for this situation; "
            "use a published regimen (the table's [[published]] rows) or a "
            "model-informed regimen checked with the PK model.")


def _pick_row(rows, component, x, product):
    """The single row of a component whose range contains x."""
    hits = [r for r in rows if r.component == component and band_contains(r.lo, r.hi, r.bounds, x)]
    if len(hits) != 1:
        what = "no row covers" if not hits else f"{len(hits)} rows cover"
        raise ModelFileError(f"regimen table {product!r}: component {component!r}: "
                             f"{what} the value {x:g}; the ranges must tile [0, inf)")
    return hits[0]


def select_regimens(table, crcl_ml_per_min=None, renal_state="native",
                    effluent_l_per_h=None, jurisdiction="US", *, exposure="standard"):
    r"""Select the labelled regimen of every component for a patient's renal function.

    Parameters
    ----------
    table : pkdose.library.RegimenTable
        Regimen table of one product (anything with ``.product`` and
        ``.rows`` of :class:`~pkdose.library.RegimenRow`-like objects, or an
        iterable of such rows) [-].
    crcl_ml_per_min : float, optional
        Cockcroft-Gault creatinine clearance, not indexed to BSA; required for
        ``"native"``; for ``"ihd"`` the residual clearance, with None read as
        0 (anuric) [mL/min].
    renal_state : {"native", "ihd", "crrt"}, optional
        Native kidneys, intermittent haemodialysis or continuous renal
        replacement therapy [-].
    effluent_l_per_h : float, optional
        CRRT effluent flow (ultrafiltrate for CVVH, dialysate for CVVHD,
        their sum for CVVHDF); required for ``"crrt"`` [L/h].
    jurisdiction : {"US", "EU"}, optional
        Whose label to follow [-].
    exposure : {"standard", "high"}, optional
        ``"high"``: the label's high dose where the table has one (an MIC in
        the "susceptible, increased exposure" or intermediate category); a
        component without high-dose rows keeps its standard rows, and its
        regimen says ``exposure="standard"`` [-].

    Returns
    -------
    regimens : list of Regimen
        One per component, in the table's order (two for
        ceftazidime-avibactam + aztreonam).

    Raises
    ------
    InputError
        Unknown renal state or jurisdiction; missing, negative or
        non-finite CrCL or effluent rate.
    OutOfRangeError
        The label has no regimen for this renal state in this jurisdiction
        (e.g. CRRT for ceftazidime-avibactam, or EU CRRT for cefiderocol).
    ModelFileError
        The table's ranges do not tile the axis (gap or overlap).

    Notes
    -----
    A row matches when the value lies in its range ``[lo, hi]`` with the
    open/closed ends given by its ``crcl_bounds`` or ``effluent_bounds``
    (``"[)"``, ``"(]"``, ``"[]"``, ``"()"``).  Each component of a
    combination is looked up on its own bands.

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) prescribing information.
       Revised 2026. Section 2.2, Tables 1 and 2.

    Examples
    --------
    From [1]_, Table 1 (CrCL 120 mL/min or greater: 2 g every 6 hours):

    >>> from pkdose.library import load_regimen_table
    >>> table = load_regimen_table("cefiderocol")
    >>> [format_regimen(r) for r in select_regimens(table, crcl_ml_per_min=120)]
    ['2 g IV q6h, infused over 3 h']
    >>> [format_regimen(r) for r in select_regimens(table, crcl_ml_per_min=119.9)]
    ['2 g IV q8h, infused over 3 h']
    """
    state = _check_choice("renal_state", renal_state, RENAL_STATES)
    jur = _check_choice("jurisdiction", jurisdiction, JURISDICTIONS)
    x = _axis_value(state, crcl_ml_per_min, effluent_l_per_h)
    rows = tuple(getattr(table, "rows", table))
    product = getattr(table, "product", "")
    level = _check_choice("exposure", exposure, ("standard", "high"))
    matching = [r for r in rows if jur in r.jurisdiction and r.renal_state == state]
    if not matching:
        raise OutOfRangeError(_no_rows_message(product, state, jur, rows))
    components = list(dict.fromkeys(r.component for r in matching))
    return [regimen_from_row(_pick_row(_at_exposure(matching, c, level), c, x, product)) for c in components]


def _at_exposure(rows, component, exposure):
    """A component's rows at an exposure level; its standard rows where it has none at that level."""
    rows = [r for r in rows if r.component == component]
    level = [r for r in rows if getattr(r, "exposure", "standard") == exposure]
    return level or [r for r in rows if getattr(r, "exposure", "standard") == "standard"]


def select_published(table, crcl_ml_per_min=None, renal_state="crrt", effluent_l_per_h=None,
                     jurisdiction="US", *, exposure="standard", mic_mg_per_l=None, site=None):
    r"""Select the published regimen of every component where the label is silent.

    Parameters
    ----------
    table : pkdose.library.RegimenTable
        Regimen table of one product, with its ``published`` rows [-].
    crcl_ml_per_min : float, optional
        CrCL for native/ihd rows [mL/min].
    renal_state : {"native", "ihd", "crrt"}, optional
        Renal state [-].
    effluent_l_per_h : float, optional
        CRRT effluent flow; required for ``"crrt"`` [L/h].
    jurisdiction : {"US", "EU"}, optional
        Jurisdiction of the user [-].
    exposure : {"standard", "high"}, optional
        As for :func:`select_regimens` [-].
    mic_mg_per_l : float, optional
        The isolate's MIC: a row that holds only below an MIC is chosen when
        it is below it [mg/L].
    site : str, optional
        Infection site: a row that holds only at some sites is chosen there [-].

    Returns
    -------
    regimens : list of Regimen
        One per component; ``evidence`` says what each rests on (grade and
        study), ``citations`` list every source, ``caution`` the warnings.
        A row pointing at another jurisdiction's label (``label_of``) gives
        that label's regimen for the patient. A conditional row whose MIC
        and site conditions hold takes precedence over the unconditional one.

    Raises
    ------
    InputError
        Unknown renal state or jurisdiction, missing or invalid axis value.
    OutOfRangeError
        No published regimen for this renal state and jurisdiction.

    Examples
    --------
    The EU SmPC has no CRRT table; the US label's is the only labelled one:

    >>> from pkdose.library import load_regimen_table
    >>> (r,) = select_published(load_regimen_table("cefiderocol"), effluent_l_per_h=2.5, jurisdiction="EU")
    >>> format_regimen(r), r.citations[0][0]
    ('2 g IV q12h, infused over 3 h', 'fetroja-uspi')
    """
    state = _check_choice("renal_state", renal_state, RENAL_STATES)
    jur = _check_choice("jurisdiction", jurisdiction, JURISDICTIONS)
    x = _axis_value(state, crcl_ml_per_min, effluent_l_per_h)
    rows = [p for p in table.published if jur in p.jurisdiction and p.renal_state == state]
    if not rows:
        raise OutOfRangeError(f"{table.product}: no published regimen for renal_state={state!r} in "
                              f"jurisdiction {jur!r}")
    out = []
    for component in dict.fromkeys(p.component for p in rows):
        level = _at_exposure(rows, component, _check_choice("exposure", exposure, ("standard", "high")))
        held = [p for p in level if p.conditional and p.applies(mic_mg_per_l, site)]
        row = _pick_row(held or [p for p in level if not p.conditional], component, x, table.product)
        if row.label_of:
            (label,) = [r for r in select_regimens(table, crcl_ml_per_min, state, effluent_l_per_h, row.label_of)
                        if r.component == component]
            base, cites = label, label.citations + row.citations
        else:
            base = replace(row.regimen, max_daily_dose_mg=table.components[component].max_daily_dose_mg.value)
            cites = row.citations
        out.append(replace(base, citations=tuple(dict.fromkeys(cites)), note=row.note, caution=row.caution,
                           evidence=f"{row.grade}: {row.evidence}", exposure=row.exposure))
    return out


def exceeds_label_maximum(regimen, max_daily_dose_mg=None):
    r"""Whether a regimen's maintenance daily dose is above the label maximum.

    Parameters
    ----------
    regimen : Regimen
        Regimen to check [-].
    max_daily_dose_mg : float, optional
        Maximum to check against; defaults to ``regimen.max_daily_dose_mg``
        [mg].

    Returns
    -------
    exceeds : bool
        True if ``regimen.daily_dose_mg`` is above the maximum (relative
        tolerance 1e-9).

    Raises
    ------
    InputError
        Neither the argument nor the regimen gives a maximum.

    Notes
    -----
    The check uses the maintenance dose per 24 h; a loading dose and post-HD
    supplements are not counted, as in the labels' statements of a maximum
    daily dose.  A regimen that exceeds the maximum must never be shown
    without a loud flag (STYLE B6).

    References
    ----------
    .. [1] Bristol-Myers Squibb. AZACTAM (aztreonam for injection)
       prescribing information. Revised March 2023. Dosage and
       Administration (maximum 8 g per day).

    Examples
    --------
    From [1]_ (maximum 8 g/day): 2 g q6h is at the maximum, 2 g q4h above it.

    >>> exceeds_label_maximum(Regimen("aztreonam", 2000, 6, 0.5, max_daily_dose_mg=8000))
    False
    >>> exceeds_label_maximum(Regimen("aztreonam", 2000, 4, 0.5), max_daily_dose_mg=8000)
    True
    """
    limit = max_daily_dose_mg if max_daily_dose_mg is not None else regimen.max_daily_dose_mg
    if limit is None:
        raise InputError("no label maximum known for this regimen; pass "
                         "max_daily_dose_mg [mg]")
    return regimen.daily_dose_mg > float(limit) * (1 + _REL_TOL)


def after_each_session(regimen, hd_days=None):
    r"""Whether a regimen is given once after every dialysis session (no fixed interval).

    Parameters
    ----------
    regimen : Regimen
        Regimen [-].
    hd_days : sequence of str, optional
        Dialysis days; None: not on a dialysis schedule [-].

    Returns
    -------
    bool
        True for a dose "after HD" with a labelled interval of 48 h or more
        on a dialysis schedule: the plan gives it after each session, so its
        interval is the gap between sessions, not the label's ``q48h``.

    Examples
    --------
    >>> after_each_session(Regimen("x", 940, 48, 2, give_after_hd=True), ("Mon", "Wed", "Fri"))
    True
    """
    return bool(hd_days) and regimen.give_after_hd and regimen.interval_h >= 48


def week_amounts_mg(regimen, hd_days=None):
    r"""Maintenance and post-dialysis supplement amounts given in one week.

    Parameters
    ----------
    regimen : Regimen
        Regimen [-].
    hd_days : sequence of str, optional
        Dialysis days of the patient's schedule [-].

    Returns
    -------
    tuple of float
        ``(maintenance, supplements)`` per week [mg]. A dose "after each
        session" (:func:`after_each_session`) counts once per session; other
        doses ``168 / interval`` times; a supplement once per session.

    Notes
    -----
    The mean daily amount of an "after each session" regimen is
    ``maintenance / 7``: 0.94 g after each Mon/Wed/Fri session is
    2.82 g/week, 0.40 g/day, not the 0.47 g/day of its label interval q48h.

    References
    ----------
    .. [1] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Section 2.3, Table 3 (dose after haemodialysis on
       dialysis days).

    Examples
    --------
    >>> r = Regimen("ceftazidime-avibactam", 940, 48, 2, give_after_hd=True)
    >>> week_amounts_mg(r, ("Mon", "Wed", "Fri"))
    (2820.0, 0.0)
    >>> week_amounts_mg(Regimen("aztreonam", 500, 8, 0.5, post_hd_supplement_mg=250), ("Mon", "Wed", "Fri"))
    (10500.0, 750.0)
    """
    sessions = len(hd_days) if hd_days else 0
    if after_each_session(regimen, hd_days):
        maintenance = regimen.dose_mg * sessions
    else:
        maintenance = regimen.dose_mg * HOURS_PER_WEEK / regimen.interval_h
    return float(maintenance), float(regimen.post_hd_supplement_mg * sessions)


# ---------------------------------------------------------------------------
# Text: format and parse
# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------

def _grams(mg):
    """Write an amount in grams as on a chart: exact if a round amount, else 0.01 g."""
    mg = float(mg)
    if abs(mg / 5 - round(mg / 5)) < 1e-6:  # a labelled round amount
        text = f"{mg / 1000:.3f}"
    else:  # a computed split (e.g. avibactam 187.5 mg): labels print 0.01 g
        text = f"{mg / 1000:.2f}"
    return text.rstrip("0").rstrip(".") + " g"


def _hours(h):
    """Write a duration in hours without a trailing .0."""
    return f"{float(h):g}"


def _amount(total_mg, analyte_dose_mg, scale=1.0):
    """'2.5 g (ceftazidime 2 g + avibactam 0.5 g)' for a combination, else '2 g'."""
    text = _grams(total_mg)
    if len(analyte_dose_mg) < 2:
        return text
    parts = " + ".join(f"{a} {_grams(d * scale)}" for a, d in analyte_dose_mg.items())
    return f"{text} ({parts})"


def _sessions(hd_days):
    """' (Mon/Wed/Fri)' for a dialysis schedule, '' without one."""
    return f" ({'/'.join(hd_days)})" if hd_days else ""


def _loading_text(regimen):
    """'2 g IV loading dose[ over 3 h]' or '' without a loading dose."""
    if regimen.loading_dose_mg is None:
        return ""
    doses = regimen.analyte_dose_mg
    scale = regimen.loading_dose_mg / sum(doses.values()) if doses else 1.0
    over = "" if regimen.loading_infusion_h is None else f" over {_hours(regimen.loading_infusion_h)} h"
    return f"{_amount(regimen.loading_dose_mg, doses, scale)} IV loading dose{over}"


def _maintenance_text(regimen, hd_days):
    """The maintenance part: continuous, after each session (HD plan) or q<tau>h."""
    doses = regimen.analyte_dose_mg
    if regimen.continuous:
        daily = 24.0 / regimen.interval_h
        text = f"{_amount(regimen.dose_mg * daily, doses, daily)} IV per 24 h as a continuous infusion"
        return text + (" started when the loading dose ends" if regimen.loading_dose_mg is not None else "")
    if after_each_session(regimen, hd_days):
        main = f"{_amount(regimen.dose_mg, doses)} IV after each dialysis session{_sessions(hd_days)}"
    else:
        main = f"{_amount(regimen.dose_mg, doses)} IV q{_hours(regimen.interval_h)}h"
    each = "each dose " if regimen.loading_dose_mg is not None else ""
    return f"{main}, {each}infused over {_hours(regimen.infusion_h)} h"


def format_regimen(regimen, hd_days=None):
    r"""Write a regimen the way a pharmacist writes it on a chart.

    Parameters
    ----------
    regimen : Regimen
        Regimen to write [-].
    hd_days : sequence of str, optional
        Dialysis days of the patient's schedule (e.g. ``("Mon", "Wed",
        "Fri")``): the regimen is then written as the dialysis plan gives it
        (a q48h dose "after each dialysis session (Mon/Wed/Fri)") [-].

    Returns
    -------
    text : str
        e.g. ``"1.5 g IV q8h, infused over 3 h"``; a loading dose comes
        first, a combination shows its components, and dialysis advice
        follows after semicolons.

    Notes
    -----
    Amounts are in grams.  A round amount (a whole multiple of 5 mg) is
    written exactly (0.675 g, 2.67 g); a computed split is rounded to
    0.01 g as the labels print it (avibactam 187.5 mg -> 0.19 g).  The split
    of a loading dose follows the ratio of the maintenance split.  On a
    dialysis schedule a dose with an interval of 48 h or more is given after
    every session (:func:`pkdose.schedule.hd_dose_times`), and the text says
    so instead of "q48h".

    References
    ----------
    .. [1] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Revised 2026. Section 2.3, Table 3.

    Examples
    --------
    From [1]_, Table 3 (CrCL 16 to 30 mL/min):

    >>> r = Regimen("ceftazidime-avibactam", 940, 12, 2,
    ...             analyte_dose_mg={"ceftazidime": 750, "avibactam": 187.5})
    >>> format_regimen(r)
    '0.94 g (ceftazidime 0.75 g + avibactam 0.19 g) IV q12h, infused over 2 h'
    >>> format_regimen(Regimen("aztreonam", 500, 8, 0.5, loading_dose_mg=2000,
    ...                        post_hd_supplement_mg=250))
    '2 g IV loading dose, then 0.5 g IV q8h, each dose infused over 0.5 h; plus 0.25 g IV after each dialysis session'

    A continuous infusion (infusion as long as the interval) is written per 24 h:

    >>> format_regimen(Regimen("cefiderocol", 6000, 24, 24, loading_dose_mg=2000, loading_infusion_h=3))
    '2 g IV loading dose over 3 h, then 6 g IV per 24 h as a continuous infusion started when the loading dose ends'

    On a Mon/Wed/Fri dialysis schedule, q48h means after each session:

    >>> format_regimen(Regimen("cefiderocol", 750, 48, 3, give_after_hd=True), hd_days=("Mon", "Wed", "Fri"))
    '0.75 g IV after each dialysis session (Mon/Wed/Fri), infused over 3 h'
    """
    loading = _loading_text(regimen)
    text = _maintenance_text(regimen, hd_days)
    if loading:
        text = f"{loading}, then {text}"
    if regimen.give_after_hd and not after_each_session(regimen, hd_days):
        text += f"; on dialysis days{_sessions(hd_days)} give the dose after the session"
    if regimen.post_hd_supplement_mg:
        text += (f"; plus {_grams(regimen.post_hd_supplement_mg)} IV after each dialysis "
                 f"session{_sessions(hd_days)}")
    if regimen.bag_change_h is not None:
        text += f"; prepare a new bag at least every {_hours(regimen.bag_change_h)} h"
    if regimen.syringe_change_h is not None:
        text += (f"; or by syringe driver at the tested concentration, a new syringe at least every "
                 f"{_hours(regimen.syringe_change_h)} h")
    return text


_NUM = r"\d+(?:\.\d+)?"
_AMOUNT = rf"(?P<{{0}}>{_NUM})\s*(?P<{{0}}_unit>mg|g)?(?:\s*\((?P<{{0}}_split>[^)]*)\))?"
_DAYS = r"(?:\s*\([a-z/ ,]*\))?"
_LOADING_RE = re.compile(
    rf"^{_AMOUNT.format('load')}\s*(?:iv\s*)?(?:loading dose|loading|load)"
    rf"(?:\s+over\s+(?P<load_inf>{_NUM})\s*(?P<load_inf_unit>h|hours?|min|minutes?)?)?\s*,?\s*then\s+(?P<rest>.+)$")
_MAIN_RE = re.compile(
    rf"^{_AMOUNT.format('dose')}\s*(?:iv\s*)?(?:q\s*(?P<tau>{_NUM})\s*h?|(?P<after>after each (?:dialysis|hd) "
    rf"session{_DAYS}))\s*,?\s*"
    rf"(?:each dose\s+)?(?:infused\s+)?over\s+(?P<inf>{_NUM})\s*(?P<inf_unit>h|hours?|min|minutes?)?$")
_CONTINUOUS_RE = re.compile(
    rf"^{_AMOUNT.format('dose')}\s*(?:iv\s*)?per 24 h as a continuous infusion"
    r"(?: started when the loading dose ends)?$")
_SUPPLEMENT_RE = re.compile(
    rf"^plus\s+(?P<supp>{_NUM})\s*(?P<supp_unit>mg|g)?\s*(?:iv\s*)?after each (?:dialysis|hd) session{_DAYS}$")
_AFTER_HD_RE = re.compile(
    rf"^(?:on dialysis days{_DAYS} )?give (?:the dose )?after (?:the session|dialysis|hd)$")
_BAG_RE = re.compile(rf"^prepare a new bag(?: or syringe)? at least every (?P<bag>{_NUM})\s*h$")
_SYRINGE_RE = re.compile(
    rf"^or by syringe driver at the tested concentration, a new syringe at least every (?P<syr>{_NUM})\s*h$")
_GRAMMAR = ("'2 g q8h over 3 h', '2000 q8 over 3' (mg), '2 g loading dose, then 1 g q8h "
            "over 0.5 h', '0.94 g (ceftazidime 0.75 g + avibactam 0.19 g) q12h over 2 h', "
            "'2 g loading dose over 3 h, then 6 g per 24 h as a continuous infusion', "
            "optionally followed by '; plus 0.25 g after each dialysis session', "
            "'; on dialysis days give the dose after the session' and/or "
            "'; prepare a new bag at least every 6 h' and "
            "'; or by syringe driver at the tested concentration, a new syringe at least every 24 h'")


def _to_mg(number, unit):
    """Convert a parsed amount to mg; a bare number is mg (mrgsolve style)."""
    return float(number) * (1000.0 if unit == "g" else 1.0)


def _to_h(number, unit):
    """Convert a parsed duration to hours; a bare number is hours."""
    return float(number) / (60.0 if (unit or "h").startswith("min") else 1.0)


def _parse_split(text, original):
    """'ceftazidime 0.75 g + avibactam 0.19 g' -> {'ceftazidime': 750.0, ...}."""
    doses = {}
    for part in text.split("+"):
        m = re.fullmatch(rf"\s*(?P<name>[a-z][a-z0-9\-]*)\s+(?P<x>{_NUM})\s*(?P<u>mg|g)?\s*", part)
        if m is None:
            raise InputError(f"cannot read the component split {text!r} in {original!r}; "
                             "write it as '(ceftazidime 0.75 g + avibactam 0.19 g)'")
        doses[m["name"]] = _to_mg(m["x"], m["u"])
    return doses


def _analyte_doses(dose_split, load_split, dose, loading, component, original):
    """Maintenance split: written, else scaled from the loading split, else the component."""
    if dose_split:
        return _parse_split(dose_split, original)
    if load_split:
        return {a: d * dose / loading for a, d in _parse_split(load_split, original).items()}
    return {component: dose} if component else {}


def _parse_options(clauses, original):
    """Read the clauses after the first ';': supplement, after-HD advice, bag changes."""
    options = {"post_hd_supplement_mg": 0.0, "give_after_hd": False, "bag_change_h": None,
               "syringe_change_h": None}
    for clause in clauses:
        if (m := _SUPPLEMENT_RE.match(clause)) is not None:
            options["post_hd_supplement_mg"] = _to_mg(m["supp"], m["supp_unit"])
        elif _AFTER_HD_RE.match(clause):
            options["give_after_hd"] = True
        elif (m := _BAG_RE.match(clause)) is not None:
            options["bag_change_h"] = float(m["bag"])
        elif (m := _SYRINGE_RE.match(clause)) is not None:
            options["syringe_change_h"] = float(m["syr"])
        else:
            raise InputError(f"cannot read {clause!r} in {original!r}; expected e.g. {_GRAMMAR}")
    return options


def _parse_maintenance(core, original):
    """(dose, split, interval, infusion, after each session) of the maintenance part."""
    if (m := _CONTINUOUS_RE.match(core)) is not None:
        return _to_mg(m["dose"], m["dose_unit"]), m["dose_split"], 24.0, 24.0, False
    m = _MAIN_RE.match(core)
    if m is None:
        raise InputError(f"cannot read the regimen {original!r}; expected e.g. {_GRAMMAR}")
    tau = 48.0 if m["after"] else float(m["tau"])
    return _to_mg(m["dose"], m["dose_unit"]), m["dose_split"], tau, _to_h(m["inf"], m["inf_unit"]), bool(m["after"])


def parse_regimen(text, component=""):
    r"""Read a regimen written in pkdose's small regimen language.

    Parameters
    ----------
    text : str
        Regimen text, e.g. ``"2 g q8h over 3 h"`` (case-insensitive; "IV"
        optional; a bare number is mg, as in mrgsolve's ``"2000 q8 over 3"``;
        infusion time in h or min) [-].
    component : str, optional
        Component name to record; for a single-analyte text it is also used
        as the analyte name [-].

    Returns
    -------
    regimen : Regimen
        Parsed regimen, without label maximum or citations.

    Raises
    ------
    InputError
        The text does not follow the grammar (the message shows examples).

    Notes
    -----
    Grammar::

        [AMOUNT [IV] loading dose [over <t> h|min], then]
          ( AMOUNT [IV] q<tau>[h][,] [each dose] [infused] over <t> h|min
          | AMOUNT [IV] after each dialysis session [(DAYS)], [each dose] [infused] over <t> h|min
          | AMOUNT [IV] per 24 h as a continuous infusion [started when the loading dose ends] )
        [; plus AMOUNT after each dialysis session [(DAYS)]]
        [; on dialysis days [(DAYS)] give the dose after the session]
        [; prepare a new bag [or syringe] at least every <t> h]
        [; or by syringe driver at the tested concentration, a new syringe at least every <t> h]

    where ``AMOUNT = <number> [mg|g] [(<analyte> <number> mg|g + ...)]``.
    "After each dialysis session" reads as a 48-h interval given after the
    session, which is what the dialysis plan makes of it.  Every string
    :func:`format_regimen` writes is accepted.

    Examples
    --------
    >>> r = parse_regimen("2 g q8h over 3 h", component="cefiderocol")
    >>> r.dose_mg, r.interval_h, r.infusion_h
    (2000.0, 8.0, 3.0)
    >>> parse_regimen("2000 q8 over 30 min").infusion_h
    0.5
    >>> r = parse_regimen("2 g loading dose over 3 h, then 6 g per 24 h as a continuous infusion")
    >>> r.dose_mg, r.interval_h, r.continuous, r.loading_infusion_h
    (6000.0, 24.0, True, 3.0)
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"regimen text {text!r} is empty; expected e.g. {_GRAMMAR}")
    clauses = [c.strip() for c in re.sub(r"\s+", " ", text.strip().lower()).split(";")]
    core, options = clauses[0], _parse_options(clauses[1:], text)
    loading, load_split, load_inf = None, None, None
    if (m := _LOADING_RE.match(core)) is not None:
        loading, load_split, core = _to_mg(m["load"], m["load_unit"]), m["load_split"], m["rest"]
        if m["load_inf"]:
            load_inf = _to_h(m["load_inf"], m["load_inf_unit"])
    dose, split, tau, infusion, after_each = _parse_maintenance(core, text)
    doses = _analyte_doses(split, load_split, dose, loading, component, text)
    options["give_after_hd"] = options["give_after_hd"] or after_each
    return Regimen(component=component, dose_mg=dose, interval_h=tau, infusion_h=infusion,
                   analyte_dose_mg=doses, loading_dose_mg=loading, loading_infusion_h=load_inf, **options)
