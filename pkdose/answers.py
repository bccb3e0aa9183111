r"""The dose answer the front ends show: the advice, what the covariates did, and a changing creatinine.

The command line (``pkdose dose``) and the web calculator (``POST /api/dose``)
answer from the same :class:`DoseAnswer`, so that a covariate or a creatinine
series reaches both the same way:

* ``advice``: :func:`pkdose.recommend.advise_dose` with the adapter's inputs
  (:class:`pkdose.inputs.Inputs`), its renal method saying when the CrCL is the
  kinetic one of a creatinine series;
* ``population``: the covariates given and the defaults used, model by model
  (:mod:`pkdose.population_inputs`), JSON key ``population_inputs``;
* ``changing``: with a creatinine series, the kinetic CrCL trajectory, the
  label band now and when it is expected to change, the re-check time, the
  early-AKI note and the first days simulated with the changing clearance
  (:mod:`pkdose.changing_renal`), JSON key ``changing_renal``.

References
----------
.. [1] pkdose style guide, STYLE B10 ("every front end goes through the same
   input adapter").
"""

import dataclasses
from dataclasses import dataclass

from .changing_renal import changing_renal_summary
from .library import load_product
from .population_inputs import covariate_use, population_lines
from .recommend import advise_dose, with_pk_models
from .report import advice_to_dict
from .units import normalise_scr_unit

__all__ = ["DoseAnswer", "dose_answer", "with_kinetic_renal"]


def with_kinetic_renal(advice, inputs):
    r"""The advice with its renal method saying that the CrCL is the kinetic one of a creatinine series.

    Parameters
    ----------
    advice : DoseAdvice
        From :func:`pkdose.recommend.advise_dose` [-]
    inputs : pkdose.inputs.Inputs
        The inputs it was computed from [-]

    Returns
    -------
    DoseAdvice
        Unchanged without a creatinine series [-]

    References
    ----------
    .. [1] Chen S. Retooling the creatinine clearance equation to estimate
       kinetic GFR when the plasma creatinine is changing acutely. J Am Soc
       Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
    """
    tr = inputs.kinetic
    if tr is None:
        return advice
    method = (f"kinetic CrCL (Chen 2013) of the last interval, {tr.start_h[-1]:g}–{tr.end_h[-1]:g} h of the "
              "creatinine series (see 'Changing renal function')")
    return dataclasses.replace(advice, renal=dataclasses.replace(advice.renal, method=method, notes=()))


@dataclass(frozen=True)
class DoseAnswer:
    r"""A dose answer as the command line and the web page show it.

    Parameters
    ----------
    advice : DoseAdvice
        The dose advice [-]
    population : list of str
        The covariates given, the defaults used and the structure, as lines [-]
    population_json : dict
        The same as JSON: ``structure``, ``given``, ``covariates`` [-]
    changing : ChangingRenalSummary or None
        With a creatinine series: the changing-renal-function section [-]
    show_population : bool
        Whether a covariate or the structure was given (the text block is
        shown only then; the PK check always states the population) [-]

    References
    ----------
    .. [1] pkdose JSON output, ``docs/json-schema.md``.
    """

    advice: object
    population: list
    population_json: dict
    changing: object = None
    show_population: bool = False

    def to_dict(self):
        """``pkdose.dose/1`` with the keys ``population_inputs`` and ``changing_renal`` [-]."""
        out = advice_to_dict(self.advice)
        out["population_inputs"] = self.population_json
        out["changing_renal"] = None if self.changing is None else self.changing.to_dict()
        return out


def dose_answer(inputs, *, search=None):
    r"""The dose advice of the inputs, what the covariates did, and a changing creatinine's section.

    Parameters
    ----------
    inputs : pkdose.inputs.Inputs
        From :func:`pkdose.inputs.parse_inputs` for a drug command [-]
    search : bool, optional
        Search a model-informed regimen; default the inputs' own choice [-]

    Returns
    -------
    DoseAnswer

    References
    ----------
    .. [1] Crass RL, Rodvold KA, Mueller BA, Pai MP. Renal dosing of
       antibiotics: are we jumping the gun? Clin Infect Dis.
       2019;68(9):1596-1602.
    """
    kwargs = inputs.advise_kwargs()
    if search is not None:
        kwargs["search"] = search
    advice = with_kinetic_renal(advise_dose(inputs.product, **kwargs), inputs)
    product = with_pk_models(load_product(inputs.product), inputs.pk_model_files)
    population = population_lines(product, inputs.pk_covariates, inputs.structure)
    population_json = {"structure": inputs.structure, "given": dict(inputs.pk_covariates),
                       "covariates": covariate_use(product, inputs.pk_covariates)}
    changing = None
    if inputs.kinetic is not None:
        a = advice.renal.assessment
        cov = {"weight_kg": inputs.patient.weight_kg, "bsa_m2": None if a is None else a.bsa_m2,
               **inputs.pk_covariates}
        changing = changing_renal_summary(inputs.kinetic, product, scr_unit=normalise_scr_unit(inputs.scr_unit),
                                          jurisdiction=inputs.jurisdiction, covariates=cov,
                                          mic_mg_per_l=advice.mic_mg_per_l, n=inputs.n, rng=inputs.seed,
                                          structure=inputs.structure)
    shown = bool(inputs.pk_covariates) or "structure" in inputs.given
    return DoseAnswer(advice, population, population_json, changing, shown)
