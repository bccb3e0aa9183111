r"""Covariate functional forms of the published population-PK models, one function per form.

A population-PK model scales each typical structural parameter (CL, V1, Q2,
V2, ...) by the product of its covariate factors. The shipped papers use a
small set of functional forms, each implemented here once, vectorised over
patients. A model file (``models/pk/*.toml``, schema 2) names the form of each
covariate effect and gives the published numbers verbatim; nothing derived
from them is stored in the file.

=========================  ==================================================  ==========================
form                       factor                                              used by
=========================  ==================================================  ==========================
``power``                  :math:`(x / x_{ref})^{e}`                           weight, albumin
``capped_power``           :math:`(\min(x, x_{cap}) / x_{ref})^{e}`            Kawaguchi 2021 CrCL
``hinged_power_linear``    :math:`(x/h)^{e}` below :math:`h`,                  Li 2019 avibactam,
                           :math:`1 + s (x - h)` at or above                   Xie 2025 nCrCL
``piecewise_linear``       :math:`s_1 \min(x, h) + s_2 \max(x - h, 0)`         Li 2019 ceftazidime CrCL
``linear``                 :math:`1 + s (x - x_{ref})`                          (general)
``exponential``            :math:`e^{s (x - x_{ref})}`                          (general)
``categorical_ratio``      :math:`\theta_{level}` (1 for an absent level)      Kawaguchi, Li ceftazidime
``categorical_shift``      :math:`1 + \theta_{level}` (1 for an absent level)  Li avibactam, Xie 2025
=========================  ==================================================  ==========================

A categorical effect may *replace* another effect of the same parameter for
the patients it applies to (the end-stage renal disease terms of Li 2019 and
Xie 2025 replace the renal-function factor rather than multiply it).

The patient covariates the models can read are listed in
:data:`COVARIATES`, with their units and, for categorical ones, their levels.

References
----------
.. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Population pharmacokinetic
   and pharmacokinetic/pharmacodynamic analyses of cefiderocol, a parenteral
   siderophore cephalosporin, in patients with pneumonia, bloodstream
   infection/sepsis, or complicated urinary tract infection. Antimicrob
   Agents Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20
   (Table 2 footnote b).
.. [2] Li J, Lovern M, Green ML, et al. Ceftazidime-avibactam population
   pharmacokinetic modeling and pharmacodynamic target attainment across
   adult indications and patient subgroups. Clin Transl Sci.
   2019;12(2):151-163. doi:10.1111/cts.12585 (Tables 1-2, Data S1).
.. [3] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Population
   pharmacokinetic/pharmacodynamic modeling to optimize aztreonam-avibactam
   dose regimens for adult patients. Antimicrob Agents Chemother.
   2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (Table S3).
"""

from types import MappingProxyType

import numpy as np

from .errors import InputError

__all__ = [
    "COVARIATES",
    "FORMS",
    "INFECTION_SITES",
    "RACES",
    "power",
    "capped_power",
    "hinged_power_linear",
    "piecewise_linear",
    "linear",
    "exponential",
    "categorical_ratio",
    "categorical_shift",
]

#: Infection sites a patient can have (the vocabulary of ``models/guidelines.toml``),
#: plus ``"none"`` for an uninfected subject (a model's reference subject).
INFECTION_SITES = ("pneumonia", "bloodstream", "urinary", "intra-abdominal", "other", "none")

#: Race groups some models distinguish (Li 2019: non-Chinese non-Japanese Asian,
#: Chinese, Japanese; everyone else is ``"other"``, the reference).
RACES = ("asian", "chinese", "japanese", "other")

#: Patient covariates a model file may name: unit (continuous) or levels (categorical).
COVARIATES = MappingProxyType({
    "crcl": "mL/min",          # Cockcroft-Gault creatinine clearance, raw (not BSA-indexed)
    "ncrcl": "mL/min",         # CrCL x 1.73 / BSA, i.e. mL/min/1.73 m2
    "weight": "kg",
    "albumin": "g/dL",
    "infection_site": INFECTION_SITES,
    "race": RACES,
    "ventilated": ("true",),           # ventilator present (Li 2019 'NPv')
    "apache_ii_above_10": ("true",),   # APACHE II score > 10 (Li 2019 Methods)
    "acute_pyelonephritis": ("true",), # cUTI with acute pyelonephritis (Li 2019 ceftazidime theta11)
    "esrd": ("true",),                 # end-stage renal disease rule of the model
})


def _x(x, name="x"):
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"covariate {name} must be finite, got {x!r}", field=name)
    return arr


