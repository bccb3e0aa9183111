"""Haemodialysis in real time: on-time, late, early, running, missed, extra and rescheduled sessions."""

from datetime import datetime as dt
from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pkdose.errors import InputError
from pkdose.hd_timing import SessionRecord, hd_dose_timing
from pkdose.library import load_regimen_table
from pkdose.patient import HDSchedule
from pkdose.regimens import Regimen, select_regimens

MWF = HDSchedule()                      # Mon/Wed/Fri 08:00-12:00
SUN = dt(2026, 12, 6)                   # Sunday; Monday 7 December 2026 is a dialysis day


def mon(h, m=0):
    return dt(2026, 12, 7, h, m)


def wed(h, m=0):
    return dt(2026, 12, 9, h, m)


FDC = select_regimens(load_regimen_table("cefiderocol"), renal_state="ihd")[0]            # 0.75 g q12h, after HD
CZA_EU = select_regimens(load_regimen_table("ceftazidime-avibactam"), renal_state="ihd",
                         jurisdiction="EU")[0]                                              # 0.94 g q48h, after HD
ATM = select_regimens(load_regimen_table("aztreonam"), renal_state="ihd")[0]              # q8h + 0.25 g after HD


def timing(regimen=FDC, **kw):
    kw.setdefault("last_dose_at", SUN.replace(hour=20))
    return hd_dose_timing(kw.pop("schedule", MWF), regimen, **kw)


def test_the_regimens_used_are_the_label_rows():
    assert (FDC.interval_h, FDC.give_after_hd) == (12, True)
    assert (CZA_EU.interval_h, CZA_EU.give_after_hd) == (48, True)
    assert (ATM.give_after_hd, ATM.post_hd_supplement_mg) == (False, 250)


# --- on time, late, early, running ---------------------------------------

def test_on_time_session_gives_the_post_hd_dose_at_its_end():
    t = timing(now=mon(12))
    assert t.give_now and t.due_at == mon(12) and t.next_at == dt(2026, 12, 8, 0)
    assert t.advice == "give now; next at Tue 08 Dec 00:00"
    assert "R1" in t.rules and t.citations[0][0] == "fetroja-uspi"
    assert any("assumed done as scheduled" in n for n in t.notes)


def test_late_session_moves_the_dose_to_its_actual_end():
    log = [SessionRecord(mon(8), start=mon(10), end=mon(14, 10))]
    t = timing(now=mon(14, 10), sessions=log)
    assert t.give_now and t.due_at == mon(14, 10) and t.next_at == dt(2026, 12, 8, 2, 10)
    assert t.reason == ("session ended Mon 07 Dec 14:10, 2 h 10 min later than scheduled (12:00): "
                        "give the post-HD dose now")


def test_early_session_brings_the_dose_forward():
    log = [SessionRecord(mon(8), start=mon(8), end=mon(11, 15))]
    t = timing(now=mon(11, 30), sessions=log)
    assert t.due_at == mon(11, 15) and t.give_now and t.next_at == mon(23, 30)
    assert "45 min earlier than scheduled" in t.reason
    assert any("due 15 min ago" in n for n in t.notes)


def test_running_session_makes_the_dose_wait_for_its_end():
    t = timing(now=mon(10))
    assert not t.give_now and t.wait_for_session_end and t.due_at == mon(12)
    assert t.advice.startswith("give when the session ends (expected Mon 07 Dec 12:00)")
    late = timing(now=mon(12, 30), sessions=[SessionRecord(mon(8), start=mon(10))])
    assert late.wait_for_session_end and late.due_at == mon(14) and "expected to end 14:00" in late.reason
    over = timing(now=mon(12, 30), sessions=[SessionRecord(mon(8), start=mon(8))])
    assert over.wait_for_session_end and not over.give_now and "run past its expected end" in over.reason
    assert over.advice.startswith("give as soon as the session ends (it was expected to end Mon 07 Dec 12:00)")


def test_a_session_rescheduled_later_in_the_day():
    t = timing(now=mon(9), sessions=[SessionRecord(mon(8), start=mon(15))])
    assert t.give_now and t.due_at == mon(8)          # 12 h after Sunday 20:00; nothing to wait for yet
    assert t.next_at == mon(19)                       # brought to the end of the 15:00 session (R1/R3)


# --- a dose already given, a dose into a session --------------------------

def test_post_hd_dose_already_given():
    t = timing(last_dose_at=mon(12, 20), now=mon(15))
    assert not t.give_now and t.give_at == dt(2026, 12, 8, 0, 20)
    assert t.reason.startswith("the post-HD dose was already given at Mon 07 Dec 12:20")


def test_a_dose_run_into_the_session_is_flagged_and_not_repeated():
    t = timing(last_dose_at=mon(7), now=mon(13))
    assert t.due_at == mon(19) and not t.give_now
    assert any("ran into the session" in n and "adds no dose" in n for n in t.notes)


# --- missed sessions (labels silent) ---------------------------------------

def test_missed_session_keeps_the_interval_for_q12h():
    t = timing(now=mon(9), sessions=[SessionRecord(mon(8), missed=True)])
    assert t.give_now and t.due_at == mon(8) and t.next_at == mon(21)
    assert "was missed" in t.reason and "labels silent" in t.reason


def test_missed_session_on_q48h_keeps_the_planned_post_session_time():
    t = timing(CZA_EU, last_dose_at=mon(12), now=wed(9), sessions=[SessionRecord(wed(8), missed=True)])
    assert not t.give_now and t.due_at == wed(12) and t.next_at == dt(2026, 12, 11, 12)
    assert "R5" in t.rules and "say nothing about a missed session" in t.reason


def test_q48h_follows_every_regular_session_including_the_weekend_gap():
    on_wed = timing(CZA_EU, last_dose_at=mon(12), now=wed(9))
    assert on_wed.wait_for_session_end and on_wed.due_at == wed(12)
    weekend = timing(CZA_EU, last_dose_at=dt(2026, 12, 11, 12, 5), now=dt(2026, 12, 12, 9))
    assert weekend.due_at == dt(2026, 12, 14, 12)     # 72 h: no extra weekend dose (pkdose.schedule rule)
    assert "R7" in weekend.rules


# --- extra sessions ---------------------------------------------------------

def test_extra_session_moves_the_dose_and_adds_no_replacement():
    extra = [SessionRecord(None, start=dt(2026, 12, 8, 10), end=dt(2026, 12, 8, 13))]
    last = dt(2026, 12, 8, 0)
    before = timing(last_dose_at=last, now=dt(2026, 12, 8, 9), sessions=[SessionRecord(None, start=dt(2026, 12, 8, 10))])
    assert before.due_at == dt(2026, 12, 8, 14) and not before.give_now   # planned extra: held to its expected end
    after = timing(last_dose_at=last, now=dt(2026, 12, 8, 13, 5), sessions=extra)
    assert after.give_now and after.due_at == dt(2026, 12, 8, 13)
    assert any("extra session" in n and "no replacement dose" in n and "TDM" in n for n in after.notes)


def test_extra_session_does_not_add_a_q48h_dose():
    extra = [SessionRecord(None, start=dt(2026, 12, 8, 8), end=dt(2026, 12, 8, 12))]
    t = timing(CZA_EU, last_dose_at=mon(12), now=dt(2026, 12, 8, 13), sessions=extra)
    assert t.due_at == wed(12)


# --- post-HD supplement (aztreonam) ----------------------------------------

def test_aztreonam_supplement_after_each_session_and_maintenance_unchanged():
    t = timing(ATM, last_dose_at=mon(6), now=mon(12, 30))
    assert t.due_at == mon(14) and not t.give_now            # the label does not move maintenance doses
    assert t.supplement_now and t.supplement_due_at == mon(12) and "R4" in t.rules
    assert any("does not move maintenance doses" in n for n in t.notes)
    given = timing(ATM, last_dose_at=mon(6), now=mon(12, 30), last_supplement_at=mon(12, 10))
    assert not given.supplement_now and given.supplement_due_at == wed(12)


def test_aztreonam_two_sessions_without_supplement_are_flagged():
    t = timing(ATM, last_dose_at=wed(6), now=wed(12, 30), last_supplement_at=dt(2026, 12, 4, 12, 5))
    assert t.supplement_now and any("catching up" in n for n in t.notes)


def test_no_supplement_for_a_missed_session():
    t = timing(ATM, last_dose_at=mon(6), now=mon(12, 30), sessions=[SessionRecord(mon(8), missed=True)])
    assert not t.supplement_now and t.supplement_due_at == wed(12)


# --- rules that do not apply -------------------------------------------------

def test_a_long_interval_without_the_after_hd_rule_keeps_its_interval():
    reg = Regimen("x", 1000, 48, 1)
    t = timing(reg, last_dose_at=mon(12), now=wed(9))
    assert t.due_at == wed(12) and t.rules == ("R2",)


def test_a_session_longer_than_the_interval_holds_no_dose():
    reg = Regimen("x", 1000, 6, 0.5, give_after_hd=True)
    long = HDSchedule(session_h=8)
    t = timing(reg, schedule=long, last_dose_at=mon(5), now=mon(10))
    assert t.due_at == mon(11)


def test_fractional_start_hour_and_old_log_entries():
    sched = HDSchedule(days=("Tue", "Thu", "Sat"), start_h=13.5, session_h=4)
    old = SessionRecord(dt(2026, 11, 3, 13, 30), missed=True)               # weeks before: ignored
    late = SessionRecord(dt(2026, 12, 8, 13, 30), start=dt(2026, 12, 8, 14), end=dt(2026, 12, 8, 18))
    t = timing(schedule=sched, last_dose_at=dt(2026, 12, 8, 6), now=dt(2026, 12, 8, 18), sessions=[old, late])
    assert t.due_at == dt(2026, 12, 8, 18) and t.give_now


# --- time ----------------------------------------------------------------------

def test_naive_wall_clock_across_a_daylight_saving_change():
    """Sunday 29 March 2026 is the EU change to summer time; pkdose counts wall-clock hours (no DST)."""
    t = timing(last_dose_at=dt(2026, 3, 28, 20), now=dt(2026, 3, 29, 9))
    assert t.due_at == dt(2026, 3, 29, 8)


def test_aware_datetimes_are_refused_naming_the_field():
    with pytest.raises(InputError) as info:
        timing(now=mon(12).replace(tzinfo=timezone.utc))
    assert info.value.field == "now"
    with pytest.raises(InputError, match="time zone"):
        SessionRecord(mon(8).replace(tzinfo=timezone(timedelta(hours=1))), missed=True)


# --- bad input ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(scheduled_start=mon(8), start=mon(8), missed=True), "missed session"),
    (dict(missed=True), "missed session"),
    (dict(scheduled_start=mon(8)), "actual start"),
    (dict(start=mon(8), end=mon(7)), "after its start"),
    (dict(start=mon(8), end=mon(22)), "within 12 h"),
    (dict(end=mon(12)), "actual start"),
    (dict(scheduled_start="Mon 08:00", missed=True), "datetime"),
    (dict(scheduled_start=mon(8), missed="yes"), "True or False"),
])
def test_session_record_validation(kwargs, match):
    with pytest.raises(InputError, match=match) as info:
        SessionRecord(**kwargs)
    assert info.value.field.startswith("sessions")


@pytest.mark.parametrize("kwargs, field, match", [
    (dict(now=mon(12), last_dose_at=mon(13)), "last_dose_at", "after now"),
    (dict(now=mon(12), sessions=[SessionRecord(mon(9), missed=True)]), "sessions", "not a session"),
    (dict(now=mon(12), sessions=[SessionRecord(mon(8), missed=True)] * 2), "sessions", "twice"),
    (dict(now=mon(14), sessions=[SessionRecord(None, start=mon(11), end=mon(13))]), "sessions", "overlap"),
    (dict(now=mon(11), sessions=[SessionRecord(mon(8), start=mon(8), end=mon(12))]), "sessions", "future"),
    (dict(now=mon(12), sessions=SessionRecord(mon(8), missed=True)), "sessions", "sequence"),
    (dict(now=mon(12), sessions=["Mon"]), "sessions", "SessionRecord"),
    (dict(now=mon(12), schedule="MWF"), "schedule", "HDSchedule"),
    (dict(now=mon(12), assume_unlogged_as_scheduled=False), "sessions", "no log entry"),
])
def test_bad_arguments_name_their_field(kwargs, field, match):
    with pytest.raises(InputError, match=match) as info:
        timing(**kwargs)
    assert info.value.field == field


def test_regimen_must_be_a_regimen():
    with pytest.raises(InputError) as info:
        hd_dose_timing(MWF, "0.75 g q12h", last_dose_at=mon(0), now=mon(12))
    assert info.value.field == "regimen"


# --- agreement with the planning rule of pkdose.schedule ---------------------

@pytest.mark.parametrize("interval_h", [8, 12, 24, 48])
def test_an_on_time_week_gives_the_doses_of_the_planning_rule(interval_h):
    """With every session on time, dose after dose in real time = pkdose.schedule.hd_dose_times."""
    import numpy as np

    from pkdose.extracorporeal import hd_sessions
    from pkdose.schedule import hd_dose_times

    reg = Regimen("x", 1000, interval_h, 2, give_after_hd=True)
    week0 = dt(2026, 12, 7)                                   # Monday 00:00 = t 0 h
    _, ends = hd_sessions(MWF, 0.0, 168.0)
    planned = [week0 + timedelta(hours=float(h)) for h in hd_dose_times(interval_h, ends)]
    planned += [p + timedelta(days=7) for p in planned]
    doses = [mon(12)]
    while doses[-1] < planned[-1]:
        nxt = hd_dose_timing(MWF, reg, last_dose_at=doses[-1], now=doses[-1]).due_at
        doses.append(nxt)
    in_window = [d for d in doses if mon(12) <= d <= planned[-1]]
    assert in_window == [p for p in planned if p >= mon(12)]
    assert np.all(np.diff([d.timestamp() for d in in_window]) > 0)


# --- invariants over random logs ------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(interval=st.sampled_from([8, 12, 24, 48]), after_hd=st.booleans(),
       last_offset_h=st.floats(0, 160), wait_h=st.floats(0, 30),
       delays=st.lists(st.tuples(st.sampled_from(["on time", "late", "early", "missed"]),
                                 st.floats(0, 3)), min_size=4, max_size=4))
def test_due_time_bounds_over_random_logs(interval, after_hd, last_offset_h, wait_h, delays):
    """The next dose is after the last one and never more than one interval + one infusion + one session
    (+ its delay) later for intervals under 48 h; 48 h and more wait at most for the next regular session."""
    reg = Regimen("x", 1000, interval, 2, give_after_hd=after_hd)
    week0 = dt(2026, 12, 7)
    last = week0 + timedelta(hours=last_offset_h)
    now = last + timedelta(hours=wait_h)
    log = []
    for (kind, d), day in zip(delays, (2, 4, 7, 9)):            # Wed, Fri, Mon, Wed
        slot = week0 + timedelta(days=day, hours=8)
        if kind == "missed":
            log.append(SessionRecord(slot, missed=True))
        elif kind != "on time":
            start = slot + timedelta(hours=d if kind == "late" else -d)
            end = start + timedelta(hours=4)
            log.append(SessionRecord(slot, start=start, end=end if end <= now else None))
    try:
        t = hd_dose_timing(MWF, reg, last_dose_at=last, now=now, sessions=log)
    except InputError as exc:                                   # a log that overlaps itself is refused
        assert "overlap" in str(exc) or "after now" in str(exc)
        return
    gap_h = (t.due_at - last).total_seconds() / 3600
    assert gap_h > 0 and t.give_at >= now and t.next_at > t.give_at
    bound = interval + 2 + 4 + 3 if interval < 48 or not after_hd else 72 + 4 + 3
    assert gap_h <= bound
