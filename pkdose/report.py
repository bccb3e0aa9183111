r"""Turn dose advice and recommendations into stable JSON and into text a pharmacist reads.

One module serves the command line (``--json`` and the default text) and the
local web calculator, so both always give the same answers. The JSON layout is
documented in ``docs/json-schema.md``; its ``schema`` field names the version.

Nothing a pharmacist needs is kept in JSON only: the text shows the basis of
every regimen (label, published practice with its evidence grade, a
combination no label covers), the drug on every line, label cautions and row
notes, the MIC's interpretation, the PTA with its Monte Carlo interval and
verdict, the CRRT clearance range, an unsettled threshold and its
alternative, the dialysis week with amounts, guideline conditions, and the
AI-generated seed summaries apart from the guidelines.

References
----------
.. [1] pkdose JSON output, ``docs/json-schema.md``.
"""

import math

import numpy as np

from . import __version__
from .guidelines import condition_text
from .regimens import after_each_session, band_contains, exceeds_label_maximum, format_regimen, week_amounts_mg
from .schedule import WEEK_H
from .sources import format_citation

__all__ = [
    "DISCLAIMER",
    "band_text",
    "crcl_text",
    "SCHEMA_DOSE",
    "SCHEMA_RECOMMEND",
    "advice_to_dict",
    "recommendation_to_dict",
    "advice_text",
    "recommendation_text",
    "hd_week_schedule",
    "regimen_to_dict",
    "check_to_dict",
]

#: Shown once in every output.
DISCLAIMER = ("Decision support for healthcare professionals: check every dose against the "
              "current label, local protocols and the patient before prescribing.")
SCHEMA_DOSE = "pkdose.dose/1"
SCHEMA_RECOMMEND = "pkdose.recommend/1"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_STATE = {"native": "native kidneys", "ihd": "intermittent haemodialysis",
          "crrt": "continuous renal replacement therapy"}
_IND = "          "


def _clock(t_h):
    t = t_h % WEEK_H
    day, hours = divmod(t, 24.0)
    minutes = int(round((hours % 1) * 60))
    return f"{_DAYS[int(day)]} {int(hours):02d}:{minutes:02d}"


def _num(x, digits=4):
    if x is None:
        return None
    x = float(x)
    return None if not math.isfinite(x) else float(f"{x:.{digits}g}")


def _g(mg):
    return f"{float(mg) / 1000:.4g} g"


def _hd_days(advice):
    state = advice.renal.state
    return tuple(state.schedule.days) if advice.renal.renal_state == "ihd" else None


def _citations(regimen, sources):
    return [{"source": k, "locator": loc, "reference": sources.get(k, "")} for k, loc in regimen.citations]


def regimen_to_dict(regimen, sources=None, hd_days=None):
    """JSON-ready dict of one regimen (schema in ``docs/json-schema.md``).

    Parameters
    ----------
    regimen : Regimen
        Regimen [-].
    sources : dict, optional
        Source key -> formatted reference [-].
    hd_days : sequence of str, optional
        Dialysis days: the text is written as the dialysis plan gives it [-].

    Returns
    -------
    dict

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """
    sources = sources or {}
    doses = dict(regimen.analyte_dose_mg) or {regimen.component: regimen.dose_mg}
    total = sum(doses.values()) or 1.0
    loading = regimen.loading_dose_mg
    each_session = after_each_session(regimen, hd_days)
    daily = _mean_daily_mg(regimen, hd_days)
    week = week_amounts_mg(regimen, hd_days) if hd_days else None
    return {
        "component": regimen.component,
        "text": format_regimen(regimen, hd_days),
        "dose_mg": _num(regimen.dose_mg, 6),
        "dose_basis": "product",
        "analyte_dose_mg": {a: _num(d, 6) for a, d in doses.items()},
        "dosing_rule": ("after each dialysis session" if each_session else
                        "continuous infusion" if regimen.continuous else "fixed interval"),
        "interval_h": None if each_session else _num(regimen.interval_h),
        "label_interval_h": _num(regimen.interval_h),
        "hd_days": list(hd_days) if each_session else None,
        "doses_per_week": (len(hd_days) if each_session else
                           _num(168.0 / regimen.interval_h) if hd_days else None),
        "infusion_h": _num(regimen.infusion_h),
        "continuous_infusion": bool(regimen.continuous),
        "loading_dose_mg": _num(loading, 6),
        "loading_analyte_dose_mg": (None if loading is None else
                                    {a: _num(loading * d / total, 6) for a, d in doses.items()}),
        "loading_infusion_h": (None if loading is None else
                               _num(regimen.loading_infusion_h or regimen.infusion_h)),
        "post_hd_supplement_mg": _num(regimen.post_hd_supplement_mg, 6) or None,
        "give_after_hd": bool(regimen.give_after_hd),
        "bag_change_h": _num(regimen.bag_change_h),
        "syringe_change_h": _num(regimen.syringe_change_h),
        "exposure": regimen.exposure,
        "weekly_dose_mg": None if week is None else _num(week[0], 6),
        "weekly_supplement_mg": None if week is None else (_num(week[1], 6) or None),
        "daily_dose_mg": _num(daily, 6),
        "daily_dose_basis": "week / 7" if each_session else "dose x 24 / interval",
        "daily_analyte_dose_mg": {a: _num(daily * d / total, 6) for a, d in doses.items()},
        "max_daily_dose_mg": _num(regimen.max_daily_dose_mg, 6),
        "exceeds_label_maximum": bool(exceeds_label_maximum(regimen)),
        "evidence": regimen.evidence or "label",
        "citations": _citations(regimen, sources),
        "note": regimen.note,
        "caution": regimen.caution,
    }