def power(x, reference, exponent):
    r"""Power covariate factor :math:`(x / x_{ref})^{e}`.

    Parameters
    ----------
    x : array_like
        Covariate value, > 0 [unit of the covariate].
    reference : float
        Value at which the factor is 1 [unit of the covariate].
    exponent : float
        Published exponent [-].

    Returns
    -------
    numpy.ndarray
        Factor, shape of ``x``: 1 at the reference, above 1 above it for a
        positive exponent [-].

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Table 2
       footnote b: V1 x (WT/72.6)^0.580 x (ALB/3.9)^-0.617).

    Examples
    --------
    From Kawaguchi 2021, Table 2: albumin 2.7 g/dL raises V1 by 25.5 %:

    >>> round(float(power(2.7, 3.9, -0.617)), 3)
    1.255
    """
    return (_x(x) / reference) ** exponent


def capped_power(x, reference, cap, exponent):
    r"""Power factor of a covariate held constant above a cap: :math:`(\min(x, x_{cap})/x_{ref})^{e}`.

    Parameters
    ----------
    x : array_like
        Covariate value, >= 0 [unit of the covariate].
    reference : float
        Value at which the factor is 1 [unit of the covariate].
    cap : float
        Value above which the factor stays constant [unit of the covariate].
    exponent : float
        Published exponent [-].

    Returns
    -------
    numpy.ndarray
        Factor; constant, :math:`(x_{cap}/x_{ref})^{e}`, above the cap [-].

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Table 2:
       CL x (min(CrCL, 150)/83.0)^0.682).

    Examples
    --------
    >>> capped_power([83.0, 150.0, 300.0], 83.0, 150.0, 0.682).round(3).tolist()
    [1.0, 1.497, 1.497]
    """
    return (np.minimum(_x(x), cap) / reference) ** exponent


def hinged_power_linear(x, hinge, exponent, slope):
    r"""Power below a hinge, linear at and above it; both arms are 1 at the hinge.

    Parameters
    ----------
    x : array_like
        Covariate value, >= 0 [unit of the covariate].
    hinge : float
        Hinge, also the reference [unit of the covariate].
    exponent : float
        Exponent of the power arm below the hinge [-].
    slope : float
        Slope of the linear arm above the hinge [1/unit of the covariate].

    Returns
    -------
    numpy.ndarray
        Factor: :math:`(x/h)^{e}` for :math:`x < h`, :math:`1 + s (x - h)` otherwise [-].

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci. 2019;12(2):151-163.
       doi:10.1111/cts.12585 (Table 2, theta7/theta8; Data S1).
    .. [2] Das S, Riccobene T, Carrothers TJ, et al. Eur J Clin Pharmacol.
       2024;80(4):529-543. doi:10.1007/s00228-023-03609-x (Supplementary
       Table 5: the form used by Xie 2025).

    Examples
    --------
    From Li 2019, Results: avibactam CL rises 27.9 % per 100 mL/min above 80:

    >>> hinged_power_linear([40.0, 80.0, 180.0], 80.0, 1.05, 0.00279).round(3).tolist()
    [0.483, 1.0, 1.279]
    """
    x = _x(x)
    return np.where(x < hinge, (np.minimum(x, hinge) / hinge) ** exponent,
                    1.0 + slope * (x - hinge))


def piecewise_linear(x, hinge, slope_below, slope_above):
    r"""Two linear segments through the origin, hinged: :math:`s_1 \min(x, h) + s_2 \max(x - h, 0)`.

    Parameters
    ----------
    x : array_like
        Covariate value, >= 0 [unit of the covariate].
    hinge : float
        Hinge [unit of the covariate].
    slope_below : float
        Slope below the hinge (the factor is 0 at x = 0) [1/unit].
    slope_above : float
        Slope above the hinge [1/unit].

    Returns
    -------
    numpy.ndarray
        Factor, 0 at x = 0 (the published slopes are per unit of the
        covariate, so the factor is the typical value's multiplier) [-].

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci. 2019;12(2):151-163.
       doi:10.1111/cts.12585 (Table 1 'Slope 1', 'Slope 2'; Data S1 $PK
       SLOPE1 = 0.0103036, SLOPE2 = 0.00125182).

    Examples
    --------
    >>> piecewise_linear([97.0535, 100.0, 200.0], 100.0, 0.0103036, 0.00125182).round(4).tolist()
    [1.0, 1.0304, 1.1555]
    """
    x = _x(x)
    return slope_below * np.minimum(x, hinge) + slope_above * np.maximum(x - hinge, 0.0)


