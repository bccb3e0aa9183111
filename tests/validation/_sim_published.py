"""Shared reader and simulator for the simulation-based published numbers.

The numbers live in ``tests/data/published/simulation/<sourcekey>__<locator>.csv``
(one sub-directory down, so that the CL/V/half-life reader ``_pk_published.py``,
which globs ``tests/data/published/<sourcekey>__*.csv``, does not pick them
up). Every file has the same columns::

    quantity, value, unit, product, analyte, subject, alternatives,
    crcl_ml_per_min, weight_kg, renal_state, regimen, dosing, t_h,
    reference_crcl_ml_per_min, mic_mg_per_l, target_ft_percent, n_patients,
    relation, tolerance_rel, xfail, note

Inputs
    ``product`` and ``analyte`` pick the PK model pkdose uses by default
    (``load_product(product).pk_models[analyte]``). ``subject`` is ``typical``
    (the model file's typical patient) or ``reference`` (the published reference
    subject: ``cl_site_reference_ratio`` and ``v_weight_scaled_reference_l``);
    ``alternatives`` lists further swaps ``param=alternative;...``. The subject
    only changes the *patient's* CL and V: the dialysis clearance always comes
    from pkdose's own course (:func:`pkdose.exposure.analyte_courses`), i.e. the
    model's measured ``hd_cl_l_per_h`` where it has one (aztreonam), else the
    clearance calibrated on the ``reference`` subject with kidney failure
    (residual CrCL 5, ESRD rule). For a calibrated analyte, a ``reference`` row
    at the default weight and residual CrCL 5 on dialysis is therefore the
    calibration subject itself (a wiring check); ``typical`` rows and other
    weights are patients who differ from it. ``regimen`` is pkdose regimen text or ``label`` (the label row for
    the CrCL and renal state). ``dosing`` is ``single`` (one dose at t = 0, body
    empty before), ``steady_state`` (periodic steady state over the LCM of the
    intervals, native kidneys) or ``hd_week`` (periodic steady state of a dialysis
    week: Mon/Wed/Fri 08:00 sessions of the model's published session length).

Quantities
    ``auc_ratio`` and ``cmax_ratio`` (single dose, this CrCL over
    ``reference_crcl_ml_per_min``); ``cmax_mg_per_l``; ``c_mg_per_l`` (at
    ``t_h``); ``half_life_h`` (log-linear slope after the infusion);
    ``auc24_mg_h_per_l``; ``hd_fraction_removed`` (fall of the body amount
    over the Monday session, all routes); ``hd_dialyser_fraction_removed``
    (amount cleared by the dialyser over that session / amount at its start);
    ``hd_clearance_l_per_h``; ``half_life_on_hd_h``;
    ``half_life_interdialytic_h``; ``pta_fraction`` (population PTA at
    ``mic_mg_per_l`` with the product's joint target, or with every component
    at ``target_ft_percent`` when given; ``n_patients`` virtual patients, seed
    2026).

Comparison
    ``relation`` is ``approx`` (``|sim / value - 1| <= tolerance_rel``),
    ``ge`` (``sim >= value * (1 - tolerance_rel)``, for "PTA > 90 %") or ``lt``
    (``sim < value * (1 + tolerance_rel)``, for "not beyond this MIC").
    A non-empty ``xfail`` holds the reason a published number is not reproduced;
    the row is marked ``xfail(strict=True)`` so that a fix shows up as XPASS.

Sources
    ``<sourcekey>`` must be a key of the bibliography
    (:func:`pkdose.library.load_sources`, models/sources/), so every row cites a
    listed source.
"""

import csv
import dataclasses
import math
from pathlib import Path

import pytest

from pkdose.exposure import Covariates, analyte_courses, pk_check
from pkdose.library import load_product, load_regimen_table, load_sources
from pkdose.patient import Haemodialysis, HDSchedule, Native
from pkdose.pk import auc, concentration, peak, regimen_dosing, simulate
from pkdose.regimens import parse_regimen, select_regimens

DATA = Path(__file__).resolve().parents[1] / "data" / "published" / "simulation"
RELATIONS = ("approx", "ge", "lt")
SEED = 2026


