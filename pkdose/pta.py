r"""Virtual populations, probability of target attainment (PTA) and cumulative fraction of response.

Between-subject variability is log-normal: a patient's parameter is
:math:`\theta_i = \theta_{typ}\, e^{\eta_i}` with :math:`\eta \sim N(0, \Omega)`.
The population-PK files give :math:`\Omega` on the scale the paper printed
(``models/README.md``, "Variability"): a variance, an SD, or a "CV %" that
Kawaguchi 2021 and Xie 2025 print as :math:`\omega \times 100` (only that reading
reproduces their printed covariances), read as :math:`\omega = CV/100` with no
log-normal conversion. :func:`omega_from_cv` is the exact conversion
:math:`\omega^2 = \ln(1 + CV^2)` for the CV of a log-normal quantity itself (e.g.
a covariate distribution of a simulation design); it is not applied to the
model files. Randomness follows SPEC 7: every stochastic function takes ``rng``
(None, an int seed or a ``numpy.random.Generator``).

Large populations are simulated in chunks so that memory stays flat as the
number of patients grows.

References
----------
.. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. Standardization of
   pharmacodynamic (PD) terminology for anti-infective drugs: an update.
   J Antimicrob Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079
.. [2] Drusano GL, Preston SL, Hardalo C, et al. Use of preclinical data for
   selection of a phase II/III dose for evernimicin and identification of a
   preclinical MIC breakpoint. Antimicrob Agents Chemother. 2001;45(1):13-22.
   doi:10.1128/AAC.45.1.13-22.2001
"""

from statistics import NormalDist

import numpy as np

from .errors import InputError
from .pd import ft_above_percent
from .pk.solution import profiles_in_chunks

__all__ = [
    "omega_from_cv",
    "lognormal_etas",
    "covariance_etas",
    "sample_cohort",
    "DISTRIBUTIONS",
    "ft_population",
    "attainment",
    "pta_table",
    "pta_interval",
    "cfr",
    "DEFAULT_CHUNK",
    "DEFAULT_SEED",
]

#: Patients simulated at once; bounds peak memory whatever the population size.
DEFAULT_CHUNK = 16_384
#: Seed of the virtual population when none is chosen (the command line's and the web page's
#: default), so that the same question gives the same answer; a technical constant.
DEFAULT_SEED = 2026


def omega_from_cv(cv_percent):
    r"""Standard deviation of a log-normal random effect from its coefficient of variation.

    Parameters
    ----------
    cv_percent : array_like
        Coefficient of variation of the parameter [%].

    Returns
    -------
    ndarray
        :math:`\omega = \sqrt{\ln(1 + CV^2)}` [-].

    References
    ----------
    .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
       Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed Effects
       Models. Hoboken: Wiley; 2014. Section 2.3 (the coefficient of variation of
       a log-normally distributed parameter).

    Examples
    --------
    >>> round(float(omega_from_cv(30.0)), 4)
    0.2936
    """
    cv = np.asarray(cv_percent, dtype=float) / 100.0
    if np.any(cv < 0) or not np.all(np.isfinite(cv)):
        raise InputError(f"cv_percent must be finite and >= 0 %, got {cv_percent!r}")
    return np.sqrt(np.log1p(cv**2))


