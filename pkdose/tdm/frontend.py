r"""From the one input adapter's :class:`~pkdose.inputs.Inputs` to a TDM answer (CLI and web page).

The command line gives the dose record and the levels as CSV files, the web
page as rows of a table; everything else (renal state, patient, MIC, ...)
arrives exactly as for ``pkdose dose``.
"""

from ..errors import InputError
from ..exposure import Covariates
from ..library import load_pk_model
from ..patient import renal_assessment
from .advice import tdm_advice
from .data import DOSE_COLUMNS, LEVEL_COLUMNS, dose_history, levels, read_doses_csv, read_levels_csv
from .fit import fit
from .model import TDMCase

__all__ = ["tdm_from_inputs", "case_from_inputs"]


def _check_rows(rows, columns, field):
    """Rows of a table (the web page): objects whose keys are the record's columns."""
    allowed = set(columns[0]) | set(columns[1])
    for i, r in enumerate(rows):
        unknown = sorted(set(r) - allowed)
        if unknown:
            raise InputError(f"{{{field}}} row {i + 1}: unknown column {unknown[0]!r}; columns "
                             f"{','.join(columns[0])} (required) and {','.join(columns[1])} (optional)", field=field)


def _column(rows, name, field, required=True):
    out = []
    for i, r in enumerate(rows):
        if name not in r or r[name] in (None, ""):
            if required:
                raise InputError(f"{{{field}}} row {i + 1} has no {name}", field=field)
            out.append("")
        else:
            out.append(r[name])
    return out


def _doses(inp):
    if isinstance(inp.doses, str):
        return read_doses_csv(inp.doses, inp.product)
    rows = inp.doses
    _check_rows(rows, DOSE_COLUMNS, "doses")
    comp = _column(rows, "component", "doses", required=False)
    return dose_history(inp.product, _column(rows, "time_h", "doses"), _column(rows, "amount_mg", "doses"),
                        _column(rows, "infusion_h", "doses"), comp if any(comp) else None)


def _levels(inp):
    if isinstance(inp.levels, str):
        return read_levels_csv(inp.levels, inp.product, default_analyte=inp.analyte)
    rows = inp.levels
    _check_rows(rows, LEVEL_COLUMNS, "levels")
    free = [str(x).lower() if isinstance(x, bool) else x for x in _column(rows, "free", "levels", required=False)]
    return levels(inp.product, _column(rows, "time_h", "levels"), _column(rows, "conc_mg_per_l", "levels"),
                  _column(rows, "analyte", "levels", required=False), free, default_analyte=inp.analyte)


def case_from_inputs(inp):
    r"""The TDM case and the kinetic CrCL trajectory (or None) of the adapter's inputs.

    Parameters
    ----------
    inp : pkdose.inputs.Inputs
        From :func:`pkdose.inputs.parse_inputs` with ``command="tdm"`` [-].

    Returns
    -------
    tuple
        (:class:`~pkdose.tdm.TDMCase`, :class:`~pkdose.kinetic_gfr.KineticCrclTrajectory` or None) [-].

    Raises
    ------
    InputError
        Any check of the records, the case or the creatinine series.

    Notes
    -----
    The renal input is the one ``pkdose dose`` takes: a CrCL, a patient with
    a creatinine (Cockcroft-Gault by the stated weight rule), the residual
    CrCL on haemodialysis or CRRT, or a creatinine series with the baseline
    creatinine, whose kinetic CrCL (Chen 2013) changes the clearance in steps
    (times on the dose record's clock); the advice uses the latest step. The
    PK-model covariates given (site, albumin, ventilation, APACHE II,
    population group) reach the priors as they reach the dose advice.

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888.
       doi:10.1681/ASN.2012070653 (the kinetic CrCL of the series)
    """
    state = inp.renal_state
    weight = bsa = None
    if inp.patient is not None:  # with a creatinine series, the patient carries the latest kinetic CrCL
        a = renal_assessment(inp.patient, state)
        crcl, weight, bsa = a.crcl_ml_per_min, inp.patient.weight_kg, a.bsa_m2
    else:
        crcl = inp.crcl_ml_per_min if inp.crcl_ml_per_min is not None else state.residual_crcl_ml_per_min
    trajectory = inp.kinetic
    steps = None if trajectory is None else (trajectory.start_h, trajectory.crcl_ml_per_min)
    cov = Covariates(float(crcl), state, weight, bsa, **inp.pk_covariates)
    models = {}
    for path in inp.pk_model_files:
        m = load_pk_model(path)
        models[m.analyte] = m
    case = TDMCase(_doses(inp), _levels(inp), cov, hd_sessions_h=inp.hd_sessions, crrt_periods_h=inp.crrt_periods,
                   crcl_steps=steps, pk_models=models)
    return case, trajectory


def tdm_from_inputs(inp):
    r"""Fit the patient's levels and advise the next regimen, from the adapter's inputs.

    Parameters
    ----------
    inp : pkdose.inputs.Inputs
        The TDM inputs, as :func:`case_from_inputs` takes them [-].

    Returns
    -------
    TDMAdvice

    Raises
    ------
    InputError, UnitError
        Any input error, naming its field.

    References
    ----------
    .. [1] Le Louedec F, Puisset F, Thomas F, Chatelut E, White-Koning M.
       CPT Pharmacometrics Syst Pharmacol. 2021;10(10):1208-1220.
       doi:10.1002/psp4.12689
    """
    case, trajectory = case_from_inputs(inp)
    f = fit(case, rng=inp.seed)
    return tdm_advice(f, mic_mg_per_l=inp.mic_mg_per_l, jurisdiction=inp.jurisdiction, organism=inp.organism,
                      n=inp.n, rng=inp.seed, search=inp.search, trajectory=trajectory)
