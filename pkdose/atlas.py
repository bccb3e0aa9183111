r"""PTA atlas: every label regimen of every product, over renal conditions and MICs, on all cores.

The atlas is a map over independent *cells*. A cell is one regimen of one
product in one jurisdiction (the label's, or published practice where the
label is silent on CRRT) evaluated in one renal condition: native kidneys
at a creatinine clearance, intermittent haemodialysis on a weekly schedule,
or CRRT at an effluent flow. :func:`atlas_cells` builds the list of cells;
:func:`atlas_cell` turns one cell into its rows (one per MIC) and depends on
nothing but the cell, so any scheduler that maps a pure function over a list
(a process pool here; a cluster's ``map`` elsewhere) runs the atlas unchanged;
:func:`atlas` does both on a local process pool and returns the tidy table.

Regimens
    For each product and jurisdiction, every distinct regimen (one per
    component) that :func:`pkdose.regimens.select_regimens` gives for one of
    the renal conditions: the label's for native kidneys and haemodialysis;
    on CRRT the label's where it has one, else published practice
    (:func:`pkdose.regimens.select_published`, off-label, with its evidence
    grade). Each regimen is evaluated in *every* condition, so a row shows
    how a regimen performs outside the renal function it is labelled for;
    ``label_for_condition`` marks the rows where it is the regimen given for
    that condition.

Seeds
    Each cell gets its own child of one :class:`numpy.random.SeedSequence`,
    spawned in cell order: the table is the same for a given seed whatever
    the number of workers or the order in which they finish.

Population
    Each model's default population (:func:`pkdose.exposure.default_population`),
    the published structure unless ``structure="one_compartment"``; on
    dialysis and CRRT the residual CrCL is
    :class:`pkdose.patient.Haemodialysis`'s default.

References
----------
.. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. Standardization
   of pharmacodynamic (PD) terminology for anti-infective drugs: an update.
   J Antimicrob Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079
"""

import functools
import math
import os
import sys
import time
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from .errors import InputError, OutOfRangeError
from .paths import writable_file
from .exposure import DEFAULT_STRUCTURE, STRUCTURES, Covariates, analyte_courses, population_attainment
from .library import available_products, load_product, load_regimen_table
from .patient import CRRT, Haemodialysis, HDSchedule, Native
from .pta import DEFAULT_SEED, pta_interval

__all__ = [
    "ATLAS_MICS_MG_PER_L",
    "ATLAS_CRCL_ML_PER_MIN",
    "ATLAS_CRRT_EFFLUENT_L_PER_H",
    "ATLAS_JURISDICTIONS",
    "ATLAS_COLUMNS",
    "Condition",
    "AtlasCell",
    "atlas_conditions",
    "atlas_cells",
    "atlas_cell",
    "atlas",
    "check_out_path",
    "write_atlas",
    "plot_atlas",
]

#: Eleven doubling MICs of the atlas [mg/L].
ATLAS_MICS_MG_PER_L = tuple(0.125 * 2.0**k for k in range(11))
#: Native creatinine clearances of the atlas, 0 to 200 in steps of 5 [mL/min].
ATLAS_CRCL_ML_PER_MIN = tuple(float(c) for c in range(0, 205, 5))
#: CRRT effluent flows of the atlas [L/h].
ATLAS_CRRT_EFFLUENT_L_PER_H = (1.5, 2.5, 3.5, 4.5)
#: Jurisdictions whose labels the atlas follows.
ATLAS_JURISDICTIONS = ("US", "EU")
#: Columns of the atlas table, in order (the per-analyte PTA columns follow ``pta_upper_95``).
ATLAS_COLUMNS = ("product", "jurisdiction", "renal_state", "condition", "crcl_ml_per_min", "crrt_effluent_l_per_h",
                 "regimen", "regimen_basis", "label_for_condition", "mic_mg_per_l", "pta", "pta_lower_95",
                 "pta_upper_95", "n_patients", "structure", "note")
_ANALYTES = ("cefiderocol", "ceftazidime", "avibactam", "aztreonam")


