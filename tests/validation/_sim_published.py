"""Shared reader and simulator for the simulation-based published numbers.

The numbers live in ``tests/data/published/simulation/<sourcekey>__<locator>.csv``
(one sub-directory down, so that the CL/V/half-life reader ``_pk_published.py``,
which globs ``tests/data/published/<sourcekey>__*.csv``, does not pick them
up). Every file has the same columns::

    quantity, value, unit, product, analyte, subject, alternatives,
    crcl_ml_per_min, crcl_band_ml_per_min, design, weight_kg, renal_state,
    regimen, dosing, t_h, reference_crcl_ml_per_min, mic_mg_per_l,
    target_ft_percent, n_patients, relation, tolerance_rel, tolerance_abs,
    xfail, xfail_in, note

Every row is checked in both structures (``published``: the papers' two- and
three-compartment models; ``one_compartment``: the reduction).

Inputs
    ``product`` and ``analyte`` pick the PK model pkdose uses by default
    (``load_product(product).pk_models[analyte]``). ``subject`` is ``typical``
    (the product's default population: the paper's conservative infection site)
    or ``reference`` (the published reference subject: uninfected, every
    covariate at its reference). ``alternatives`` is a ``;``-separated list of
    ``covariate=value`` (``infection_site=pneumonia``, ``albumin_g_per_dl=2.8``,
    ``dialysis=true``: a patient on dialysis, the domain of a declared floor),
    ``param=alternative`` swaps (:meth:`pkdose.library.PKModel.with_alternative`),
    ``without=<assumption>`` and ``study=<not_applied ratio>`` (a published
    study-cohort factor on CL replacing the site factor: reproduces a trial's own
    cohort, never a patient). The dialysis clearance always comes from pkdose's
    own course (:func:`pkdose.exposure.analyte_courses`): calibrated on the
    uninfected reference subject with kidney failure in the structure being
    checked where the model declares ``hd_calibration`` (``without=hd_calibration``
    switches it off), else the published ``hd_cl_l_per_h`` (aztreonam: Gerig
    1984). ``regimen`` is pkdose regimen text or ``label``.
    ``dosing`` is ``single`` (one dose at t = 0), ``steady_state`` (periodic
    steady state over the LCM of the intervals), ``hd_week`` (periodic steady
    state of a dialysis week: Mon/Wed/Fri 08:00 sessions of the published
    length) or ``cohort`` (a virtual cohort: CrCL uniform in
    ``crcl_band_ml_per_min`` (``lo-hi``, or ``lo-hi|lo-hi`` for halves), the
    other covariates drawn from the population ``design``
    (``models/populations.toml``), each patient on the label regimen for his
    CrCL).

Quantities
    ``auc_ratio`` and ``cmax_ratio`` (single dose, this CrCL over
    ``reference_crcl_ml_per_min``); ``cmax_mg_per_l``; ``c_mg_per_l`` (at
    ``t_h``); ``half_life_h`` (log-linear slope 1-7 h after the infusion);
    ``auc24_mg_h_per_l``; ``hd_fraction_removed`` (fall of the body amount
    over the Monday session, all routes: the concentration fall in one
    compartment, the total amount in the published structure);
    ``hd_dialyser_fraction_removed``; ``hd_clearance_l_per_h``;
    ``half_life_on_hd_h``; ``half_life_interdialytic_h`` (log-linear slope in
    the first free window after a session; in the published structure the
    terminal half-life ln 2 / lambda_z of the patient's own clearance, since a
    window between doses still holds distribution); ``pta_fraction``
    (population PTA of one patient's covariates at ``mic_mg_per_l``, the
    product's joint target, or every component at ``target_ft_percent``);
    cohort quantities ``pta_fraction``, ``gm_auc24_mg_h_per_l``,
    ``gm_cmax_mg_per_l`` (:func:`pkdose.exposure.population_pta`,
    :func:`pkdose.exposure.exposure_summary`). ``n_patients`` virtual
    patients, seed 2026.

Comparison
    ``relation`` is ``approx`` (``|sim / value - 1| <= tolerance_rel``), ``abs``
    (``|sim - value| <= tolerance_abs``, for PTA: Monte Carlo error of both
    simulations), ``ge`` (``sim >= value * (1 - tolerance_rel)``, for "PTA >
    90 %") or ``lt`` (``sim < value * (1 + tolerance_rel)``, for "not beyond
    this MIC"). A non-empty ``xfail`` holds the reason a published number is not
    reproduced, in the structures listed in ``xfail_in`` (empty: both); the row
    is marked ``xfail(strict=True)`` there, so that a fix shows up as XPASS.

Sources
    ``<sourcekey>`` must be a key of the bibliography
    (:func:`pkdose.library.load_sources`, models/sources/), so every row cites a
    listed source.
"""

