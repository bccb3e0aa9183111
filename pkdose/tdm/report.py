r"""The TDM answer as a pharmacist reads it (text), as JSON (``pkdose.tdm/1``) and as a figure.

Rendering only: every number comes from :func:`pkdose.tdm.fit` and
:func:`pkdose.tdm.tdm_advice`. The JSON schema is documented in
``docs/tdm.md``; ``dose_advice`` inside it is the ``pkdose.dose/1`` document
of the dose advice computed on the individual models, in which "typical"
means the MAP individual and "pta" the posterior probability of target
attainment.
"""

import math

import numpy as np

from ..library import load_sources
from ..patient import CRRT, Haemodialysis
from ..regimens import format_regimen
from ..report import DISCLAIMER, _num, advice_to_dict
from ..sources import format_citation
from .advice import MODEL_INFORMED

__all__ = ["SCHEMA_TDM", "TDM_SOURCES", "tdm_to_dict", "tdm_text", "plot_tdm"]

#: Schema name of the JSON document.
SCHEMA_TDM = "pkdose.tdm/1"
#: Sources every TDM answer rests on (method; ceilings when a ceiling analyte is given).
TDM_SOURCES = ("leloudec2021",)


def _state(case):
    s = case.covariates.renal_state
    if isinstance(s, Haemodialysis):
        return "ihd"
    return "crrt" if isinstance(s, CRRT) else "native"


def _renal_text(case):
    s, crcl = case.covariates.renal_state, case.latest_crcl_ml_per_min
    if isinstance(s, Haemodialysis):
        n = 0 if case.hd_sessions_h is None else len(case.hd_sessions_h)
        return (f"intermittent haemodialysis, {n} session(s) at their actual times; residual CrCL {crcl:.0f} "
                "mL/min")
    if isinstance(s, CRRT):
        return f"CRRT ({s.modality}, effluent {s.effluent_l_per_h:g} L/h); residual CrCL {crcl:.0f} mL/min"
    if case.crcl_steps is not None:
        return f"kinetic CrCL {crcl:.0f} mL/min now (creatinine series, Chen 2013), native kidneys"
    return f"CrCL {crcl:.0f} mL/min, native kidneys"


def _regimen_lines(regimens):
    return [f"{r.component}: {format_regimen(r)}" for r in regimens]


def _targets(check):
    if check is None:
        return None
    rows = [{"analyte": r["analyte"], "metric": r["metric"], "threshold_mg_per_l": _num(r["threshold_mg_per_l"]),
             "required_ft_percent": _num(r["required_ft_percent"]),
             "individual_ft_percent": _num(r["typical_ft_percent"]),
             "posterior_probability": _num(r["pta_fraction"])} for r in check.rows("targets")]
    return {"targets": rows, "posterior_probability": _num(check.pta_at_mic), "n_draws": int(check.n_patients)}


def _sources(a):
    keys = list(TDM_SOURCES) + [r["source"] for r in a.ceilings if r.get("source")]
    bib = load_sources()
    out = list(a.advice.sources)
    out += [bib[k] for k in dict.fromkeys(keys) if k in bib and bib[k] not in out]
    return out