def _mean_daily_mg(regimen, hd_days=None):
    """Maintenance amount per day: the week's amount / 7 for a dose after each session."""
    if after_each_session(regimen, hd_days):
        return week_amounts_mg(regimen, hd_days)[0] / 7.0
    return regimen.daily_dose_mg


def _component_courses(check, regimens):
    """(regimen, analyte, share) for each regimen: the analyte that carries its dosing."""
    out = []
    for r in regimens:
        doses = dict(r.analyte_dose_mg) or {r.component: r.dose_mg}
        analyte = next((a for a in doses if a in check.courses), None)
        if analyte is not None:
            out.append((r, analyte, doses[analyte] / r.dose_mg))
    return out


def hd_week_schedule(check, regimens=()):
    """Every dose of the dialysis week: day, time, drug, amount (supplements included).

    Parameters
    ----------
    check : PKCheck
        PK check on intermittent haemodialysis [-].
    regimens : sequence of Regimen, optional
        The regimens checked, to name each component and give its amounts as
        products (without them, per analyte) [-].

    Returns
    -------
    list of dict
        The sessions as ``{"session": "Mon 08:00-12:00"}`` first, then each
        loading dose once ``{"loading_dose": True, "component", "amount_mg",
        "infusion_h", "when"}`` (the first dose of therapy, before the weekly
        plan), then every dose ``{"component", "analyte", "time_h", "clock",
        "amount_mg", "maintenance_mg", "supplement_mg", "after_hd"}`` sorted by
        time; the amounts are of the component's product (analyte on its own
        without regimens) [-].

    References
    ----------
    .. [1] pkdose.schedule module Notes (the dose-timing rule).
    """
    first = next(iter(check.courses.values()))
    if first.extra is None or first.period_h != WEEK_H:
        return []
    out = [{"session": f"{_clock(s)}-{_clock(e)[4:]}"} for s, e in zip(first.extra.start_h, first.extra.end_h)]
    out += [{"loading_dose": True, "component": r.component, "amount_mg": _num(r.loading_dose_mg, 6),
             "infusion_h": _num(r.loading_infusion_h or r.infusion_h),
             "when": "once, as the first dose of therapy, before the weekly plan"}
            for r in regimens if r.loading_dose_mg is not None]
    ends = set(np.round(first.extra.end_h, 6))
    triples = _component_courses(check, regimens) or [(None, a, 1.0) for a in check.courses]
    doses = []
    for r, analyte, share in triples:
        d = check.courses[analyte].dosing
        names = [a for a in (dict(r.analyte_dose_mg) if r else {analyte: 1}) if a in check.courses]
        per_time = {}
        for t, amount in zip(np.round(d.start_h, 6), d.amount_mg):
            product = amount / share
            slot = per_time.setdefault(t, [0.0, 0.0])
            is_maintenance = r is None or abs(product - r.dose_mg) < 1e-6 and slot[0] == 0.0
            slot[0 if is_maintenance else 1] += product
        for t, (maint, supp) in per_time.items():
            doses.append({"component": r.component if r else analyte, "analyte": " + ".join(names),
                          "time_h": _num(t), "clock": _clock(t), "amount_mg": _num(maint + supp, 6),
                          "maintenance_mg": _num(maint, 6), "supplement_mg": _num(supp, 6),
                          "continuous": bool(r is not None and r.continuous and maint > 0),
                          "after_hd": bool(t in ends)})
    return out + sorted(doses, key=lambda x: x["time_h"])