def linear(x, reference, slope):
    r"""Linear covariate factor :math:`1 + s (x - x_{ref})`.

    Parameters
    ----------
    x : array_like
        Covariate value; keep it within the range the model was fitted on,
        since the factor turns negative below :math:`x_{ref} - 1/s` for a
        positive slope [unit of the covariate].
    reference : float
        Value at which the factor is 1 [unit of the covariate].
    slope : float
        Published slope: the fractional change of the factor per unit of
        the covariate [1/unit].

    Returns
    -------
    numpy.ndarray
        Factor [-].

    References
    ----------
    .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
       Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed Effects
       Models. Hoboken: Wiley; 2014. Chapter 5 (the linear covariate model).

    Examples
    --------
    >>> float(linear(90.0, 80.0, 0.01))
    1.1
    """
    return 1.0 + slope * (_x(x) - reference)


def exponential(x, reference, slope):
    r"""Exponential covariate factor :math:`e^{s (x - x_{ref})}`.

    Parameters
    ----------
    x : array_like
        Covariate value; any real value gives a positive factor [unit of the covariate].
    reference : float
        Value at which the factor is 1 [unit of the covariate].
    slope : float
        Published coefficient: the change of the log of the factor per
        unit of the covariate [1/unit].

    Returns
    -------
    numpy.ndarray
        Factor, always > 0 [-].

    References
    ----------
    .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
       Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed Effects
       Models. Hoboken: Wiley; 2014. Chapter 5 (the exponential covariate model,
       which keeps the factor positive at any covariate value).

    Examples
    --------
    >>> round(float(exponential(50.0, 40.0, 0.1)), 4)
    2.7183
    """
    return np.exp(slope * (_x(x) - reference))


def _levels(x):
    arr = np.asarray(x, dtype=object)
    return np.vectorize(lambda v: str(v).lower(), otypes=[object])(arr) if arr.size else arr


def categorical_ratio(x, ratios):
    r"""Categorical factor given as a bare multiplier per level: :math:`\theta_{level}`.

    Parameters
    ----------
    x : array_like of str or bool
        Each patient's level, e.g. ``"pneumonia"``; ``True`` reads as ``"true"`` [-].
    ratios : Mapping[str, float]
        Published multiplier of each non-reference level; a level not listed
        is the reference (factor 1) [-].

    Returns
    -------
    numpy.ndarray
        Factor of each patient, shape of ``x`` [-].

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Table 2:
       pneumonia x 0.981, BSI/sepsis x 1.08 on CL).

    Examples
    --------
    >>> categorical_ratio(["pneumonia", "none"], {"pneumonia": 0.981}).tolist()
    [0.981, 1.0]
    """
    lv = _levels(x)
    out = np.ones(lv.shape)
    for level, value in ratios.items():
        out = np.where(lv == level, value, out)
    return out


def categorical_shift(x, shifts):
    r"""Categorical factor given as a proportional shift per level: :math:`1 + \theta_{level}`.

    Parameters
    ----------
    x : array_like of str or bool
        Each patient's level; ``True`` reads as ``"true"`` [-].
    shifts : Mapping[str, float]
        Published shift :math:`\theta` of each non-reference level (> -1) [-].

    Returns
    -------
    numpy.ndarray
        Factor of each patient: :math:`1 + \theta` of its level [-].

    References
    ----------
    .. [1] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents
       Chemother. 2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (Table S3:
       'cIAI on CL_ATM' 0.279).
    .. [2] Das S, Riccobene T, Carrothers TJ, et al. Eur J Clin Pharmacol.
       2024;80(4):529-543. doi:10.1007/s00228-023-03609-x (Supplementary
       Table 5: the X*(1 + theta) form).

    Examples
    --------
    >>> categorical_shift(["intra-abdominal", "pneumonia"], {"intra-abdominal": 0.279}).tolist()
    [1.279, 1.0]
    """
    return categorical_ratio(x, {k: 1.0 + v for k, v in shifts.items()})


#: Form name -> (function, names of its numeric arguments after x).
FORMS = MappingProxyType({
    "power": (power, ("reference", "exponent")),
    "capped_power": (capped_power, ("reference", "cap", "exponent")),
    "hinged_power_linear": (hinged_power_linear, ("hinge", "exponent", "slope")),
    "piecewise_linear": (piecewise_linear, ("hinge", "slope_below", "slope_above")),
    "linear": (linear, ("reference", "slope")),
    "exponential": (exponential, ("reference", "slope")),
    "categorical_ratio": (categorical_ratio, ()),
    "categorical_shift": (categorical_shift, ()),
})
