r"""What a TDM service receives: the dose history and the measured levels, read and checked.

Every check raises an :class:`~pkdose.errors.InputError` (or a
:class:`~pkdose.errors.UnitError`) whose ``field`` is ``"doses"`` or
``"levels"`` and whose message names the row and the column, so that the
command line and the web page show it next to the file or table at fault.

Times are hours from an origin the user chooses (e.g. the first dose), the
same origin for doses, levels, dialysis sessions and creatinine samples.
"""

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, UnitError
from ..library import load_regimen_table
from .settings import load_tdm_settings

__all__ = [
    "DoseHistory",
    "Levels",
    "dose_history",
    "levels",
    "read_doses_csv",
    "read_levels_csv",
    "DOSE_COLUMNS",
    "LEVEL_COLUMNS",
    "MAX_CSV_BYTES",
    "GRAM_ENTRY_FRACTION",
]

#: Columns of DOSES.csv: required, then optional.
DOSE_COLUMNS = (("time_h", "amount_mg", "infusion_h"), ("component",))
#: Columns of LEVELS.csv: required, then optional.
LEVEL_COLUMNS = (("time_h", "conc_mg_per_l"), ("analyte", "free"))
#: Largest CSV file read: a dose or level record, not a data warehouse export (technical) [bytes].
MAX_CSV_BYTES = 1 << 20
#: An amount below this fraction of the smallest labelled dose reads as grams typed as mg (technical) [-].
GRAM_ENTRY_FRACTION = 0.05
#: Longest infusion one dose row may record: a day of continuous infusion (the CLI contract) [h].
MAX_ROW_INFUSION_H = 24.0


@dataclass(frozen=True)
class DoseHistory:
    r"""The doses actually given, sorted by start time.

    Parameters
    ----------
    product : str
        Product CLI name [-].
    time_h : numpy.ndarray
        Start of each infusion [h].
    amount_mg : numpy.ndarray
        Amount of the component as labelled (ceftazidime-avibactam 2500 for 2.5 g) [mg].
    infusion_h : numpy.ndarray
        Duration of each infusion [h].
    component : tuple of str
        Component given in each row (the product itself unless a combination) [-].
    analyte_mg : Mapping[str, numpy.ndarray]
        Amount of each analyte in each row (0 where the row does not contain it) [mg].

    References
    ----------
    .. [1] Allergan USA. AVYCAZ prescribing information, Section 2.1 (2.5 g =
       ceftazidime 2 g + avibactam 0.5 g).
    """

    product: str
    time_h: np.ndarray
    amount_mg: np.ndarray
    infusion_h: np.ndarray
    component: tuple
    analyte_mg: object

    def first_dose_h(self, analyte):
        """Start of the first infusion containing ``analyte`` [h]."""
        given = self.analyte_mg[analyte] > 0
        return float(self.time_h[given].min()) if given.any() else math.inf


@dataclass(frozen=True)
class Levels:
    r"""Measured concentrations.

    Parameters
    ----------
    time_h : numpy.ndarray
        Sampling times [h].
    conc_mg_per_l : numpy.ndarray
        Measured concentrations, total or free as ``free`` says [mg/L].
    analyte : tuple of str
        Analyte of each level [-].
    free : numpy.ndarray of bool
        Whether the assay measured the unbound concentration [-].

    References
    ----------
    .. [1] Guilhaumou R, Benaboud S, Bennis Y, et al. Crit Care. 2019;23:104.
       doi:10.1186/s13054-019-2378-9 (sampling and free vs total levels).
    """

    time_h: np.ndarray
    conc_mg_per_l: np.ndarray
    analyte: tuple
    free: np.ndarray


def _row(i):
    return f"row {i + 1}"


def _numbers(name, values, where):
    """Finite floats, or InputError naming the column and row."""
    out = np.empty(len(values))
    for i, v in enumerate(values):
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{{{where}}} {_row(i)}: {name} must be a number, got {v!r}", field=where) from None
        if isinstance(v, bool) or not math.isfinite(x):
            raise InputError(f"{{{where}}} {_row(i)}: {name} must be a finite number, got {v!r}", field=where)
        out[i] = x
    return out