def _records(rows):
    """Table rows (dicts) with numbers rounded to 4 significant figures."""
    return [{k: (_num(v) if isinstance(v, (int, float, np.floating)) else v) for k, v in row.items()}
            for row in rows]


def _verdict_dict(v):
    if v is None:
        return None
    return {"verdict": v.verdict, "pta": _num(v.pta), "lower_95": _num(v.lower), "upper_95": _num(v.upper),
            "n_patients": int(v.n_patients), "text": v.text()}


def check_to_dict(check, regimens=(), verdict=None):
    """JSON-ready dict of a PK check.

    Parameters
    ----------
    check : PKCheck or None
        Result of :func:`pkdose.exposure.pk_check` [-].
    regimens : sequence of Regimen, optional
        The regimens checked (names and amounts in the dialysis week) [-].
    verdict : Verdict, optional
        Its PTA verdict (:func:`pkdose.recommend.assess`) [-].

    Returns
    -------
    dict or None

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """
    if check is None:
        return None
    from .pta import pta_interval

    pta = check.rows("pta")
    lo, hi = pta_interval(np.array([r["pta_fraction"] for r in pta]), check.n_patients)
    return {
        "mic_mg_per_l": _num(check.mic_mg_per_l),
        "pta_at_mic": _num(check.pta_at_mic),
        "n_patients": int(check.n_patients),
        "verdict": _verdict_dict(verdict),
        "period_h": _num(next(iter(check.courses.values())).period_h),
        "targets": _records(check.rows("targets")),
        "typical": _records(check.rows("typical")),
        "pta_by_mic": [{"mic_mg_per_l": _num(r["mic_mg_per_l"]), "pta": _num(r["pta_fraction"]),
                        "lower_95": _num(a), "upper_95": _num(b)} for r, a, b in zip(pta, lo, hi)],
        "hd_week": hd_week_schedule(check, regimens),
        "structure": check.structure,
        "population": check.population,
    }


def _sources_map(advice):
    return {s.key: format_citation(s) for s in advice.sources}


def _totals(regimens, hd_days=None):
    by_component, by_analyte = {}, {}
    for r in regimens:
        daily = _mean_daily_mg(r, hd_days)
        by_component[r.component] = _num(daily, 6)
        doses = dict(r.analyte_dose_mg) or {r.component: r.dose_mg}
        total = sum(doses.values()) or 1.0
        for a, d in doses.items():
            by_analyte[a] = _num(by_analyte.get(a, 0.0) + daily * d / total, 6)
    return {"daily_dose_mg_by_component": by_component, "daily_dose_mg_by_analyte": by_analyte,
            "note": ("maintenance per day (a dose after each dialysis session: the week's amount / 7); loading "
                     "doses and post-dialysis supplements not included")}


def _crrt_range_dicts(advice):
    from .library import load_crrt_assumptions

    if not advice.crrt_range:
        return []
    assumptions = load_crrt_assumptions()
    out = []
    for scenario, v, cls in advice.crrt_range:
        coeffs = {a: assumptions.values(a, scenario)[0] for a in cls}
        delivered = assumptions.values(next(iter(cls)), scenario)[1]
        out.append({"scenario": scenario, "coefficient_fraction": coeffs, "delivered_fraction": delivered,
                    "extracorporeal_cl_l_per_h": {a: _num(c) for a, c in cls.items()},
                    "verdict": _verdict_dict(v)})
    return out


def _threshold_dict(advice):
    if advice.threshold_check is None:
        return None
    comp, alt, v = advice.threshold_check
    return {"analyte": comp.analyte, "chosen_mg_per_l": _num(comp.threshold_mg_per_l), "chosen_source": comp.source,
            "chosen_note": comp.note, "alternative_mg_per_l": _num(alt.value), "alternative_source": alt.source,
            "alternative_locator": alt.locator, "alternative_note": alt.note,
            "verdict_with_alternative": _verdict_dict(v)}


def _ceiling_dict(c):
    return {"analyte": c.analyte, "ceiling_mg_per_l": _num(c.ceiling_mg_per_l), "published": c.ceiling_mg_per_l
            is not None, "typical_cmin_mg_per_l": _num(c.cmin_mg_per_l), "share_above": _num(c.share_above),
            "n_patients": int(c.n_patients), "where": c.where, "exceeded": bool(c.exceeded), "source": c.source,
            "locator": c.locator, "text": c.text()}


