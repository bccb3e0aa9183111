"""pkdose: renal dose adjustment and exact PK for last-line beta-lactams.

Decision support for healthcare professionals; it does not replace clinical judgement.

The main entry points are importable from the package itself, and loaded only
when first used, so that ``import pkdose`` stays light (no pandas, scipy or
matplotlib until a name that needs them is touched)::

    import pkdose
    advice = pkdose.advise_dose("cefiderocol", crcl_ml_per_min=45)   # a name, brand name or Product
    print(pkdose.note_text(advice))                                  # the note to paste into the record
    advice                                                           # one line; a small table in a notebook

``pkdose.__all__`` lists them; :data:`API` says where each one lives.
"""

import importlib

__version__ = "0.1.0"

#: Public name -> the module that defines it (loaded on first use).
API = {
    # dose advice and recommendations
    "advise_dose": "recommend", "recommend": "recommend", "assess": "recommend",
    "DoseAdvice": "recommend", "Recommendation": "recommend",
    # one input adapter for every front end, and the dose answer they show
    "parse_inputs": "inputs", "resolve_product": "inputs", "dose_answer": "answers",
    # renal function that changes, dialysis in real time
    "kinetic_crcl_trajectory": "kinetic_gfr", "changing_renal_summary": "changing_renal",
    "product_hd_timing": "hd_timing", "read_session_log": "hd_timing",
    # patients and renal states
    "Patient": "patient", "Native": "patient", "Haemodialysis": "patient", "HDSchedule": "patient",
    "CRRT": "patient", "renal_assessment": "patient",
    # PK check, cohorts and targets
    "pk_check": "exposure", "population_pta": "exposure", "exposure_summary": "exposure",
    "with_target": "exposure", "Covariates": "exposure", "PKCheck": "exposure",
    # the PTA atlas (pkdose.atlas: the module, which calls atlas() when called)
    "atlas": "atlas",
    # the engine
    "simulate": "pk", "concentration": "pk", "regimen_dosing": "pk", "ft_above_percent": "pd",
    "sample_cohort": "pta",
    # regimens and products
    "Regimen": "regimens", "parse_regimen": "regimens", "format_regimen": "regimens",
    "load_product": "library", "as_product": "library", "available_products": "library",
    # output
    "note_text": "report", "advice_text": "report", "advice_to_dict": "report",
    "recommendation_text": "report", "recommendation_to_dict": "report",
    "card_html": "card", "write_card": "card",
    "plot_pk_check": "plotting", "plot_concentration": "plotting", "plot_pta": "plotting",
    # errors
    "PkdoseError": "errors", "InputError": "errors", "UnknownDrugError": "errors",
}

__all__ = ["__version__", *API]


def __getattr__(name):
    """Load a public name from its module on first use (PEP 562)."""
    module = API.get(name)
    if module is None:
        raise AttributeError(f"module 'pkdose' has no attribute {name!r}; public names: {', '.join(API)}")
    value = importlib.import_module(f".{module}", __name__)
    if name != module:  # pkdose.recommend: the module, which calls recommend() when called
        value = getattr(value, name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(API))
