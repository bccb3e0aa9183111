r"""Bayesian therapeutic drug monitoring: the patient's levels, the published model as prior, the next dose.

A pharmacist running a β-lactam TDM service has the doses actually given, one
or a few measured levels and a renal state that may change (dialysis
sessions, CRRT, a creatinine that moves). pkdose fits the patient's own PK
parameters by maximum a posteriori (MAP) estimation on the published
population models (full OMEGA, published residual error of the patients'
stratum, total or free levels), says how uncertain they are (Laplace
approximation, checked by sampling-importance-resampling), shows the
individual predictions beside the levels, gives the individual %fT>MIC of the
current regimen, and proposes the next regimen that reaches the target at the
patient's MIC with at least 90 % posterior probability, within the label
limits and the safety constraints of the dose advice, labelled as
model-informed.

Pipeline::

    doses = read_doses_csv("DOSES.csv", "cefiderocol")      # or dose_history(...)
    lv = read_levels_csv("LEVELS.csv", "cefiderocol")        # or levels(...)
    case = TDMCase(doses, lv, Covariates(crcl, renal_state, ...), hd_sessions_h=..., crcl_steps=...)
    f = fit(case)                                            # MAP, Laplace covariance, predictions
    a = tdm_advice(f, mic_mg_per_l=2)                        # current regimen, next regimen, ceilings
    print(tdm_text(a)); tdm_to_dict(a)                       # report (pkdose.tdm/1)

Modules: :mod:`~pkdose.tdm.data` (records and their checks),
:mod:`~pkdose.tdm.model` (the posterior), :mod:`~pkdose.tdm.estimate` (MAP,
Laplace, SIR), :mod:`~pkdose.tdm.fit`, :mod:`~pkdose.tdm.advice`,
:mod:`~pkdose.tdm.report`, :mod:`~pkdose.tdm.simest` (simulation-estimation
validation), :mod:`~pkdose.tdm.settings` (``models/tdm.toml``).

References
----------
.. [1] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Forecasting individual
   pharmacokinetics. Clin Pharmacol Ther. 1979;26(3):294-305.
   doi:10.1002/cpt1979263294
.. [2] Le Louedec F, Puisset F, Thomas F, Chatelut E, White-Koning M. Easy and
   reliable maximum a posteriori Bayesian estimation of pharmacokinetic
   parameters with the open-source R package mapbayr. CPT Pharmacometrics
   Syst Pharmacol. 2021;10(10):1208-1220. doi:10.1002/psp4.12689
"""

from .advice import (
    MODEL_INFORMED,
    Forecast,
    TDMAdvice,
    ceiling_rows,
    current_regimens,
    forecast,
    individual_models,
    individual_product,
    tdm_advice,
)
from .data import DoseHistory, Levels, dose_history, levels, read_doses_csv, read_levels_csv
from .estimate import MAPResult, SIRResult, laplace_covariance, map_estimate, sir_posterior
from .fit import TDMFit, fit
from .model import Problem, TDMCase, build_problem, prior_predictive_check
from .settings import TDMSettings, load_tdm_settings

#: Renderers (layer "presentation", ``pkdose.tdm.report``), loaded on first use so that the TDM
#: computation never imports the layer above it (tests/test_layers.py).
_REPORT = ("SCHEMA_TDM", "tdm_to_dict", "tdm_text", "plot_tdm")


def __getattr__(name):
    """Load a renderer of :mod:`pkdose.tdm.report` on first use (PEP 562)."""
    if name not in _REPORT:
        raise AttributeError(f"module 'pkdose.tdm' has no attribute {name!r}")
    from . import report

    value = getattr(report, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_REPORT))


__all__ = [
    "DoseHistory", "Levels", "dose_history", "levels", "read_doses_csv", "read_levels_csv", "TDMCase", "Problem",
    "build_problem", "prior_predictive_check", "MAPResult", "SIRResult", "map_estimate", "laplace_covariance",
    "sir_posterior", "TDMFit", "fit", "MODEL_INFORMED", "Forecast", "TDMAdvice", "ceiling_rows", "current_regimens",
    "forecast", "individual_models", "individual_product", "tdm_advice", "SCHEMA_TDM", "tdm_to_dict", "tdm_text",
    "plot_tdm", "TDMSettings", "load_tdm_settings"
]