@dataclass(frozen=True)
class Condition:
    """A renal condition of the atlas.

    Parameters
    ----------
    renal_state : {"native", "ihd", "crrt"}
        Native kidneys, intermittent haemodialysis or CRRT [-].
    crcl_ml_per_min : float
        Native CrCL, or the residual CrCL on dialysis and CRRT [mL/min].
    effluent_l_per_h : float, optional
        CRRT effluent flow; NaN otherwise [L/h].
    hd_days : tuple of str, optional
        Haemodialysis days (4-h sessions from 08:00) [-].
    """

    renal_state: str
    crcl_ml_per_min: float
    effluent_l_per_h: float = math.nan
    hd_days: tuple = ("Mon", "Wed", "Fri")

    @property
    def label(self):
        """Short text: ``native CrCL 45``, ``IHD Mon/Wed/Fri``, ``CRRT 2.5 L/h`` [-]."""
        if self.renal_state == "native":
            return f"native CrCL {self.crcl_ml_per_min:g}"
        if self.renal_state == "ihd":
            return "IHD " + "/".join(self.hd_days)
        return f"CRRT {self.effluent_l_per_h:g} L/h"

    def state(self):
        """The :mod:`pkdose.patient` renal state of this condition [-]."""
        if self.renal_state == "native":
            return Native()
        if self.renal_state == "ihd":
            return Haemodialysis(HDSchedule(days=self.hd_days), residual_crcl_ml_per_min=self.crcl_ml_per_min)
        return CRRT(self.effluent_l_per_h, residual_crcl_ml_per_min=self.crcl_ml_per_min)


@dataclass(frozen=True)
class AtlasCell:
    """One regimen of one product in one renal condition: the unit of work of the atlas.

    Made by :func:`atlas_cells`; :func:`atlas_cell` turns it into rows. It holds
    everything the cell needs, its seed included, so that it can go to a worker process.

    Parameters
    ----------
    product : str
        Product name [-].
    jurisdiction : {"US", "EU"}
        Whose label [-].
    regimen_of : Condition
        The condition whose regimen this is (label, or published practice on CRRT) [-].
    condition : Condition
        The renal condition it is evaluated in [-].
    label_for_condition : bool
        The regimen is the one given for ``condition`` [-].
    n_patients : int
        Virtual patients [-].
    mics : tuple of float
        MICs, sorted [mg/L].
    structure : str
        ``"published"`` or ``"one_compartment"`` [-].
    seed : numpy.random.SeedSequence
        The cell's random source: one per (product, regimen, condition), so
        that the US and EU cells of the same regimen in the same condition
        share their virtual patients and are computed once [-].
    """

    product: str
    jurisdiction: str
    regimen_of: Condition
    condition: Condition
    label_for_condition: bool
    n_patients: int
    mics: tuple
    structure: str
    seed: np.random.SeedSequence


def atlas_conditions(crcl_ml_per_min=ATLAS_CRCL_ML_PER_MIN, crrt_effluent_l_per_h=ATLAS_CRRT_EFFLUENT_L_PER_H,
                     hd_days=("Mon", "Wed", "Fri")):
    r"""The renal conditions of the atlas: native CrCL values, haemodialysis, CRRT effluent flows.

    Parameters
    ----------
    crcl_ml_per_min : sequence of float, optional
        Native CrCL values [mL/min].
    crrt_effluent_l_per_h : sequence of float, optional
        CRRT effluent flows [L/h].
    hd_days : tuple of str or None, optional
        Haemodialysis days; None leaves haemodialysis out [-].

    Returns
    -------
    list of Condition

    References
    ----------
    .. [1] KDIGO Clinical Practice Guideline for Acute Kidney Injury. Kidney
       Int Suppl. 2012;2(1):1-138. doi:10.1038/kisup.2012.73 (CRRT effluent
       20-25 mL/kg/h, about 1.5-1.75 L/h at 70 kg).

    Examples
    --------
    >>> [c.label for c in atlas_conditions([0, 60], [2.5])]
    ['native CrCL 0', 'native CrCL 60', 'IHD Mon/Wed/Fri', 'CRRT 2.5 L/h']
    """
    residual = Haemodialysis().residual_crcl_ml_per_min
    out = [Condition("native", float(c)) for c in crcl_ml_per_min]
    if hd_days:
        out.append(Condition("ihd", residual, hd_days=tuple(hd_days)))
    out += [Condition("crrt", residual, float(q)) for q in crrt_effluent_l_per_h]
    return out