def band_text(lo, hi, bounds):
    """A label band as a pharmacist reads it, e.g. ``"> 50"``, ``"> 30 to ≤ 50"``, ``"≥ 60 to < 120"`` [mL/min].

    Parameters
    ----------
    lo, hi : float
        Ends of the band [mL/min].
    bounds : str
        Closed ends, ``"(]"``, ``"[)"``, ``"[]"`` or ``"()"`` [-].

    Returns
    -------
    str

    References
    ----------
    .. [1] ``models/README.md``, "Regimen files" (band edges).

    Examples
    --------
    >>> band_text(50, float("inf"), "(]"), band_text(30, 50, "(]"), band_text(0, 5, "[]")
    ('> 50', '> 30 to ≤ 50', '≤ 5')
    """
    low = "" if lo == 0 and bounds[0] == "[" else f"{'≥' if bounds[0] == '[' else '>'} {lo:g}"
    high = "" if math.isinf(hi) else f"{'≤' if bounds[1] == ']' else '<'} {hi:g}"
    return " to ".join(x for x in (low, high) if x) or "any"


def crcl_text(crcl_ml_per_min, bands=()):
    """CrCL with enough decimals that the printed value lies in the same label band(s) [mL/min].

    Parameters
    ----------
    crcl_ml_per_min : float
        CrCL [mL/min].
    bands : sequence of (component, lo, hi, bounds)
        The bands the CrCL was dosed in [mL/min].

    Returns
    -------
    str
        The value rounded to 0, 1 or 2 decimals: the fewest for which the
        rounded value falls in every band the exact value falls in.

    References
    ----------
    .. [1] ``models/README.md``, "Regimen files" (band edges).

    Examples
    --------
    >>> crcl_text(50.13, [("ceftazidime-avibactam", 50, float("inf"), "(]")]), crcl_text(80.3)
    ('50.1', '80')
    """
    x = float(crcl_ml_per_min)
    for digits in (0, 1, 2, 3):
        y = round(x, digits)
        if all(band_contains(lo, hi, b, y) for _, lo, hi, b in bands):
            return f"{y:.{digits}f}"
    return f"{x:g}"


def advice_to_dict(advice):
    """JSON-ready dict of :class:`pkdose.recommend.DoseAdvice` (schema ``pkdose.dose/1``).

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].

    Returns
    -------
    dict

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """
    sources = _sources_map(advice)
    r = advice.renal
    state = r.state
    days = _hd_days(advice)
    sus = advice.susceptibility
    return {
        "schema": SCHEMA_DOSE,
        "pkdose_version": __version__,
        "disclaimer": DISCLAIMER,
        "product": advice.product,
        "display_name": advice.display_name,
        "jurisdiction": advice.jurisdiction,
        "organism": advice.organism,
        "renal": {
            "crcl_ml_per_min": _num(r.crcl_ml_per_min),
            "crcl_text": crcl_text(r.crcl_ml_per_min, advice.bands),
            "method": r.method,
            "renal_state": r.renal_state,
            "weight_explanation": r.weight_explanation,
            "hd_schedule": ({"days": list(state.schedule.days), "start_h": state.schedule.start_h,
                             "session_h": state.schedule.session_h} if r.renal_state == "ihd" else None),
            "crrt_effluent_l_per_h": getattr(state, "effluent_l_per_h", None),
            "crrt_modality": getattr(state, "modality", None),
            "notes": list(r.notes),
            "label_bands": [{"component": c, "band": band_text(lo, hi, b), "lo_ml_per_min": _num(lo),
                             "hi_ml_per_min": _num(hi), "bounds": b} for c, lo, hi, b in advice.bands],
            "crcl_by_weight": [{"rule": w.rule, "crcl_ml_per_min": _num(w.crcl_ml_per_min),
                                "weight_explanation": w.weight_explanation, "regimens": list(w.regimens),
                                "used": w.used} for w in advice.weight_bands],
            "weight_rule_changes_band": bool(advice.weight_bands),
        },
        "site": advice.site,
        "mic_mg_per_l": _num(advice.mic_mg_per_l),
        "mic_basis": advice.mic_basis,
        "susceptibility": (None if sus is None else {
            "category": sus.category, "body": sus.body, "text": sus.text, "source": sus.source,
            "locator": sus.locator, "note": sus.note,
            "other_bodies": [{"body": b, "category": c, "text": t, "source": src, "locator": loc}
                             for b, c, t, src, loc in sus.others],
            "bodies_disagree": bool(sus.others)}),
        "increased_exposure": (None if advice.high_exposure is None else {
            "mic_mg_per_l": _num(advice.high_exposure.mic_mg_per_l),
            "above_mg_per_l": _num(advice.high_exposure.low_mg_per_l),
            "regimens": [regimen_to_dict(x, sources, days) for x in advice.high_exposure.regimens],
            "verdict": _verdict_dict(advice.high_exposure.verdict), "text": advice.high_exposure.text}),
        "target": advice.target_text,
        "pk_models": list(advice.pk_models),
        "basis": advice.basis,
        "basis_text": advice.basis_text,
        "regimens": [regimen_to_dict(x, sources, days) for x in advice.regimens],
        "totals": _totals(advice.regimens, days),
        "label_note": advice.label_note,
        "choice_note": advice.choice_note,
        "exposure_ceilings": [_ceiling_dict(c) for c in advice.ceilings],
        "pk_check": check_to_dict(advice.check, advice.regimens, advice.verdict),
        "crrt_range": _crrt_range_dicts(advice),
        "threshold_alternative": _threshold_dict(advice),
        "model_informed": (None if not advice.alternative else {
            "label": "model-informed, not labelled dosing",
            "regimens": [regimen_to_dict(x, sources, days) for x in advice.alternative],
            "totals": _totals(advice.alternative, days),
            "pk_check": check_to_dict(advice.alternative_check, advice.alternative, advice.alternative_verdict),
            "exposure_ceilings": [_ceiling_dict(c) for c in advice.alternative_ceilings],
            "reason": advice.alternative_reason,
            "note": advice.alternative_note}),
        "model_informed_note": advice.alternative_note if not advice.alternative else "",
        "warnings": list(advice.warnings),
        "references": [{"key": s.key, "reference": sources[s.key], "kind": s.kind, "evidence": s.evidence}
                       for s in advice.sources],
    }