def cases(source_key):
    """One pytest.param per CSV row of a source; id = locator-quantity-row; xfail rows marked."""
    assert source_key in load_sources(), f"{source_key} is not in models/sources: rows must cite a listed source"
    params = []
    for path in sorted(DATA.glob(f"{source_key}__*.csv")):
        locator = path.stem.split("__", 1)[1]
        with path.open(newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                reason = row["xfail"].strip()
                marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
                params.append(pytest.param(row, id=f"{locator}-{row['quantity']}-{i}", marks=marks))
    assert params, f"no published simulation data for {source_key}"
    return params


# --- inputs -------------------------------------------------------------------------


def _float(row, key, default=None):
    text = row[key].strip()
    return default if text == "" else float(text)


def _swap(model, spec):
    for item in filter(None, (s.strip() for s in spec.split(";"))):
        name, alt = (p.strip() for p in item.split("="))
        model = model.with_alternative(name, alt)
    return model


def patient_model(row):
    """The row's PK model for the patient: default model, subject, then alternatives."""
    model = load_product(row["product"]).pk_models[row["analyte"]]
    if row["subject"] == "reference":
        model = _swap(model, "cl_site_ratio=cl_site_reference_ratio;"
                             "v_weight_scaled_l=v_weight_scaled_reference_l")
    else:
        assert row["subject"] == "typical", row["subject"]
    return _swap(model, row["alternatives"])


def _renal_state(row, model):
    if row["renal_state"] == "ihd":
        schedule = HDSchedule(("Mon", "Wed", "Fri"), 8.0, model.hd_session_h)
        return Haemodialysis(schedule, _float(row, "crcl_ml_per_min"))
    assert row["renal_state"] == "native", row["renal_state"]
    return Native()


def covariates(row):
    """Covariates of the row's patient (renal state from the default model's session length)."""
    default = load_product(row["product"]).pk_models[row["analyte"]]
    return Covariates(_float(row, "crcl_ml_per_min"), _renal_state(row, default),
                      _float(row, "weight_kg"))


def regimens(row, crcl=None):
    """Label regimen(s) for the row's CrCL and renal state, or the parsed regimen text."""
    if row["regimen"].strip() == "label":
        table = load_regimen_table(row["product"])
        crcl = _float(row, "crcl_ml_per_min") if crcl is None else crcl
        return select_regimens(table, crcl_ml_per_min=crcl, renal_state=row["renal_state"])
    return [parse_regimen(row["regimen"], component=row["analyte"])]


def _patient_cl_v(row, model, crcl):
    weight = _float(row, "weight_kg")
    cl = float(model.clearance_l_per_h(crcl, weight_kg=weight, esrd=row["renal_state"] == "ihd"))
    return cl, float(model.volume_l(weight_kg=weight))


# --- single dose --------------------------------------------------------------------


def single_dose_profile(row, crcl):
    """One dose of the row's regimen at t = 0 in the row's patient, followed to ~40 half-lives."""
    model = patient_model(row)
    reg = regimens(row)[0]
    dose = reg.analyte_dose_mg.get(row["analyte"], reg.dose_mg)
    cl, v = _patient_cl_v(row, model, crcl)
    t_end = reg.infusion_h + 40.0 * math.log(2) * v / cl
    return simulate(cl, v, regimen_dosing(dose, reg.interval_h, reg.infusion_h, 1), t_end_h=t_end), reg


def _auc_inf(profile):
    t_end = profile.t_h[-1]
    tail = profile.c_end[0, -1] / profile.k_per_h[0, -1]
    return float(auc(profile, 0.0, t_end)[0]) + float(tail)


def _single(row, quantity):
    crcl = _float(row, "crcl_ml_per_min")
    profile, reg = single_dose_profile(row, crcl)
    if quantity in ("auc_ratio", "cmax_ratio"):
        ref, _ = single_dose_profile(row, _float(row, "reference_crcl_ml_per_min"))
        if quantity == "auc_ratio":
            return _auc_inf(profile) / _auc_inf(ref)
        return float(peak(profile, 0, profile.t_h[-1])[0] / peak(ref, 0, ref.t_h[-1])[0])
    if quantity == "cmax_mg_per_l":
        return float(peak(profile, 0, profile.t_h[-1])[0])
    if quantity == "c_mg_per_l":
        return float(concentration(profile, [_float(row, "t_h")])[0, 0])
    if quantity == "half_life_h":
        t0 = reg.infusion_h + 1.0
        c0, c1 = concentration(profile, [t0, t0 + 6.0])[0]
        return 6.0 * math.log(2) / math.log(c0 / c1)
    raise AssertionError(f"unknown single-dose quantity {quantity}")


# --- periodic steady state (native kidneys or a dialysis week) ----------------------


def course(row):
    """pkdose's own course of the row's analyte: dosing, period and dialysis clearance."""
    product = load_product(row["product"])
    return analyte_courses(product, regimens(row), covariates(row))[row["analyte"]]


def steady_profile(row):
    """Periodic steady state of the row's patient on pkdose's course (pkdose's dialyser)."""
    c = course(row)
    cl, v = _patient_cl_v(row, patient_model(row), _float(row, "crcl_ml_per_min"))
    prof = simulate(cl, v, c.dosing, c.extra, t_end_h=c.period_h, steady_state=True)
    return prof, c, cl, v


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


def _steady(row, quantity):
    prof, c, cl, v = steady_profile(row)
    if quantity == "auc24_mg_h_per_l":
        return float(auc(prof, 0, c.period_h)[0]) * 24.0 / c.period_h
    if quantity == "cmax_mg_per_l":
        return float(peak(prof, 0, c.period_h)[0])
    if quantity == "hd_clearance_l_per_h":
        return c.extracorporeal_cl_l_per_h
    start, end = _monday_session(c)
    c0, c1 = concentration(prof, [start, end])[0]
    if quantity == "hd_fraction_removed":
        return 1.0 - c1 / c0
    if quantity == "hd_dialyser_fraction_removed":
        return c.extracorporeal_cl_l_per_h * float(auc(prof, start, end)[0]) / (v * c0)
    if quantity == "half_life_on_hd_h":
        return (end - start) * math.log(2) / math.log(c0 / c1)
    if quantity == "half_life_interdialytic_h":
        t0, t1 = _free_window(c, end)
        a, b = concentration(prof, [t0, t1])[0]
        return (t1 - t0) * math.log(2) / math.log(a / b)
    raise AssertionError(f"unknown steady-state quantity {quantity}")


# --- population PTA -----------------------------------------------------------------


def pta(row):
    """Joint PTA at the row's MIC with pkdose's pk_check (target optionally overridden)."""
    product = load_product(row["product"])
    models = {a: _swap(m, row["alternatives"]) if a == row["analyte"] else m
              for a, m in product.pk_models.items()}
    target = product.target
    ft = _float(row, "target_ft_percent")
    if ft is not None:
        comps = tuple(dataclasses.replace(k, ft_percent=ft) for k in target.components)
        target = dataclasses.replace(target, components=comps)
    product = dataclasses.replace(product, pk_models=models, target=target)
    chk = pk_check(product, regimens(row), covariates(row), mic_mg_per_l=_float(row, "mic_mg_per_l"),
                   n=int(_float(row, "n_patients")), rng=SEED, mics=())
    return chk.pta_at_mic


# --- dispatch and check ---------------------------------------------------------------


def simulated(row):
    """pkdose's value of the row's quantity."""
    quantity = row["quantity"]
    if quantity == "pta_fraction":
        return pta(row)
    if row["dosing"] == "single":
        return _single(row, quantity)
    assert row["dosing"] in ("steady_state", "hd_week"), row["dosing"]
    assert (row["dosing"] == "hd_week") == (row["renal_state"] == "ihd")
    return _steady(row, quantity)


def check(row):
    """Assert pkdose's value against the published one within the row's justified tolerance."""
    assert row["note"].strip(), "every tolerance is justified in note"
    relation = row["relation"].strip() or "approx"
    assert relation in RELATIONS, relation
    expected, tol = float(row["value"]), float(row["tolerance_rel"])
    got = simulated(row)
    if relation == "approx":
        assert got == pytest.approx(expected, rel=tol)
    elif relation == "ge":
        assert got >= expected * (1 - tol), f"{got} < {expected} x (1 - {tol})"
    else:
        assert got < expected * (1 + tol), f"{got} >= {expected} x (1 + {tol})"
