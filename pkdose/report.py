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
from .regimens import exceeds_label_maximum, format_regimen
from .schedule import WEEK_H
from .sources import format_citation

__all__ = [
    "DISCLAIMER",
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
    return {
        "component": regimen.component,
        "text": format_regimen(regimen, hd_days),
        "dose_mg": _num(regimen.dose_mg, 6),
        "dose_basis": "product",
        "analyte_dose_mg": {a: _num(d, 6) for a, d in doses.items()},
        "interval_h": _num(regimen.interval_h),
        "infusion_h": _num(regimen.infusion_h),
        "continuous_infusion": bool(regimen.continuous),
        "loading_dose_mg": _num(loading, 6),
        "loading_analyte_dose_mg": (None if loading is None else
                                    {a: _num(loading * d / total, 6) for a, d in doses.items()}),
        "loading_infusion_h": _num(regimen.loading_infusion_h),
        "post_hd_supplement_mg": _num(regimen.post_hd_supplement_mg, 6) or None,
        "give_after_hd": bool(regimen.give_after_hd),
        "bag_change_h": _num(regimen.bag_change_h),
        "daily_dose_mg": _num(regimen.daily_dose_mg, 6),
        "daily_analyte_dose_mg": {a: _num(d * 24 / regimen.interval_h, 6) for a, d in doses.items()},
        "max_daily_dose_mg": _num(regimen.max_daily_dose_mg, 6),
        "exceeds_label_maximum": bool(exceeds_label_maximum(regimen)),
        "evidence": regimen.evidence or "label",
        "citations": _citations(regimen, sources),
        "note": regimen.note,
        "caution": regimen.caution,
    }


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
        The sessions as ``{"session": "Mon 08:00-12:00"}`` first, then every
        dose ``{"component", "analyte", "time_h", "clock", "amount_mg",
        "maintenance_mg", "supplement_mg", "after_hd"}`` sorted by time; the
        amounts are of the component's product (analyte on its own without
        regimens) [-].

    References
    ----------
    .. [1] pkdose.schedule module Notes (the dose-timing rule).
    """
    first = next(iter(check.courses.values()))
    if first.extra is None or first.period_h != WEEK_H:
        return []
    out = [{"session": f"{_clock(s)}-{_clock(e)[4:]}"} for s, e in zip(first.extra.start_h, first.extra.end_h)]
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


def _totals(regimens):
    by_component, by_analyte = {}, {}
    for r in regimens:
        by_component[r.component] = _num(r.daily_dose_mg, 6)
        for a, d in (dict(r.analyte_dose_mg) or {r.component: r.dose_mg}).items():
            by_analyte[a] = _num(by_analyte.get(a, 0.0) + d * 24 / r.interval_h, 6)
    return {"daily_dose_mg_by_component": by_component, "daily_dose_mg_by_analyte": by_analyte,
            "note": "maintenance per 24 h; loading doses and post-dialysis supplements not included"}


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
            "method": r.method,
            "renal_state": r.renal_state,
            "weight_explanation": r.weight_explanation,
            "hd_schedule": ({"days": list(state.schedule.days), "start_h": state.schedule.start_h,
                             "session_h": state.schedule.session_h} if r.renal_state == "ihd" else None),
            "crrt_effluent_l_per_h": getattr(state, "effluent_l_per_h", None),
            "crrt_modality": getattr(state, "modality", None),
            "notes": list(r.notes),
        },
        "mic_mg_per_l": _num(advice.mic_mg_per_l),
        "mic_basis": advice.mic_basis,
        "susceptibility": (None if sus is None else {"category": sus.category, "body": sus.body,
                                                     "text": sus.text, "source": sus.source,
                                                     "locator": sus.locator}),
        "target": advice.target_text,
        "pk_models": list(advice.pk_models),
        "basis": advice.basis,
        "basis_text": advice.basis_text,
        "regimens": [regimen_to_dict(x, sources, days) for x in advice.regimens],
        "totals": _totals(advice.regimens),
        "label_note": advice.label_note,
        "pk_check": check_to_dict(advice.check, advice.regimens, advice.verdict),
        "crrt_range": _crrt_range_dicts(advice),
        "threshold_alternative": _threshold_dict(advice),
        "model_informed": (None if not advice.alternative else {
            "label": "model-informed, not labelled dosing",
            "regimens": [regimen_to_dict(x, sources, days) for x in advice.alternative],
            "totals": _totals(advice.alternative),
            "pk_check": check_to_dict(advice.alternative_check, advice.alternative, advice.alternative_verdict),
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
    lines = [f"{indent}dialysis sessions: " + ", ".join(w["session"] for w in week if "session" in w),
             f"{indent}dose plan for the week (amounts of each product; 'after HD' = when the session ends):"]
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


def _regimen_lines(regimens, hd_days, indent=_IND):
    lines = []
    for x in regimens:
        lines.append(f"{indent}{x.component}: {format_regimen(x, hd_days)}")
        flag = "  !!! ABOVE THE LABELLED MAXIMUM" if exceeds_label_maximum(x) else ""
        lines.append(f"{indent}  {x.daily_dose_mg / 1000:g} g/day of {x.component}; maximum "
                     f"{x.max_daily_dose_mg / 1000:g} g/day{flag}")
        if hd_days and x.give_after_hd and x.interval_h >= 48:
            lines.append(f"{indent}  label interval q{x.interval_h:g}h: on a {'/'.join(hd_days)} schedule the dose "
                         "is given after every session (the longest gap gets no extra dose)")
        if x.evidence:
            lines.append(f"{indent}  evidence: {x.evidence}")
        lines += [f"{indent}  source: [{key}] {loc}" for key, loc in x.citations]
        if x.note and x.note not in x.evidence:
            lines.append(f"{indent}  note: {x.note}")
    return lines


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
    out.append(f"Renal    CrCL {r.crcl_ml_per_min:.0f} mL/min: {r.method}")
    if r.weight_explanation and r.weight_explanation not in r.method:
        out.append(f"         weight used: {r.weight_explanation}")
    if r.renal_state == "crrt":
        out.append(f"         CRRT {r.state.modality}, effluent {r.state.effluent_l_per_h:g} L/h")
    out += [f"         note: {n}" for n in r.notes]
    out += [f"Warning  {w}" for w in advice.warnings if w.startswith("!!!")]
    out.append(f"Regimen  {advice.basis_text}" if advice.regimens else "Regimen  no label or published regimen")
    out += _regimen_lines(advice.regimens, days)
    if advice.label_note:
        out.append(f"{_IND}{advice.label_note}")
    sus = advice.susceptibility
    basis = "given" if advice.mic_basis == "user" else advice.mic_basis
    out.append(f"MIC      {advice.mic_mg_per_l:g} mg/L ({basis})" + (f": {sus.text}" if sus else ""))
    out.append(f"PK check target {advice.target_text} ({advice.organism})")
    if advice.check is not None:
        if advice.crrt_range:
            out.append(f"{_IND}checked at the high-clearance end of the CRRT range")
        out += _check_lines(advice.check, advice.verdict) + _crrt_lines(advice) + _threshold_lines(advice)
        out += _week_lines(advice.check, advice.regimens)
    if advice.alternative:
        out.append("Model-informed alternative (NOT labelled dosing)")
        out.append(f"{_IND}{advice.alternative_reason}")
        out += _regimen_lines(advice.alternative, days)
        out += _check_lines(advice.alternative_check, advice.alternative_verdict)
        out += _week_lines(advice.alternative_check, advice.alternative)
        out.append(f"{_IND}{advice.alternative_note}")
    elif advice.alternative_note:
        out.append(f"Model-informed search: {advice.alternative_note}")
    out += [f"Warning  {w}" for w in advice.warnings if not w.startswith("!!!")]
    out.append("PK models " + ", ".join(advice.pk_models))
    out.append("References")
    out += [f"  [{s.key}] {format_citation(s)}" for s in advice.sources]
    return "\n".join(out)


def _grade(row):
    return ", ".join(str(row[k]) for k in ("tier", "strength", "certainty") if row.get(k))


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
    out += ["", "What the guidelines rank (newest first; conditions after the dash)"]
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
            out.append(f"    {row['rank']}. {row['product']} — {_grade(row)}{mark}" + (f"\n       when: {cond}"
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
