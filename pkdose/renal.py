r"""Renal-function equations and body-size descriptors: plain functions over arrays.

Every numeric function broadcasts its inputs (virtual patients × anything).
A 0-d result is returned as a Python ``float`` (or ``bool``) and anything
else as a :class:`numpy.ndarray`. The kernels do not check ranges (STYLE B1,
B6); :class:`pkdose.patient.Patient` does that at the boundary. Only the
categorical ``sex`` argument is checked here, because a misspelt sex would
otherwise silently select the wrong coefficients.

Units: age in years, weight in kg, height in cm, serum creatinine (SCr) in
mg/dL (convert with :func:`pkdose.units.scr_to_mg_per_dl`), creatinine
clearance (CrCL) in mL/min, eGFR in mL/min/1.73 m², body-surface area (BSA)
in m².
"""

from typing import NamedTuple

import numpy as np

from pkdose.errors import InputError
from pkdose.library.clinical import clinical
from pkdose.library.reading import BSA_REF_M2

__all__ = [
    "SEXES",
    "SEX_ABBREVIATIONS",
    "REFERENCE_BSA_M2",
    "ARC_THRESHOLD_ML_PER_MIN_PER_1_73M2",
    "WEIGHT_RULES",
    "CGWeight",
    "cockcroft_gault",
    "ideal_body_weight_devine",
    "adjusted_body_weight",
    "body_mass_index",
    "select_cg_weight",
    "ckd_epi_2021",
    "bsa_du_bois",
    "bsa_mosteller",
    "bsa_livingston",
    "deindex_egfr",
    "bsa_normalised_crcl",
    "is_augmented",
]

#: Accepted values of ``sex`` (case-insensitive).
SEXES = ("female", "male")
#: Accepted abbreviations of ``sex`` (case-insensitive) -> the value they stand for.
SEX_ABBREVIATIONS = {"f": "female", "m": "male"}
#: Reference body-surface area of indexed GFR/CrCL [m²] (one home: :data:`pkdose.library.reading.BSA_REF_M2`).
REFERENCE_BSA_M2 = BSA_REF_M2
#: Augmented renal clearance threshold of Udy et al. 2014 [mL/min/1.73 m²], from
#: ``models/clinical.toml`` (``constants.arc_threshold_ml_per_min_per_1_73m2``).
ARC_THRESHOLD_ML_PER_MIN_PER_1_73M2 = clinical().value("arc_threshold_ml_per_min_per_1_73m2")
#: Rules accepted by :func:`select_cg_weight`.
WEIGHT_RULES = ("auto", "total", "ideal", "adjusted")
_CM_PER_INCH = 2.54
_BMI_UNDERWEIGHT = 18.5  # WHO, kg/m²
_BMI_OVERWEIGHT = 25.0  # WHO, kg/m²
_strings = getattr(np, "strings", np.char)


def _out(x):
    """Return a Python scalar for a 0-d result and the array otherwise."""
    x = np.asarray(x)
    return x.item() if x.ndim == 0 else x


def _is_female(sex):
    """Boolean array: True where `sex` is 'female'; InputError for anything but female/male."""
    arr = _strings.lower(_strings.strip(np.asarray(sex).astype(str)))
    arr = np.where(arr == "f", "female", np.where(arr == "m", "male", arr))
    bad = ~np.isin(arr, SEXES)
    if np.any(bad):
        raise InputError(
            f"{{sex}} {np.asarray(sex, dtype=object)[bad].flat[0]!r} is not accepted; use 'female' or 'male' "
            "(or F / M; the Cockcroft–Gault, CKD-EPI and Devine equations are sex-specific: "
            "choose the set of coefficients the estimate should use)", field="sex"
        )
    return arr == "female"