def lognormal_etas(n, omegas, correlation=None, rng=None):
    """Draw random effects for ``n`` virtual patients.

    Parameters
    ----------
    n : int
        Number of virtual patients [-].
    omegas : array_like
        Standard deviation of each random effect, shape (n_effects,) [-].
    correlation : array_like, optional
        Correlation matrix, shape (n_effects, n_effects); identity if omitted [-].
    rng : None, int or numpy.random.Generator
        Source of randomness (SPEC 7) [-].

    Returns
    -------
    ndarray, shape (n, n_effects)
        Random effects; multiply the typical values by ``exp(eta)`` [-].

    References
    ----------
    .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
       Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed Effects
       Models. Hoboken: Wiley; 2014. Chapter 2 (exponential random effects:
       P_i = P_typ exp(eta_i), eta ~ N(0, omega^2)).

    Examples
    --------
    Same seed, same numbers:

    >>> a = lognormal_etas(3, [0.3, 0.2], rng=7); b = lognormal_etas(3, [0.3, 0.2], rng=7)
    >>> bool(np.array_equal(a, b))
    True
    """
    omegas = np.atleast_1d(np.asarray(omegas, dtype=float))
    corr = np.eye(omegas.size) if correlation is None else np.asarray(correlation, dtype=float)
    if corr.shape != (omegas.size, omegas.size) or not np.allclose(corr, corr.T):
        raise InputError(f"correlation must be a symmetric {omegas.size}x{omegas.size} matrix")
    if np.any(np.linalg.eigvalsh(corr) < -1e-12):
        raise InputError("correlation matrix must be positive semi-definite")
    cov = corr * np.outer(omegas, omegas)
    # numpy's Generator.multivariate_normal(0, cov, n, method="eigh"), the same numbers, without its
    # per-call checks (validated above): standard normals times the eigen-factor of the covariance.
    s, u = np.linalg.eigh(cov)
    x = np.random.default_rng(rng).standard_normal((int(n), omegas.size))
    factor = (u * np.sqrt(np.abs(s))).T
    out = np.empty_like(x)
    rows = -(-x.shape[0] // -(-x.shape[0] // _ETA_ROWS)) if x.shape[0] else 1  # equal blocks, none of one row
    for start in range(0, x.shape[0], rows):  # each product small enough to stay on one thread
        np.matmul(x[start:start + rows], factor, out=out[start:start + rows])
    return out


#: Most rows of random effects multiplied at once. OpenBLAS splits a product above about 2.6e5
#: multiply-adds over threads; on a busy machine the threads wait for cores (a 10,000 x 8 product took
#: 16 ms threaded against 0.1 ms in blocks). Blocks of equal size (never a single row, which BLAS would
#: take as a matrix-vector product) give every element the same dot product: the same numbers.
_ETA_ROWS = 2048


def covariance_etas(n, covariance, rng=None):
    r"""Draw random effects for ``n`` virtual patients from a full covariance matrix.

    Parameters
    ----------
    n : int
        Number of virtual patients [-].
    covariance : array_like
        Covariance matrix of the random effects on the variance scale (a
        published OMEGA block, or several joined), shape (k, k) [-].
    rng : None, int or numpy.random.Generator
        Source of randomness (SPEC 7) [-].

    Returns
    -------
    ndarray, shape (n, k)
        :math:`\eta \sim N(0, \Omega)`; multiply the typical values by ``exp(eta)`` [-].

    Raises
    ------
    InputError
        Not a symmetric positive semi-definite matrix.

    References
    ----------
    .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
       Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed Effects
       Models. Hoboken: Wiley; 2014. Chapter 2 (OMEGA block).

    Examples
    --------
    Kawaguchi 2021, Table 2: CL-V1 covariance 0.0886 with omegas 0.375 and 0.569:

    >>> eta = covariance_etas(200_000, [[0.140625, 0.0886], [0.0886, 0.323761]], rng=1)
    >>> round(float(np.corrcoef(eta.T)[0, 1]), 2)
    0.42
    """
    cov = np.atleast_2d(np.asarray(covariance, dtype=float))
    if cov.shape[0] != cov.shape[1] or not np.allclose(cov, cov.T):
        raise InputError(f"covariance must be a symmetric square matrix, got shape {cov.shape}")
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, cov / np.outer(sd, sd), np.eye(cov.shape[0]))
    return lognormal_etas(n, sd, corr, rng=rng)


#: Covariate distributions :func:`sample_cohort` understands -> their parameters.
DISTRIBUTIONS = {
    "lognormal_mean_cv": ("mean", "cv_percent"),     # arithmetic mean and CV
    "lognormal_median_cv": ("median", "cv_percent"),
    "normal": ("mean", "sd"),
    "uniform": ("low", "high"),
}


def _draw(gen, n, spec, name):
    kind = spec["distribution"]
    if kind not in DISTRIBUTIONS:
        raise InputError(f"{name}: unknown distribution {kind!r}; use one of {', '.join(DISTRIBUTIONS)}")
    a, b = (float(spec[k]) for k in DISTRIBUTIONS[kind])
    lo, hi = spec.get("range", (-np.inf, np.inf))
    out = np.empty(0)
    while out.size < n:  # truncation by redrawing outside the range
        if kind == "uniform":
            x = gen.uniform(a, b, n)
        elif kind == "normal":
            x = gen.normal(a, b, n)
        else:
            sd = np.sqrt(np.log1p((b / 100.0) ** 2))
            mu = np.log(a) - (sd * sd / 2.0 if kind == "lognormal_mean_cv" else 0.0)
            x = np.exp(gen.normal(mu, sd, n))
        out = np.concatenate([out, x[(x >= lo) & (x <= hi)]])
    return out[:n]