def _analyte_shares(table, component, amount_mg):
    """Analyte amounts in one infusion: a labelled dose's exact split, else the labelled ratio."""
    rows = [r for r in table.rows if r.component == component]
    same = [r for r in rows if abs(r.dose_mg - amount_mg) < 1e-9 and r.analyte_dose_mg]
    if same:
        return dict(same[0].analyte_dose_mg)
    largest = max(rows, key=lambda r: r.dose_mg)
    split = dict(largest.analyte_dose_mg) or {component: largest.dose_mg}
    total = sum(split.values())
    return {a: amount_mg * d / total for a, d in split.items()}


def _check_dose_row(i, t, amount, infusion, component, table, settings):
    spec = table.components[component]
    if t < 0:
        raise InputError(f"{{doses}} {_row(i)}: time_h {t:g} h is negative; use hours from an origin before the "
                         "first dose (e.g. the first dose at 0)", field="doses")
    smallest = min(r.dose_mg for r in table.rows if r.component == component)
    if not amount > 0:
        raise InputError(f"{{doses}} {_row(i)}: amount_mg must be > 0 mg, got {amount:g}", field="doses")
    if amount < GRAM_ENTRY_FRACTION * smallest:
        raise UnitError(f"{{doses}} {_row(i)}: amount_mg {amount:g} mg of {component} is implausible (smallest "
                        f"labelled dose {smallest:g} mg); it looks like grams: write {amount * 1000:g} for "
                        f"{amount:g} g", field="doses")
    if amount > spec.max_daily_dose_mg.value + 1e-9:
        raise InputError(f"{{doses}} {_row(i)}: amount_mg {amount:g} mg of {component} is above its cited daily "
                         f"maximum ({spec.max_daily_dose_mg.value:g} mg, {spec.max_daily_dose_mg.source}); check the "
                         "unit (mg of the product as labelled) or write one row per day of continuous infusion",
                         field="doses")
    shortest = settings.shortest_infusion.get(component)
    if shortest is not None and infusion < shortest.value:
        raise InputError(f"{{doses}} {_row(i)}: infusion_h {infusion:g} h ({infusion * 60:.0f} min) is implausible "
                         f"for {component}, given by infusion ({shortest.source}: {shortest.locator}); electronic "
                         "records often store 1 min: enter the actual start and stop times", field="doses")
    if not 0 < infusion <= MAX_ROW_INFUSION_H:
        raise InputError(f"{{doses}} {_row(i)}: infusion_h must be in (0, {MAX_ROW_INFUSION_H:g}] h, got "
                         f"{infusion:g}; write a continuous infusion as one row per day (infusion_h 24)",
                         field="doses")


def dose_history(product, time_h, amount_mg, infusion_h, component=None):
    r"""Check a dose record and split each infusion into its analytes.

    Parameters
    ----------
    product : str
        Product CLI name [-].
    time_h : array_like
        Start of each infusion, hours from the chosen origin, >= 0 [h].
    amount_mg : array_like
        Amount of the component as labelled, e.g. 2500 for ceftazidime-avibactam
        2.5 g (ceftazidime 2 g + avibactam 0.5 g) [mg].
    infusion_h : array_like
        Duration of each infusion; 24 for one day of continuous infusion [h].
    component : sequence of str, optional
        Component of each row; required only for a combination of two
        components (``ceftazidime-avibactam+aztreonam``) [-].

    Returns
    -------
    DoseHistory
        Sorted by start time.

    Raises
    ------
    InputError
        Lengths that differ, no dose, a negative time, a non-positive amount,
        an amount above the component's cited daily maximum, an infusion
        shorter than plausible for the component (``models/tdm.toml``) or
        longer than a day, an unknown or missing component, a dose listed
        twice (``field="doses"``).
    UnitError
        An amount that only makes sense in grams.

    Notes
    -----
    A labelled amount is split as the label splits it (0.94 g of
    ceftazidime-avibactam = ceftazidime 0.75 g + avibactam 0.1875 g, the
    exact 4:1 ratio the labels round); any other amount in the labelled
    ratio of the component's largest dose.

    References
    ----------
    .. [1] Allergan USA. AVYCAZ prescribing information, Section 2.1 and 2.3
       (fixed 4:1 ceftazidime:avibactam).

    Examples
    --------
    >>> d = dose_history("ceftazidime-avibactam", [0, 8], [2500, 940], [2, 2])
    >>> d.analyte_mg["avibactam"].tolist()
    [500.0, 187.5]
    """
    table = load_regimen_table(product)
    t = _numbers("time_h", np.atleast_1d(time_h).tolist(), "doses")
    amount = _numbers("amount_mg", np.atleast_1d(amount_mg).tolist(), "doses")
    infusion = _numbers("infusion_h", np.atleast_1d(infusion_h).tolist(), "doses")
    if not t.size or not t.size == amount.size == infusion.size:
        raise InputError(f"{{doses}} needs at least one dose and as many amounts and infusion times as times "
                         f"(got {t.size}, {amount.size}, {infusion.size})", field="doses")
    components = list(table.components)
    if component is None or all(c in ("", None) for c in component):
        if len(components) > 1:
            raise InputError(f"{{doses}}: {product} has two components ({', '.join(components)}); add a "
                             "'component' column naming the one given in each row", field="doses")
        component = [components[0]] * t.size
    component = [str(c).strip() for c in component]
    settings = load_tdm_settings()
    seen = set()
    for i, c in enumerate(component):
        if c not in table.components:
            raise InputError(f"{{doses}} {_row(i)}: component {c!r} is not part of {product}; use one of "
                             f"{', '.join(components)}", field="doses")
        _check_dose_row(i, t[i], amount[i], infusion[i], c, table, settings)
        if (t[i], c) in seen:
            raise InputError(f"{{doses}} {_row(i)}: a dose of {c} at {t[i]:g} h is listed twice", field="doses")
        seen.add((t[i], c))
    order = np.argsort(t, kind="stable")
    component = tuple(component[i] for i in order)
    t, amount, infusion = t[order], amount[order], infusion[order]
    analyte_mg = {a: np.zeros(t.size) for a in table.analytes}
    for i, (c, a) in enumerate(zip(component, amount)):
        for analyte, mg in _analyte_shares(table, c, a).items():
            analyte_mg[analyte][i] = mg
    return DoseHistory(product, t, amount, infusion, component, analyte_mg)