def cockcroft_gault(age_y, weight_kg, scr_mg_per_dl, sex):
    r"""Estimate creatinine clearance with the Cockcroft–Gault equation.

    Parameters
    ----------
    age_y : array_like
        Age [years]
    weight_kg : array_like
        Body weight put into the equation (see :func:`select_cg_weight`) [kg]
    scr_mg_per_dl : array_like
        Serum creatinine, at steady state [mg/dL]
    sex : str or array_like of str
        "female" or "male" [-]

    Returns
    -------
    crcl_ml_per_min : float or numpy.ndarray
        Estimated creatinine clearance, not indexed to BSA [mL/min]

    Raises
    ------
    InputError
        If `sex` is not "female" or "male" (the equation takes 85 % of the
        value for a woman).

    Notes
    -----
    The abstract of [1]_ gives

    .. math:: C_{cr} = \frac{(140 - \mathrm{age}) \cdot W}{72 \cdot S_{cr}}
              \times (0.85 \text{ if female})

    ("15 % less in females"). The equation was derived from 24-h creatinine
    excretion in 249 patients aged 18–92 years, 96 % of them men, and tested
    against the mean of two measured 24-h clearances in 236 patients [1]_.
    It assumes a stable SCr. It is not valid in acute kidney injury, on
    dialysis, or at extremes of muscle mass. The weight used in the original
    paper was total body weight; for obesity see :func:`select_cg_weight`.

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580

    Examples
    --------
    Worked arithmetic with Eq. of [1]_: a man of 60 years, 72 kg, SCr 1.0 mg/dL
    has (140 − 60) × 72 / (72 × 1.0) = 80 mL/min; a woman, 85 % of that:

    >>> cockcroft_gault(60, 72.0, 1.0, "male")
    80.0
    >>> cockcroft_gault(60, 72.0, 1.0, "female")
    68.0
    >>> cockcroft_gault([40, 80], 70.0, [1.0, 2.0], "male").round(1)
    array([97.2, 29.2])
    """
    sex_factor = np.where(_is_female(sex), 0.85, 1.0)
    age = np.asarray(age_y, dtype=float)
    weight = np.asarray(weight_kg, dtype=float)
    scr = np.asarray(scr_mg_per_dl, dtype=float)
    return _out((140.0 - age) * weight / (72.0 * scr) * sex_factor)


def ideal_body_weight_devine(height_cm, sex):
    r"""Ideal body weight by the Devine formula.

    Parameters
    ----------
    height_cm : array_like
        Height [cm]
    sex : str or array_like of str
        "female" or "male" [-]

    Returns
    -------
    ibw_kg : float or numpy.ndarray
        Ideal body weight [kg]

    Raises
    ------
    InputError
        If `sex` is not "female" or "male" (the base weight is 50 kg for a
        man, 45.5 kg for a woman).

    Notes
    -----
    .. math:: IBW = b + 2.3\,(H_{in} - 60), \quad H_{in} = H_{cm}/2.54,
              \quad b = 50 \text{ kg (male)},\ 45.5 \text{ kg (female)}

    i.e. 2.3 kg per inch over 5 ft [1]_. The formula was written for
    gentamicin dosing, not fitted to data. Below 5 ft (152.4 cm) the linear
    extrapolation falls quickly, to about 25 kg at 130 cm, and it should not
    be used there; :class:`pkdose.patient.Patient` refuses heights below
    130 cm.

    References
    ----------
    .. [1] Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm.
       1974;8:650-655. doi:10.1177/106002807400801104

    Examples
    --------
    >>> round(ideal_body_weight_devine(170, "male"), 1)
    65.9
    >>> round(ideal_body_weight_devine(165, "female"), 1)
    56.9
    """
    base = np.where(_is_female(sex), 45.5, 50.0)
    inches = np.asarray(height_cm, dtype=float) / _CM_PER_INCH
    return _out(base + 2.3 * (inches - 60.0))