def sample_cohort(n, crcl_ml_per_min, design=None, *, rng=None, **fixed):
    r"""Draw a virtual cohort: CrCL in a band (or given), covariates from a published design.

    Parameters
    ----------
    n : int
        Virtual patients [-].
    crcl_ml_per_min : tuple of float or array_like
        ``(lo, hi)``: CrCL uniform in the band; an array of length ``n``:
        the patients' CrCL (any distribution the caller drew) [mL/min].
    design : Mapping, optional
        Covariate -> distribution, e.g. a design of
        :func:`pkdose.library.load_population_design`: each entry a mapping
        with ``distribution`` (a key of :data:`DISTRIBUTIONS`), its
        parameters and an optional ``range`` (redrawn outside it); or, for a
        categorical covariate, ``mix`` (level -> weight), drawn only for the
        infection sites in ``sites`` when given (the level ``otherwise``
        elsewhere) [-].
    rng : None, int or numpy.random.Generator
        Random source (SPEC 7) [-].
    **fixed
        Covariates fixed for everyone, e.g. ``infection_site="pneumonia"``
        (overrides the design) [-].

    Returns
    -------
    pandas.DataFrame
        ``crcl_ml_per_min`` and one column per covariate; ``bsa_m2`` (Du Bois)
        when both ``weight_kg`` and ``height_cm`` are drawn.

    Raises
    ------
    InputError
        Bad band or CrCL array, unknown distribution, a site-dependent
        covariate without an infection site.

    Notes
    -----
    This is the design of the published PTA simulations by renal band, e.g.
    CrCL uniform in each band, weight log-normal with mean 72.6 kg and CV
    30 % and albumin log-normal with mean 2.8 g/dL and CV 30 % in Kawaguchi
    2021 [1]_.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Population
       pharmacokinetic and pharmacokinetic/pharmacodynamic analyses of
       cefiderocol, a parenteral siderophore cephalosporin, in patients with
       pneumonia, bloodstream infection/sepsis, or complicated urinary tract
       infection. Antimicrob Agents Chemother. 2021;65(3):e01437-20.
       doi:10.1128/AAC.01437-20
    .. [2] Du Bois D, Du Bois EF. A formula to estimate the approximate surface
       area if height and weight be known. Arch Intern Med. 1916;17:863-871.

    Examples
    --------
    >>> c = sample_cohort(4, (30, 60), {"weight_kg": {"distribution": "uniform", "low": 60, "high": 80}},
    ...                   rng=1, infection_site="pneumonia")
    >>> list(c.columns), bool(c.crcl_ml_per_min.between(30, 60).all())
    (['crcl_ml_per_min', 'weight_kg', 'infection_site'], True)
    """
    gen = np.random.default_rng(rng)
    n = int(n)
    if isinstance(crcl_ml_per_min, tuple) and len(crcl_ml_per_min) == 2:
        lo, hi = crcl_ml_per_min
        if not 0 <= lo < hi <= 400:
            raise InputError(f"CrCL band ({lo}, {hi}) must satisfy 0 <= lo < hi <= 400 mL/min")
        crcl = gen.uniform(lo, hi, n)
    else:
        crcl = np.asarray(crcl_ml_per_min, dtype=float)
        if crcl.shape != (n,) or np.any(~np.isfinite(crcl)) or np.any((crcl < 0) | (crcl > 400)):
            raise InputError(f"crcl_ml_per_min must be a (lo, hi) band or {n} values in 0-400 mL/min")
    cols = {"crcl_ml_per_min": crcl}
    for name, spec in (design or {}).items():
        if name in fixed:
            continue
        if "mix" in spec:
            levels = list(spec["mix"])
            w = np.asarray([spec["mix"][k] for k in levels], dtype=float)
            cols[name] = np.asarray(levels, dtype=object)[gen.choice(len(levels), n, p=w / w.sum())]
        else:
            cols[name] = _draw(gen, n, spec, name)
    if "weight_kg" in cols and "height_cm" in cols:
        cols["bsa_m2"] = 0.007184 * cols["weight_kg"] ** 0.425 * cols["height_cm"] ** 0.725
    import pandas as pd

    frame = pd.DataFrame(cols)
    for name, value in fixed.items():
        frame[name] = value
    return _only_at_sites(frame, design or {}, fixed)


def _only_at_sites(frame, design, fixed):
    """Covariates a design draws only for some infection sites take their ``otherwise`` level elsewhere."""
    for name, spec in design.items():
        if name in fixed or "sites" not in spec:
            continue
        if "infection_site" not in frame:
            raise InputError(f"{name} is drawn only for infection sites {list(spec['sites'])}: give "
                             "infection_site", field="infection_site")
        frame.loc[~frame["infection_site"].isin(spec["sites"]), name] = spec["otherwise"]
    return frame


