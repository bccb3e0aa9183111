r"""Turn dose advice and recommendations into stable JSON and into text a pharmacist reads.

One module serves the command line (``--json`` and the default text) and the
local web calculator, so both always give the same answers. The JSON layout is
documented in ``docs/json-schema.md``; its ``schema`` field names the version.

References
----------
.. [1] pkdose JSON output, ``docs/json-schema.md``.
"""

import math

import numpy as np

from . import __version__
from .regimens import exceeds_label_maximum, format_regimen
from .schedule import WEEK_H

__all__ = [
    "DISCLAIMER",
    "SCHEMA_DOSE",
    "SCHEMA_RECOMMEND",
    "advice_to_dict",
    "recommendation_to_dict",
    "advice_text",
    "recommendation_text",
    "hd_week_schedule",
]

#: Shown once in every output.
DISCLAIMER = ("Decision support for healthcare professionals: check every dose against the "
              "current label, local protocols and the patient before prescribing.")
SCHEMA_DOSE = "pkdose.dose/1"
SCHEMA_RECOMMEND = "pkdose.recommend/1"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


def _citations(regimen, sources):
    return [{"source": k, "locator": loc, "reference": sources.get(k, "")} for k, loc in regimen.citations]


def regimen_to_dict(regimen, sources=None):
    """JSON-ready dict of one regimen (schema in ``docs/json-schema.md``).

    Parameters
    ----------
    regimen : Regimen
        Regimen [-].
    sources : dict, optional
        Source key -> formatted reference [-].

    Returns
    -------
    dict

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """
    sources = sources or {}
    return {
        "component": regimen.component,
        "text": format_regimen(regimen),
        "dose_mg": _num(regimen.dose_mg, 6),
        "analyte_dose_mg": {a: _num(d, 6) for a, d in regimen.analyte_dose_mg.items()},
        "interval_h": _num(regimen.interval_h),
        "infusion_h": _num(regimen.infusion_h),
        "continuous_infusion": bool(regimen.infusion_h >= regimen.interval_h),
        "loading_dose_mg": _num(regimen.loading_dose_mg, 6),
        "post_hd_supplement_mg": _num(regimen.post_hd_supplement_mg, 6) or None,
        "give_after_hd": bool(regimen.give_after_hd),
        "daily_dose_mg": _num(regimen.daily_dose_mg, 6),
        "max_daily_dose_mg": _num(regimen.max_daily_dose_mg, 6),
        "exceeds_label_maximum": bool(exceeds_label_maximum(regimen)),
        "citations": _citations(regimen, sources),
        "note": regimen.note,
    }


def hd_week_schedule(check):
    """Every dose of the dialysis week with its day, time and relation to the sessions.

    Parameters
    ----------
    check : PKCheck
        PK check on intermittent haemodialysis [-].

    Returns
    -------
    list of dict
        ``{"analyte", "time_h", "clock", "amount_mg", "after_hd"}`` sorted by time,
        plus the sessions as ``{"session": "Mon 08:00-12:00"}`` entries first [-].

    References
    ----------
    .. [1] pkdose.schedule module Notes (the dose-timing rule).
    """
    first = next(iter(check.courses.values()))
    if first.extra is None or first.period_h != WEEK_H:
        return []
    out = [{"session": f"{_clock(s)}-{_clock(e)[4:]}"} for s, e in zip(first.extra.start_h, first.extra.end_h)]
    ends = set(np.round(first.extra.end_h, 6))
    shown = {}
    for analyte, course in check.courses.items():
        d = course.dosing
        times = tuple(np.round(d.start_h, 6))
        if times in shown:  # same schedule as an analyte already listed (one product)
            shown[times]["names"].append(analyte)
            continue
        shown[times] = {"names": [analyte], "dosing": d}
    for entry in shown.values():
        d = entry["dosing"]
        amounts = {}
        for t, amount in zip(np.round(d.start_h, 6), d.amount_mg):
            amounts[t] = amounts.get(t, 0.0) + amount  # a supplement at a dose time is one infusion
        for t, amount in sorted(amounts.items()):
            out.append({"analyte": " + ".join(entry["names"]), "time_h": _num(t), "clock": _clock(t),
                        "amount_mg": _num(amount, 6), "after_hd": bool(t in ends)})
    return out