def adjusted_body_weight(tbw_kg, ibw_kg, factor=0.4):
    r"""Adjusted body weight: ideal weight plus a fraction of the excess weight.

    Parameters
    ----------
    tbw_kg : array_like
        Total (actual) body weight [kg]
    ibw_kg : array_like
        Ideal body weight, e.g. from :func:`ideal_body_weight_devine` [kg]
    factor : float or array_like, optional
        Fraction of the excess weight (TBW − IBW) that is added [-]

    Returns
    -------
    abw_kg : float or numpy.ndarray
        Adjusted body weight [kg]

    Notes
    -----
    .. math:: ABW = IBW + f\,(TBW - IBW), \quad f = 0.4

    The 0.4 factor comes from aminoglycoside volumes of distribution in obese
    patients [1]_. A large cohort later found 0.43 for overweight patients
    [2]_. Winter et al. [3]_ evaluated Cockcroft–Gault with this weight
    (f = 0.4) against measured CrCL (see :func:`select_cg_weight`).

    References
    ----------
    .. [1] Bauer LA, Edwards WA, Dellinger EP, Simonowitz DA. Influence of
       weight on aminoglycoside pharmacokinetics in normal weight and morbidly
       obese patients. Eur J Clin Pharmacol. 1983;24(5):643-647.
       doi:10.1007/BF00542215
    .. [2] Traynor AM, Nafziger AN, Bertino JS Jr. Aminoglycoside dosing weight
       correction factors for patients of various body sizes. Antimicrob Agents
       Chemother. 1995;39(2):545-548. doi:10.1128/AAC.39.2.545
    .. [3] Winter MA, Guhr KN, Berg GM. Pharmacotherapy. 2012;32(7):604-612.
       doi:10.1002/j.1875-9114.2012.01098.x (Cockcroft-Gault with this weight,
       f = 0.4, against measured CrCL).

    Examples
    --------
    >>> adjusted_body_weight(110.0, 60.0)
    80.0
    """
    tbw = np.asarray(tbw_kg, dtype=float)
    ibw = np.asarray(ibw_kg, dtype=float)
    return _out(ibw + np.asarray(factor, dtype=float) * (tbw - ibw))


def body_mass_index(weight_kg, height_cm):
    r"""Body-mass index (Quetelet index).

    Parameters
    ----------
    weight_kg : array_like
        Total body weight [kg]
    height_cm : array_like
        Height [cm]

    Returns
    -------
    bmi_kg_per_m2 : float or numpy.ndarray
        Body-mass index [kg/m²]

    Notes
    -----
    :math:`BMI = W / (H_{cm}/100)^2`. WHO categories [1]_: underweight
    < 18.5, normal 18.5–24.9, overweight 25–29.9, obese ≥ 30 kg/m².

    References
    ----------
    .. [1] World Health Organization. Obesity: preventing and managing the
       global epidemic. Report of a WHO consultation. WHO Technical Report
       Series 894. Geneva: WHO; 2000. Table 2.1.

    Examples
    --------
    >>> round(body_mass_index(110.0, 165.0), 1)
    40.4
    """
    height_m = np.asarray(height_cm, dtype=float) / 100.0
    return _out(np.asarray(weight_kg, dtype=float) / height_m**2)


class CGWeight(NamedTuple):
    r"""The weight chosen for Cockcroft–Gault and why (returned by :func:`select_cg_weight`).

    Parameters
    ----------
    weight_kg : float
        Weight to put into :func:`cockcroft_gault` [kg]
    explanation : str
        Which weight was used and why, e.g. "ideal body weight 65.9 kg (…)" [-]

    Notes
    -----
    A named tuple, so ``weight, why = select_cg_weight(...)`` works; the rule
    and its reference are :func:`select_cg_weight`'s.

    Examples
    --------
    >>> CGWeight(70.0, "total body weight 70.0 kg (rule 'total')").weight_kg
    70.0
    """

    weight_kg: float
    explanation: str


def _auto_weight(tbw, ibw, abw, bmi):
    """Apply the 'auto' rule to scalars; return (weight, explanation)."""
    ctx = f"TBW {tbw:.1f} kg, BMI {bmi:.1f} kg/m², IBW {ibw:.1f} kg"
    if bmi < _BMI_UNDERWEIGHT:
        return tbw, f"total body weight {tbw:.1f} kg ({ctx}; BMI < 18.5: underweight)"
    if tbw <= ibw:
        return tbw, f"total body weight {tbw:.1f} kg ({ctx}; TBW ≤ IBW, so never more than TBW)"
    if bmi < _BMI_OVERWEIGHT:
        return ibw, f"ideal body weight {ibw:.1f} kg ({ctx}; BMI 18.5–24.9: normal weight)"
    return abw, f"adjusted body weight {abw:.1f} kg ({ctx}; BMI ≥ 25: overweight or obese)"