import csv
import dataclasses
import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pkdose import exposure
from pkdose.exposure import Covariates, analyte_courses, pk_check, simulate_structure
from pkdose.library import load_population_design, load_product, load_regimen_table, load_sources
from pkdose.patient import Haemodialysis, HDSchedule, Native
from pkdose.pk import auc, concentration, peak, regimen_dosing
from pkdose.pta import sample_cohort
from pkdose.regimens import parse_regimen, select_regimens

DATA = Path(__file__).resolve().parents[1] / "data" / "published" / "simulation"
RELATIONS = ("approx", "abs", "ge", "lt")
STRUCTURES = ("published", "one_compartment")
SEED = 2026
_COVARIATE_KEYS = ("infection_site", "albumin_g_per_dl", "race", "ventilated", "apache_ii", "dialysis",
                   "acute_pyelonephritis")


def cases():
    """One pytest.param per CSV row and structure; xfail rows marked in the structures they fail in."""
    sources = load_sources()
    params = []
    for path in sorted(DATA.glob("*__*.csv")):
        source, locator = path.stem.split("__", 1)
        assert source in sources, f"{source} is not in models/sources: rows must cite a listed source"
        with path.open(newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                reason = row["xfail"].strip()
                where = [s.strip() for s in row["xfail_in"].split(";") if s.strip()] or list(STRUCTURES)
                for structure in STRUCTURES:
                    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason and structure in where else []
                    params.append(pytest.param(row, structure, marks=marks,
                                               id=f"{source}-{locator}-{row['quantity']}-{i}-{structure}"))
    assert params, "no published simulation data"
    return params


# --- inputs -------------------------------------------------------------------------


def _float(row, key, default=None):
    text = row[key].strip()
    return default if text == "" else float(text)


def _items(row):
    return [tuple(p.strip() for p in s.split("=", 1)) for s in row["alternatives"].split(";") if s.strip()]


def row_covariates(row):
    """Covariates of the row's patient: reference subject or default population, then the row's values."""
    model = load_product(row["product"]).pk_models[row["analyte"]]
    cov = {}
    if row["subject"] == "reference":
        ref = model.reference_covariates()
        cov = {k: ref[k] for k in ("infection_site", "albumin_g_per_dl", "race", "ventilated", "bsa_m2") if k in ref}
    else:
        assert row["subject"] == "typical", row["subject"]
    for key, value in _items(row):
        if key in ("dialysis", "ventilated", "acute_pyelonephritis"):
            cov[key] = value.lower() == "true"
        elif key in ("albumin_g_per_dl", "apache_ii"):
            cov[key] = float(value)
        elif key in _COVARIATE_KEYS:
            cov[key] = value
    return cov


def row_model(model, row):
    """A model with the row's parameter swaps and switched-off assumptions."""
    for key, value in _items(row):
        if key == "without":
            model = model.without_assumption(value)
        elif key not in _COVARIATE_KEYS and key != "study":
            model = model.with_alternative(key, value)
    return model


def row_product(row):
    """The product with the row's model swaps and target."""
    product = load_product(row["product"])
    models = {a: row_model(m, row) if a == row["analyte"] else m for a, m in product.pk_models.items()}
    product = dataclasses.replace(product, pk_models=models)
    ft = _float(row, "target_ft_percent")
    return product if ft is None else exposure.with_target(product, ft_percent=ft)


def _renal_state(row, model):
    if row["renal_state"] == "ihd":
        schedule = HDSchedule(("Mon", "Wed", "Fri"), 8.0, model.hd_session_h)
        return Haemodialysis(schedule, _float(row, "crcl_ml_per_min"))
    assert row["renal_state"] == "native", row["renal_state"]
    return Native()


def covariates(row):
    """exposure.Covariates of the row's patient."""
    default = load_product(row["product"]).pk_models[row["analyte"]]
    cov = {k: v for k, v in row_covariates(row).items() if k != "dialysis"}
    return Covariates(_float(row, "crcl_ml_per_min"), _renal_state(row, default), _float(row, "weight_kg"), **cov)


def regimens(row, crcl=None):
    """Label regimen(s) for the row's CrCL and renal state, or the parsed regimen text."""
    if row["regimen"].strip() == "label":
        table = load_regimen_table(row["product"])
        crcl = _float(row, "crcl_ml_per_min") if crcl is None else crcl
        return select_regimens(table, crcl_ml_per_min=crcl, renal_state=row["renal_state"])
    return [parse_regimen(row["regimen"], component=row["analyte"])]


def patient_parameters(row, crcl):
    """Typical structural parameters of the row's patient (study factor applied where asked)."""
    product = load_product(row["product"])
    model = row_model(product.pk_models[row["analyte"]], row)
    cov = exposure._site_default(product, covariates(row).model_covariates())
    cov["dialysis"] = row_covariates(row).get("dialysis", False) or row["renal_state"] == "ihd"
    p = {k: float(v) for k, v in model.typical_parameters(crcl, **cov).items()}
    for key, value in _items(row):
        if key == "study":  # a study-cohort CL factor replacing the site factor (Table S2 of the source)
            site = next(e for e in model.effects if e.parameter == "cl" and e.covariate == "infection_site")
            p["cl"] *= model.not_applied[value].value / float(site.factor(cov["infection_site"]))
    return p


# --- single dose --------------------------------------------------------------------


def _vss(p):
    return sum(p[v] for v in ("v1", "v2", "v3") if v in p)


def single_dose_profile(row, crcl, structure):
    """One dose of the row's regimen at t = 0 in the row's patient, followed to ~40 half-lives."""
    reg = regimens(row)[0]
    dose = reg.analyte_dose_mg.get(row["analyte"], reg.dose_mg)
    p = patient_parameters(row, crcl)
    t_end = reg.infusion_h + 40.0 * math.log(2) * _vss(p) / p["cl"]
    prof = simulate_structure(p, regimen_dosing(dose, reg.interval_h, reg.infusion_h, 1),
                              structure=structure, t_end_h=t_end)
    return prof, reg, p, dose


def _single(row, quantity, structure):
    crcl = _float(row, "crcl_ml_per_min")
    profile, reg, p, dose = single_dose_profile(row, crcl, structure)
    t_end = float(profile.t_h[-1])
    if quantity in ("auc_ratio", "cmax_ratio"):
        ref, *_ = single_dose_profile(row, _float(row, "reference_crcl_ml_per_min"), structure)
        if quantity == "auc_ratio":  # AUC to ~40 reduction half-lives: the tail is negligible
            return float(auc(profile, 0.0, t_end)[0]) / float(auc(ref, 0.0, float(ref.t_h[-1]))[0])
        return float(peak(profile, 0, t_end)[0] / peak(ref, 0, float(ref.t_h[-1]))[0])
    if quantity == "cmax_mg_per_l":
        return float(peak(profile, 0, t_end)[0])
    if quantity == "c_mg_per_l":
        return float(concentration(profile, [_float(row, "t_h")])[0, 0])
    if quantity == "half_life_h":
        t0 = reg.infusion_h + 1.0
        c0, c1 = concentration(profile, [t0, t0 + 6.0])[0]
        return 6.0 * math.log(2) / math.log(c0 / c1)
    raise AssertionError(f"unknown single-dose quantity {quantity}")


# --- periodic steady state (native kidneys or a dialysis week) ----------------------


def course(row, structure):
    """pkdose's own course of the row's analyte: dosing, period and dialysis clearance."""
    product = row_product(row)
    return analyte_courses(product, regimens(row), covariates(row), structure=structure)[row["analyte"]]


def steady_profile(row, structure):
    """Periodic steady state of the row's patient on pkdose's course (pkdose's dialyser)."""
    c = course(row, structure)
    p = patient_parameters(row, _float(row, "crcl_ml_per_min"))
    prof = simulate_structure(p, c.dosing, c.extra, structure=structure, t_end_h=c.period_h, steady_state=True)
    return prof, c, p


def _monday_session(c):
    start, end = c.extra.start_h[0], c.extra.end_h[0]
    infusing = (c.dosing.start_h < end) & (c.dosing.start_h + c.dosing.duration_h > start)
    assert not infusing.any(), "an infusion overlaps the Monday session: pick another schedule"
    return float(start), float(end)


def _free_window(c, after_h):
    """First window after ``after_h`` of at least 2 h with no infusion and no session."""
    busy = [(s, s + d) for s, d in zip(c.dosing.start_h, c.dosing.duration_h)]
    busy += list(zip(c.extra.start_h, c.extra.end_h))
    edges = sorted({after_h, *(e for _, e in busy if e >= after_h)})
    for t0 in edges:
        nxt = min([s for s, _ in busy if s > t0] + [c.period_h])
        if nxt - t0 >= 2.0 and not any(s <= t0 < e for s, e in busy):
            return t0, nxt
    raise AssertionError("no free interdialytic window")


def _amount_at(p, c, t0, structure, weeks=8, tail_h=600.0):
    """Body amount at time ``t0`` of the period at steady state, by mass balance.

    ``weeks`` periods of dosing from an empty body (steady state within 1e-6 for every shipped model
    on dialysis), the doses after ``t0`` of the last one dropped; everything present at ``t0`` is then
    eliminated by the patient's CL and the dialyser: A(t0) = integral of (CL + CL_HD(t)) C dt after t0.
    """
    from pkdose.pk import Dosing, ExtraClearance

    period, d, e = c.period_h, c.dosing, c.extra
    t_cut = (weeks - 1) * period + t0
    starts = np.concatenate([d.start_h + k * period for k in range(weeks)])
    keep = starts < t_cut
    dosing = Dosing(starts[keep], np.tile(d.amount_mg, weeks)[keep], np.tile(d.duration_h, weeks)[keep])
    reps = weeks + int(np.ceil(tail_h / period)) + 1
    extra = ExtraClearance(np.concatenate([e.start_h + k * period for k in range(reps)]),
                           np.concatenate([e.end_h + k * period for k in range(reps)]),
                           np.tile(e.cl_l_per_h, reps))
    t_end = t_cut + tail_h
    prof = simulate_structure(p, dosing, extra, structure=structure, t_end_h=t_end)
    removed = p["cl"] * float(auc(prof, t_cut, t_end)[0])
    for s, en, cl in zip(extra.start_h, extra.end_h, extra.cl_l_per_h):
        if en > t_cut and s < t_end:
            removed += cl * float(auc(prof, max(s, t_cut), min(en, t_end))[0])
    return removed


def _steady(row, quantity, structure):
    prof, c, p = steady_profile(row, structure)
    if quantity == "auc24_mg_h_per_l":
        return float(auc(prof, 0, c.period_h)[0]) * 24.0 / c.period_h
    if quantity == "cmax_mg_per_l":
        return float(peak(prof, 0, c.period_h)[0])
    if quantity == "hd_clearance_l_per_h":
        return c.extracorporeal_cl_l_per_h
    start, end = _monday_session(c)
    c0, c1 = concentration(prof, [start, end])[0]
    session_auc = float(auc(prof, start, end)[0])
    if quantity in ("hd_fraction_removed", "hd_dialyser_fraction_removed"):
        # one compartment: the amount is V x C; published structure: mass balance (no infusion in the session)
        amount = _vss(p) * c0 if structure == "one_compartment" else _amount_at(p, c, start, structure)
        dialyser = c.extracorporeal_cl_l_per_h * session_auc
        if quantity == "hd_dialyser_fraction_removed":
            return dialyser / amount
        return (p["cl"] * session_auc + dialyser) / amount
    if quantity == "half_life_on_hd_h":
        return (end - start) * math.log(2) / math.log(c0 / c1)
    if quantity == "half_life_interdialytic_h":
        if structure == "published":  # a terminal half-life: ln 2 / slowest disposition rate, own CL
            return math.log(2) / -max(np.linalg.eigvals(exposure._rate_matrix(p)).real)
        t0, t1 = _free_window(c, end)
        a, b = concentration(prof, [t0, t1])[0]
        return (t1 - t0) * math.log(2) / math.log(a / b)
    raise AssertionError(f"unknown steady-state quantity {quantity}")


# --- population PTA and cohorts -----------------------------------------------------


def pta(row, structure):
    """Joint PTA at the row's MIC with pkdose's pk_check (target optionally overridden)."""
    chk = pk_check(row_product(row), regimens(row), covariates(row), mic_mg_per_l=_float(row, "mic_mg_per_l"),
                   n=int(_float(row, "n_patients")), rng=SEED, mics=(), structure=structure)
    return chk.pta_at_mic


def _bands(text):
    """``lo-hi|lo-hi`` (equal shares) or ``lo-hi:weight|...`` -> [(lo, hi)], [weight]."""
    parts = [part.split(":") for part in text.split("|")]
    bands = [tuple(float(x) for x in p[0].split("-")) for p in parts]
    return bands, [float(p[1]) if len(p) > 1 else 1.0 for p in parts]


def _split(n, weights):
    """Largest-remainder split of n patients over weighted parts."""
    exact = np.asarray(weights) * n / sum(weights)
    sizes = np.floor(exact).astype(int)
    sizes[np.argsort(sizes - exact)[: n - sizes.sum()]] += 1
    return sizes.tolist()


@functools.lru_cache(maxsize=256)
def _cohort_result(product, analyte, design, band, alternatives, regimen, target, n, structure, kind):
    row = {"product": product, "analyte": analyte, "alternatives": alternatives, "subject": "typical",
           "target_ft_percent": target}
    prod = row_product(row)
    cov = {k: v for k, v in row_covariates(row).items() if k != "dialysis"}
    parts, weights = _bands(band)
    sizes = _split(n, weights)
    design_spec = load_population_design(design) if design else None
    cohort = pd.concat([sample_cohort(k, b, design_spec, rng=SEED + i, **cov)
                        for i, (k, b) in enumerate(zip(sizes, parts))], ignore_index=True)
    regs = "label" if regimen == "label" else [parse_regimen(regimen, component=analyte)]
    if kind == "pta":
        return exposure.population_pta(prod, cohort, regs, mics=(0.25, 0.5, 1, 2, 4, 8, 16, 32),
                                       structure=structure, rng=SEED)
    return exposure.exposure_summary(prod, cohort, regs, structure=structure, rng=SEED)


def _cohort(row, quantity, structure):
    key = (row["product"], row["analyte"], row["design"], row["crcl_band_ml_per_min"], row["alternatives"],
           row["regimen"], row["target_ft_percent"], int(_float(row, "n_patients")), structure)
    if quantity == "pta_fraction":
        table = _cohort_result(*key, "pta")
        return float(table.loc[np.isclose(table.mic_mg_per_l, _float(row, "mic_mg_per_l")), "pta_fraction"].iloc[0])
    table = _cohort_result(*key, "exposure").set_index("analyte")
    return float(table.loc[row["analyte"], quantity])


# --- dispatch and check ---------------------------------------------------------------


def simulated(row, structure):
    """pkdose's value of the row's quantity in one structure."""
    quantity = row["quantity"]
    if row["dosing"] == "cohort":
        return _cohort(row, quantity, structure)
    if quantity == "pta_fraction":
        return pta(row, structure)
    if row["dosing"] == "single":
        return _single(row, quantity, structure)
    assert row["dosing"] in ("steady_state", "hd_week"), row["dosing"]
    assert (row["dosing"] == "hd_week") == (row["renal_state"] == "ihd")
    return _steady(row, quantity, structure)


def check(row, structure):
    """Assert pkdose's value against the published one within the row's justified tolerance."""
    assert row["note"].strip(), "every tolerance is justified in note"
    relation = row["relation"].strip() or "approx"
    assert relation in RELATIONS, relation
    expected = float(row["value"])
    got = simulated(row, structure)
    if relation == "abs":
        tol = float(row["tolerance_abs"])
        assert abs(got - expected) <= tol, f"{got:.4f} vs {expected} +/- {tol}"
        return
    tol = float(row["tolerance_rel"])
    if relation == "approx":
        assert got == pytest.approx(expected, rel=tol)
    elif relation == "ge":
        assert got >= expected * (1 - tol), f"{got} < {expected} x (1 - {tol})"
    else:
        assert got < expected * (1 + tol), f"{got} >= {expected} x (1 + {tol})"
