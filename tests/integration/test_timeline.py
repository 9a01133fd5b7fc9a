"""The bitemporal table answers "as at D, as known at T" exactly as folding the events would."""

import itertools
import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.application import PlanTrail
from domain.errors import DomainError
from projections import tables as pt

PLAN = "T 1"
FOREVER = date(9999, 12, 31)
START = date(2015, 1, 1)


def make_plan(app: PlanTrail) -> None:
    app.create_plan(code=PLAN, title="Timeline test", actor="t", effective_on=START)
    app.add_priority(PLAN, 1, "Only", actor="t", effective_on=START)
    for name in ("Ann", "Bob", "Cy"):
        app.register_person(name=name, actor="t", effective_on=START)


AWKWARD = ("backdated before the action existed", "same day as another event", "owners changed mid-history", "reopened after completion")


def step_day(rng: random.Random, added_on: date, days_used: list[date]) -> date:
    """Weighted toward the awkward dates: a quarter before the action existed (its events count
    from the day it was added), a quarter on a day it already has an event, the rest anywhere."""
    roll = rng.random()
    if roll < 0.25:
        return added_on - timedelta(days=rng.randrange(1, 20))
    if roll < 0.5:
        return rng.choice(days_used)
    return START + timedelta(days=rng.randrange(120))


def random_history(
    app: PlanTrail, rng: random.Random, codes: list[str], steps: int, after_each: Callable[[], object] | None = None
) -> list[dict]:
    """Apply random commands, often backdated; return what each stored: action, kind, effective day,
    the day the action was added, and the recorded time. Owner changes are frequent and a completed
    action is usually reopened next, so both land between other events."""
    log: list[dict] = []
    added: dict[str, date] = {}
    days_used: dict[str, list[date]] = {}
    for code in codes:
        added[code] = START + timedelta(days=rng.randrange(5))
        days_used[code] = [added[code]]
        app.add_action(
            plan_code=PLAN,
            code=code,
            title=code,
            owners=["Ann"],
            due_date=date(2015, 6, 30),
            priority="High",
            priority_number=1,
            actor="t",
            effective_on=added[code],
        )
    for _ in range(steps):
        code = rng.choice(codes)
        on = step_day(rng, added[code], days_used[code])
        action = app.get_action(PLAN, code)
        if action.lifecycle != "open" and rng.random() < 0.7:
            kind = "reopen"
        else:
            kind = rng.choice(["progress", "progress", "note", "redate", "owners", "owners", "owners", "complete", "complete"])
        try:
            if kind == "progress":
                app.update_progress(PLAN, code, rng.randrange(101), actor="t", effective_on=on)
            elif kind == "note":
                app.add_note(PLAN, code, f"note {len(log)}", actor="t", effective_on=on)
            elif kind == "redate":
                app.revise_due_date(
                    PLAN, code, action.due_date + timedelta(days=rng.randrange(1, 60)), reason="slip", actor="t", effective_on=on
                )
            elif kind == "owners":
                app.change_owners(PLAN, code, rng.sample(["Ann", "Bob", "Cy"], 2), reason="moves", actor="t", effective_on=on)
            elif kind == "complete":
                app.change_lifecycle(PLAN, code, "complete", reason=None, actor="t", effective_on=on)
            else:
                app.change_lifecycle(PLAN, code, "reopen", reason=None, actor="t", effective_on=on, progress=rng.randrange(100))
        except DomainError:
            continue  # a rule refused it (e.g. the same owners again): nothing stored
        days_used[code].append(on)
        log.append({"code": code, "kind": kind, "on": on, "added_on": added[code], "recorded": datetime.now(UTC)})
        if after_each is not None:
            after_each()
    return log


def awkward_cases(log: list[dict]) -> dict[str, int]:
    """How many stored steps are each awkward case, judged from what was stored."""
    days: dict[str, list[date]] = {}
    for entry in log:
        days.setdefault(entry["code"], [entry["added_on"]]).append(entry["on"])
    counts = dict.fromkeys(AWKWARD, 0)
    for entry in log:
        mine = days[entry["code"]]
        counts[AWKWARD[0]] += entry["on"] < entry["added_on"]
        counts[AWKWARD[1]] += mine.count(entry["on"]) > 1
        effective = [max(d, entry["added_on"]) for d in mine]
        on = max(entry["on"], entry["added_on"])
        counts[AWKWARD[2]] += entry["kind"] == "owners" and min(effective) < on < max(effective)
        counts[AWKWARD[3]] += entry["kind"] == "reopen"  # stored only when the action was completed (or held)
    return counts


def oracle(app: PlanTrail, code: str, as_at: date, known_at: datetime) -> dict | None:
    """Independent of the projector: replay the stored events, filter by both axes, fold by date."""
    action = app.get_action(PLAN, code)
    events = list(app.events.get(action.id))
    added = events[0]
    if added.timestamp > known_at or added.effective_on > as_at:
        return None
    visible = [e for e in events[1:] if e.timestamp <= known_at and max(e.effective_on, added.effective_on) <= as_at]
    visible.sort(key=lambda e: (max(e.effective_on, added.effective_on), e.originator_version))
    state = {"progress": 0, "due_date": added.due_date, "lifecycle": "open", "owners": list(added.owners), "revisions": 0}
    for e in visible:
        kind = type(e).__name__
        if kind == "ProgressUpdated":
            if state["lifecycle"] != "completed":  # done by then: only a reopening takes it below 100 %
                state["progress"] = e.progress
        elif kind == "DueDateRevised":
            state["due_date"], state["revisions"] = e.due_date, state["revisions"] + 1
        elif kind == "OwnersChanged":
            state["owners"] = list(e.owners)
        elif kind == "ActionCompleted":
            state["lifecycle"], state["progress"] = "completed", 100
        elif kind == "ActionReopened":
            state["lifecycle"] = "open"
    return state


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_as_at_and_as_known_at_match_a_full_replay_on_both_axes(services, seed):
    rng = random.Random(seed)
    make_plan(services.app)
    codes = ["A", "B", "C"]
    log = random_history(services.app, rng, codes, steps=45)
    services.projector.catch_up()
    moments = [entry["recorded"] for entry in log[:: max(1, len(log) // 8)]] + [datetime.now(UTC)]
    days = [START + timedelta(days=d) for d in (0, 3, 17, 40, 63, 90, 119, 200)]
    checked = 0
    for known_at in moments:
        for as_at in days:
            found = {a["code"]: a for a in services.queries.actions(PLAN, as_at=as_at, known_at=known_at, with_children=False)}
            for code in codes:
                expected = oracle(services.app, code, as_at, known_at)
                if expected is None:
                    assert code not in found
                    continue
                got = found[code]
                assert {
                    "progress": got["progress"],
                    "due_date": date.fromisoformat(got["due_date"]),
                    "lifecycle": got["lifecycle"],
                    "owners": got["owners"],
                    "revisions": got["due_date_revisions"],
                } == expected, (code, as_at, known_at)
                checked += 1
    assert checked > 100


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("page_per_event", [False, True])
def test_the_rows_known_at_any_moment_tile_each_actions_dates_and_agree_with_a_replay(services, page_per_event):
    # The rows themselves, not only the query's pick among them: known at any moment, an action's
    # rows cover every day from the day it was added, without gap or overlap, each holding the
    # replayed state. Page breaks (one event per page, or all in one) must not matter.
    make_plan(services.app)
    codes = ["A", "B"]
    log = random_history(
        services.app, random.Random(7), codes, steps=40, after_each=services.projector.catch_up if page_per_event else None
    )
    services.projector.catch_up()
    ids = {str(services.app.get_action(PLAN, code).id): code for code in codes}
    with services.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(pt.action_states)).mappings()]
    assert {r["action_id"] for r in rows} == set(ids)
    checked = 0
    for known_at in [entry["recorded"] for entry in log] + [datetime.now(UTC)]:
        for action_id, code in ids.items():
            mine = sorted(
                (r for r in rows if r["action_id"] == action_id and _aware(r["recorded_from"]) <= known_at < _aware(r["recorded_to"])),
                key=lambda r: r["valid_from"],
            )
            first = services.app.get_action(PLAN, code)
            assert mine[0]["valid_from"] == next(iter(services.app.events.get(first.id))).effective_on
            # A row holds until the next one believed at the same time (the table keeps no end
            # date): so no two visible rows may start on the same day, and the last holds for ever.
            starts = [r["valid_from"] for r in mine]
            assert all(a < b for a, b in itertools.pairwise(starts)), (code, known_at)
            for row, ends in zip(mine, [*starts[1:], FOREVER], strict=True):
                for day in {row["valid_from"], ends - timedelta(days=1)}:
                    got = {
                        "progress": row["progress"],
                        "due_date": row["due_date"],
                        "lifecycle": row["lifecycle"],
                        "owners": json.loads(row["owners"]),
                        "revisions": row["due_date_revisions"],
                    }
                    assert got == oracle(services.app, code, day, known_at), (code, day, known_at)
                    checked += 1
    assert checked > 100


def test_the_history_generator_produces_every_awkward_case_in_a_meaningful_share(sqlite_url):
    from plantrail.bootstrap import bootstrap

    services = bootstrap(sqlite_url)
    try:
        make_plan(services.app)
        logs = [random_history(services.app, random.Random(seed), [f"{seed}A", f"{seed}B", f"{seed}C"], steps=45) for seed in (1, 2, 3)]
    finally:
        services.close()
    counts = [awkward_cases(log) for log in logs]
    assert all(len(log) >= 30 for log in logs), "most generated steps are stored, not refused"
    assert all(min(c.values()) >= 1 for c in counts), counts  # every property run meets every case
    stored = sum(len(log) for log in logs)
    shares = {case: sum(c[case] for c in counts) / stored for case in AWKWARD}
    assert min(shares.values()) >= 0.1, shares


def test_a_completion_that_changed_nothing_when_recorded_still_follows_a_figure_backdated_before_it(services):
    # Found by the reweighted generator: the completion on 27 April met an action already complete
    # in effective-date order (its reopenings are backdated to January), so it started no row of
    # its own; progress later recorded for 12 April was appended after it instead of refolded.
    app = services.app
    make_plan(app)
    app.add_action(
        plan_code=PLAN, code="A", title="A", owners=["Ann"], due_date=date(2015, 6, 30), priority_number=1, actor="t", effective_on=START
    )
    app.change_lifecycle(PLAN, "A", "complete", reason=None, actor="t", effective_on=date(2015, 4, 5))
    app.change_lifecycle(PLAN, "A", "reopen", reason=None, actor="t", effective_on=date(2015, 1, 10), progress=30)
    app.change_lifecycle(PLAN, "A", "complete", reason=None, actor="t", effective_on=date(2015, 4, 27))
    app.change_lifecycle(PLAN, "A", "reopen", reason=None, actor="t", effective_on=date(2015, 1, 12), progress=8)
    app.update_progress(PLAN, "A", 19, actor="t", effective_on=date(2015, 4, 12))
    services.projector.catch_up()
    as_at = {day: services.queries.action(PLAN, "A", as_at=day) for day in (date(2015, 4, 26), date(2015, 4, 27))}
    # The figure of 12 April is dated after the completion of 5 April: done by then, still 100 %.
    assert [(a["progress"], a["lifecycle"]) for a in as_at.values()] == [(100, "completed"), (100, "completed")]
    assert oracle(app, "A", date(2015, 4, 27), datetime.now(UTC))["progress"] == 100


def test_a_completion_backdated_before_a_recorded_figure_leaves_the_action_at_100_percent(services):
    # Found trying the web app: 70 % recorded for today, then "complete, effective yesterday" and
    # approved. In effective-date order the completion comes first; the later-dated 70 % must not
    # leave a completed action at 70 % (the committee report said "Complete, 70 %").
    app = services.app
    make_plan(app)
    app.add_action(
        plan_code=PLAN, code="A", title="A", owners=["Ann"], due_date=date(2015, 6, 30), priority_number=1, actor="t", effective_on=START
    )
    app.update_progress(PLAN, "A", 66, actor="t", effective_on=date(2015, 3, 1))
    app.update_progress(PLAN, "A", 70, actor="t", effective_on=date(2015, 3, 26))
    before_completion = datetime.now(UTC)
    app.change_lifecycle(PLAN, "A", "complete", reason=None, actor="t", effective_on=date(2015, 3, 25))
    services.projector.catch_up()
    seen = {day: services.queries.action(PLAN, "A", as_at=day) for day in (date(2015, 3, 24), date(2015, 3, 25), date(2015, 3, 26))}
    assert [(a["progress"], a["lifecycle"], a["status"]) for a in seen.values()] == [
        (66, "open", "OK"),
        (100, "completed", "Complete"),
        (100, "completed", "Complete"),
    ]
    # As known before the completion was recorded, the 70 % stood; the oracle agrees on both axes.
    told = services.queries.action(PLAN, "A", as_at=date(2015, 3, 26), known_at=before_completion)
    assert (told["progress"], told["lifecycle"]) == (70, "open")
    assert oracle(app, "A", date(2015, 3, 26), datetime.now(UTC))["progress"] == 100
    assert oracle(app, "A", date(2015, 3, 26), before_completion)["progress"] == 70


def test_a_backdated_figure_changes_as_at_the_committee_but_not_what_the_committee_was_told(seeded):
    committee = date(2015, 3, 25)
    told = seeded.queries.action("SOS 001", "SS_ICSAP_ICSP1", as_at=committee)
    meeting = datetime.now(UTC)  # the committee saw the plan as it stood at this moment
    # Recorded after the meeting, true five days before it.
    seeded.app.update_progress(
        "SOS 001", "SS_ICSAP_ICSP1", 100, actor="David Leng", note="Final ICSP signed off (late return)", effective_on=date(2015, 3, 20)
    )
    seeded.projector.catch_up()
    true_then = seeded.queries.action("SOS 001", "SS_ICSAP_ICSP1", as_at=committee)
    as_told = seeded.queries.action("SOS 001", "SS_ICSAP_ICSP1", as_at=committee, known_at=meeting)
    assert (told["progress"], told["status"]) == (80, "Warning")
    assert (as_told["progress"], as_told["status"], as_told["notes"]) == (80, "Warning", told["notes"])
    assert (true_then["progress"], true_then["status"]) == (100, "Complete")
    assert true_then["latest_note"]["text"] == "Final ICSP signed off (late return)"
    # Before the backdated date nothing changes on either axis.
    assert seeded.queries.action("SOS 001", "SS_ICSAP_ICSP1", as_at=date(2015, 3, 19))["progress"] == 80


def test_a_backdated_event_is_shown_in_the_history_as_what_it_changed_on_its_own_date(services):
    # The refold returns the state just before and after the backdated event: the history's
    # old → new is the change on that date, not against the latest state, nor the whole action.
    from projections.audit import history

    app = services.app
    make_plan(app)
    app.add_action(
        plan_code=PLAN, code="A", title="A", owners=["Ann"], due_date=date(2015, 6, 30), priority_number=1, actor="t", effective_on=START
    )
    app.update_progress(PLAN, "A", 20, actor="t", effective_on=date(2015, 2, 1))
    app.update_progress(PLAN, "A", 60, actor="t", effective_on=date(2015, 4, 1))
    app.update_progress(PLAN, "A", 40, actor="t", effective_on=date(2015, 3, 1))  # between the two
    app.change_owners(PLAN, "A", ["Bob"], reason="moves", actor="t", effective_on=date(2015, 1, 15))
    services.projector.catch_up()
    entries = history(services.engine, plan_code=PLAN, action_code="A", axis="recorded")
    assert [(e["type"], e["changes"]) for e in entries[-2:]] == [
        ("ProgressUpdated", {"progress": [20, 40]}),
        ("OwnersChanged", {"owners": [["Ann"], ["Bob"]]}),
    ]


def test_a_completion_appended_without_change_still_follows_a_reopening_backdated_before_it(services):
    # The second completion (27 April) meets an action already complete on 5 April in
    # effective-date order and changes nothing, but it is appended, not refolded: it must still
    # start its own row, so the reopening recorded next for 12 April is refolded before it.
    app = services.app
    make_plan(app)
    app.add_action(
        plan_code=PLAN, code="A", title="A", owners=["Ann"], due_date=date(2015, 6, 30), priority_number=1, actor="t", effective_on=START
    )
    app.change_lifecycle(PLAN, "A", "complete", reason=None, actor="t", effective_on=date(2015, 4, 5))
    app.change_lifecycle(PLAN, "A", "reopen", reason=None, actor="t", effective_on=date(2015, 1, 10), progress=30)
    app.change_lifecycle(PLAN, "A", "complete", reason=None, actor="t", effective_on=date(2015, 4, 27))
    app.change_lifecycle(PLAN, "A", "reopen", reason=None, actor="t", effective_on=date(2015, 4, 12), progress=19)
    services.projector.catch_up()
    seen = [services.queries.action(PLAN, "A", as_at=day) for day in (date(2015, 4, 12), date(2015, 4, 26), date(2015, 4, 27))]
    assert [(a["progress"], a["lifecycle"]) for a in seen] == [(19, "open"), (19, "open"), (100, "completed")]
