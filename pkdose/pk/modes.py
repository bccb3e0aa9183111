r"""Disposition modes of the mammillary one-, two- and three-compartment models, in closed form.

With concentrations :math:`c` (central first), volumes :math:`M = \mathrm{diag}(V)`
and constant input :math:`R` into the central compartment,

.. math::  M \dot c = -K c + e_1 R, \qquad
           K = \begin{pmatrix} CL + \sum_i Q_i & -Q_2 & -Q_3 \\ -Q_2 & Q_2 & 0 \\ -Q_3 & 0 & Q_3 \end{pmatrix}.

:math:`K` is symmetric and positive definite (for :math:`CL > 0`), so the
generalised eigenproblem :math:`K u = \lambda M u` has real positive
eigenvalues :math:`\lambda_j` (the disposition rate constants, :math:`\alpha,
\beta, \gamma`) and :math:`M`-orthogonal eigenvectors :math:`u_j`.
The deviation from the equilibrium :math:`c_{ss} = (R/CL)\,\mathbf 1` then
decays mode by mode: :math:`c(t) = c_{ss} + \sum_j u_j z_j e^{-\lambda_j t}` with
:math:`z_j = u_j^T M (c_0 - c_{ss}) / u_j^T M u_j`.

The eigenvalues are the roots of the characteristic polynomial in the micro
rate constants :math:`k_{10} = CL/V_1`, :math:`k_{1i} = Q_i/V_1`,
:math:`k_{i1} = Q_i/V_i` [1]_ (quadratic formula; for three compartments the
largest root from the trigonometric form of the cubic, the two others from
Vieta's relations, which keeps the small terminal rate constant accurate). The
eigenvectors follow from the peripheral rows, :math:`u_i = k_{i1}/(k_{i1} -
\lambda)\,u_1`. Where two rate constants nearly coincide that formula loses
accuracy; such patients (checked by the :math:`M`-orthogonality of the result)
are decomposed with LAPACK's symmetric eigensolver instead.

References
----------
.. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. New York: Marcel Dekker;
   1982. Chapter 2 (multicompartment models) and Appendix B (Laplace
   transforms of the mammillary models).
.. [2] Golub GH, Van Loan CF. Matrix Computations. 4th ed. Baltimore: Johns
   Hopkins University Press; 2013. Section 8.7 (the symmetric-definite
   generalised eigenproblem).
"""

import numpy as np

__all__ = ["disposition_modes"]

#: Largest tolerated cosine (in the M inner product) between two closed-form modes of the closed-form modes [-].
_ORTHO_TOL = 1e-9


def disposition_modes(cl_l_per_h, v_l, peripheral=()):
    r"""Rate constants and M-orthogonal modes of the mammillary model, vectorised over patients.

    Parameters
    ----------
    cl_l_per_h : ndarray, shape (n_patients,)
        Total clearance from the central compartment, > 0 [L/h].
    v_l : ndarray, shape (n_patients,)
        Central volume [L].
    peripheral : tuple of (ndarray, ndarray)
        ``(q_l_per_h, v_l)`` of each peripheral compartment (none, one or
        two), each of shape (n_patients,) [L/h, L].

    Returns
    -------
    lam_per_h : ndarray, shape (n, n_patients)
        Disposition rate constants :math:`\lambda_j`, largest first [1/h].
    u : ndarray, shape (n, n, n_patients)
        ``u[i, j]`` is compartment ``i`` of mode ``j``; the modes are
        M-orthogonal, :math:`\sum_i V_i u_{ij} u_{il} = 0` for
        :math:`j \neq l`, and scaled to :math:`u_{1j} = 1` (the LAPACK
        fallback scales them to unit M-norm instead) [-].
    unit_head : bool
        True if every mode has :math:`u_{1j} = 1` exactly (no fallback was
        needed) [-].

    Notes
    -----
    Characteristic polynomials [1]_: two compartments
    :math:`\lambda^2 - (k_{10} + k_{12} + k_{21})\lambda + k_{10}k_{21}`; three
    compartments :math:`\lambda^3 - a_2\lambda^2 + a_1\lambda - a_0` with
    :math:`a_2 = k_{10} + k_{12} + k_{13} + k_{21} + k_{31}`,
    :math:`a_1 = k_{10}k_{21} + k_{10}k_{31} + k_{12}k_{31} + k_{13}k_{21} + k_{21}k_{31}`,
    :math:`a_0 = k_{10}k_{21}k_{31}`.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. New York: Marcel
       Dekker; 1982. Chapter 2 and Appendix B.
    .. [2] Golub GH, Van Loan CF. Matrix Computations. 4th ed. Johns Hopkins
       University Press; 2013. Section 8.7.

    Examples
    --------
    Li 2019 ceftazidime typical values (CL 6.95 L/h, Vc 10.5 L, Q 31.5 L/h, Vp 7.57 L):
    alpha and beta [1/h].

    >>> lam, u, _ = disposition_modes(np.array([6.95]), np.array([10.5]), ((np.array([31.5]), np.array([7.57])),))
    >>> lam[:, 0].round(4).tolist()
    [7.4535, 0.3695]
    """
    cl, v1 = np.asarray(cl_l_per_h, dtype=float), np.asarray(v_l, dtype=float)
    n = 1 + len(peripheral)
    if n == 1:
        return (cl / v1)[None, :], np.ones((1, 1) + cl.shape), True
    k10 = cl / v1
    k1 = [q / v1 for q, _ in peripheral]
    ki = [q / v for q, v in peripheral]
    lam = _roots_2(k10, k1[0], ki[0]) if n == 2 else _roots_3(k10, k1, ki)
    vols = [v1] + [v for _, v in peripheral]
    u = np.empty((n, n) + cl.shape)
    u[0] = 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(1, n):
            u[i] = ki[i - 1] / (ki[i - 1] - lam)
    bad = ~_orthogonal(u, vols)
    if np.any(bad):
        lam[:, bad], u[:, :, bad] = _eigh(cl[bad], v1[bad], [(q[bad], v[bad]) for q, v in peripheral])
    return lam, u, not np.any(bad)


