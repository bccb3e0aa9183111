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
"""

import math

import numpy as np

from . import __version__
from .extracorporeal import WEEKDAYS as _DAYS
from .guidelines import condition_text
from .library.clinical import PTA_GOAL
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
    "note_text",
    "inputs_lines",
    "administration_plan",
    "give_together",
    "dose_times",
    "summary_line",
    "summary_html",
]

#: Shown once in every output.
DISCLAIMER = ("Decision support for healthcare professionals: check every dose against the "
              "current label, local protocols and the patient before prescribing.")
SCHEMA_DOSE = "pkdose.dose/1"
SCHEMA_RECOMMEND = "pkdose.recommend/1"
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
                           _num(WEEK_H / regimen.interval_h) if hd_days else None),
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
        if row["metric"] != "ft_above_mic" and row["pta_fraction"] < PTA_GOAL:
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
    return (f"{indent}  {_g(maintenance)}/week ({_how_given(x, hd_days)}) = "
            f"{_mean_daily_mg(x, hd_days) / 1000:.3g} g/day of {x.component}{extra}; {limit}")


def _how_given(x, hd_days, short=False):
    """The dose and how often, in words: after each HD session, per 24 h (continuous) or every interval."""
    if after_each_session(x, hd_days):
        return f"{_g(x.dose_mg)} after each HD" if short else f"{_g(x.dose_mg)} after each of {len(hd_days)} sessions"
    if x.continuous:
        return f"{_g(x.daily_dose_mg)}/24 h continuous" if short else f"{_g(x.daily_dose_mg)} per 24 h"
    return f"{_g(x.dose_mg)} q{x.interval_h:g}h" + (f" over {x.infusion_h:g} h" if short else "")


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


# --- what is given: vials, volumes, rates, times (shared by the note and the dosing card) ------------


def _mg_text(mg):
    """An amount as the labels print it: grams from 1 g, else mg (0.94 g, 187.5 mg -> 0.19 g)."""
    return f"{float(mg) / 1000:.4g} g"


def _split_text(regimen, amount_mg):
    """``"ceftazidime 2 g + avibactam 0.5 g"`` of an amount of a combined product, else ``""``."""
    doses = dict(regimen.analyte_dose_mg)
    if len(doses) < 2:
        return ""
    if abs(float(amount_mg) - regimen.dose_mg) < 1e-6:  # the dose itself: its analyte amounts as written
        return " + ".join(f"{a} {_mg_text(d)}" for a, d in doses.items())
    total = sum(doses.values())
    return " + ".join(f"{a} {_mg_text(round(amount_mg * d / total, 1))}" for a, d in doses.items())


def _vials_text(amount_mg, vial_mg, regimen):
    """How many vials make one dose, and what part of the last is used."""
    if not vial_mg:
        return "vial size not in pkdose's data: check the product"
    full, rest = divmod(round(float(amount_mg), 3), float(vial_mg))
    split = _split_text(regimen, vial_mg)
    vial = f"{_mg_text(vial_mg)} vial" + (f" ({split})" if split else "")
    if rest < 1e-6:
        return f"{int(full)} × {vial}"
    part = f"{_mg_text(rest)} = {rest / vial_mg:.0%} of a {vial}"
    head = f"{int(full)} × {vial} + {part}" if full else part
    return head + " (discard the rest)"


def _rate(amount_mg, hours, vial_mg, prep):
    """(text, volume_ml, rate_ml_per_h) of one infusion: a number only where the volume is cited."""
    if prep is None or not vial_mg:
        return (f"rate = final bag volume ÷ {hours:g} h (pkdose holds no single cited bag volume for "
                "this product: check the label's preparation instructions)", None, None)
    withdrawn_ml = float(amount_mg) / float(vial_mg) * prep.reconstituted_vial_volume.value * 1000.0
    volume_ml = prep.infusion_bag_volume.value * 1000.0 + withdrawn_ml
    rate = volume_ml / hours
    return (f"{volume_ml:.0f} mL ({prep.infusion_bag_volume.value * 1000:g} mL bag + {withdrawn_ml:.1f} mL of "
            f"reconstituted solution) over {hours:g} h = {rate:.0f} mL/h; bag overfill not counted",
            volume_ml, rate)


def administration_plan(advice, regimens=None):
    r"""What the nurse gives for each component: amounts, vials, volume and rate, loading dose, bag changes, cautions.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    regimens : sequence of Regimen, optional
        Regimens to describe; default the regimen offered first
        (``advice.regimens``) [-].

    Returns
    -------
    list of dict
        One dict per component: ``component``, ``text`` (the regimen as
        written), ``amounts`` (analyte split), ``vials``, ``infusion_h``,
        ``rate_text`` with ``volume_ml`` and ``rate_ml_per_h`` (None where
        pkdose holds no cited bag volume), ``loading`` (text or None),
        ``loading_vials``, ``supplement`` (post-HD, text or None),
        ``bag_change`` (text or None), ``cautions`` (list of str),
        ``citations`` ((source, locator) pairs, those of the preparation
        included) [-].

    Notes
    -----
    The volume infused is the infusion bag plus the reconstituted solution
    withdrawn for the dose, both from ``models/preparation.toml``; the rate is
    that volume over the infusion time. Where the label gives only a range of
    dilutions, the plan says what to check instead of a number.

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) for injection. US prescribing
       information. Section 2 (preparation of the solution for administration).
    """
    from .library import load_regimen_table
    from .library.preparation import load_preparations

    table = load_regimen_table(advice.product)
    preps = load_preparations()
    days = _hd_days(advice)
    out = []
    for r in advice.regimens if regimens is None else regimens:
        vial = table.vial_mg.get(r.component)
        prep = preps.get(r.component)
        hours = 24.0 if r.continuous else r.infusion_h
        amount = r.daily_dose_mg if r.continuous else r.dose_mg
        rate_text, volume, rate = _rate(amount, hours, vial, prep)
        cites = list(r.citations) + ([(prep.infusion_bag_volume.source, prep.infusion_bag_volume.locator)]
                                     if prep is not None and vial else [])
        loading = None
        if r.loading_dose_mg:
            lh = r.loading_infusion_h or r.infusion_h
            loading = (f"{_mg_text(r.loading_dose_mg)} of {r.component} over {lh:g} h, once, as the first dose"
                       + ("; the continuous infusion starts when it ends" if r.continuous else
                          f"; the first maintenance dose {r.interval_h:g} h after its start"))
        supplement = (f"{_mg_text(r.post_hd_supplement_mg)} of {r.component} over {r.infusion_h:g} h after each "
                      "dialysis session" if r.post_hd_supplement_mg else None)
        bag = None
        if r.bag_change_h is not None:
            bag = f"a new bag at least every {r.bag_change_h:g} h (in-use stability of the bag)"
            if r.syringe_change_h is not None:
                bag += (f"; by syringe driver of the concentrated solution, at the tested concentration only, a new "
                        f"syringe at least every {r.syringe_change_h:g} h")
        cautions = [r.caution] if r.caution else []
        if exceeds_label_maximum(r):
            cautions.insert(0, f"ABOVE THE LABELLED MAXIMUM of {r.max_daily_dose_mg / 1000:g} g/day of {r.component}")
        out.append({
            "component": r.component, "text": format_regimen(r, days),
            "amount_mg": _num(amount, 6), "per": "24 h (continuous infusion)" if r.continuous else "dose",
            "amounts": _split_text(r, amount), "vials": _vials_text(amount, vial, r),
            "infusion_h": _num(hours), "rate_text": rate_text, "volume_ml": _num(volume), "rate_ml_per_h": _num(rate),
            "loading": loading, "loading_vials": _vials_text(r.loading_dose_mg, vial, r) if r.loading_dose_mg else None,
            "supplement": supplement, "bag_change": bag, "cautions": cautions, "citations": cites,
            "evidence": r.evidence or "label", "daily": _amount_line(r, days, "").strip(),
        })
    return out


def give_together(advice, regimens=None):
    r"""How the components of a combination are given together, with its citation, or None.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    regimens : sequence of Regimen, optional
        Default ``advice.regimens`` [-].

    Returns
    -------
    str or None
        One sentence naming the components and the shared infusion time,
        with the source of that time; None for a single component.

    References
    ----------
    .. [1] Tamma PD, et al. Infectious Diseases Society of America 2024
       guidance on the treatment of antimicrobial-resistant Gram-negative
       infections. Clin Infect Dis. 2024. doi:10.1093/cid/ciae403. Table 1.
    """
    from .library import load_regimen_table

    regs = advice.regimens if regimens is None else regimens
    if len(regs) < 2:
        return None
    spec = load_regimen_table(advice.product).components.get(regs[0].component)
    cite = f" [{spec.infusion_h.source}: {spec.infusion_h.locator}]" if spec is not None else ""
    names = " and ".join(r.component for r in regs)
    hours = "/".join(sorted({f"{r.infusion_h:g}" for r in regs}))
    return (f"Give together: start {names} at the same time, each over {hours} h (simultaneously, or as close "
            f"together as possible, e.g. via a Y-site), so that avibactam is present while aztreonam is{cite}")


def dose_times(advice, check=None, regimens=None):
    r"""Start times of every dose over one period, per component: clock times on a dialysis week.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    check : PKCheck, optional
        Default ``advice.check`` [-].
    regimens : sequence of Regimen, optional
        Default ``advice.regimens`` [-].

    Returns
    -------
    dict
        ``{"weekly": bool, "period_h": float, "sessions": [str], "rows":
        [{"when", "time_h", "doses": [(component, text)], "after_hd"}]}``:
        on haemodialysis the week from Monday 00:00 (``when`` like ``"Mon
        12:00"``); otherwise hours after the first dose (``"+8 h"``). These are
        the times the PK check simulated [-].
    """
    check = advice.check if check is None else check
    regs = advice.regimens if regimens is None else regimens
    if check is None:
        return {"weekly": False, "period_h": None, "sessions": [], "rows": []}
    week = hd_week_schedule(check, regs)
    if week:
        rows = {}
        for w in (w for w in week if "clock" in w):
            text = _g(w["maintenance_mg"]) + (" /24 h continuous" if w["continuous"] else "")
            text += f" + {_g(w['supplement_mg'])} post-HD" if w["supplement_mg"] else ""
            row = rows.setdefault(w["time_h"], {"when": w["clock"], "time_h": w["time_h"], "doses": [],
                                                "after_hd": w["after_hd"]})
            row["doses"].append((w["component"], text))
        return {"weekly": True, "period_h": WEEK_H, "sessions": [w["session"] for w in week if "session" in w],
                "rows": [rows[t] for t in sorted(rows)]}
    rows = {}
    period = next(iter(check.courses.values())).period_h
    span = period * max(1, math.ceil(24.0 / period - 1e-9))  # at least one day of a short period
    for r, analyte, share in _component_courses(check, regs):
        d = check.courses[analyte].dosing
        starts = np.unique(np.round(d.start_h, 6))
        for t in np.unique(np.round((starts[None, :] + np.arange(0, span, period)[:, None]).ravel(), 6)):
            row = rows.setdefault(float(t), {"when": f"+{float(t):g} h", "time_h": float(t), "doses": [],
                                             "after_hd": False})
            row["doses"].append((r.component, _g(r.daily_dose_mg) + " /24 h continuous" if r.continuous
                                 else _g(r.dose_mg)))
    return {"weekly": False, "period_h": span, "sessions": [], "rows": [rows[t] for t in sorted(rows)]}


# --- the note a pharmacist pastes into the record ----------------------------------------------------


def _now(when):
    import datetime as _dt

    return (when or _dt.datetime.now()).astimezone()


def inputs_lines(advice, patient=None, seed=None):
    r"""The inputs of a dose answer restated as a pharmacist writes them: patient, renal state, isolate, settings.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    patient : Patient, optional
        The patient as entered (demographics and SCr) [-].
    seed : int, optional
        Random seed of the virtual population [-].

    Returns
    -------
    list of (str, str)
        ``(label, text)`` pairs: ``Patient``, ``Renal``, ``Isolate``, ``Settings`` [-].
    """
    r = advice.renal
    if patient is not None:
        parts = [f"{patient.age_y:g} y", patient.sex, f"{patient.weight_kg:g} kg"]
        parts += [f"{patient.height_cm:g} cm"] if patient.height_cm is not None else ["height not given"]
        if patient.scr is not None:
            parts.append(f"SCr {patient.scr:g} {patient.scr_unit}")
        if patient.crcl_ml_per_min is not None and r.renal_state == "native":
            parts.append(f"measured CrCL {patient.crcl_ml_per_min:g} mL/min")
        parts.append(f"weight rule {patient.weight_rule}")
        who = ", ".join(parts)
    else:
        who = "not given (CrCL entered directly)" if r.renal_state == "native" else "not given"
    state = r.state
    if r.renal_state == "ihd":
        s = state.schedule
        renal = (f"intermittent haemodialysis {'/'.join(s.days)}, {_clock(s.start_h)[4:]} for {s.session_h:g} h; "
                 f"residual CrCL {state.residual_crcl_ml_per_min:g} mL/min")
    elif r.renal_state == "crrt":
        renal = (f"CRRT {state.modality}, effluent {state.effluent_l_per_h:g} L/h; residual CrCL "
                 f"{state.residual_crcl_ml_per_min:g} mL/min")
    else:
        renal = "native kidneys"
    sus = advice.susceptibility
    mic = f"MIC {advice.mic_mg_per_l:g} mg/L ({'given' if advice.mic_basis == 'user' else advice.mic_basis})"
    isolate = f"{advice.organism}; {mic}" + (f"; {sus.text}" if sus else "")
    n = advice.verdict.n_patients if advice.verdict is not None else None
    settings = [f"{advice.jurisdiction} label"] + ([f"site {advice.site}"] if advice.site else [])
    settings += [f"{n} virtual patients"] if n else []
    settings += [f"seed {seed}"] if seed is not None else []
    return [("Patient", who), ("Renal", renal), ("Isolate", isolate), ("Settings", "; ".join(settings))]


def _short_citation(s):
    """First author et al., container, year, DOI or address: enough to find the source."""
    who = (s.authors[0].rstrip(".") + (" et al" if len(s.authors) > 1 else "")) if s.authors else ""
    where = f"doi:{s.doi}" if s.doi else s.url
    return ". ".join(x for x in (who, s.title.rstrip("."), f"{s.container.split(' (')[0]} {s.year}", where) if x)


def _pk_summary(check, verdict):
    """One line per target component, then the joint PTA verdict."""
    if check is None:
        return []
    lines = [f"{row['analyte']}: typical patient {row['typical_ft_percent']:.0f} % fT>"
             + ("MIC" if row["metric"] == "ft_above_mic" else "") + f"{row['threshold_mg_per_l']:g} mg/L"
             + f" (needs {row['required_ft_percent']:g} %)" for row in check.rows("targets")]
    lines = [x.replace("fT>MIC", "fT>MIC ") for x in lines]
    if verdict is not None:
        lines.append(f"joint PTA at MIC {check.mic_mg_per_l:g} mg/L: {verdict.text()}")
    return lines


def note_text(advice, *, patient=None, seed=None, when=None):
    r"""A plain-text note of the dose advice to paste into the patient's record.

    The same text is given by ``pkdose dose --format note`` and by the web
    calculator's "Copy note" button: it restates the inputs, the date and time
    and pkdose's version, the CrCL and how it was obtained, each regimen with
    its drug named on every line, what is given (vials, volume and rate,
    dose times), the PK check, warnings and the sources, and says the
    decision-support disclaimer once.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose` [-].
    patient : Patient, optional
        The patient as entered, restated in the note [-].
    seed : int, optional
        Random seed of the virtual population [-].
    when : datetime.datetime, optional
        Time of the note; default now, in local time [-].

    Returns
    -------
    str

    Examples
    --------
    >>> import datetime
    >>> from pkdose.recommend import advise_dose
    >>> note = note_text(advise_dose("cefiderocol", crcl_ml_per_min=45, n=200),
    ...                  when=datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.timezone.utc))
    >>> print(note.splitlines()[0])
    pkdose 0.1.0 dose note, 2026-12-01 09:30+00:00
    >>> [line for line in note.splitlines() if line.startswith("  cefiderocol: ")][0]
    '  cefiderocol: 1.5 g IV q8h, infused over 3 h'
    """
    r = advice.renal
    out = [f"pkdose {__version__} dose note, {_now(when).isoformat(sep=' ', timespec='minutes')}",
           f"Drug: {_heading(advice)}"]
    out += [f"{k}: {v}" for k, v in inputs_lines(advice, patient, seed)]
    bands = "; ".join(f"{c} {band_text(lo, hi, b)} mL/min" for c, lo, hi, b in advice.bands)
    out.append(f"CrCL: {crcl_text(r.crcl_ml_per_min, advice.bands)} mL/min, {r.method}"
               + (f" (label band: {bands})" if bands else ""))
    if r.weight_explanation and r.weight_explanation not in r.method:
        out.append(f"  weight used: {r.weight_explanation}")
    out += [f"  !! {w.rule} body weight: CrCL {w.crcl_ml_per_min:.1f} mL/min -> {' + '.join(w.regimens)}"
            + (" (used)" if w.used else "") for w in advice.weight_bands]
    out += _note_regimens(advice, advice.regimens, advice.check, advice.verdict,
                          f"Regimen ({advice.basis_text})" if advice.regimens else "Regimen: none")
    if not advice.regimens and advice.label_note:
        out.append(f"  {advice.label_note}")
    if advice.alternative:
        out += _note_regimens(advice, advice.alternative, advice.alternative_check, advice.alternative_verdict,
                              "Model-informed alternative (NOT labelled dosing)")
        out.append(f"  why: {advice.alternative_reason}")
    elif advice.alternative_note:
        out.append(f"Model-informed search: {advice.alternative_note}")
    out += [f"Warning: {w}" for w in advice.warnings]
    out.append("PK models: " + ", ".join(advice.pk_models))
    out.append("Sources:")
    out += [f"  [{s.key}] {_short_citation(s)}" for s in advice.sources]
    out.append(DISCLAIMER)
    return "\n".join(out)


def _note_regimens(advice, regimens, check, verdict, title):
    """The regimen block of the note: each component, what is given, when, and its PK check."""
    out = [f"{title}:"]
    for p in administration_plan(advice, regimens):
        c = p["component"]
        out.append(f"  {c}: {p['text']}")
        out.append(f"    {p['daily']}")
        out.append(f"    {c}: per {p['per']}: {p['vials']}; {p['rate_text']}")
        for key in ("loading", "supplement", "bag_change"):
            if p[key]:
                out.append(f"    {c}: {key.replace('_', ' ')}: {p[key]}")
        out += [f"    {c}: ! {x}" for x in p["cautions"]]
        out.append(f"    {c}: evidence {p['evidence']}; " + "; ".join(f"[{k}] {loc}" for k, loc in p["citations"]))
    together = give_together(advice, regimens)
    if together:
        out.append(f"  {together}")
    times = dose_times(advice, check, regimens)
    if times["weekly"]:
        out.append("  dialysis sessions: " + ", ".join(times["sessions"]))
        out += [f"  {row['when']}{' after HD' if row['after_hd'] else ''}: "
                + " + ".join(f"{c} {t}" for c, t in row["doses"]) for row in times["rows"]]
    elif times["rows"]:
        out.append(f"  dose times, hours after the first dose (repeat every {times['period_h']:g} h): "
                   + "; ".join(f"{row['when']}: " + " + ".join(f"{c} {t}" for c, t in row["doses"])
                               for row in times["rows"]))
    out += [f"  PK check: {x}" for x in _pk_summary(check, verdict)]
    return out


# --- compact reprs for notebooks (DoseAdvice, Recommendation, PKCheck) ---------------------------------


def _regimen_short(regimens, hd_days=None):
    """``cefiderocol 1.5 g q8h over 3 h``: a regimen in a few words (the repr)."""
    out = []
    for r in regimens:
        how = _how_given(r, hd_days, short=True)
        how += f" (load {_g(r.loading_dose_mg)})" if r.loading_dose_mg else ""
        how += f" + {_g(r.post_hd_supplement_mg)} post-HD" if r.post_hd_supplement_mg else ""
        out.append(f"{r.component} {how}")
    return "; ".join(out) or "no regimen"


def _verdict_short(verdict, check):
    if verdict is not None:
        return f"PTA {100 * verdict.pta:.1f} % at MIC {check.mic_mg_per_l:g} mg/L ({verdict.verdict})"
    return "" if check is None else f"PTA {100 * check.pta_at_mic:.1f} % at MIC {check.mic_mg_per_l:g} mg/L"


def summary_line(result):
    r"""One line that says what a result is: the ``repr`` of DoseAdvice, Recommendation and PKCheck.

    Parameters
    ----------
    result : DoseAdvice, Recommendation or PKCheck
        A pkdose result [-].

    Returns
    -------
    str
    """
    kind = type(result).__name__
    if kind == "DoseAdvice":
        r = result.renal
        alt = (f"; model-informed: {_regimen_short(result.alternative, _hd_days(result))}"
               if result.alternative else "")
        return (f"<DoseAdvice {result.product} ({result.jurisdiction} {result.basis}), {r.renal_state}, CrCL "
                f"{r.crcl_ml_per_min:.3g} mL/min: {_regimen_short(result.regimens, _hd_days(result))}; "
                f"{_verdict_short(result.verdict, result.check)}{alt}>")
    if kind == "Recommendation":
        doses = "; ".join(f"{a.display_name}: {_verdict_short(a.verdict, a.check) or 'no regimen'}"
                          for a in result.advice)
        return (f"<Recommendation {result.mechanism}: {len(result.options)} guideline options, products "
                f"{', '.join(result.products) or 'none'}" + (f"; {doses}" if doses else "; no doses (no renal "
                                                                                       "function given)") + ">")
    if kind == "PKCheck":
        targets = ", ".join(f"{row['analyte']} {row['typical_ft_percent']:.0f} % fT (needs "
                            f"{row['required_ft_percent']:g} %)" for row in result.rows("targets"))
        return (f"<PKCheck at MIC {result.mic_mg_per_l:g} mg/L: typical {targets}; PTA "
                f"{100 * result.pta_at_mic:.1f} % (n = {result.n_patients}); {result.structure} structure>")
    return object.__repr__(result)


def summary_html(result):
    r"""A small HTML table of a result for notebooks: the ``_repr_html_`` of DoseAdvice, Recommendation and PKCheck.

    Parameters
    ----------
    result
        As in :func:`summary_line` [-].

    Returns
    -------
    str
        An HTML ``<table>`` of a few rows; the full answer is one call away
        (``print(pkdose.advice_text(advice))``, ``pkdose.note_text``) [-].
    """
    import html as _html

    def row(k, v):
        return f"<tr><th style='text-align:left'>{_html.escape(k)}</th><td style='text-align:left'>" \
               f"{_html.escape(str(v))}</td></tr>"

    kind = type(result).__name__
    rows = []
    if kind == "DoseAdvice":
        r = result.renal
        rows.append(row("Drug", _heading(result)))
        rows.append(row("CrCL", f"{crcl_text(r.crcl_ml_per_min, result.bands)} mL/min, {r.method}"))
        rows += [row(x.component, format_regimen(x, _hd_days(result))) for x in result.regimens]
        rows += [row("", result.label_note)] if not result.regimens and result.label_note else []
        rows.append(row("PK check", _verdict_short(result.verdict, result.check) or "none"))
        rows += [row(f"model-informed: {x.component}", format_regimen(x, _hd_days(result)))
                 for x in result.alternative]
        rows += [row("warnings", f"{len(result.warnings)}: print(pkdose.advice_text(advice)) shows them")]
    elif kind == "Recommendation":
        rows.append(row("Mechanism", result.mechanism))
        rows += [row(a.display_name, f"{_regimen_short(a.regimens, _hd_days(a))} — "
                                     f"{_verdict_short(a.verdict, a.check) or 'no regimen'}") for a in result.advice]
        rows.append(row("Guideline options", f"{len(result.options)} rows in .options"))
    elif kind == "PKCheck":
        rows += [row(t["analyte"], f"typical {t['typical_ft_percent']:.0f} % fT>{t['threshold_mg_per_l']:g} mg/L "
                                   f"(needs {t['required_ft_percent']:g} %), population PTA "
                                   f"{100 * t['pta_fraction']:.1f} %") for t in result.rows("targets")]
        rows.append(row("joint PTA", f"{100 * result.pta_at_mic:.1f} % at MIC {result.mic_mg_per_l:g} mg/L, "
                                     f"n = {result.n_patients}; PTA by MIC in .pta"))
    else:
        return _html.escape(repr(result))
    return f"<table><caption style='text-align:left'>{kind}</caption>{''.join(rows)}</table>"