def _screen_obesity_without_height(tbw):
    """Refuse rule 'auto' without a height from the weight at which obesity cannot be ruled out."""
    limit = clinical().value("no_height_weight_max_kg")
    if tbw >= limit:
        raise InputError(
            f"{{weight_kg}} {tbw:g} kg without {{height_cm}}: the patient may be overweight or obese (from "
            f"{limit:g} kg on, BMI ≥ 25 at any height up to 200 cm), where Cockcroft–Gault with total body weight "
            "overestimates CrCL. Give the height (the ideal or adjusted weight is then used), or choose "
            "{weight_rule} 'total' to use total body weight knowingly", field="height_cm")


def select_cg_weight(weight_kg, height_cm, sex, rule="auto"):
    r"""Choose the body weight for Cockcroft–Gault and say which one and why.

    Parameters
    ----------
    weight_kg : float
        Total body weight (TBW) [kg]
    height_cm : float or None
        Height; None when unknown (only rules "auto" and "total" then work) [cm]
    sex : str
        "female" or "male" [-]
    rule : {"auto", "total", "ideal", "adjusted"}, optional
        Which weight to use; "auto" applies the rule in Notes [-]

    Returns
    -------
    CGWeight
        Named tuple ``(weight_kg, explanation)``. ``explanation`` is a short
        sentence fragment, e.g. "adjusted body weight 80.8 kg (TBW 110.0 kg,
        BMI 40.4 kg/m², IBW 61.4 kg; BMI ≥ 25: overweight or obese)".

    Raises
    ------
    InputError
        If `rule` is unknown, if `sex` is not "female" or "male", if
        `height_cm` is None for rule "ideal" or "adjusted", or if it is None
        for rule "auto" at a weight from which obesity cannot be ruled out
        (``limits.no_height_weight_max_kg`` in ``models/clinical.toml``,
        100 kg): the height, or the rule "total" chosen explicitly, is needed.

    Notes
    -----
    Rule "auto" (scalar inputs). It follows the body-weight categories in
    which Winter et al. [1]_ found Cockcroft–Gault least biased against
    measured 24-h CrCL: TBW if underweight, IBW if normal weight, ABW
    (f = 0.4) if overweight or obese. The categories are the WHO BMI classes
    [2]_:

    ===============================  ==========================================
    condition                        weight used
    ===============================  ==========================================
    height unknown, TBW < 100 kg     TBW (IBW and BMI cannot be computed)
    height unknown, TBW ≥ 100 kg     refused: give the height, or rule "total"
    BMI < 18.5 kg/m²                 TBW
    TBW ≤ IBW (any BMI)              TBW (pkdose never uses more than TBW)
    18.5 ≤ BMI < 25 kg/m²            IBW (Devine, :func:`ideal_body_weight_devine`)
    BMI ≥ 25 kg/m²                   ABW = IBW + 0.4 (TBW − IBW)
    ===============================  ==========================================

    The rule "TBW ≤ IBW → TBW" is the usual pharmacy convention. It stops the
    IBW of a tall, slim patient (e.g. 190 cm, BMI 19) from inflating CrCL.
    The label sections read for this project (cefiderocol,
    ceftazidime-avibactam, aztreonam) do not say which weight their
    Cockcroft–Gault used. Rule "total" reproduces
    the original equation [3]_.

    The BMI categories were checked against a secondary transcription of [1]_
    (an online calculator and R package that implement it); the abstract of
    [1]_ itself was not read.

    References
    ----------
    .. [1] Winter MA, Guhr KN, Berg GM. Impact of various body weights and
       serum creatinine concentrations on the bias and accuracy of the
       Cockcroft-Gault equation. Pharmacotherapy. 2012;32(7):604-612.
       doi:10.1002/j.1875-9114.2012.01098.x
    .. [2] World Health Organization. Obesity: preventing and managing the
       global epidemic. WHO Technical Report Series 894. Geneva: WHO; 2000.
    .. [3] Cockcroft DW, Gault MH. Prediction of creatinine clearance from
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580

    Examples
    --------
    >>> w, why = select_cg_weight(110.0, 165.0, "male")
    >>> round(w, 1)
    80.8
    >>> why
    'adjusted body weight 80.8 kg (TBW 110.0 kg, BMI 40.4 kg/m², IBW 61.4 kg; BMI ≥ 25: overweight or obese)'
    >>> select_cg_weight(80.0, None, "male").explanation
    'total body weight 80.0 kg (height not given, so IBW and BMI cannot be computed)'
    >>> select_cg_weight(110.0, None, "male", rule="total").explanation
    "total body weight 110.0 kg (rule 'total')"
    """
    if rule not in WEIGHT_RULES:
        raise InputError(f"{{weight_rule}} {rule!r} is not accepted; use one of {WEIGHT_RULES}", field="weight_rule")
    _is_female(sex)
    tbw = float(weight_kg)
    if rule == "total":
        return CGWeight(tbw, f"total body weight {tbw:.1f} kg (rule 'total')")
    if height_cm is None:
        if rule == "auto":
            _screen_obesity_without_height(tbw)
            why = "height not given, so IBW and BMI cannot be computed"
            return CGWeight(tbw, f"total body weight {tbw:.1f} kg ({why})")
        raise InputError(f"{{height_cm}} is required for {{weight_rule}} {rule!r} (ideal and adjusted weight "
                         "need the height); give the height or use the rule 'total'", field="height_cm")
    ibw = float(ideal_body_weight_devine(height_cm, sex))
    abw = float(adjusted_body_weight(tbw, ibw))
    if rule == "ideal":
        return CGWeight(ibw, f"ideal body weight {ibw:.1f} kg (rule 'ideal')")
    if rule == "adjusted":
        return CGWeight(abw, f"adjusted body weight {abw:.1f} kg (rule 'adjusted', IBW {ibw:.1f} kg)")
    return CGWeight(*_auto_weight(tbw, ibw, abw, float(body_mass_index(tbw, height_cm))))