def recommendation_to_dict(rec):
    """JSON-ready dict of :class:`pkdose.recommend.Recommendation` (``pkdose.recommend/1``).

    Parameters
    ----------
    rec : Recommendation
        Result of :func:`pkdose.recommend.recommend` [-].

    Returns
    -------
    dict

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """
    options = rec.options.replace({np.nan: None}).to_dict("records")
    return {
        "schema": SCHEMA_RECOMMEND,
        "pkdose_version": __version__,
        "disclaimer": DISCLAIMER,
        "mechanism": rec.mechanism,
        "mechanism_note": rec.mechanism_note,
        "doses_note": rec.doses_note,
        "options": options,
        "products": list(rec.products),
        "reasons": {p: list(lines) for p, lines in rec.reasons.items()},
        "advice": [{k: v for k, v in advice_to_dict(a).items() if k not in ("disclaimer", "pkdose_version")}
                   for a in rec.advice],
        "warnings": [{"key": w.key, "text": w.text,
                      "citations": [{"source": k, "locator": loc} for k, loc in w.citations]}
                     for w in rec.warnings],
    }


# --- text ------------------------------------------------------------------------------


def _pct(p):
    return f"{100 * p:.1f} %"


def _target_lines(check, indent):
    lines = []
    for row in check.rows("targets"):
        thr = ("MIC" if row["metric"] == "ft_above_mic" else "threshold") + f" {row['threshold_mg_per_l']:g} mg/L"
        lines.append(f"{indent}{row['analyte']}: typical patient {row['typical_ft_percent']:.0f} % fT>{thr} "
                     f"(needs {row['required_ft_percent']:g} %; first 24 h of therapy "
                     f"{row['typical_first_24h_ft_percent']:.0f} %); population PTA {_pct(row['pta_fraction'])}")
    return lines


def _check_lines(check, verdict, indent=_IND):
    lines = _target_lines(check, indent)
    if verdict is not None:
        lines.append(f"{indent}joint PTA at MIC {check.mic_mg_per_l:g} mg/L: {verdict.text()}")
    for row in check.rows("targets"):
        if row["metric"] != "ft_above_mic" and row["pta_fraction"] < 0.9:
            lines.append(f"{indent}note: {row['analyte']} exposure ({row['required_ft_percent']:g} % fT>"
                         f"{row['threshold_mg_per_l']:g} mg/L) caps the joint PTA at "
                         f"{_pct(row['pta_fraction'])} whatever the MIC")
    for row in check.rows("typical"):
        extra = (f", + {row['extracorporeal_cl_l_per_h']:.2f} L/h extracorporeal"
                 if row["extracorporeal_cl_l_per_h"] else "")
        lines.append(f"{indent}{row['analyte']} typical: CL {row['cl_l_per_h']:.2f} L/h{extra}, "
                     f"V {row['v_l']:.1f} L, AUC24 {row['auc24_mg_h_per_l']:.0f} mg·h/L, "
                     f"Cmax {row['cmax_mg_per_l']:.1f} / Cmin {row['cmin_mg_per_l']:.1f} mg/L")
    lines.append(f"{indent}PK model structure: {check.structure}; population: {check.population}")
    lines.append(f"{indent}PTA by MIC (mg/L): " + "  ".join(
        f"{r['mic_mg_per_l']:g}: {100 * r['pta_fraction']:.0f}%" for r in check.rows("pta") if r["mic_mg_per_l"] <= 64))
    return lines