def ft_population(cl_l_per_h, v_l, dosing, fu_fraction, thresholds_mg_per_l, window_h, *,
                  extra=None, t_end_h=None, steady_state=False, chunk=DEFAULT_CHUNK, peripheral=()):
    r"""Free %fT above each threshold for every virtual patient, simulated in chunks.

    Parameters
    ----------
    cl_l_per_h : array_like or pkdose.pk.ClearanceSteps
        Patients' own clearance, shape (n_patients,), or a clearance that
        changes over time [L/h].
    v_l : array_like
        Patients' central volume, shape (n_patients,) [L].
    dosing : Dosing
        Infusions shared by all patients [-].
    fu_fraction : float
        Unbound fraction [-].
    thresholds_mg_per_l : array_like
        MICs or threshold concentrations on the free drug, shape (n_thresholds,) [mg/L].
    window_h : tuple of float
        (start, end) of the evaluation window, e.g. the last dosing interval [h].
    extra : ExtraClearance, optional
        Dialysis clearance windows [-].
    t_end_h : float, optional
        End of the simulation; defaults to the window end [h].
    steady_state : bool, optional
        Passed to :func:`pkdose.pk.simulate` [-].
    chunk : int, optional
        Patients simulated at once [-].
    peripheral : tuple of tuple, optional
        Peripheral compartments ``((q2, v2), ...)`` as for
        :func:`pkdose.pk.simulate`, each value scalar or shape (n_patients,) [L/h, L].

    Returns
    -------
    ndarray, shape (n_thresholds, n_patients)
        %fT>threshold [%].

    Notes
    -----
    Only the evaluation window is kept of each chunk's profile
    (``simulate(..., window_h=window_h)``): the state at its start is carried
    in closed form from the start of the simulation.

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. J Antimicrob
       Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079 (fT>MIC: the
       cumulative percentage of the dosing interval that the free concentration
       exceeds the MIC).
    """
    thr = np.atleast_1d(np.asarray(thresholds_mg_per_l, dtype=float))
    t0, t1 = (float(t) for t in window_h)
    n, chunks = profiles_in_chunks(cl_l_per_h, v_l, dosing, extra, peripheral=peripheral,
                                   t_end_h=t1 if t_end_h is None else t_end_h, steady_state=steady_state,
                                   window_h=(t0, t1), chunk=chunk)
    out = None
    for part, profile in chunks:
        ft = ft_above_percent(profile, thr, fu_fraction, t0, t1)
        if part.stop == n and part.start == 0:
            return ft
        if out is None:
            out = np.empty((thr.size, n))
        out[:, part] = ft
    return out


def attainment(ft_percent, target_percent):
    """Whether each patient meets a %fT target (ties count as met).

    Parameters
    ----------
    ft_percent : array_like
        %fT values, any shape [%].
    target_percent : float
        Required %fT [%].

    Returns
    -------
    ndarray of bool
        Same shape as ``ft_percent`` [-].

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. J Antimicrob
       Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079 (a target attained
       when the PK/PD index reaches its target value; PTA the fraction attaining).
    """
    return np.asarray(ft_percent) >= target_percent - 1e-9


def pta_table(mics_mg_per_l, attained, **labels):
    """Tidy PTA table: one row per MIC.

    Parameters
    ----------
    mics_mg_per_l : array_like
        MICs, shape (n_mics,) [mg/L].
    attained : array_like of bool
        Target met, shape (n_mics, n_patients); for a joint target pass the
        element-wise AND of the components [-].
    **labels
        Constant columns to add (regimen, target, renal group…) [-].

    Returns
    -------
    pandas.DataFrame
        Columns ``mic_mg_per_l``, ``pta_fraction``, ``n_patients``,
        ``mc_se_fraction`` (binomial standard error) and the labels.

    References
    ----------
    .. [1] Drusano GL, Preston SL, Hardalo C, et al. Use of preclinical data for
       selection of a phase II/III dose for evernimicin and identification of a
       preclinical MIC breakpoint. Antimicrob Agents Chemother. 2001;45(1):13-22.
       doi:10.1128/AAC.45.1.13-22.2001

    Examples
    --------
    >>> pta_table([1, 2], np.array([[True, True], [True, False]]), regimen="x")
       mic_mg_per_l  pta_fraction  n_patients  mc_se_fraction regimen
    0           1.0           1.0           2        0.000000       x
    1           2.0           0.5           2        0.353553       x
    """
    att = np.asarray(attained, dtype=bool)
    mics = np.atleast_1d(np.asarray(mics_mg_per_l, dtype=float))
    if att.ndim != 2 or att.shape[0] != mics.size:
        raise InputError(f"attained must have shape (n_mics={mics.size}, n_patients), got {att.shape}")
    import pandas as pd

    p = att.mean(axis=1)
    df = pd.DataFrame({"mic_mg_per_l": mics, "pta_fraction": p, "n_patients": att.shape[1],
                       "mc_se_fraction": np.sqrt(p * (1 - p) / att.shape[1])})
    for name, value in labels.items():
        df[name] = value
    return df