def ckd_epi_2021(scr_mg_per_dl, age_y, sex):
    r"""Estimate GFR with the 2021 CKD-EPI creatinine equation (without race).

    Parameters
    ----------
    scr_mg_per_dl : array_like
        Serum creatinine, IDMS-traceable, at steady state [mg/dL]
    age_y : array_like
        Age [years]
    sex : str or array_like of str
        "female" or "male" [-]

    Returns
    -------
    egfr_ml_per_min_per_1_73m2 : float or numpy.ndarray
        Estimated GFR indexed to 1.73 m² BSA [mL/min/1.73 m²]

    Raises
    ------
    InputError
        If `sex` is not "female" or "male" (κ, α and the 1.012 factor differ by sex).

    Notes
    -----
    .. math:: eGFR = 142 \cdot \min(S_{cr}/\kappa, 1)^{\alpha}
              \cdot \max(S_{cr}/\kappa, 1)^{-1.200} \cdot 0.9938^{\mathrm{age}}
              \cdot (1.012 \text{ if female})

    with κ = 0.7 (female) or 0.9 (male) and α = −0.241 (female) or −0.302
    (male). This is the creatinine equation without race of [1]_. The
    coefficients were checked as tabulated in [2]_ (NKF-ASN Task Force). It
    was developed in 8254 adults in 10 studies, with GFR measured by
    iothalamate clearance, and validated in 4050 adults in 12 studies [1]_.
    It is not valid for children, in acute kidney injury or on dialysis. The
    result is indexed to 1.73 m². Use :func:`deindex_egfr` before comparing it
    with a dose table written in mL/min.

    References
    ----------
    .. [1] Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin
       C-based equations to estimate GFR without race. N Engl J Med.
       2021;385(19):1737-1749. doi:10.1056/NEJMoa2102953
    .. [2] Delgado C, Baweja M, Crews DC, et al. A unifying approach for GFR
       estimation: recommendations of the NKF-ASN Task Force on reassessing
       the inclusion of race in diagnosing kidney disease. Am J Kidney Dis.
       2022;79(2):268-288. doi:10.1053/j.ajkd.2021.08.003

    Examples
    --------
    Worked value from the equation in [1]_: a man of 50 years with SCr
    1.0 mg/dL, 142 × (1.0/0.9)^−1.200 × 0.9938^50:

    >>> round(ckd_epi_2021(1.0, 50, "male"), 1)
    91.7
    >>> round(ckd_epi_2021(0.9, 55, "female"), 1)
    75.5
    """
    female = _is_female(sex)
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = np.asarray(scr_mg_per_dl, dtype=float) / kappa
    egfr = (
        142.0
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** -1.200
        * 0.9938 ** np.asarray(age_y, dtype=float)
        * np.where(female, 1.012, 1.0)
    )
    return _out(egfr)