def _week_lines(check, regimens, indent=_IND):
    week = hd_week_schedule(check, regimens)
    if not week:
        return []
    lines = [f"{indent}dialysis sessions: " + ", ".join(w["session"] for w in week if "session" in w)]
    loads = [w for w in week if w.get("loading_dose")]
    if loads:
        lines.append(f"{indent}start of therapy (once, before the weekly plan): " + " + ".join(
            f"{w['component']} {_g(w['amount_mg'])} loading dose over {w['infusion_h']:g} h" for w in loads))
    lines.append(f"{indent}dose plan for the week (amounts of each product; 'after HD' = when the session ends):")
    by_day = {}
    for w in (w for w in week if "clock" in w):
        part = f"{w['component']} {_g(w['amount_mg'])}"
        if w["continuous"]:
            part = f"{w['component']} {_g(w['maintenance_mg'])} as the next 24-h continuous infusion"
            part += f" + {_g(w['supplement_mg'])} post-HD supplement" if w["supplement_mg"] else ""
        elif w["supplement_mg"]:
            part += f" ({_g(w['maintenance_mg'])} + {_g(w['supplement_mg'])} post-HD supplement)"
        day, clock = w["clock"].split()
        by_day.setdefault(day, {}).setdefault((clock, w["after_hd"]), []).append(part)
    for day, slots in by_day.items():
        text = " | ".join(f"{clock}{' after HD' if after else ''}: {' + '.join(parts)}"
                          for (clock, after), parts in slots.items())
        lines.append(f"{indent}  {day}  {text}")
    return lines


def _amount_line(x, hd_days, indent):
    """The daily amount of one regimen: from the week when it is given after each session."""
    flag = "  !!! ABOVE THE LABELLED MAXIMUM" if exceeds_label_maximum(x) else ""
    limit = f"maximum {x.max_daily_dose_mg / 1000:g} g/day{flag}"
    if not hd_days:
        return f"{indent}  {x.daily_dose_mg / 1000:g} g/day of {x.component}; {limit}"
    maintenance, supplements = week_amounts_mg(x, hd_days)
    extra = f" (+ {_g(supplements)}/week of post-HD supplements)" if supplements else ""
    if after_each_session(x, hd_days):
        how = f"{_g(x.dose_mg)} after each of {len(hd_days)} sessions"
    elif x.continuous:
        how = f"{_g(x.daily_dose_mg)} per 24 h"
    else:
        how = f"{_g(x.dose_mg)} q{x.interval_h:g}h"
    return (f"{indent}  {_g(maintenance)}/week ({how}) = {_mean_daily_mg(x, hd_days) / 1000:.3g} g/day of "
            f"{x.component}{extra}; {limit}")


def _regimen_lines(regimens, hd_days, indent=_IND, cautions=False):
    lines = []
    for x in regimens:
        lines.append(f"{indent}{x.component}: {format_regimen(x, hd_days)}")
        lines.append(_amount_line(x, hd_days, indent))
        if after_each_session(x, hd_days):
            lines.append(f"{indent}  label interval q{x.interval_h:g}h: on a {'/'.join(hd_days)} schedule the dose "
                         "is given after every session (the longest gap gets no extra dose)")
        if x.evidence:
            lines.append(f"{indent}  evidence: {x.evidence}")
        lines += [f"{indent}  source: [{key}] {loc}" for key, loc in x.citations]
        if x.note and x.note not in x.evidence:
            lines.append(f"{indent}  note: {x.note}")
        if cautions and x.caution:
            lines.append(f"{indent}  ! caution: {x.caution}")
        if x.syringe_change_h is not None:
            lines.append(f"{indent}  infusion bags of the label dilution: a new bag at least every "
                         f"{x.bag_change_h:g} h (in-use stability of the bag); the {x.syringe_change_h:g}-h figure "
                         "holds only for syringes of the concentrated solution at the tested concentration")
    return lines


def _ceiling_lines(ceilings, indent=_IND):
    if not ceilings:
        return []
    return [f"{indent}exposure ceilings (toxicity):"] + [
        f"{indent}  {'!! ' if c.exceeded else ''}{c.text()}" for c in ceilings]