def tdm_to_dict(a):
    r"""JSON-ready dict of a TDM answer (schema ``pkdose.tdm/1``).

    Parameters
    ----------
    a : TDMAdvice
        From :func:`pkdose.tdm.tdm_advice` [-].

    Returns
    -------
    dict
        ``individual`` is a list of ``{analyte, cl_l_per_h, v_l, ...}`` with
        ``v_l`` the total volume at steady state; the full schema is in
        ``docs/tdm.md``.
    """
    f, case, fc = a.fit, a.fit.case, a.forecast
    ipred, pred = f.ipred(), f.pred()
    return {
        "schema": SCHEMA_TDM,
        "disclaimer": DISCLAIMER,
        "model_informed": MODEL_INFORMED,
        "product": case.product,
        "display_name": a.advice.display_name,
        "renal": {"renal_state": _state(case), "crcl_ml_per_min": _num(case.latest_crcl_ml_per_min),
                  "crcl_steps": (None if case.crcl_steps is None else
                                 [{"start_h": _num(s), "crcl_ml_per_min": _num(c)} for s, c in zip(*case.crcl_steps)]),
                  "hd_sessions_h": None if case.hd_sessions_h is None else case.hd_sessions_h.tolist(),
                  "crrt_periods_h": None if case.crrt_periods_h is None else case.crrt_periods_h.tolist(),
                  "crrt_effluent_l_per_h": getattr(case.covariates.renal_state, "effluent_l_per_h", None)},
        "pk_models": {m.analyte: m.key for m in f.problem.product.pk_models.values() if m.analyte in f.analytes},
        "fit": {"ofv_map": _num(f.ofv, 8), "map_converged": f.converged, "laplace_ok": f.laplace_ok,
                "posterior": f.posterior, "effective_sample_size": _num(f.ess), "credible_level": 0.9},
        "individual": [{k: (_num(v) if isinstance(v, float) else [_num(x) for x in v] if isinstance(v, list) else v)
                        for k, v in row.items()} for row in f.individual()],
        "levels": [{"time_h": _num(t), "analyte": an, "free": bool(fr), "observed_mg_per_l": _num(y),
                    "ipred_mg_per_l": _num(ip), "pred_mg_per_l": _num(pp)}
                   for t, an, fr, y, ip, pp in zip(case.levels.time_h, case.levels.analyte, case.levels.free,
                                                   case.levels.conc_mg_per_l, ipred, pred)],
        "mic_mg_per_l": _num(a.advice.mic_mg_per_l),
        "mic_basis": a.advice.mic_basis,
        "target": a.advice.target_text,
        "current_regimen": (None if not a.current else
                            {"regimens": _regimen_lines(a.current), **(_targets(a.current_check) or {})}),
        "recommendation": a.recommendation,
        "recommended": {"regimens": _regimen_lines(a.recommended), **(_targets(a.recommended_check) or {})},
        "ceilings": [{k: (_num(v) if isinstance(v, float) else v) for k, v in r.items()} for r in a.ceilings],
        "warnings": list(f.warnings),
        "notes": list(a.notes),
        "forecast": {"t_h": [_num(t) for t in fc.t_h],
                     "analytes": {an: {"map_mg_per_l": [_num(x) for x in fc.map_mg_per_l[i]],
                                       "lower_90_mg_per_l": [_num(x) for x in fc.lower_mg_per_l[i]],
                                       "upper_90_mg_per_l": [_num(x) for x in fc.upper_mg_per_l[i]]}
                                  for i, an in enumerate(fc.analytes)},
                     "future_doses_h": [_num(t) for t in fc.future_doses_h]},
        "dose_advice": advice_to_dict(a.advice),
        "references": [{"key": s.key, "reference": format_citation(s)} for s in _sources(a)],
    }


def _fmt(x, digits=3):
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


def _target_lines(check, ind):
    out = []
    for r in check.rows("targets"):
        thr = "MIC" if r["metric"] == "ft_above_mic" else f"{r['threshold_mg_per_l']:g} mg/L"
        out.append(f"{ind}{r['analyte']}: individual {r['typical_ft_percent']:.0f} % fT>{thr} (needs "
                   f"{r['required_ft_percent']:g} %); posterior probability {100 * r['pta_fraction']:.1f} %")
    return out


def tdm_text(a, *, disclaimer=True):
    r"""The TDM answer as text: levels beside predictions, the patient's parameters, current and next regimen.

    Parameters
    ----------
    a : TDMAdvice
        From :func:`pkdose.tdm.tdm_advice` [-].
    disclaimer : bool, optional
        Start with the one-line disclaimer [-].

    Returns
    -------
    str
    """
    f, case = a.fit, a.fit.case
    ind = " " * 11
    out = [DISCLAIMER, ""] if disclaimer else []
    out.append(f"{a.advice.display_name}: Bayesian TDM. Model-informed from this patient's levels (Bayesian "
               "estimation with the published model as prior).")
    out += [f"!!! WARNING: {w}" for w in f.warnings]
    out.append(f"Renal      {_renal_text(case)}")
    out.append(f"Levels     {'t [h]':>7}  {'analyte':<12} {'measured':>9} {'individual':>11} {'population':>11}  [mg/L]")
    for t, an, fr, y, ip, pp in zip(case.levels.time_h, case.levels.analyte, case.levels.free,
                                    case.levels.conc_mg_per_l, f.ipred(), f.pred()):
        out.append(f"{ind}{t:7.2f}  {an + (' (free)' if fr else ''):<12} {y:9.3g} {ip:11.3g} {pp:11.3g}")
    out.append(f"Patient    individual parameters: posterior mean (90 % credible interval; MAP; population typical); "
               f"posterior by {f.posterior}")
    for r in f.individual():
        out.append(f"{ind}{r['analyte']}: CL {_fmt(r['cl_l_per_h'])} L/h ({_fmt(r['cl_90_l_per_h'][0])}–"
                   f"{_fmt(r['cl_90_l_per_h'][1])}; MAP {_fmt(r['cl_map_l_per_h'])}; typical "
                   f"{_fmt(r['typical_cl_l_per_h'])}), Vss {_fmt(r['v_l'])} L "
                   f"({_fmt(r['v_90_l'][0])}–{_fmt(r['v_90_l'][1])})"
                   + (f", plus {r['extracorporeal_cl_l_per_h']:.2g} L/h extracorporeal"
                      if r["extracorporeal_cl_l_per_h"] else ""))
        out.append(f"{ind}  {r['basis']}")
    sus = a.advice.susceptibility
    out.append(f"MIC        {a.advice.mic_mg_per_l:g} mg/L ({a.advice.mic_basis})" + (f": {sus.text}" if sus else ""))
    out.append(f"Target     {a.advice.target_text}")
    if a.current:
        out.append("Current    " + "; ".join(_regimen_lines(a.current)))
        if a.current_check is not None:
            out += _target_lines(a.current_check, ind)
            out.append(f"{ind}joint target: posterior probability {100 * a.current_check.pta_at_mic:.1f} %")
        elif _state(case) == "ihd":
            out.append(f"{ind}not re-checked as a regimen: on haemodialysis the doses follow the sessions (below)")
    out.append("Next       " + a.recommendation)
    out += [ind + line for line in _regimen_lines(a.recommended)]
    if a.recommended_check is not None:
        out += _target_lines(a.recommended_check, ind)
    if a.ceilings:
        out.append("Ceilings")
        rows = {}  # the same check of the current and the recommended regimen (continued) is said once
        for r in sorted(a.ceilings, key=lambda r: r["ceiling_mg_per_l"] is None):
            rows.setdefault(r["text"], []).append(r["regimen"] if r["ceiling_mg_per_l"] is not None else "")
        out += [f"{ind}{' and '.join(dict.fromkeys(w)) + ': ' if any(w) else ''}{text}" for text, w in rows.items()]
    if a.notes:
        out += ["Notes"] + [f"{ind}{n}" for n in a.notes]
    out.append("PK models  " + ", ".join(f"{m.analyte}: {m.key}" for m in f.problem.product.pk_models.values()
                                         if m.analyte in f.analytes))
    out.append("References")
    out += [f"  [{s.key}] {format_citation(s)}" for s in _sources(a)]
    return "\n".join(out)