def bsa_du_bois(weight_kg, height_cm):
    r"""Body-surface area by the Du Bois formula.

    Parameters
    ----------
    weight_kg : array_like
        Total body weight [kg]
    height_cm : array_like
        Height [cm]

    Returns
    -------
    bsa_m2 : float or numpy.ndarray
        Body-surface area [m²]

    Notes
    -----
    .. math:: BSA = 0.007184 \, W^{0.425} \, H_{cm}^{0.725}

    from [1]_ (there: :math:`A = W^{0.425} H^{0.725} \times 71.84` in cm²).
    Fitted on nine subjects; in obesity it gives lower values than other
    formulas. pkdose uses it to index and de-index clearances.

    References
    ----------
    .. [1] Du Bois D, Du Bois EF. A formula to estimate the approximate
       surface area if height and weight be known. Arch Intern Med.
       1916;17(6_2):863-871. doi:10.1001/archinte.1916.00080130010002

    Examples
    --------
    >>> round(bsa_du_bois(70.0, 170.0), 2)
    1.81
    """
    weight = np.asarray(weight_kg, dtype=float)
    height = np.asarray(height_cm, dtype=float)
    return _out(0.007184 * weight**0.425 * height**0.725)


def bsa_mosteller(weight_kg, height_cm):
    r"""Body-surface area by the Mosteller formula.

    Parameters
    ----------
    weight_kg : array_like
        Total body weight [kg]
    height_cm : array_like
        Height [cm]

    Returns
    -------
    bsa_m2 : float or numpy.ndarray
        Body-surface area [m²]

    Notes
    -----
    .. math:: BSA = \sqrt{H_{cm} \, W / 3600}

    a simplification of the Gehan–George formula [1]_.

    References
    ----------
    .. [1] Mosteller RD. Simplified calculation of body-surface area. N Engl J
       Med. 1987;317(17):1098. doi:10.1056/NEJM198710223171717

    Examples
    --------
    >>> round(bsa_mosteller(70.0, 170.0), 2)
    1.82
    """
    weight = np.asarray(weight_kg, dtype=float)
    height = np.asarray(height_cm, dtype=float)
    return _out(np.sqrt(height * weight / 3600.0))


def bsa_livingston(weight_kg):
    r"""Body-surface area from weight alone, by the Livingston-Lee power law.

    Parameters
    ----------
    weight_kg : array_like
        Total body weight, >= 10 kg [kg]

    Returns
    -------
    bsa_m2 : float or numpy.ndarray
        Body-surface area estimated from the weight [m²]

    Notes
    -----
    .. math:: BSA = 0.1173 \, W^{0.6466}

    from [1]_, derived by body-size scaling from geometric BSA measurements in
    45 patients of 51-249 kg combined with published BSA data; below 10 kg the
    paper gives other coefficients (not implemented: adults only). pkdose uses
    it where a model needs a BSA and only the weight is known (a declared
    assumption of the model files on BSA-normalised CrCL); with a height,
    :func:`bsa_du_bois` is used.

    References
    ----------
    .. [1] Livingston EH, Lee S. Body surface area prediction in normal-weight
       and obese patients. Am J Physiol Endocrinol Metab. 2001;281(3):E586-E591.
       doi:10.1152/ajpendo.2001.281.3.E586

    Examples
    --------
    >>> round(bsa_livingston(70.0), 2), round(bsa_livingston(50.0), 2), round(bsa_livingston(120.0), 2)
    (1.83, 1.47, 2.59)
    """
    return _out(0.1173 * np.asarray(weight_kg, dtype=float) ** 0.6466)


