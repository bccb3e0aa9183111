r"""When each dose falls in a dialysis week.

Labels say "on dialysis days, give the dose after the session" but leave the
rest of the clock to the ward. pkdose uses one stated rule, shown to the user
with every HD simulation:

* interval of 48 h or more (e.g. ceftazidime-avibactam q48h): one dose right
  after every session (so the 72-h weekend gap gets no extra dose);
* interval of 24 h or less, dividing 24 h (q6h, q8h, q12h, q24h): doses every
  interval on a daily clock anchored at the end of the session, so on dialysis
  days a dose always starts when the session ends and no dose is given during
  a session unless the interval is shorter than the session;
* a post-dialysis supplement (aztreonam) starts at the end of each session.

Time 0 is Monday 00:00; a week is 168 h. The schedule repeats every week, so
the engine's periodic steady state applies.

References
----------
.. [1] Shionogi Inc. FETROJA (cefiderocol) for injection, US prescribing
   information. Section 2.2 (dose after haemodialysis on dialysis days).
.. [2] Heintz BH, Matzke GR, Dager WE. Antimicrobial dosing concepts and
   recommendations for critically ill adult patients receiving continuous renal
   replacement therapy or intermittent hemodialysis. Pharmacotherapy.
   2009;29(5):562-577. doi:10.1592/phco.29.5.562
"""

import numpy as np

from .errors import InputError
from .extracorporeal import HOURS_PER_WEEK as WEEK_H  # the one week length (a technical constant)

__all__ = ["WEEK_H", "hd_dose_times"]


def hd_dose_times(interval_h, session_end_h):
    r"""Start times of the maintenance doses in one dialysis week.

    Parameters
    ----------
    interval_h : float
        Labelled dosing interval [h].
    session_end_h : array_like
        End of each dialysis session in the week, from Monday 00:00 [h].

    Returns
    -------
    ndarray
        Sorted dose start times within [0, 168) [h].

    Raises
    ------
    InputError
        If the interval neither divides 24 h nor is 48 h or more, or there are
        no sessions.

    References
    ----------
    .. [1] Heintz BH, Matzke GR, Dager WE. Antimicrobial dosing concepts and
       recommendations for critically ill adult patients receiving continuous
       renal replacement therapy or intermittent hemodialysis.
       Pharmacotherapy. 2009;29(5):562-577. doi:10.1592/phco.29.5.562

    Examples
    --------
    Sessions Mon/Wed/Fri 08:00-12:00, 0.75 g q12h: doses at 00:00 and 12:00 daily.

    >>> ends = np.array([12.0, 60.0, 108.0])
    >>> hd_dose_times(12, ends)[:4].tolist()
    [0.0, 12.0, 24.0, 36.0]
    >>> hd_dose_times(48, ends).tolist()
    [12.0, 60.0, 108.0]
    """
    ends = np.sort(np.asarray(session_end_h, dtype=float) % WEEK_H)
    if ends.size == 0:
        raise InputError("a dialysis schedule needs at least one session a week")
    if interval_h >= 48:
        return ends
    if interval_h <= 0 or (24.0 / interval_h) % 1:
        raise InputError(f"interval {interval_h} h cannot be placed on a dialysis week: "
                         "use an interval that divides 24 h, or 48 h and more")
    anchor = ends[0] % interval_h
    return np.arange(anchor, WEEK_H, interval_h)