@functools.lru_cache(maxsize=None)
def _table(product):
    return load_regimen_table(product)


@functools.lru_cache(maxsize=None)
def _product(product):
    return load_product(product)


def _regimens(product, jurisdiction, condition):
    """(regimens, basis) of a product for a condition, or ((), "none") when nothing is given."""
    from .recommend import _primary

    renal = SimpleNamespace(renal_state=condition.renal_state, crcl_ml_per_min=condition.crcl_ml_per_min,
                            state=SimpleNamespace(effluent_l_per_h=condition.effluent_l_per_h))
    try:
        regs, basis, _, _ = _primary(_table(product), renal, jurisdiction)
    except OutOfRangeError:
        return (), "none"
    return tuple(regs), basis


def _regimen_text(regimens):
    from .regimens import format_regimen

    return " + ".join(format_regimen(r) for r in regimens)


def atlas_cells(n_patients=10_000, *, products=None, jurisdictions=ATLAS_JURISDICTIONS, conditions=None,
                mics=ATLAS_MICS_MG_PER_L, structure=None, seed=DEFAULT_SEED):
    r"""The list of cells of the atlas, each with its own seed.

    Parameters
    ----------
    n_patients : int, optional
        Virtual patients per cell [-].
    products : sequence of str, optional
        Products; default every product [-].
    jurisdictions : sequence of str, optional
        ``"US"``, ``"EU"`` [-].
    conditions : sequence of Condition, optional
        Renal conditions; default :func:`atlas_conditions` (native CrCL 0-200
        mL/min in steps of 5, haemodialysis Mon/Wed/Fri, CRRT 1.5-4.5 L/h) [-].
    mics : sequence of float, optional
        MICs; default 0.125-128 mg/L [mg/L].
    structure : {"published", "one_compartment"}, optional
        Model structure; default the published one [-].
    seed : int, optional
        Root of the cells' :class:`numpy.random.SeedSequence` [-].

    Returns
    -------
    list of AtlasCell
        Product by product, jurisdiction, regimen, condition.

    Raises
    ------
    InputError
        Fewer than one patient, an unknown structure or product, a MIC that
        is not positive.

    Examples
    --------
    >>> cells = atlas_cells(100, products=["cefiderocol"], jurisdictions=["US"],
    ...                     conditions=atlas_conditions([10, 90], [], hd_days=None))
    >>> [(c.regimen_of.label, c.condition.label, c.label_for_condition) for c in cells]
    [('native CrCL 10', 'native CrCL 10', True), ('native CrCL 10', 'native CrCL 90', False),
     ('native CrCL 90', 'native CrCL 10', False), ('native CrCL 90', 'native CrCL 90', True)]
    """
    n = int(n_patients)
    if n < 1 or n != n_patients:
        raise InputError(f"{{n_patients}} must be a whole number >= 1, got {n_patients!r}", field="n_patients")
    structure = DEFAULT_STRUCTURE if structure is None else structure
    if structure not in STRUCTURES:
        raise InputError(f"{{structure}} {structure!r} is not known; use one of {', '.join(STRUCTURES)}",
                         field="structure")
    grid = tuple(sorted(float(m) for m in mics))
    if not grid or not all(math.isfinite(m) and m > 0 for m in grid):
        raise InputError(f"{{mics}} must be positive numbers of mg/L, got {list(mics)!r}", field="mics")
    known = available_products()
    products = list(known if products is None else products)
    unknown = [p for p in products if p not in known]
    if unknown:
        raise InputError(f"{{products}}: unknown product(s) {unknown}; use {', '.join(known)}", field="products")
    conditions = list(atlas_conditions() if conditions is None else conditions)
    work = []
    for product in products:
        for jurisdiction in jurisdictions:
            given = [_regimen_key(product, jurisdiction, c) for c in conditions]
            sources = {}  # regimen text -> the first condition it is given for
            for c, key in zip(conditions, given):
                if key is not None:
                    sources.setdefault(key, c)
            for key, source in sources.items():
                work += [(product, jurisdiction, source, c, key == k, (product, key, c.label))
                         for c, k in zip(conditions, given)]
    same = list(dict.fromkeys(w[-1] for w in work))  # one simulation per (product, regimen, condition)
    seeds = dict(zip(same, np.random.SeedSequence(int(seed)).spawn(len(same))))
    return [AtlasCell(p, j, s, c, bool(own), n, grid, structure, seeds[k]) for p, j, s, c, own, k in work]