def _records(frame):
    """DataFrame rows as dicts, numbers rounded to 4 significant figures."""
    return [{k: (_num(v) if isinstance(v, (int, float, np.floating)) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def check_to_dict(check):
    """JSON-ready dict of a PK check.

    Parameters
    ----------
    check : PKCheck or None
        Result of :func:`pkdose.exposure.pk_check` [-].

    Returns
    -------
    dict or None

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """
    if check is None:
        return None
    return {
        "mic_mg_per_l": _num(check.mic_mg_per_l),
        "pta_at_mic": _num(check.pta_at_mic),
        "n_patients": int(check.n_patients),
        "period_h": _num(next(iter(check.courses.values())).period_h),
        "targets": _records(check.targets),
        "typical": _records(check.typical),
        "pta_by_mic": [{"mic_mg_per_l": _num(m), "pta": _num(p)}
                       for m, p in zip(check.pta["mic_mg_per_l"], check.pta["pta_fraction"])],
        "hd_week": hd_week_schedule(check),
        "structure": check.structure,
        "population": check.population,
    }


def _sources_map(advice):
    out = {}
    for line in advice.citations:
        key, _, text = line.partition("] ")
        out[key.lstrip("[")] = text
    return out


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
    return {
        "schema": SCHEMA_DOSE,
        "pkdose_version": __version__,
        "disclaimer": DISCLAIMER,
        "product": advice.product,
        "display_name": advice.display_name,
        "jurisdiction": advice.jurisdiction,
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
        "target": advice.target_text,
        "pk_models": list(advice.pk_models),
        "regimens": [regimen_to_dict(x, sources) for x in advice.regimens],
        "label_note": advice.label_note,
        "pk_check": check_to_dict(advice.check),
        "model_informed": (None if not advice.alternative else {
            "label": "model-informed, not labelled dosing",
            "regimens": [regimen_to_dict(x, sources) for x in advice.alternative],
            "pk_check": check_to_dict(advice.alternative_check),
            "note": advice.alternative_note}),
        "model_informed_note": advice.alternative_note if not advice.alternative else "",
        "warnings": list(advice.warnings),
        "references": [{"key": k, "reference": v} for k, v in sources.items()],
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
        "options": options,
        "products": list(rec.products),
        "advice": [{k: v for k, v in advice_to_dict(a).items() if k not in ("disclaimer", "pkdose_version")}
                   for a in rec.advice],
        "warnings": [{"key": w.key, "text": w.text,
                      "citations": [{"source": k, "locator": loc} for k, loc in w.citations]}
                     for w in rec.warnings],
    }


# --- text ------------------------------------------------------------------------------


def _pct(p):
    return f"{100 * p:.1f} %"


def _check_lines(check, indent="          "):
    lines = []
    for row in check.targets.to_dict("records"):
        thr = ("MIC" if row["metric"] == "ft_above_mic" else "threshold") + f" {row['threshold_mg_per_l']:g} mg/L"
        lines.append(f"{indent}{row['analyte']}: typical patient {row['typical_ft_percent']:.0f} % fT>{thr} "
                     f"(needs {row['required_ft_percent']:g} %); population PTA {_pct(row['pta_fraction'])}")
    verdict = "meets" if check.pta_at_mic >= 0.9 else "BELOW"
    lines.append(f"{indent}joint PTA at MIC {check.mic_mg_per_l:g} mg/L: {_pct(check.pta_at_mic)} "
                 f"({verdict} the 90 % goal; n = {check.n_patients} virtual patients)")
    for row in check.targets.to_dict("records"):
        if row["metric"] != "ft_above_mic" and row["pta_fraction"] < 0.9:
            lines.append(f"{indent}note: {row['analyte']} exposure ({row['required_ft_percent']:g} % fT>"
                         f"{row['threshold_mg_per_l']:g} mg/L) caps the joint PTA at "
                         f"{_pct(row['pta_fraction'])} whatever the MIC")
    for row in check.typical.to_dict("records"):
        extra = (f", + {row['extracorporeal_cl_l_per_h']:.2f} L/h extracorporeal"
                 if row["extracorporeal_cl_l_per_h"] else "")
        lines.append(f"{indent}{row['analyte']} typical: CL {row['cl_l_per_h']:.2f} L/h{extra}, "
                     f"V {row['v_l']:.1f} L, AUC24 {row['auc24_mg_h_per_l']:.0f} mg·h/L, "
                     f"Cmax {row['cmax_mg_per_l']:.1f} / Cmin {row['cmin_mg_per_l']:.1f} mg/L")
    lines.append(f"{indent}PK model structure: {check.structure}; population: {check.population}")
    grid = check.pta[check.pta["mic_mg_per_l"] <= 64]
    lines.append(f"{indent}PTA by MIC (mg/L): " + "  ".join(
        f"{m:g}: {100 * p:.0f}%" for m, p in zip(grid["mic_mg_per_l"], grid["pta_fraction"])))
    return lines


def _hd_lines(check, indent="          "):
    week = hd_week_schedule(check)
    if not week:
        return []
    sessions = ", ".join(w["session"] for w in week if "session" in w)
    lines = [f"{indent}dialysis sessions: {sessions}"]
    doses = [w for w in week if "analyte" in w]
    for analyte in dict.fromkeys(w["analyte"] for w in doses):
        times = [f"{w['clock']}{' (after HD)' if w['after_hd'] else ''}" for w in doses if w["analyte"] == analyte]
        lines.append(f"{indent}{analyte} doses in the week: " + ", ".join(times))
    return lines


def _regimen_lines(regimens, sources_line):
    lines = []
    for x in regimens:
        lines.append(f"          {format_regimen(x)}")
        flag = "  !!! ABOVE THE LABELLED MAXIMUM" if exceeds_label_maximum(x) else ""
        lines.append(f"          {x.daily_dose_mg / 1000:g} g/day; maximum {x.max_daily_dose_mg / 1000:g} g/day{flag}")
        for key, loc in x.citations:
            lines.append(f"          source: [{key}] {loc}")
    return lines


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
    state = {"native": "native kidneys", "ihd": "intermittent haemodialysis",
             "crrt": "continuous renal replacement therapy"}[r.renal_state]
    out = [DISCLAIMER, ""] if disclaimer else []
    out.append(f"{advice.display_name} ({advice.jurisdiction} label) — {state}")
    out.append(f"Renal    CrCL {r.crcl_ml_per_min:.0f} mL/min: {r.method}")
    if r.weight_explanation and r.weight_explanation not in r.method:
        out.append(f"         weight used: {r.weight_explanation}")
    if r.renal_state == "crrt":
        out.append(f"         CRRT {r.state.modality}, effluent {r.state.effluent_l_per_h:g} L/h")
    out += [f"         note: {n}" for n in r.notes]
    out.append("Regimen  (label)" if advice.regimens else "Regimen  no label regimen")
    out += _regimen_lines(advice.regimens, True)
    if advice.label_note:
        out.append(f"          {advice.label_note}")
    out.append(f"PK check target {advice.target_text}; MIC {advice.mic_mg_per_l:g} mg/L "
               f"({'given' if advice.mic_basis == 'user' else advice.mic_basis})")
    if advice.check is not None:
        out += _check_lines(advice.check) + _hd_lines(advice.check)
    if advice.alternative:
        out.append("Model-informed alternative (NOT labelled dosing)")
        out += _regimen_lines(advice.alternative, True)
        out += _check_lines(advice.alternative_check)
        out.append(f"          {advice.alternative_note}")
    elif advice.alternative_note:
        out.append(f"Model-informed search: {advice.alternative_note}")
    out += [f"Warning  {w}" for w in advice.warnings]
    out.append("PK models " + ", ".join(advice.pk_models))
    out.append("References")
    out += [f"  {c}" for c in advice.citations]
    return "\n".join(out)


def recommendation_text(rec):
    """Mechanism-first recommendation as text: guideline table, pitfalls, dose advice.

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
    out = [DISCLAIMER, "", f"Mechanism: {rec.mechanism}", "", "What the guidelines rank (newest first)"]
    if rec.options.empty:
        out.append("  no guideline option matches this mechanism with the site/severity given; "
                   "widen the filters")
        opts = rec.options
    else:
        opts = rec.options.sort_values(["date", "rank"], ascending=[False, True])
    for (guideline, date), grp in opts.groupby(["guideline", "date"], sort=False):
        out.append(f"  {guideline} ({date})")
        for row in grp.to_dict("records"):
            grade = ", ".join(str(row[k]) for k in ("tier", "strength", "certainty") if row.get(k))
            mark = "" if row["in_pkdose"] else "  [not modelled in pkdose]"
            out.append(f"    {row['rank']}. {row['product']} — {grade}{mark}")
    out.append("")
    out.append("Pitfalls")
    for w in rec.warnings:
        cites = "; ".join(f"{k}: {loc}" for k, loc in w.citations)
        out.append(f"  ! {w.text} [{cites}]")
    for advice in rec.advice:
        out += ["", "=" * 78, advice_text(advice, disclaimer=False)]
    return "\n".join(out)