def deindex_egfr(egfr_ml_per_min_per_1_73m2, bsa_m2):
    r"""Convert an eGFR indexed to 1.73 m² into the patient's absolute GFR.

    Parameters
    ----------
    egfr_ml_per_min_per_1_73m2 : array_like
        Indexed eGFR, e.g. from :func:`ckd_epi_2021` [mL/min/1.73 m²]
    bsa_m2 : array_like
        The patient's body-surface area [m²]

    Returns
    -------
    gfr_ml_per_min : float or numpy.ndarray
        De-indexed GFR [mL/min]

    Notes
    -----
    :math:`GFR = eGFR \cdot BSA / 1.73`. Drug dosing should use the
    patient's absolute GFR, not the indexed one [1]_. The difference matters
    at extremes of body size.

    References
    ----------
    .. [1] Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group.
       KDIGO 2012 clinical practice guideline for the evaluation and
       management of chronic kidney disease. Kidney Int Suppl. 2013;3(1):1-150.
       doi:10.1038/kisup.2012.73 (drug dosing with a GFR not indexed to
       body-surface area in people of extreme body size).

    Examples
    --------
    >>> round(deindex_egfr(90.0, 2.0), 1)
    104.0
    """
    egfr = np.asarray(egfr_ml_per_min_per_1_73m2, dtype=float)
    return _out(egfr * np.asarray(bsa_m2, dtype=float) / REFERENCE_BSA_M2)


def bsa_normalised_crcl(crcl_ml_per_min, bsa_m2):
    r"""Index a creatinine clearance to 1.73 m² body-surface area.

    Parameters
    ----------
    crcl_ml_per_min : array_like
        Creatinine clearance [mL/min]
    bsa_m2 : array_like
        The patient's body-surface area [m²]

    Returns
    -------
    crcl_ml_per_min_per_1_73m2 : float or numpy.ndarray
        Indexed creatinine clearance [mL/min/1.73 m²]

    Notes
    -----
    :math:`CrCL_{norm} = CrCL \cdot 1.73 / BSA`. The augmented-renal-clearance
    threshold of [1]_ is stated in these units.

    References
    ----------
    .. [1] Udy AA, Baptista JP, Lim NL, et al. Crit Care Med. 2014;42(3):520-527.
       doi:10.1097/CCM.0000000000000029 (the ARC threshold, in mL/min/1.73 m²).

    Examples
    --------
    >>> round(bsa_normalised_crcl(104.0, 2.0), 1)
    90.0
    """
    crcl = np.asarray(crcl_ml_per_min, dtype=float)
    return _out(crcl * REFERENCE_BSA_M2 / np.asarray(bsa_m2, dtype=float))


def is_augmented(crcl_ml_per_min, threshold=ARC_THRESHOLD_ML_PER_MIN_PER_1_73M2):
    r"""Flag augmented renal clearance (ARC): CrCL at or above a threshold.

    Parameters
    ----------
    crcl_ml_per_min : array_like
        Creatinine clearance, preferably measured and indexed to 1.73 m²
        (:func:`bsa_normalised_crcl`) as in [1]_ [mL/min/1.73 m²]
    threshold : float, optional
        ARC threshold, inclusive [mL/min/1.73 m²]

    Returns
    -------
    augmented : bool or numpy.ndarray of bool
        True where ``crcl_ml_per_min >= threshold``.

    Notes
    -----
    Udy et al. [1]_ defined ARC as an 8-h urinary creatinine clearance
    ≥ 130 mL/min/1.73 m². They studied critically ill adults with admission
    plasma creatinine < 120 µmol/L and no chronic kidney disease, in four
    ICUs (281 patients). A flag computed from a Cockcroft–Gault *estimate* is
    only a screen: SCr-based equations are imprecise in the ICU, and a
    measured CrCL should confirm it. The default threshold is read from
    ``models/clinical.toml`` (``constants.arc_threshold_ml_per_min_per_1_73m2``),
    which also fixes the definition pkdose uses: the CrCL indexed to 1.73 m²
    (:func:`pkdose.patient.renal_assessment`).

    References
    ----------
    .. [1] Udy AA, Baptista JP, Lim NL, et al. Augmented renal clearance in
       the ICU: results of a multicenter observational study of renal function
       in critically ill patients with normal plasma creatinine
       concentrations. Crit Care Med. 2014;42(3):520-527.
       doi:10.1097/CCM.0000000000000029 (Methods: definition of augmented
       renal clearance).

    Examples
    --------
    >>> is_augmented(130.0)
    True
    >>> is_augmented([90.0, 150.0])
    array([False,  True])
    """
    return _out(np.asarray(crcl_ml_per_min, dtype=float) >= threshold)