def _regimen_key(product, jurisdiction, condition):
    regs, _ = _regimens(product, jurisdiction, condition)
    return _regimen_text(regs) if regs else None


def atlas_cell(cell):
    r"""The rows of one atlas cell: PTA of its regimen in its renal condition at every MIC.

    Parameters
    ----------
    cell : AtlasCell
        From :func:`atlas_cells` [-].

    Returns
    -------
    list of dict
        One per MIC, keys :data:`ATLAS_COLUMNS` and ``pta_<analyte>`` for
        every analyte of the atlas (NaN where the product has none); when the
        regimen cannot be simulated in this condition (a model without a
        clearance floor at CrCL 0) the PTA is NaN and ``note`` says why [-].

    Notes
    -----
    The joint PTA and each component's own are
    :func:`pkdose.exposure.population_attainment` of ``cell.n_patients``
    virtual patients, drawn from the cell's seed; ``pta_lower_95`` and
    ``pta_upper_95`` are the Wilson interval of the Monte Carlo estimate
    (:func:`pkdose.pta.pta_interval`).

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. J Antimicrob
       Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079
    """
    product = _product(cell.product)
    regimens, base = _cell_description(cell)
    cond = cell.condition
    mics = np.asarray(cell.mics, dtype=float)
    try:
        cov = Covariates(cond.crcl_ml_per_min, cond.state())
        courses = analyte_courses(product, regimens, cov, structure=cell.structure)
        joint, met = population_attainment(product, courses, cell.n_patients, np.random.default_rng(cell.seed),
                                           mics)
    except InputError as exc:  # e.g. no clearance floor at CrCL 0: a row that says so, no number
        return [dict(base, mic_mg_per_l=float(m), pta=math.nan, pta_lower_95=math.nan, pta_upper_95=math.nan,
                     note=str(exc), **{f"pta_{a}": math.nan for a in _ANALYTES}) for m in mics]
    pta = joint.mean(axis=1)
    lo, hi = pta_interval(pta, cell.n_patients)
    own = {a: (met[a].mean(axis=1) if a in met else np.full(mics.size, np.nan)) for a in _ANALYTES}
    return [dict(base, mic_mg_per_l=float(m), pta=float(pta[i]), pta_lower_95=float(lo[i]),
                 pta_upper_95=float(hi[i]), **{f"pta_{a}": float(own[a][i]) for a in _ANALYTES})
            for i, m in enumerate(mics)]


def _cell_description(cell):
    """The cell's regimens and the columns of its rows that describe it (not the PTA)."""
    regimens, basis = _regimens(cell.product, cell.jurisdiction, cell.regimen_of)
    cond = cell.condition
    return regimens, {"product": cell.product, "jurisdiction": cell.jurisdiction, "renal_state": cond.renal_state,
                      "condition": cond.label, "crcl_ml_per_min": cond.crcl_ml_per_min,
                      "crrt_effluent_l_per_h": cond.effluent_l_per_h, "regimen": _regimen_text(regimens),
                      "regimen_basis": basis, "label_for_condition": cell.label_for_condition,
                      "n_patients": cell.n_patients, "structure": cell.structure, "note": ""}


def _seed_key(cell):
    """What identifies a cell's seed: cells with the same key share their virtual patients."""
    return cell.seed.entropy, cell.seed.spawn_key