def _flag(value, i):
    text = str(value).strip().lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    raise InputError(f"{{levels}} {_row(i)}: free must be true or false, got {value!r}", field="levels")


def levels(product, time_h, conc_mg_per_l, analyte=None, free=None, *, default_analyte=None):
    r"""Check measured levels.

    Parameters
    ----------
    product : str
        Product CLI name [-].
    time_h : array_like
        Sampling times, hours from the origin of the dose record [h].
    conc_mg_per_l : array_like
        Measured concentrations, > 0 (values below the limit of
        quantification cannot be used) [mg/L].
    analyte : sequence of str, optional
        Analyte of each level; empty entries take ``default_analyte`` [-].
    free : sequence of bool or str, optional
        Whether each level is an unbound concentration (``true``/``false``);
        default total [-].
    default_analyte : str, optional
        Analyte of rows that name none (the CLI's ``--analyte``); for a
        single-analyte product, that analyte [-].

    Returns
    -------
    Levels

    Raises
    ------
    InputError
        No level, lengths that differ, a negative time, a concentration that
        is not > 0, an analyte that is not part of the product or not named
        for a two-analyte product, a free flag other than true/false
        (``field="levels"``).

    References
    ----------
    .. [1] Guilhaumou R, Benaboud S, Bennis Y, et al. Crit Care. 2019;23:104.
       doi:10.1186/s13054-019-2378-9.

    Examples
    --------
    >>> lv = levels("ceftazidime-avibactam", [7.9], [22.0], default_analyte="ceftazidime")
    >>> lv.analyte, lv.free.tolist()
    (('ceftazidime',), [False])
    """
    table = load_regimen_table(product)
    t = _numbers("time_h", np.atleast_1d(time_h).tolist(), "levels")
    c = _numbers("conc_mg_per_l", np.atleast_1d(conc_mg_per_l).tolist(), "levels")
    if not t.size or t.size != c.size:
        raise InputError(f"{{levels}} needs at least one level and one concentration per time (got {t.size} "
                         f"and {c.size})", field="levels")
    analytes = tuple(table.analytes)
    if default_analyte is None and len(analytes) == 1:
        default_analyte = analytes[0]
    if default_analyte is not None and default_analyte not in analytes:
        raise InputError(f"{{analyte}} {default_analyte!r} is not measured in {product}; use one of "
                         f"{', '.join(analytes)}", field="analyte")
    names = [str(a).strip() if a not in (None,) else "" for a in (analyte or [""] * t.size)]
    flags = [_flag(f, i) for i, f in enumerate(free or [""] * t.size)]
    if not len(names) == len(flags) == t.size:
        raise InputError("{levels}: analyte and free need one entry per level", field="levels")
    for i in range(t.size):
        names[i] = names[i] or default_analyte or ""
        if not names[i]:
            raise InputError(f"{{levels}} {_row(i)}: {product} has {len(analytes)} analytes "
                             f"({', '.join(analytes)}); name the one measured (analyte column or --analyte)",
                             field="levels")
        if names[i] not in analytes:
            raise InputError(f"{{levels}} {_row(i)}: analyte {names[i]!r} is not part of {product}; use one of "
                             f"{', '.join(analytes)}", field="levels")
        if t[i] < 0:
            raise InputError(f"{{levels}} {_row(i)}: time_h {t[i]:g} h is negative; use the origin of the dose "
                             "record", field="levels")
        if not c[i] > 0:
            raise InputError(f"{{levels}} {_row(i)}: conc_mg_per_l must be > 0 mg/L, got {c[i]:g}; leave out "
                             "results below the limit of quantification", field="levels")
    return Levels(t, c, tuple(names), np.array(flags, dtype=bool))