def _crrt_lines(advice, indent=_IND):
    if not advice.crrt_range:
        return []
    from .library import load_crrt_assumptions

    assumptions = load_crrt_assumptions()
    eff = advice.renal.state.effluent_l_per_h
    lines = [f"{indent}CRRT clearance is uncertain (models/crrt.toml); the verdict above is at the high end:"]
    for scenario, v, cls in advice.crrt_range:
        coeffs = ", ".join(f"{a} {assumptions.values(a, scenario)[0]:g}" for a in cls)
        delivered = assumptions.values(next(iter(cls)), scenario)[1]
        cl = ", ".join(f"{a} {c:.2f}" for a, c in cls.items())
        lines.append(f"{indent}  {scenario:7s} coefficient {coeffs}; {delivered:.0%} of {eff:g} L/h delivered; "
                     f"CL_CRRT {cl} L/h -> PTA {v.text()}")
    return lines


def _threshold_lines(advice, indent=_IND):
    if advice.threshold_check is None:
        return []
    comp, alt, v = advice.threshold_check
    chosen = advice.verdict
    lines = [f"{indent}{comp.analyte} threshold: {comp.threshold_mg_per_l:g} mg/L chosen ({comp.source}: "
             f"{comp.locator}); alternative {alt.value:g} mg/L ({alt.source}: {alt.locator}) -> joint PTA "
             f"{v.text()}"]
    if chosen is not None and chosen.verdict != v.verdict:
        lines.append(f"{indent}!! The verdict depends on an unsettled threshold: {chosen.verdict} with "
                     f"{comp.threshold_mg_per_l:g} mg/L, {v.verdict} with {alt.value:g} mg/L. No threshold has been "
                     "established for this combination; pkdose judges it with the stricter one.")
    return lines


def _heading(advice):
    r = advice.renal
    where = f"{_STATE[r.renal_state]}, {advice.jurisdiction}"
    if advice.basis == "label":
        return f"{advice.display_name} ({advice.jurisdiction} label) — {_STATE[r.renal_state]}"
    if advice.basis == "combination":
        return f"{advice.display_name} (combination: no label covers it) — {where}"
    return f"{advice.display_name} — {where}"


def advice_text(advice, *, disclaimer=True):
    """The dose advice as a pharmacist reads it.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    disclaimer : bool, optional
        Start with the decision-support line [-].

    Returns
    -------
    str

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md`` (same content).
    """
    r = advice.renal
    days = _hd_days(advice)
    out = [DISCLAIMER, ""] if disclaimer else []
    out.append(_heading(advice))
    bands = "; ".join(f"{c} {band_text(lo, hi, b)} mL/min" for c, lo, hi, b in advice.bands)
    out.append(f"Renal    CrCL {crcl_text(r.crcl_ml_per_min, advice.bands)} mL/min"
               + (f" (label band: {bands})" if bands else "") + f": {r.method}")
    if r.weight_explanation and r.weight_explanation not in r.method:
        out.append(f"         weight used: {r.weight_explanation}")
    if advice.weight_bands:
        out.append("         !! the body-weight rule changes the label band (Cockcroft–Gault with each weight):")
        out += [f"           {w.rule:8s} CrCL {w.crcl_ml_per_min:.1f} mL/min -> {' + '.join(w.regimens)}"
                + ("   <- used" if w.used else "") for w in advice.weight_bands]
    if r.renal_state == "crrt":
        out.append(f"         CRRT {r.state.modality}, effluent {r.state.effluent_l_per_h:g} L/h")
    if advice.site:
        out.append(f"Site     {advice.site}")
    out += [f"         note: {n}" for n in r.notes]
    out += [f"Warning  {w}" for w in advice.warnings if w.startswith("!!!")]
    out.append(f"Regimen  {advice.basis_text}" if advice.regimens else "Regimen  no label or published regimen")
    out += _regimen_lines(advice.regimens, days)
    if advice.label_note:
        out.append(f"{_IND}{advice.label_note}")
    if advice.choice_note:
        out.append(f"{_IND}{advice.choice_note}")
    sus = advice.susceptibility
    basis = "given" if advice.mic_basis == "user" else advice.mic_basis
    out.append(f"MIC      {advice.mic_mg_per_l:g} mg/L ({basis})" + (f": {sus.text}" if sus else ""))
    if sus is not None and sus.note:
        out.append(f"{_IND}{sus.note}")
    if advice.high_exposure is not None:
        out.append(f"{_IND}{advice.high_exposure.text}")
    out.append(f"PK check target {advice.target_text} ({advice.organism})")
    if advice.check is not None:
        if advice.crrt_range:
            out.append(f"{_IND}checked at the high-clearance end of the CRRT range")
        out += _check_lines(advice.check, advice.verdict) + _crrt_lines(advice) + _threshold_lines(advice)
        out += _ceiling_lines(advice.ceilings)
        out += _week_lines(advice.check, advice.regimens)
    if advice.alternative:
        out.append("Model-informed alternative (NOT labelled dosing)")
        out.append(f"{_IND}{advice.alternative_reason}")
        out += _regimen_lines(advice.alternative, days, cautions=True)
        out += _check_lines(advice.alternative_check, advice.alternative_verdict)
        out += _ceiling_lines(advice.alternative_ceilings)
        out += _week_lines(advice.alternative_check, advice.alternative)
        out.append(f"{_IND}{advice.alternative_note}")
    elif advice.alternative_note:
        out.append(f"Model-informed search: {advice.alternative_note}")
    shown = ("!!!", "!! The body-weight rule", "! MIC interpretation:")
    out += [f"Warning  {w}" for w in advice.warnings if not w.startswith(shown)]
    out.append("PK models " + ", ".join(advice.pk_models))
    out.append("References")
    out += [f"  [{s.key}] {format_citation(s)}" for s in advice.sources]
    return "\n".join(out)