def _same_as(cell, rows):
    """The rows of a cell that shares its seed (same product, regimen and condition) with computed ``rows``."""
    _, base = _cell_description(cell)
    del base["note"]  # a note says why no number could be computed: the same for both cells
    return [dict(r, **base) for r in rows]


def _progress(done, total, start, stream):
    """One line on a terminal: cells done, percent, elapsed seconds."""
    width = 30
    filled = int(width * done / total) if total else width
    stream.write(f"\ratlas [{'#' * filled}{'.' * (width - filled)}] {done}/{total} cells "
                 f"({100 * done / max(total, 1):.0f} %) {time.perf_counter() - start:.1f} s")
    if done == total:
        stream.write("\n")
    stream.flush()


def atlas(n_patients=10_000, *, products=None, jurisdictions=ATLAS_JURISDICTIONS, conditions=None,
          mics=ATLAS_MICS_MG_PER_L, structure=None, seed=DEFAULT_SEED, workers=None, progress=None):
    r"""PTA of every label regimen of every product over renal conditions and MICs, as a tidy table.

    Parameters
    ----------
    n_patients, products, jurisdictions, conditions, mics, structure, seed
        The cells, as in :func:`atlas_cells`; the table is the same for a
        seed whatever ``workers`` [-].
    workers : int, optional
        Worker processes; default every core (``os.cpu_count()``); 1 runs
        in this process [-].
    progress : bool, optional
        Progress bar on stderr; default only when stderr is a terminal [-].

    Returns
    -------
    pandas.DataFrame
        One row per (product, jurisdiction, condition, regimen, MIC): the
        columns :data:`ATLAS_COLUMNS` and ``pta_<analyte>`` (each target
        component's own PTA) [-].

    Raises
    ------
    InputError
        As :func:`atlas_cells`; ``workers`` below 1.

    Notes
    -----
    :func:`atlas_cells` builds the cells, :func:`atlas_cell` maps each to its
    rows in a :class:`concurrent.futures.ProcessPoolExecutor`, in order. Cells
    that share a seed (the same regimen of a product in the same condition
    under both labels) are computed once; the others take its numbers.

    Examples
    --------
    >>> t = atlas(200, products=["cefiderocol"], jurisdictions=["US"],
    ...           conditions=atlas_conditions([90], [], hd_days=None), mics=[4, 16], workers=1)
    >>> t[["condition", "regimen", "mic_mg_per_l"]].values.tolist()[0]
    ['native CrCL 90', '2 g IV q8h, infused over 3 h', 4.0]
    >>> t["pta"].round(3).tolist()
    [0.99, 0.515]
    """
    import pandas as pd

    cells = atlas_cells(n_patients, products=products, jurisdictions=jurisdictions, conditions=conditions,
                        mics=mics, structure=structure, seed=seed)
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 1:
        raise InputError(f"{{workers}} must be >= 1, got {workers!r}", field="workers")
    stream = sys.stderr
    show = stream.isatty() if progress is None else bool(progress)
    start = time.perf_counter()
    first = {}  # seed -> the first cell that has it: the one computed
    for c in cells:
        first.setdefault(_seed_key(c), c)
    all_cells, cells = cells, list(first.values())
    if workers == 1 or len(cells) < 2:
        results = map(atlas_cell, cells)
        pool = None
    else:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=workers, initializer=_keep_freed_memory)
        results = pool.map(atlas_cell, cells, chunksize=max(1, len(cells) // (32 * workers)))
    computed = {}
    try:
        for k, (cell, part) in enumerate(zip(cells, results), start=1):
            computed[_seed_key(cell)] = part
            if show and (k == len(cells) or k % max(1, len(cells) // 200) == 0):
                _progress(k, len(cells), start, stream)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    rows = []
    for c in all_cells:
        key = _seed_key(c)
        rows += computed[key] if first[key] is c else _same_as(c, computed[key])
    columns = list(ATLAS_COLUMNS) + [f"pta_{a}" for a in _ANALYTES]
    return pd.DataFrame(rows, columns=columns)


def _keep_freed_memory():
    """In a worker process: keep freed memory for reuse instead of returning it to the system.

    glibc hands large blocks back to the kernel when they are freed, so each
    cell's temporaries (a few MB) come back as fresh pages, one page fault per
    4 kB. A worker lives as long as the atlas; it keeps its memory (mallopt
    ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD``). Elsewhere this does nothing.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 28)  # M_MMAP_THRESHOLD: blocks below 256 MB from the heap
        libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD: the heap is not trimmed below 1 GB free
    except (OSError, AttributeError):  # not glibc
        pass


def check_out_path(path):
    r"""Check the table's file name before any work: ``.csv``, or ``.parquet`` with pyarrow; a writable directory.

    Parameters
    ----------
    path : str or pathlib.Path
        Where the table will be written [-].

    Returns
    -------
    pathlib.Path
        ``path``, for :func:`write_atlas` [-].

    Raises
    ------
    InputError
        Another extension, ``.parquet`` without pyarrow, a directory, or a
        directory that does not exist or cannot be written (``field="out"``).

    Examples
    --------
    >>> check_out_path("atlas.csv").name
    'atlas.csv'
    """
    from pathlib import Path

    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir() or suffix not in (".csv", ".parquet"):
        raise InputError(f"{{out}} {str(p)!r}: give a file name ending in .csv or .parquet", field="out")
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError(f"{{out}} {str(p)!r}: writing Parquet needs pyarrow (pip install pyarrow); or give a "
                             "name ending in .csv", field="out") from None
    return writable_file(p, "out")


def write_atlas(table, path):
    r"""Write an atlas table to CSV, or to Parquet when the name ends in ``.parquet``.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`atlas` [-].
    path : str or pathlib.Path
        ``*.csv`` or ``*.parquet`` (:func:`check_out_path`) [-].

    Raises
    ------
    InputError
        As :func:`check_out_path`.
    """
    p = check_out_path(path)
    if p.suffix.lower() == ".parquet":
        table.to_parquet(p, index=False)
    else:
        table.to_csv(p, index=False)


def plot_atlas(table, *, fig=None):
    r"""Heatmaps of the atlas: PTA over native CrCL x MIC, one panel per product and jurisdiction.

    Each row of a panel is the regimen the label gives at that CrCL
    (``label_for_condition``), so the panel shows where the label's bands
    reach the 90 % attainment line (:func:`pkdose.plotting.plot_pta_heatmap`).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`atlas` [-].
    fig : matplotlib.figure.Figure, optional
        Figure to draw on; a new one sized for the panels if omitted [-].

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        No native-kidney rows with a PTA to draw.

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. J Antimicrob
       Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079
    """
    import matplotlib.pyplot as plt

    from .plotting import plot_pta_heatmap

    own = table[table["label_for_condition"] & (table["renal_state"] == "native") & table["pta"].notna()]
    panels = list(own.groupby(["product", "jurisdiction"], sort=False))
    if not panels:
        raise InputError("the atlas has no native-kidney rows with a PTA to draw", field="plot")
    cols = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / cols)
    if fig is None:
        fig = plt.figure(figsize=(7.5 * cols, 5.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, ((product, jurisdiction), part) in zip(axes, panels):
        grid = part.pivot_table(index="crcl_ml_per_min", columns="mic_mg_per_l", values="pta", aggfunc="first")
        plot_pta_heatmap(grid.index.to_numpy(), grid.columns.to_numpy(), grid.to_numpy(), ax=ax)
        ax.set_title(f"{product} ({jurisdiction} label regimen at each CrCL)", fontsize=9, pad=22)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    structure = ", ".join(sorted(set(table["structure"])))
    fig.suptitle(f"PTA atlas: {int(table['n_patients'].iloc[0]):,} virtual patients per cell; {structure} "
                 "structure; 90 % contour in black", fontsize=10)
    return fig


class _CallableModule(type(sys.modules[__name__])):
    """``pkdose.atlas`` is both this module and its main function: calling the module calls :func:`atlas`."""

    def __call__(self, *args, **kwargs):
        return atlas(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