def plot_tdm(a, ax=None, analyte=None):
    r"""Individual prediction with its 90 % credible band, the population prediction and the levels.

    Parameters
    ----------
    a : TDMAdvice
        From :func:`pkdose.tdm.tdm_advice` [-].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure [-].
    analyte : str, optional
        Analyte to draw; default the first measured one [-].

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    f, fc = a.fit, a.forecast
    analyte = analyte or f.measured[0]
    i = fc.analytes.index(analyte)
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, 3.8), layout="constrained")
    ax.fill_between(fc.t_h, fc.lower_mg_per_l[i], fc.upper_mg_per_l[i], color="C0", alpha=0.2,
                    label="90 % credible band (parameters)")
    ax.plot(fc.t_h, fc.map_mg_per_l[i], color="C0", label="individual (MAP)")
    ax.plot(fc.t_h, fc.population_mg_per_l[i], color="0.5", ls="--", label="population (prior)")
    lv = f.case.levels
    sel = np.array(lv.analyte) == analyte
    fu = f.problem.fu[analyte]
    free = np.asarray(lv.free[sel], dtype=bool)
    t_lv, y_lv = np.asarray(lv.time_h[sel]), np.asarray(lv.conc_mg_per_l[sel])
    if (~free).any():
        ax.plot(t_lv[~free], y_lv[~free], "o", color="C3", label="measured (total)", zorder=5)
    if free.any():
        ax.plot(t_lv[free], y_lv[free] / fu, "o", mfc="white", color="C3", zorder=5,
                label=f"measured free, shown as total (÷ fu {fu:g})")
    for comp in f.problem.product.target.components:
        if comp.analyte == analyte:
            free = a.advice.mic_mg_per_l if comp.metric == "ft_above_mic" else comp.threshold_mg_per_l
            name = "MIC" if comp.metric == "ft_above_mic" else "threshold"
            ax.axhline(free / fu, color="C2", lw=1, ls=":",
                       label=f"{name} {free:g} mg/L free = {free / fu:.3g} mg/L total (fu {fu:g})")
    for c in f.problem.product.ceilings:
        if c.analyte == analyte and c.cmin_mg_per_l is not None:
            ax.axhline(c.cmin_mg_per_l, color="C3", lw=1, ls="--",
                       label=f"ceiling: Cmin/Css < {c.cmin_mg_per_l:g} mg/L total ({c.source})")
    if len(fc.future_doses_h):
        for t in fc.future_doses_h:
            ax.axvline(t, color="0.8", lw=0.8)
        ax.axvspan(fc.future_doses_h[0], fc.t_h[-1], color="0.95", zorder=0,
                   label="forecast: current regimen continued (grey lines: its doses)")
    ax.set_xlabel("time [h]")
    ax.set_ylabel(f"{analyte} total [mg/L]")
    ax.set_title(f"{a.advice.display_name}: Bayesian TDM (model-informed)", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax
