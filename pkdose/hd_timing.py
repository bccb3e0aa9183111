r"""Haemodialysis in real time: when to give the next dose, from the sessions as they happened.

:mod:`pkdose.schedule` places doses on an ideal dialysis week.  On the ward
the sessions start late, end early, are missed or added.  This module takes
the patient's weekly schedule (:class:`pkdose.patient.HDSchedule`), the log
of the sessions as they happened (:class:`SessionRecord`), the product's
regimen (:class:`pkdose.regimens.Regimen`, from the label table's ``ihd``
row), the time the last dose was started and "now", and returns "give now"
or "give at …", the dose after that, and why (:class:`HDDoseTiming`).

Times
-----
All times are :class:`datetime.datetime` in **naive local wall-clock time**
(no ``tzinfo``; an aware datetime is refused).  Intervals are wall-clock
differences: across a daylight-saving change a "12 h" interval is 11 or 13 h
of real time.  pkdose does not apply DST; on the night of a change count the
hours by hand.

Rules
-----
Each rule, with its source.  The label wording was read in copies of the
labels (drugs.com, Medscape, the manufacturer's site: [V2] in
``models/sources``).

R1 *After the session.*  For a regimen whose label row says so
   (``give_after_hd``): on a dialysis day the dose is given when the session
   ends.  AVYCAZ: "administer after hemodialysis on hemodialysis days" [1]_;
   FETROJA: give immediately after HD [2]_; Fetcroja/Zavicefta SmPC: as soon
   as possible after the session [3]_.  In real time: the first session that
   starts after the last dose and before the next dose (from R2) would have
   finished (due time + infusion time) moves that dose to the session's
   actual end; a late session delays it, an early one brings it forward.  A
   session longer than the interval does not hold doses (as in
   :mod:`pkdose.schedule`).
R2 *Interval from the regimen.*  Otherwise the next dose is due one label
   interval after the last dose started [1]_ [2]_ [4]_.
R3 *The post-session dose restarts the clock.*  After a dose given at the end
   of a session the following one is due one interval later (the daily clock
   of :func:`pkdose.schedule.hd_dose_times` is anchored at the session end).
R4 *Supplement after each session.*  Where the label gives a post-HD
   supplement (aztreonam: one eighth of the initial dose after each
   haemodialysis [4]_), it is due at the end of every session that took
   place, extra sessions included, and not for a missed one.
R5 *Missed session (labels silent).*  No label says what to do.  pkdose
   keeps the dose clock: for intervals under 48 h no dose is moved and the
   dose stays one interval after the last; for 48 h and more (one dose after
   each regular session, :mod:`pkdose.schedule`) the dose is due at the time
   it would have followed the missed session, as for the interdialytic
   interval.  No dose is skipped and none is added.  This is pkdose's
   declared rule, not a published one; the result says so.
R6 *Extra session (labels silent on replacement).*  For intervals under 48 h
   an unscheduled session moves a dose by R1 like a regular one (the label
   rule is about dialysis days; with 48 h and more doses follow the regular
   sessions, R7),
   but no replacement dose is added for the drug it removed, except a label
   supplement (R4).  The result suggests discussing a level (TDM).
R7 *Interval 48 h or more.*  One dose after each regular session (the
   :mod:`pkdose.schedule` rule, so the 72-h weekend gap gets no extra dose).
R8 *A dose run into a session.*  A last dose whose infusion overlapped a
   session was partly removed.  The labels are silent; pkdose adds no dose
   and says so, and that session does not move the next dose.

References
----------
.. [1] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
   information. Dosage and Administration, renal impairment table footnote
   (administer after hemodialysis on hemodialysis days).
.. [2] Shionogi Inc. FETROJA (cefiderocol) prescribing information.
   Section 2.2 (start dosing immediately after the completion of HD;
   administer immediately after HD).
.. [3] Shionogi B.V. Fetcroja summary of product characteristics. Section 4.2
   (as soon as possible after completion of the haemodialysis session on
   haemodialysis days).
.. [4] Bristol-Myers Squibb. AZACTAM (aztreonam for injection) prescribing
   information. Dosage and Administration, renal impairment (patients on
   hemodialysis).
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from .errors import InputError
from .extracorporeal import WEEKDAYS
from .patient import SESSION_RANGE_H, HDSchedule
from .regimens import Regimen

__all__ = ["SessionRecord", "ResolvedSession", "HDDoseTiming", "ProductHDTiming", "hd_dose_timing", "parse_local_time",
           "session_records", "read_session_log", "product_hd_timing", "RULE_TEXT", "LOG_COLUMNS", "LOCAL_TIME_PATTERN"]

_SLOT_TOLERANCE = timedelta(minutes=1)  # matching a logged scheduled_start to a slot
_WINDOW_BEFORE = timedelta(days=3)
_WINDOW_AFTER = timedelta(days=16)      # two doses of a once-a-week schedule
_FIELD = "sessions"


def _check_naive(name, value, optional=False):
    """A naive datetime, or InputError naming `name`."""
    if value is None and optional:
        return None
    if not isinstance(value, datetime):
        raise InputError(f"{name} must be a datetime (local wall-clock time), got {value!r}", field=name)
    if value.tzinfo is not None:
        raise InputError(f"{name} {value.isoformat()} has a time zone; give naive local wall-clock time "
                         "(pkdose does not convert zones or apply daylight saving)", field=name)
    return value


def _hours(delta):
    """A timedelta in hours."""
    return delta.total_seconds() / 3600.0


def _clock(dt):
    """'Mon 01 Dec 14:10'."""
    return dt.strftime("%a %d %b %H:%M")


def _duration(delta):
    """'2 h 10 min', '45 min'."""
    minutes = int(round(abs(delta.total_seconds()) / 60.0))
    h, m = divmod(minutes, 60)
    return " ".join(p for p in (f"{h} h" if h else "", f"{m} min" if m or not h else "") if p)


@dataclass(frozen=True)
class SessionRecord:
    r"""One haemodialysis session as it happened, was rescheduled, added or missed.

    Parameters
    ----------
    scheduled_start : datetime.datetime or None, optional
        The regular session of the weekly schedule this record is about
        (its planned start); None for an extra, unscheduled session [local time]
    start : datetime.datetime or None, optional
        Actual start; a future start reschedules the session; None for a
        missed session [local time]
    end : datetime.datetime or None, optional
        Actual end; None while the session runs or before it starts [local time]
    missed : bool, optional
        The regular session did not take place [-]

    Raises
    ------
    InputError
        A time that is not a naive datetime; a missed session with times or
        without `scheduled_start`; an extra session without `start`; a
        record with neither `start` nor `missed`; `end` without `start`, not
        after it, or more than 12 h after it.  ``field`` is ``"sessions"``.

    Notes
    -----
    A regular session with no record is taken as done on schedule (see
    ``assume_unlogged_as_scheduled`` of :func:`hd_dose_timing`).

    References
    ----------
    .. [1] Neri M, Villa G, Garzotto F, et al. Nomenclature for renal
       replacement therapy in acute kidney injury: basic principles. Crit
       Care. 2016;20(1):318. doi:10.1186/s13054-016-1489-9

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> SessionRecord(dt(2026, 12, 7, 8), start=dt(2026, 12, 7, 10), end=dt(2026, 12, 7, 14, 10)).missed
    False
    """

    scheduled_start: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None
    missed: bool = False

    def __post_init__(self):
        for name in ("scheduled_start", "start", "end"):
            _check_naive(f"sessions.{name}", getattr(self, name), optional=True)
        if not isinstance(self.missed, bool):
            raise InputError(f"sessions.missed must be True or False, got {self.missed!r}", field=_FIELD)
        if self.missed:
            if self.scheduled_start is None or self.start is not None or self.end is not None:
                raise InputError("a missed session needs its scheduled_start and no start or end",
                                 field=_FIELD)
            return
        if self.start is None:
            raise InputError("a session record needs its actual start (or missed=True); an extra session "
                             "is one with start and no scheduled_start", field=_FIELD)
        if self.end is not None and not self.start < self.end <= self.start + timedelta(hours=SESSION_RANGE_H[1]):
            raise InputError(f"session end {_clock(self.end)} must be after its start {_clock(self.start)} and "
                             f"within {SESSION_RANGE_H[1]:g} h", field=_FIELD)


@dataclass(frozen=True)
class ResolvedSession:
    r"""A session on the timeline used for the advice: logged, assumed or expected.

    Parameters
    ----------
    kind : str
        "regular" (a slot of the weekly schedule) or "extra" [-]
    status : str
        "done", "running", "planned" or "missed" [-]
    start : datetime.datetime or None
        Actual or expected start; None if missed [local time]
    end : datetime.datetime or None
        Actual end, or expected end (start + session length) [local time]
    scheduled_start : datetime.datetime or None
        Planned start of a regular session [local time]
    scheduled_end : datetime.datetime or None
        Planned end of a regular session [local time]
    logged : bool
        Whether the session came from the log (else assumed as scheduled) [-]

    References
    ----------
    .. [1] Neri M, Villa G, Garzotto F, et al. Nomenclature for renal
       replacement therapy in acute kidney injury: basic principles. Crit
       Care. 2016;20(1):318. doi:10.1186/s13054-016-1489-9
    """

    kind: str
    status: str
    start: datetime | None
    end: datetime | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    logged: bool


@dataclass(frozen=True)
class HDDoseTiming:
    r"""When to give the next dose on haemodialysis, and why.

    Parameters
    ----------
    now : datetime.datetime
        Time of the advice [local time]
    last_dose_at : datetime.datetime
        Start of the last maintenance dose [local time]
    due_at : datetime.datetime
        When the next dose is due by the rules; may be in the past [local time]
    give_now : bool
        True when `due_at` is not after `now` [-]
    give_at : datetime.datetime
        When to give it: ``max(due_at, now)`` [local time]
    next_at : datetime.datetime
        The dose after, if the next one is given at `give_at` and the coming
        sessions run as scheduled [local time]
    reason : str
        One sentence: what happened and what to do [-]
    wait_for_session_end : bool
        The dose waits for a session that is running now; `give_at` is its
        expected end (or now, if it has run over) [-]
    supplement_due_at : datetime.datetime or None
        When a post-session supplement is due (R4); None if the regimen has
        none [local time]
    supplement_now : bool
        A supplement is due now for a session that has ended [-]
    rules : tuple of str
        Rules applied (R1–R8 of the module docstring) [-]
    notes : tuple of str
        Caveats: assumed sessions, labels silent, extra sessions [-]
    citations : tuple of (str, str)
        ``(source, locator)`` of the regimen row [-]
    sessions : tuple of ResolvedSession
        The timeline used [-]

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) prescribing information.
       Section 2.2.
    """

    now: datetime
    last_dose_at: datetime
    due_at: datetime
    give_now: bool
    give_at: datetime
    next_at: datetime
    reason: str
    wait_for_session_end: bool = False
    supplement_due_at: datetime | None = None
    supplement_now: bool = False
    rules: tuple = ()
    notes: tuple = ()
    citations: tuple = ()
    sessions: tuple = ()

    @property
    def advice(self):
        """'give now; next at Mon 01 Dec 20:00' or 'give at …; next at …' [-]."""
        if self.wait_for_session_end and self.due_at <= self.now:
            head = f"give as soon as the session ends (it was expected to end {_clock(self.due_at)})"
        elif self.wait_for_session_end:
            head = f"give when the session ends (expected {_clock(self.due_at)})"
        else:
            head = "give now" if self.give_now else f"give at {_clock(self.give_at)}"
        return f"{head}; next at {_clock(self.next_at)}"


# ---------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------

def _slots(schedule, t0, t1):
    """Planned starts of the regular sessions between t0 and t1."""
    day = datetime.combine(t0.date(), time())
    while day <= t1:
        if WEEKDAYS[day.weekday()] in schedule.days:
            yield day + timedelta(hours=schedule.start_h)
        day += timedelta(days=1)


def _is_slot(schedule, dt):
    """Whether a datetime is the planned start of a regular session (weekday and clock time)."""
    clock = timedelta(hours=dt.hour, minutes=dt.minute, seconds=dt.second)
    return (WEEKDAYS[dt.weekday()] in schedule.days
            and abs(clock - timedelta(hours=schedule.start_h)) <= _SLOT_TOLERANCE)


def _index_records(records, slots, schedule):
    """{slot: record} for regular records in the window, list of extra records; InputError on mismatch."""
    regular, extra = {}, []
    for rec in records:
        if not isinstance(rec, SessionRecord):
            raise InputError(f"sessions must hold SessionRecord items, got {rec!r}", field=_FIELD)
        if rec.scheduled_start is None:
            extra.append(rec)
            continue
        if not _is_slot(schedule, rec.scheduled_start):
            raise InputError(f"scheduled_start {_clock(rec.scheduled_start)} is not a session of the "
                             "schedule; log an unscheduled session as extra (scheduled_start=None)", field=_FIELD)
        slot = next((s for s in slots if abs(s - rec.scheduled_start) <= _SLOT_TOLERANCE), None)
        if slot is None:
            continue  # outside the window the advice looks at
        if slot in regular:
            raise InputError(f"the session of {_clock(slot)} is logged twice", field=_FIELD)
        regular[slot] = rec
    return regular, extra


def _resolve(kind, rec, slot, length, now, assume):
    """One ResolvedSession from a record (or none) and its slot."""
    sched_end = None if slot is None else slot + length
    if rec is not None and rec.missed:
        return ResolvedSession(kind, "missed", None, None, slot, sched_end, True)
    if rec is None:
        if slot + length <= now and not assume:
            raise InputError(f"the session of {_clock(slot)} has no log entry: log it (start/end or "
                             "missed)", field=_FIELD)
        status = "done" if slot + length <= now else "running" if slot <= now else "planned"
        return ResolvedSession(kind, status, slot, slot + length, slot, sched_end, False)
    if rec.end is not None:
        if rec.end > now:
            raise InputError(f"session end {_clock(rec.end)} is after now ({_clock(now)}); an actual end "
                             "cannot be in the future", field=_FIELD)
        return ResolvedSession(kind, "done", rec.start, rec.end, slot, sched_end, True)
    status = "running" if rec.start <= now else "planned"
    return ResolvedSession(kind, status, rec.start, rec.start + length, slot, sched_end, True)


def _timeline(schedule, records, last, now, assume):
    """All sessions from shortly before the last dose to two weeks after now, in time order."""
    length = timedelta(hours=schedule.session_h)
    slots = list(_slots(schedule, last - _WINDOW_BEFORE, now + _WINDOW_AFTER))
    regular, extra = _index_records(records, slots, schedule)
    sessions = [_resolve("regular", regular.get(s), s, length, now, assume or s + length <= last)
                for s in slots]
    sessions += [_resolve("extra", r, None, length, now, True) for r in extra]
    sessions.sort(key=lambda s: s.start or s.scheduled_start)
    live = [s for s in sessions if s.status != "missed"]
    for a, b in zip(live, live[1:]):
        if b.start < a.end:
            raise InputError(f"sessions overlap: {_clock(a.start)} and {_clock(b.start)}; a session that "
                             "replaces a scheduled one is logged with that scheduled_start, not as extra",
                             field=_FIELD)
    return tuple(sessions)


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------

def _overlaps_infusion(s, last, infusion):
    """Whether a session overlapped the last dose's infusion (R8)."""
    return s.status != "missed" and s.start < last + infusion and s.end > last


def _session_text(s, now):
    """What the session did, for the reason."""
    if s.status == "running":
        when = "its expected end" if s.end <= now else "expected to end"
        return (f"session in progress (started {s.start:%H:%M}, {when} {s.end:%H:%M}"
                + (", not in the log: assumed as scheduled)" if not s.logged else ")"))
    if s.status == "planned":
        return f"next session {_clock(s.start)}–{s.end:%H:%M}"
    text = f"session ended {_clock(s.end)}"
    if s.scheduled_end is not None and abs(s.end - s.scheduled_end) >= timedelta(minutes=1):
        late = s.end > s.scheduled_end
        text += (f", {_duration(s.end - s.scheduled_end)} {'later' if late else 'earlier'} than scheduled "
                 f"({s.scheduled_end:%H:%M})")
    return text + (" (not in the log: assumed as scheduled)" if not s.logged else "")


def _due_long_interval(regimen, last, sessions, infusion):
    """R7/R1/R5 for intervals of 48 h and more: after the next regular session."""
    nxt = next((s for s in sessions if s.kind == "regular" and s.scheduled_start > last
                and not _overlaps_infusion(s, last, infusion)), None)
    if nxt is None:
        return last + timedelta(hours=regimen.interval_h), ("R2",), None
    if nxt.status == "missed":
        return nxt.scheduled_end, ("R7", "R5"), nxt
    return nxt.end, ("R7", "R1"), nxt


def _due_short_interval(regimen, last, sessions, infusion):
    """R2, then R1 for the first session between the last dose and the end of the next one."""
    due = last + timedelta(hours=regimen.interval_h)
    for s in sessions:
        if s.status == "missed" or s.start <= last or _overlaps_infusion(s, last, infusion):
            continue
        if s.start >= due + infusion:
            break
        if _hours(s.end - s.start) <= regimen.interval_h:
            return s.end, ("R1", "R3"), s
    return due, ("R2",), None


def _due(regimen, last, sessions):
    """(due, rules, session that set it or None)."""
    infusion = timedelta(hours=regimen.infusion_h)
    if not regimen.give_after_hd:
        return last + timedelta(hours=regimen.interval_h), ("R2",), None
    if regimen.interval_h >= 48:
        return _due_long_interval(regimen, last, sessions, infusion)
    return _due_short_interval(regimen, last, sessions, infusion)


def _missed_between(sessions, last, due, infusion):
    """Regular sessions missed after the last dose that would have moved the due dose (R5)."""
    return [s for s in sessions if s.status == "missed" and last < s.scheduled_start < due + infusion]


def _reason(regimen, last, due, rules, session, sessions, now):
    """The one-sentence reason."""
    interval = f"{regimen.interval_h:g} h"
    if session is not None and "R5" in rules:
        return (f"the session of {_clock(session.scheduled_start)} was missed: the labels say nothing about a "
                f"missed session; the dose is due at {_clock(due)}, when it would have followed that session, "
                "as for the interdialytic interval")
    if session is not None:
        if session.status == "running" and session.end <= now:
            verb = "it has run past its expected end; give the dose as soon as it ends"
        elif session.status in ("running", "planned"):
            verb = f"give the dose when it ends ({_clock(due)})"
        else:
            verb = "give the post-HD dose now" if due <= now else f"give the dose at {_clock(due)}"
        return f"{_session_text(session, now)}: {verb}"
    done_before = [s for s in sessions if regimen.give_after_hd and s.status == "done" and s.end <= last
                   and _hours(last - s.end) < regimen.interval_h]
    head = (f"the post-HD dose was already given at {_clock(last)}; " if done_before else "")
    missed = _missed_between(sessions, last, due, timedelta(hours=regimen.infusion_h))
    if missed:
        head += (f"the session of {_clock(missed[0].scheduled_start)} was missed, so no dose is moved for it "
                 "(labels silent); ")
    return head + f"the next dose is due {interval} after the last ({_clock(last)}): {_clock(due)}"


def _supplement(regimen, sessions, last_dose, last_supplement, now):
    """(due_at or None, now?, notes) for a post-session supplement (R4)."""
    if not regimen.post_hd_supplement_mg:
        return None, False, ()
    cutoff = last_supplement or last_dose
    ended = [s for s in sessions if s.status == "done" and cutoff < s.end <= now]
    base = () if last_supplement else ("no last supplement time given: sessions that ended before the last "
                                       "dose are taken as supplemented",)
    if ended:
        notes = base
        if len(ended) > 1:
            notes += (f"{len(ended)} sessions ended since the last supplement; the label gives one after each "
                     "session and says nothing about catching up: one supplement is advised now, discuss the "
                     "missed one",)
        return ended[-1].end, True, notes
    coming = next((s for s in sessions if s.status in ("running", "planned") and s.end > now), None)
    return (None if coming is None else coming.end), False, base


def _notes(regimen, sessions, last, due, now, waiting):
    """Caveats: assumed sessions, extra sessions, a dose run into a session, no after-HD rule."""
    notes = []
    infusion = timedelta(hours=regimen.infusion_h)
    assumed = [s for s in sessions if not s.logged and s.status == "done" and s.end > last - infusion]
    if assumed:
        notes.append("not in the log, assumed done as scheduled: "
                     + ", ".join(f"{_clock(s.start)}–{s.end:%H:%M}" for s in assumed))
    for s in sessions:
        if s.kind == "extra" and s.status != "planned" and s.end > last:
            notes.append(f"extra session {_clock(s.start)}–{s.end:%H:%M}: it removed drug, and the labels give "
                         "no replacement dose" + ("" if regimen.post_hd_supplement_mg else
                                                  " (none is added); consider a drug level (TDM)"))
        if _overlaps_infusion(s, last, infusion):
            notes.append(f"the last dose ({_clock(last)}) ran into the session of {_clock(s.start)} and was partly "
                         "removed; the labels say nothing about repeating it and pkdose adds no dose: discuss "
                         "with the team (a drug level if available)")
    if not regimen.give_after_hd:
        notes.append("this label row does not move maintenance doses around dialysis; doses keep their interval")
    if not waiting and now - due >= timedelta(minutes=1):
        notes.append(f"the dose was due {_duration(now - due)} ago ({_clock(due)}); the one after is timed "
                     "from when it is actually given")
    return tuple(notes)


def _check_args(schedule, regimen, last_dose_at, now, sessions, last_supplement_at):
    """Validate the arguments of hd_dose_timing."""
    if not isinstance(schedule, HDSchedule):
        raise InputError(f"schedule must be an HDSchedule, got {schedule!r}", field="schedule")
    if not isinstance(regimen, Regimen):
        raise InputError(f"regimen must be a Regimen (an ihd row of the label table), got {regimen!r}",
                         field="regimen")
    _check_naive("last_dose_at", last_dose_at)
    _check_naive("now", now)
    _check_naive("last_supplement_at", last_supplement_at, optional=True)
    if last_dose_at > now:
        raise InputError(f"last_dose_at {_clock(last_dose_at)} is after now ({_clock(now)})", field="last_dose_at")
    if isinstance(sessions, (SessionRecord, str)) or not hasattr(sessions, "__iter__"):
        raise InputError("sessions must be a sequence of SessionRecord", field=_FIELD)


def hd_dose_timing(schedule, regimen, *, last_dose_at, now, sessions=(), last_supplement_at=None,
                   assume_unlogged_as_scheduled=True):
    r"""Give now or give at: the next dose on intermittent haemodialysis, from the actual sessions.

    Parameters
    ----------
    schedule : pkdose.patient.HDSchedule
        The patient's weekly schedule [-]
    regimen : pkdose.regimens.Regimen
        The label's haemodialysis regimen (``select_regimens(table,
        renal_state="ihd")``): interval, infusion time, ``give_after_hd``,
        ``post_hd_supplement_mg`` [-]
    last_dose_at : datetime.datetime
        Start of the last maintenance dose [local time]
    now : datetime.datetime
        Current time, not before `last_dose_at` [local time]
    sessions : sequence of SessionRecord, optional
        Log of sessions that differ from the schedule: late, early,
        rescheduled, missed, extra, or running [-]
    last_supplement_at : datetime.datetime, optional
        Start of the last post-session supplement, for regimens with one [local time]
    assume_unlogged_as_scheduled : bool, optional
        Take a past regular session without a log entry as done on schedule
        (listed in ``notes``); False raises InputError instead [-]

    Returns
    -------
    HDDoseTiming
        ``advice`` ("give now; next at …"), ``reason``, due times, the
        supplement, the rules applied, notes and the timeline.

    Raises
    ------
    InputError
        Wrong types, aware datetimes, `last_dose_at` after `now`, a log entry
        that matches no scheduled session, a session logged twice, sessions
        that overlap, an actual end in the future, or (with
        ``assume_unlogged_as_scheduled=False``) a past session missing from the
        log.  ``field`` names the input.

    Notes
    -----
    The rules R1–R8 and their sources are in the module docstring.  The
    dose after the next (``next_at``) assumes the next dose is given at
    ``give_at`` and the coming sessions run as scheduled or as logged.

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) prescribing information.
       Section 2.2 (administer immediately after HD).
    .. [2] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Renal impairment table footnote (after hemodialysis on
       hemodialysis days).
    .. [3] Bristol-Myers Squibb. AZACTAM (aztreonam for injection)
       prescribing information. Dosage and Administration (supplement after
       each hemodialysis).

    Examples
    --------
    Cefiderocol 0.75 g q12h on Mon/Wed/Fri 08:00–12:00; Monday's session ran
    10:00–14:10; last dose Sunday 20:00; it is 14:10:

    >>> from datetime import datetime as dt
    >>> from pkdose.patient import HDSchedule
    >>> reg = Regimen("cefiderocol", 750, 12, 3, give_after_hd=True)
    >>> log = [SessionRecord(dt(2026, 12, 7, 8), start=dt(2026, 12, 7, 10), end=dt(2026, 12, 7, 14, 10))]
    >>> t = hd_dose_timing(HDSchedule(), reg, last_dose_at=dt(2026, 12, 6, 20), now=dt(2026, 12, 7, 14, 10),
    ...                    sessions=log)
    >>> t.advice
    'give now; next at Tue 08 Dec 02:10'
    >>> t.reason
    'session ended Mon 07 Dec 14:10, 2 h 10 min later than scheduled (12:00): give the post-HD dose now'
    """
    _check_args(schedule, regimen, last_dose_at, now, sessions, last_supplement_at)
    timeline = _timeline(schedule, list(sessions), last_dose_at, now, assume_unlogged_as_scheduled)
    due, rules, session = _due(regimen, last_dose_at, timeline)
    waiting = session is not None and session.status == "running"
    give_at = max(due, now)
    nxt, next_rules, _ = _due(regimen, give_at, timeline)
    sup_at, sup_now, sup_notes = _supplement(regimen, timeline, last_dose_at, last_supplement_at, now)
    rules = tuple(dict.fromkeys(rules + next_rules + (("R4",) if sup_at else ())))
    return HDDoseTiming(
        now=now, last_dose_at=last_dose_at, due_at=due, give_now=due <= now and not waiting, give_at=give_at,
        next_at=nxt, wait_for_session_end=waiting,
        reason=_reason(regimen, last_dose_at, due, rules, session, timeline, now),
        supplement_due_at=sup_at, supplement_now=sup_now, rules=rules,
        notes=_notes(regimen, timeline, last_dose_at, due, now, waiting) + sup_notes,
        citations=regimen.citations, sessions=timeline)



# ---------------------------------------------------------------------------
# Front ends: times as typed, the session log, one product's components
# ---------------------------------------------------------------------------

#: The rules R1–R8 of the module docstring, one line each, as the answers list them.
RULE_TEXT = {
    "R1": "after the session: on dialysis days the dose is given when the session actually ends (labels)",
    "R2": "interval: the next dose is due one label interval after the last one started (labels)",
    "R3": "a dose given after a session restarts the clock: the following one is one interval later",
    "R4": "supplement: the label's post-session supplement after every session that took place, extra ones "
          "included (labels)",
    "R5": "missed session: the labels are silent; pkdose keeps the dose clock, moving, skipping and adding no dose "
          "(a declared pkdose rule)",
    "R6": "extra session: it moves a dose like a regular one; the labels give no replacement dose (a declared "
          "pkdose rule)",
    "R7": "interval of 48 h or more: one dose after each regular session; the 72-h weekend gets no extra dose",
    "R8": "a dose that ran into a session was partly removed; the labels are silent and pkdose adds no dose",
}
#: Columns of a session-log CSV (docs/changing-renal-function.md, section 3).
LOG_COLUMNS = ("scheduled_start", "start", "end", "missed")
#: Local wall-clock times as pkdose reads them: 2026-12-07 14:10 or 2026-12-07T14:10 (seconds optional).
LOCAL_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
_LOG_MAX_BYTES = 64 * 1024  # a session log of a year is a few kB
_LOG_MAX_ROWS = 400


def parse_local_time(text, field):
    r"""A local wall-clock time typed as ``YYYY-MM-DD HH:MM`` (or with ``T``; seconds optional).

    Parameters
    ----------
    text : str
        What was typed [-]
    field : str
        The input, named in the error as a ``{field}`` placeholder [-]

    Returns
    -------
    datetime.datetime
        Naive (no time zone) [local time]

    Raises
    ------
    InputError
        Not text, another format (a time zone, a date alone, other digits),
        or a date or time that does not exist.

    Examples
    --------
    >>> parse_local_time("2026-12-07 14:10", "now")
    datetime.datetime(2026, 12, 7, 14, 10)
    """
    if not isinstance(text, str) or not re.fullmatch(LOCAL_TIME_PATTERN, text.strip()):
        shown = repr(text) if not isinstance(text, str) or len(text) <= 40 else repr(text[:39] + "…")
        raise InputError(f"{{{field}}} {shown} is not a local date and time: write YYYY-MM-DD HH:MM (e.g. "
                         "2026-12-07 14:10), without a time zone", field=field)
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise InputError(f"{{{field}}} {text.strip()!r} is not a date and time that exists", field=field) from None


def _missed(value, field, where):
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "false", "no", "0"):
        return False
    if text in ("true", "yes", "1"):
        return True
    raise InputError(f"{{{field}}} {where}: missed {value!r} must be true or false (or empty)", field=field)


def session_records(rows, field="sessions", first_line=1):
    r"""Session records from rows of ``scheduled_start, start, end, missed`` (the log CSV or the web API).

    Parameters
    ----------
    rows : sequence of Mapping
        One mapping per session; times as ``YYYY-MM-DD HH:MM`` text, empty or
        None when not known; ``missed`` true/false [-]
    field : str, optional
        The input named in errors (``sessions`` in the web API, ``hd_log`` for
        a file) [-]
    first_line : int, optional
        Number of the first row in messages (2 for a CSV under its header) [-]

    Returns
    -------
    tuple of SessionRecord

    Raises
    ------
    InputError
        An unknown column, a bad time, a bad ``missed`` or a record that
        :class:`SessionRecord` refuses; the message names the row.

    Examples
    --------
    >>> session_records([{"scheduled_start": "2026-12-07 08:00", "start": "2026-12-07 10:00",
    ...                   "end": "2026-12-07 14:10"}])[0].end
    datetime.datetime(2026, 12, 7, 14, 10)
    """
    out = []
    for i, row in enumerate(rows):
        where = f"line {first_line + i}" if field == "hd_log" else f"entry {first_line + i}"
        if not isinstance(row, dict):
            raise InputError(f"{{{field}}} {where} must be an object of {', '.join(LOG_COLUMNS)}", field=field)
        unknown = [k for k in row if k not in LOG_COLUMNS]
        if unknown:
            raise InputError(f"{{{field}}} {where}: unknown column {str(unknown[0])[:40]!r}; use "
                             f"{', '.join(LOG_COLUMNS)}", field=field)
        times = {}
        for key in LOG_COLUMNS[:3]:
            value = row.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                times[key] = None
                continue
            try:
                times[key] = parse_local_time(value, field)
            except InputError as exc:
                raise InputError(exc.template.replace(f"{{{field}}}", f"{{{field}}} {where}: {key}", 1),
                                 field=field) from None
        missed = _missed(row.get("missed"), field, where)
        try:
            out.append(SessionRecord(**times, missed=missed))
        except InputError as exc:
            raise InputError(f"{{{field}}} {where}: {exc}", field=field) from None
    return tuple(out)


def read_session_log(path):
    r"""Read a haemodialysis session log: a CSV file with the columns of :data:`LOG_COLUMNS`.

    Parameters
    ----------
    path : str or pathlib.Path
        The file: UTF-8 text, a header line, one session per line [-]

    Returns
    -------
    tuple of SessionRecord
        One per line after the header, in the file's order [-]

    Raises
    ------
    InputError
        A missing, unreadable or oversized file, a directory or device, a
        header that is not ``scheduled_start,start,end,missed`` (``missed``
        may be left out), a malformed line (``field="hd_log"``).

    Notes
    -----
    Only sessions that differ from the weekly schedule need a line (late,
    early, running, rescheduled, missed, extra); see
    ``docs/changing-renal-function.md``, section 3.
    """
    p = Path(path)
    name = str(path)[:120]
    if not p.exists():
        raise InputError(f"{{hd_log}} {name!r}: file not found", field="hd_log")
    if p.is_dir() or not p.is_file():
        raise InputError(f"{{hd_log}} {name!r} is {'a directory' if p.is_dir() else 'not a regular file'}; give "
                         "the session-log CSV", field="hd_log")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(_LOG_MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{{hd_log}} {name!r} cannot be read ({exc.strerror})", field="hd_log") from None
    if len(raw) > _LOG_MAX_BYTES:
        raise InputError(f"{{hd_log}} {name!r} is larger than a session log ({_LOG_MAX_BYTES // 1024} KiB); list "
                         "only the sessions that differ from the schedule", field="hd_log")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{{hd_log}} {name!r} is not UTF-8 text", field="hd_log") from None
    lines = [ln for ln in csv.reader(io.StringIO(text)) if any(c.strip() for c in ln)]
    if not lines:
        raise InputError(f"{{hd_log}} {name!r} is empty; the first line names the columns "
                         f"{','.join(LOG_COLUMNS)}", field="hd_log")
    header = [c.strip() for c in lines[0]]
    if header not in (list(LOG_COLUMNS), list(LOG_COLUMNS[:3])):
        raise InputError(f"{{hd_log}} {name!r}: the first line must be {','.join(LOG_COLUMNS)} (got "
                         f"{','.join(header)[:80]!r})", field="hd_log")
    if len(lines) > _LOG_MAX_ROWS + 1:
        raise InputError(f"{{hd_log}} {name!r} has more than {_LOG_MAX_ROWS} sessions; list only recent ones that "
                         "differ from the schedule", field="hd_log")
    rows = []
    for n, cells in enumerate(lines[1:], start=2):
        if len(cells) != len(header):
            raise InputError(f"{{hd_log}} line {n}: {len(cells)} values for {len(header)} columns", field="hd_log")
        rows.append(dict(zip(header, (c.strip() for c in cells))))
    return session_records(rows, field="hd_log", first_line=2)


@dataclass(frozen=True)
class ProductHDTiming:
    r"""When to give the next dose of each component of a product on haemodialysis.

    Parameters
    ----------
    product : str
        Product [-]
    display_name : str
        Product name as labelled [-]
    jurisdiction : str
        "US" or "EU" [-]
    schedule : pkdose.patient.HDSchedule
        The weekly schedule [-]
    now : datetime.datetime
        Time of the advice [local time]
    now_given : bool
        False when `now` is the computer's clock [-]
    components : tuple
        ``(component, Regimen, HDDoseTiming)`` per component [-]

    References
    ----------
    .. [1] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Renal impairment table footnote (after hemodialysis on
       hemodialysis days).
    """

    product: str
    display_name: str
    jurisdiction: str
    schedule: HDSchedule
    now: datetime
    now_given: bool
    components: tuple

    def _sessions(self):
        """Sessions between the earliest last dose and the latest next dose, in time order."""
        lo = min(t.last_dose_at for _, _, t in self.components) - timedelta(hours=1)
        hi = max(t.next_at for _, _, t in self.components)
        seen, out = set(), []
        for _, _, t in self.components:
            for s in t.sessions:
                key = (s.kind, s.start, s.scheduled_start)
                ref_end = s.end or s.scheduled_end
                ref_start = s.start or s.scheduled_start
                if key in seen or ref_end is None or ref_end < lo or ref_start > hi:
                    continue
                seen.add(key)
                out.append(s)
        return sorted(out, key=lambda s: s.start or s.scheduled_start)

    def lines(self):
        """The answer as lines of text [-]."""
        from .regimens import format_regimen

        sch = self.schedule
        out = [f"{self.display_name} ({self.jurisdiction} label) on haemodialysis: when to give the next dose",
               f"Schedule  {', '.join(sch.days)} from {_hhmm(sch.start_h)}, {sch.session_h:g}-h sessions; now "
               f"{_clock(self.now)} ({'given' if self.now_given else 'this computer' + chr(39) + 's clock'})"]
        out.append("Sessions  " + ("\n          ".join(_session_line(s) for s in self._sessions()) or "none"))
        for comp, reg, t in self.components:
            out.append(f"{comp}: {format_regimen(reg)}")
            head, _, rest = t.advice.partition(";")
            out.append(f"  {head.upper() if t.give_now else head};{rest}")
            out.append(f"  why: {t.reason}")
            if reg.post_hd_supplement_mg:
                state = ("due now" if t.supplement_now else
                         f"next due at {_clock(t.supplement_due_at)}" if t.supplement_due_at else "none due")
                out.append(f"  post-session supplement {reg.post_hd_supplement_mg / 1000:g} g: {state}")
            out.append("  rules: " + "; ".join(f"{r} {RULE_TEXT[r]}" for r in t.rules))
            out += [f"  note: {n}" for n in t.notes]
            out += [f"  source: [{src}] {loc}" for src, loc in t.citations]
        return out

    def to_dict(self):
        """JSON-ready dict (schema ``pkdose.hd_timing/1``) [-]."""
        from .regimens import format_regimen

        iso = (lambda d: None if d is None else d.isoformat(timespec="minutes"))  # noqa: E731
        return {
            "product": self.product, "display_name": self.display_name, "jurisdiction": self.jurisdiction,
            "schedule": {"days": list(self.schedule.days), "start_h": self.schedule.start_h,
                         "session_h": self.schedule.session_h},
            "now": iso(self.now), "now_given": self.now_given,
            "sessions": [{"kind": s.kind, "status": s.status, "start": iso(s.start), "end": iso(s.end),
                          "scheduled_start": iso(s.scheduled_start), "logged": s.logged, "text": _session_line(s)}
                         for s in self._sessions()],
            "components": [{
                "component": comp, "regimen": format_regimen(reg), "advice": t.advice, "give_now": t.give_now,
                "due_at": iso(t.due_at), "give_at": iso(t.give_at), "next_at": iso(t.next_at),
                "wait_for_session_end": t.wait_for_session_end, "reason": t.reason,
                "last_dose_at": iso(t.last_dose_at), "supplement_mg": reg.post_hd_supplement_mg or None,
                "supplement_due_at": iso(t.supplement_due_at), "supplement_now": t.supplement_now,
                "rules": [{"rule": r, "text": RULE_TEXT[r]} for r in t.rules], "notes": list(t.notes),
                "citations": [{"source": src, "locator": loc} for src, loc in t.citations]}
                for comp, reg, t in self.components],
        }


def _hhmm(hour):
    minutes = int(round(hour * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _session_line(s):
    if s.status == "missed":
        return f"{_clock(s.scheduled_start)} missed"
    text = f"{_clock(s.start)}–{s.end:%H:%M} {s.status}" + (", extra" if s.kind == "extra" else "")
    if s.scheduled_start is not None and abs(s.start - s.scheduled_start) >= timedelta(minutes=1):
        text += f" (scheduled {s.scheduled_start:%a %H:%M})"
    return text + (" (logged)" if s.logged else " (as scheduled, not in the log)")


def _named(exc):
    """An hd_dose_timing error with its input named as a placeholder (as the front ends name fields)."""
    text = exc.template
    field = exc.field or "sessions"
    if text.startswith(field):
        text = "{" + field + "}" + text[len(field):]
    elif "{" not in text:
        text = "{" + field + "}: " + text
    return type(exc)(text, field=field)


def product_hd_timing(product, schedule, *, last_dose_at, now=None, sessions=(), last_supplement_at=None,
                      jurisdiction="US"):
    r"""Give now or give at, for each component of a product on haemodialysis, from the actual sessions.

    Parameters
    ----------
    product : str
        Product name of ``models/regimens/`` [-]
    schedule : pkdose.patient.HDSchedule
        The weekly schedule [-]
    last_dose_at : datetime.datetime or Mapping[str, datetime.datetime]
        Start of the last maintenance dose: one time for every component, or
        ``{component: time}`` (a combination's components run on different
        clocks) [local time]
    now : datetime.datetime, optional
        Time of the advice; default this computer's clock, said in the
        answer [local time]
    sessions : sequence of SessionRecord, optional
        Sessions that differ from the schedule [-]
    last_supplement_at : datetime.datetime or Mapping, optional
        Start of the last post-session supplement, for components with one [local time]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]

    Returns
    -------
    ProductHDTiming

    Raises
    ------
    InputError
        A component named twice or not in the product, a missing component
        time, and every error of :func:`hd_dose_timing` (the input named).

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) prescribing information.
       Section 2.2 (administer immediately after HD).
    .. [2] Bristol-Myers Squibb. AZACTAM (aztreonam for injection)
       prescribing information. Dosage and Administration (supplement after
       each hemodialysis).

    Examples
    --------
    >>> from datetime import datetime as dt
    >>> t = product_hd_timing("cefiderocol", HDSchedule(), last_dose_at=dt(2026, 12, 6, 20),
    ...                       now=dt(2026, 12, 7, 12, 0))
    >>> t.components[0][2].advice
    'give now; next at Tue 08 Dec 00:00'
    """
    from .library import load_regimen_table
    from .regimens import select_regimens

    table = load_regimen_table(product)
    given = now is not None
    now = datetime.now().replace(second=0, microsecond=0) if now is None else now
    regimens = select_regimens(table, renal_state="ihd", jurisdiction=jurisdiction)
    last = _per_component(last_dose_at, regimens, "last_dose_at", required=True)
    supplement = _per_component(last_supplement_at, regimens, "last_supplement_at", required=False)
    out = []
    for reg in regimens:
        try:
            t = hd_dose_timing(schedule, reg, last_dose_at=last[reg.component], now=now, sessions=sessions,
                               last_supplement_at=supplement.get(reg.component))
        except InputError as exc:
            raise _named(exc) from None
        out.append((reg.component, reg, t))
    return ProductHDTiming(product, table.display_name, jurisdiction, schedule, now, given, tuple(out))


def _per_component(value, regimens, field, required):
    """{component: datetime} from one time or a mapping."""
    components = [r.component for r in regimens]
    if value is None:
        if required:
            raise InputError(f"{{{field}}} is needed: when the last dose was started", field=field)
        return {}
    if isinstance(value, datetime):
        return dict.fromkeys(components, value)
    missing = [c for c in components if c not in value] if required else []
    unknown = [c for c in value if c not in components]
    if unknown or missing:
        raise InputError(f"{{{field}}} names {', '.join(unknown or missing)!s} "
                         f"{'which is not a component of this product' if unknown else 'without a time'}; the "
                         f"components are {', '.join(components)}", field=field)
    return dict(value)