def _roots_2(k10, k12, k21):
    """Roots of the two-compartment quadratic, larger first; the smaller from the product (no cancellation)."""
    b = k10 + k12 + k21
    c = k10 * k21
    big = 0.5 * (b + np.sqrt(np.maximum(b * b - 4.0 * c, 0.0)))
    return np.stack([big, c / big])


def _roots_3(k10, k1, ki):
    """Roots of the three-compartment cubic, largest first (trigonometric form, then Vieta)."""
    (k12, k13), (k21, k31) = k1, ki
    a2 = k10 + k12 + k13 + k21 + k31
    a1 = k10 * k21 + k10 * k31 + k12 * k31 + k13 * k21 + k21 * k31
    a0 = k10 * k21 * k31
    p = np.minimum(a1 - a2 * a2 / 3.0, -1e-300)
    q = -2.0 * (a2 * a2 * a2) / 27.0 + a1 * a2 / 3.0 - a0
    arg = np.clip(1.5 * q / p * np.sqrt(-3.0 / p), -1.0, 1.0)
    big = a2 / 3.0 + 2.0 * np.sqrt(-p / 3.0) * np.cos(np.arccos(arg) / 3.0)
    big = big - _cubic(big, a2, a1, a0) / (3.0 * big * big - 2.0 * a2 * big + a1)  # one Newton polish
    prod = a0 / big  # lambda2 * lambda3
    total = (a1 - prod) / big  # lambda2 + lambda3
    mid = 0.5 * (total + np.sqrt(np.maximum(total * total - 4.0 * prod, 0.0)))
    return np.stack([big, mid, prod / mid])


def _cubic(x, a2, a1, a0):
    return ((x - a2) * x + a1) * x - a0


def _orthogonal(u, vols):
    """Per patient: whether the columns of ``u`` are M-orthogonal to ``_ORTHO_TOL`` (and finite)."""
    n = u.shape[0]
    with np.errstate(invalid="ignore", over="ignore"):
        norm = np.sqrt(np.stack([sum(vols[i] * (u[i, j] * u[i, j]) for i in range(n)) for j in range(n)]))
        ok = np.all(np.isfinite(norm), axis=0)
        for j in range(n):
            for k in range(j + 1, n):
                dot = sum(vols[i] * u[i, j] * u[i, k] for i in range(n)) / (norm[j] * norm[k])
                ok &= np.abs(dot) <= _ORTHO_TOL
    return ok


def _eigh(cl, v1, peripheral):
    """LAPACK fallback for (nearly) repeated rate constants: symmetric form M^-1/2 K M^-1/2."""
    n = 1 + len(peripheral)
    vols = np.stack([v1] + [v for _, v in peripheral], axis=-1)  # (p, n)
    k = np.zeros(v1.shape + (n, n))
    k[:, 0, 0] = cl
    for i, (q, _) in enumerate(peripheral, start=1):
        k[:, 0, 0] += q
        k[:, i, i] = q
        k[:, 0, i] = k[:, i, 0] = -q
    r = 1.0 / np.sqrt(vols)
    lam, vec = np.linalg.eigh(r[:, :, None] * k * r[:, None, :])
    order = np.argsort(-lam, axis=-1)
    lam = np.take_along_axis(lam, order, axis=-1)
    vec = np.take_along_axis(vec, order[:, None, :], axis=-1) * r[:, :, None]
    return lam.T, np.moveaxis(vec, 0, -1)