def _csv_rows(source, required, optional, field):
    """Header and rows of a small CSV file (lines starting with '#' are comments)."""
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError:
        raise InputError(f"{{{field}}} {str(path)!r}: file not found", field=field) from None
    if size > MAX_CSV_BYTES:
        raise InputError(f"{{{field}}} {str(path)!r} is larger than a dose or level record "
                         f"({MAX_CSV_BYTES // 1024} kB)", field=field)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{{{field}}} {str(path)!r} cannot be read as UTF-8 text ({exc.__class__.__name__})",
                         field=field) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    rows = list(reader)
    if not rows:
        raise InputError(f"{{{field}}} {str(path)!r} is empty; the header is {','.join(required)}", field=field)
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in required + optional]
    missing = [h for h in required if h not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise InputError(f"{{{field}}} {str(path)!r}: header {','.join(header)} is not accepted; columns "
                         f"{','.join(required)} (required) and {','.join(optional)} (optional)", field=field)
    body = rows[1:]
    for i, r in enumerate(body):
        if len(r) != len(header):
            raise InputError(f"{{{field}}} {_row(i)}: {len(r)} values for {len(header)} columns", field=field)
    return {h: [r[j].strip() for r in body] for j, h in enumerate(header)}


def _decimal_column(values, name, field):
    from ..inputs import number_from_text  # ASCII decimals only, as every pkdose input

    out = []
    for i, v in enumerate(values):
        try:
            out.append(number_from_text(v, field))
        except InputError:
            raise InputError(f"{{{field}}} {_row(i)}: {name} {v!r} is not a plain decimal number (digits 0-9 and a "
                             "point)", field=field) from None
    return out


def read_doses_csv(path, product):
    r"""Read ``DOSES.csv`` (``time_h,amount_mg,infusion_h[,component]``) into a checked dose record.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV file; lines starting with ``#`` are comments [-].
    product : str
        Product CLI name [-].

    Returns
    -------
    DoseHistory

    Raises
    ------
    InputError
        Missing, unreadable or oversized file, wrong header, a value that is
        not a plain decimal number, and every check of :func:`dose_history`
        (``field="doses"``).
    """
    cols = _csv_rows(path, *DOSE_COLUMNS, "doses")
    return dose_history(product, _decimal_column(cols["time_h"], "time_h", "doses"),
                        _decimal_column(cols["amount_mg"], "amount_mg", "doses"),
                        _decimal_column(cols["infusion_h"], "infusion_h", "doses"), cols.get("component"))


def read_levels_csv(path, product, default_analyte=None):
    r"""Read ``LEVELS.csv`` (``time_h,conc_mg_per_l[,analyte][,free]``) into checked levels.

    Parameters
    ----------
    path : str or pathlib.Path
        The levels file, read as :func:`read_doses_csv` reads the doses [-].
    product : str
        Product CLI name (the analytes it may contain) [-].
    default_analyte : str, optional
        Analyte of rows that name none (``--analyte``) [-].

    Returns
    -------
    Levels
        As :func:`levels` returns them [-].

    Raises
    ------
    InputError
        As :func:`read_doses_csv` for the file, then every check of
        :func:`levels` (``field="levels"``).
    """
    cols = _csv_rows(path, *LEVEL_COLUMNS, "levels")
    return levels(product, _decimal_column(cols["time_h"], "time_h", "levels"),
                  _decimal_column(cols["conc_mg_per_l"], "conc_mg_per_l", "levels"),
                  cols.get("analyte"), cols.get("free"), default_analyte=default_analyte)