#: What a grade's verification tag means (``models/guidelines.toml`` ``grade_read``).
_GRADE_READ = {"V2": "read in a secondary source only", "R": "recalled, not re-read"}


def _grade(row):
    grade = ", ".join(str(row[k]) for k in ("tier", "strength", "certainty") if row.get(k))
    tag = row.get("grade_read") or ""
    return grade + (f" [{tag}]" if tag in _GRADE_READ else "")


def recommendation_text(rec):
    """Mechanism-first recommendation as text: guidelines, AI summaries apart, pitfalls, dose advice.

    Parameters
    ----------
    rec : Recommendation
        Result of :func:`pkdose.recommend.recommend` [-].

    Returns
    -------
    str

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md`` (same content).
    """
    out = [DISCLAIMER, "", f"Mechanism: {rec.mechanism}"]
    if rec.mechanism_note:
        out.append(f"  {rec.mechanism_note}")
    out += ["", "What the guidelines rank (newest first; conditions after the dash)",
            "  n= : co-equal options the guideline does not rank against each other; "
            + "; ".join(f"[{k}] grade {v}" for k, v in _GRADE_READ.items())]
    if rec.options.empty:
        out.append("  no guideline option matches this mechanism with the site/severity given; widen the filters")
        opts = rec.options
    else:
        opts = rec.options.sort_values(["date", "rank"], ascending=[False, True], kind="stable")
    guides = opts[opts["kind"] == "guideline"] if not opts.empty else opts
    for (guideline, date), grp in guides.groupby(["guideline", "date"], sort=False):
        out.append(f"  {guideline} ({date})")
        for row in grp.to_dict("records"):
            mark = "" if row["in_pkdose"] else "  [not modelled in pkdose]"
            cond = condition_text(row)
            rank = f"{row['rank']}=" if row.get("co_equal") else f"{row['rank']}."
            out.append(f"    {rank} {row['product']} — {_grade(row)}{mark}" + (f"\n       when: {cond}"
                                                                               if cond else ""))
    seeds = opts[opts["kind"] == "ai-summary"] if not opts.empty else opts
    if len(seeds):
        out += ["", "AI-generated summaries (Dr.Oracle, 'pending human review'): not guidelines, no grade"]
        for (guideline, date), grp in seeds.groupby(["guideline", "date"], sort=False):
            out.append(f"  {guideline}, last updated {date}")
            for row in grp.to_dict("records"):
                cond = condition_text(row)
                out.append(f"    {row['product']}" + (f" — {cond}" if cond else "") + f"\n       {row['note']}")
    out += ["", "Pitfalls"]
    for w in rec.warnings:
        cites = "; ".join(f"{k}: {loc}" for k, loc in w.citations)
        out.append(f"  ! {w.text} [{cites}]")
    if rec.doses_note:
        out += ["", rec.doses_note, "Products pkdose can dose for this mechanism (why each is offered):"]
        for product in rec.products:
            out += [f"  {product}"] + [f"    {line}" for line in rec.reasons.get(product, ())]
    for advice in rec.advice:
        out += ["", "=" * 78, "Why this product is offered:"]
        out += [f"  {line}" for line in rec.reasons.get(advice.product, ())]
        out += [advice_text(advice, disclaimer=False)]
    return "\n".join(out)