def pta_interval(pta_fraction, n_patients, level=0.95):
    r"""Monte Carlo confidence interval of a PTA estimated from virtual patients (Wilson score).

    Parameters
    ----------
    pta_fraction : array_like
        Estimated PTA, the fraction of virtual patients attaining the target [-].
    n_patients : array_like
        Number of virtual patients behind each estimate [-].
    level : float, optional
        Confidence level, e.g. 0.95 [-].

    Returns
    -------
    tuple of ndarray
        (lower, upper) bounds, inside [0, 1] [-].

    Raises
    ------
    InputError
        A PTA outside [0, 1], fewer than one patient, or a level outside (0, 1).

    Notes
    -----
    Each virtual patient attains the target or not, so the PTA estimate is a
    binomial proportion :math:`\hat p` over :math:`n` patients. The Wilson
    score interval [1]_ is

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n}
              + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}}

    with :math:`z` the standard-normal quantile of :math:`(1 + level)/2`
    (:class:`statistics.NormalDist`, Wichura's algorithm AS 241 [3]_). Unlike
    the Wald interval it stays inside [0, 1] and keeps its coverage near
    :math:`\hat p = 0` or 1, where PTA tables often sit [2]_. It measures the
    Monte Carlo error only, not the uncertainty of the PK model.

    References
    ----------
    .. [1] Wilson EB. Probable inference, the law of succession, and statistical
       inference. J Am Stat Assoc. 1927;22(158):209-212. doi:10.1080/01621459.1927.10502953
    .. [2] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial
       proportion. Stat Sci. 2001;16(2):101-133. doi:10.1214/ss/1009213286
    .. [3] Wichura MJ. Algorithm AS 241: the percentage points of the normal
       distribution. J R Stat Soc Ser C Appl Stat. 1988;37(3):477-484.
       doi:10.2307/2347330

    Examples
    --------
    900 of 1000 virtual patients attain the target:

    >>> lo, hi = pta_interval(0.9, 1000)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.8798, 0.9171)
    """
    p = np.asarray(pta_fraction, dtype=float)
    n = np.asarray(n_patients, dtype=float)
    if np.any((p < 0) | (p > 1)) or np.any(n < 1) or not 0 < level < 1:
        raise InputError(f"pta_interval needs PTA in [0, 1], n >= 1 and 0 < level < 1, got "
                         f"{pta_fraction!r}, {n_patients!r}, {level!r}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    # the interval contains the estimate; min/max only undo rounding at p = 0 or 1
    return np.clip(np.minimum(centre - half, p), 0.0, 1.0), np.clip(np.maximum(centre + half, p), 0.0, 1.0)


def cfr(pta_fraction, mic_frequency):
    r"""Cumulative fraction of response over an MIC distribution.

    Parameters
    ----------
    pta_fraction : array_like
        PTA at each MIC [-].
    mic_frequency : array_like
        Count or fraction of isolates at each MIC, same length; normalised here [-].

    Returns
    -------
    float
        :math:`CFR = \sum_i PTA_i\, F_i / \sum_i F_i` [-].

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. J Antimicrob
       Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079 (the cumulative
       fraction of response: PTA at each MIC weighted by the MIC distribution).

    Examples
    --------
    >>> cfr([1.0, 0.9, 0.2], [50, 30, 20])
    0.81
    """
    p = np.asarray(pta_fraction, dtype=float)
    f = np.asarray(mic_frequency, dtype=float)
    if p.shape != f.shape or np.any(f < 0) or f.sum() <= 0:
        raise InputError("mic_frequency must be >= 0, not all zero, and match the PTA values in length")
    if np.any((p < 0) | (p > 1)):
        raise InputError("pta_fraction must lie in [0, 1]")
    return round(float(np.sum(p * f) / f.sum()), 12)
