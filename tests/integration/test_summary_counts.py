"""The committee's summary and "what changed" on a small plan whose every count is worked out by
hand below, on the days where a count moves and the days either side of them.

The plan warns 7 days ahead (not the default 14). Its actions, all added on 2 January 2015:

- A1 (priority 1), due 10 March; its owner claims it complete on 5 March, still awaiting sign-off.
- A2 (priority 1), due 17 March; Pat joins its owners on 7 March; on 26 March the due date is
  revised to 30 April, effective 12 March.
- B1 (priority 2), due 31 March; cancelled on 6 March.
- B2 (priority 2), due 30 June; 40 % on 4 March; due date revised to 31 July on 5 March;
  completed on 8 March.
- N1 (no priority area, no due date); notes dated 5 and 7 March; on 26 March given a due date of
  15 April, effective 14 March.
- C1 (priority 3), due 20 March, added on 9 March; on 25 March revised to 27 March, effective 16
  March.

Another plan, S 2, has an action B1 too, redated on 7 and 15 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.commands import AddNote, ChangeLifecycle, ChangeOwners, ReviseDueDate, UpdateProgress
from plantrail.bootstrap import bootstrap
from plantrail.services import Services
from projections.audit import history
from projections.summary import changes, summary
from tests.conftest import _postgres_schema_url
from tests.integration.sign_off_scenario import ScenarioClock

PLAN = "S 1"
ADDED = date(2015, 1, 2)
# The due date revision was recorded at 09:00 on 26 March and the claim just after it: at noon on
# 25 March neither was known.
BEFORE_REVISION = datetime(2015, 3, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def plan(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Built once per database for the module's tests, which only read it (building takes a second)."""
    with pytest.MonkeyPatch.context() as patch:
        clock = ScenarioClock(datetime(2015, 1, 5, 9, 0, tzinfo=UTC))
        patch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock.now)
        if request.param == "sqlite":
            s = build(str(tmp_path_factory.mktemp("summary") / "plantrail.db"), clock)
            yield s
            s.close()
        else:
            for url in _postgres_schema_url():
                s = build(url, clock)
                yield s
                s.close()


@pytest.fixture
def own_plan(database_url: str, clock: ScenarioClock):
    """The same plan, for a test that changes it."""
    s = build(database_url, clock)
    yield s
    s.close()


def build(database_url: str, clock: ScenarioClock) -> Services:
    clock.set(datetime(2015, 1, 5, 9, 0, tzinfo=UTC))
    s = bootstrap(database_url, clock=clock.now)
    app = s.app
    app.create_plan(code=PLAN, title="Summary counts", actor="t", effective_on=ADDED, warning_days=7)
    app.configure_sign_off(PLAN, sign_off="none", actor="t", reason="recorded directly until the claim below")
    for number, name in [(1, "Alpha"), (2, "Beta"), (3, "Gamma")]:
        app.add_priority(PLAN, number, name, actor="t", effective_on=ADDED)
    app.register_person(name="Mia", actor="t", effective_on=ADDED)
    app.register_person(name="Owen", actor="t", effective_on=ADDED, manager="Mia")
    app.register_person(name="Pat", actor="t", effective_on=ADDED)
    for code, due, number in [
        ("A1", date(2015, 3, 10), 1),
        ("A2", date(2015, 3, 17), 1),
        ("B1", date(2015, 3, 31), 2),
        ("B2", date(2015, 6, 30), 2),
        ("N1", None, None),
    ]:
        app.add_action(
            plan_code=PLAN,
            code=code,
            title=f"Action {code}",
            owners=["Owen"],
            due_date=due,
            priority_number=number,
            actor="t",
            effective_on=ADDED,
        )
    s.projector.catch_up()

    clock.set(datetime(2015, 3, 25, 9, 0, tzinfo=UTC))
    s.record(f"{PLAN}/B1", ChangeLifecycle("cancel", "no longer needed", date(2015, 3, 6)), actor="t")
    s.record(f"{PLAN}/B2", UpdateProgress(40, None, date(2015, 3, 4)), actor="t")
    s.record(f"{PLAN}/B2", ReviseDueDate(date(2015, 7, 31), "supplier late", date(2015, 3, 5)), actor="t")
    s.record(f"{PLAN}/B2", ChangeLifecycle("complete", None, date(2015, 3, 8), "Audit of 20 plans"), actor="t")
    s.record(f"{PLAN}/N1", AddNote("On the first day", date(2015, 3, 5)), actor="t")
    s.record(f"{PLAN}/N1", AddNote("Inside the window", date(2015, 3, 7)), actor="t")
    s.record(f"{PLAN}/A2", ChangeOwners(("Owen", "Pat"), None, date(2015, 3, 7)), actor="t")
    app.add_action(
        plan_code=PLAN,
        code="C1",
        title="Action C1",
        owners=["Pat"],
        due_date=date(2015, 3, 20),
        priority_number=3,
        actor="t",
        effective_on=date(2015, 3, 9),
    )

    app.revise_due_date(PLAN, "C1", date(2015, 3, 27), reason="contractor booked", actor="t", effective_on=date(2015, 3, 16))
    # Another plan's action of the same code, redated inside every window below: never S 1's news.
    app.create_plan(code="S 2", title="Another plan", actor="t", effective_on=ADDED)
    app.configure_sign_off("S 2", sign_off="none", actor="t")
    app.add_action(plan_code="S 2", code="B1", title="Other B1", owners=["Pat"], due_date=date(2015, 4, 1), actor="t", effective_on=ADDED)
    app.revise_due_date("S 2", "B1", date(2015, 5, 1), reason="other plan", actor="t", effective_on=date(2015, 3, 7))
    app.revise_due_date("S 2", "B1", date(2015, 5, 2), reason="other plan again", actor="t", effective_on=date(2015, 3, 15))

    clock.set(datetime(2015, 3, 26, 9, 0, tzinfo=UTC))
    s.record(f"{PLAN}/A2", ReviseDueDate(date(2015, 4, 30), "waiting for funding", date(2015, 3, 12)), actor="t")
    s.record(f"{PLAN}/N1", ReviseDueDate(date(2015, 4, 15), "given a date", date(2015, 3, 14)), actor="t")
    app.configure_sign_off(PLAN, sign_off="completion", actor="t", reason="the committee signs completions off")
    claimed = s.record(f"{PLAN}/A1", ChangeLifecycle("complete", None, date(2015, 3, 5), "Audit of 20 plans"), actor="Owen")
    assert claimed["recorded_as"] == "submitted"
    s.projector.catch_up()
    return s


def counts(alert: int = 0, warning: int = 0, ok: int = 0, complete: int = 0, cancelled: int = 0) -> dict[str, int]:
    """A row of the summary: "cancelled" is shown only where something was cancelled."""
    row = {"alert": alert, "warning": warning, "ok": ok, "complete": complete}
    return row | {"cancelled": cancelled} if cancelled else row


NAMES = {1: "Alpha", 2: "Beta", 3: "Gamma", None: "(no priority area)"}

# As at each day (as known now): the counts of priorities 1, 2, 3 and of the action with none.
AS_AT: dict[date, tuple[dict[str, int], ...]] = {
    # A1 8 days from due, A2 15: both OK.
    date(2015, 3, 2): (counts(ok=2), counts(ok=2), counts(), counts(ok=1)),
    # A1 7 days from due: inside the 7-day window.
    date(2015, 3, 3): (counts(warning=1, ok=1), counts(ok=2), counts(), counts(ok=1)),
    # B1's cancellation is dated the 6th; B2 at 40 % is still open.
    date(2015, 3, 5): (counts(warning=1, ok=1), counts(ok=2), counts(), counts(ok=1)),
    date(2015, 3, 6): (counts(warning=1, ok=1), counts(ok=1, cancelled=1), counts(), counts(ok=1)),
    date(2015, 3, 7): (counts(warning=1, ok=1), counts(ok=1, cancelled=1), counts(), counts(ok=1)),
    # B2 completed; C1 added (11 days from due); A2 8 days from due, still OK.
    date(2015, 3, 8): (counts(warning=1, ok=1), counts(complete=1, cancelled=1), counts(), counts(ok=1)),
    date(2015, 3, 9): (counts(warning=1, ok=1), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    # A1 due today (still a warning), A2 7 days from due.
    date(2015, 3, 10): (counts(warning=2), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    # A1 a day past due.
    date(2015, 3, 11): (counts(alert=1, warning=1), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    # A2's due date is 30 April from the 12th; C1 8 days from due.
    date(2015, 3, 12): (counts(alert=1, ok=1), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    date(2015, 3, 13): (counts(alert=1, ok=1), counts(complete=1, cancelled=1), counts(warning=1), counts(ok=1)),
    # C1 due 27 March from the 16th: 6 days away on the 21st; N1 due 15 April, 25 days away.
    date(2015, 3, 21): (counts(alert=1, ok=1), counts(complete=1, cancelled=1), counts(warning=1), counts(ok=1)),
    date(2015, 3, 28): (counts(alert=1, ok=1), counts(complete=1, cancelled=1), counts(alert=1), counts(ok=1)),
    # N1 8 days from due, then 7.
    date(2015, 4, 7): (counts(alert=1, ok=1), counts(complete=1, cancelled=1), counts(alert=1), counts(ok=1)),
    date(2015, 4, 8): (counts(alert=1, ok=1), counts(complete=1, cancelled=1), counts(alert=1), counts(warning=1)),
}

# As known at noon on 25 March, before A2's and N1's revisions (C1's was known): A2 still due on
# 17 March, N1 with no due date.
AS_KNOWN_BEFORE_REVISION: dict[date, tuple[dict[str, int], ...]] = {
    date(2015, 3, 12): (counts(alert=1, warning=1), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    date(2015, 3, 17): (counts(alert=1, warning=1), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    date(2015, 3, 18): (counts(alert=2), counts(complete=1, cancelled=1), counts(ok=1), counts(ok=1)),
    date(2015, 4, 8): (counts(alert=2), counts(complete=1, cancelled=1), counts(alert=1), counts(ok=1)),
}


def expected_summary(rows: tuple[dict[str, int], ...], as_at: date, known_at: datetime | None, awaiting: int) -> dict[str, Any]:
    totals = {key: sum(row.get(key, 0) for row in rows) for key in ("alert", "warning", "ok", "complete")}
    cancelled = sum(row.get("cancelled", 0) for row in rows)
    return {
        "plan": PLAN,
        "as_at": as_at.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "priorities": [{"number": number, "name": NAMES[number], **row} for number, row in zip([1, 2, 3, None], rows, strict=True)],
        "totals": totals | ({"cancelled": cancelled} if cancelled else {}),
        "awaiting_sign_off": awaiting,
    }


@pytest.mark.parametrize("as_at", list(AS_AT))
def test_the_summary_counts_each_priority_as_at_a_day_and_the_claim_from_its_date(plan, as_at):
    awaiting = 1 if as_at >= date(2015, 3, 5) else 0  # A1's claim is dated 5 March
    assert summary(plan.queries, PLAN, as_at=as_at) == expected_summary(AS_AT[as_at], as_at, None, awaiting)


@pytest.mark.parametrize("as_at", list(AS_KNOWN_BEFORE_REVISION))
def test_the_summary_as_known_at_a_moment_leaves_out_what_was_recorded_after_it(plan, as_at):
    found = summary(plan.queries, PLAN, as_at=as_at, known_at=BEFORE_REVISION)
    assert found == expected_summary(AS_KNOWN_BEFORE_REVISION[as_at], as_at, BEFORE_REVISION, 0)


def test_an_action_with_no_priority_area_is_counted_in_its_own_row_when_cancelled_too(own_plan):
    own_plan.app.change_action(PLAN, "N1", lambda action, on: action.cancel(reason="merged", actor="t", effective_on=on), date(2015, 3, 26))
    own_plan.projector.catch_up()
    found = summary(own_plan.queries, PLAN, as_at=date(2015, 3, 26))
    assert [(p["number"], p.get("cancelled", 0)) for p in found["priorities"]] == [(1, 0), (2, 1), (3, 0), (None, 1)]


# ----- what changed between two dates ---------------------------------------------------------------


def moved(plan, from_date: date, to_date: date, known_at: datetime | None = None) -> dict[str, Any]:
    found = changes(plan.queries, plan.engine, PLAN, from_date=from_date, to_date=to_date, known_at=known_at)
    assert (found["plan"], found["from"], found["to"]) == (PLAN, from_date.isoformat(), to_date.isoformat())
    return found


def move(before: int, after: int) -> dict[str, int]:
    """A count's move between the two dates, worked out here."""
    return {"from": before, "to": after, "moved": after - before}


def heading(code: str, number: int | None) -> dict[str, Any]:
    return {"code": code, "title": f"Action {code}", "priority_area": {"number": number, "name": NAMES[number]} if number else None}


def only_keys(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: item[k] for k in keys}


def test_changes_over_a_week_name_each_move_of_status_progress_owners_lifecycle_due_date_and_notes(plan):
    found = moved(plan, date(2015, 3, 5), date(2015, 3, 12))
    actions = {a["code"]: a for a in found["actions"]}
    assert sorted(actions) == ["A1", "A2", "B1", "B2", "C1", "N1"]
    claim = actions["A1"]["awaiting_sign_off"]
    assert [(c["claimant"], c["proposed"], c["effective_on"]) for c in claim] == [("Owen", "complete", "2015-03-05")]
    assert actions["A1"] == heading("A1", 1) | {"status": ["Warning", "Alert"], "awaiting_sign_off": claim}
    assert actions["A2"] == heading("A2", 1) | {
        "owners": [["Owen"], ["Owen", "Pat"]],
        "due_date_revisions": [{"on": "2015-03-12", "from": "2015-03-17", "to": "2015-04-30", "reason": "waiting for funding"}],
        "slips_since_original": 1,
        "original_due_date": "2015-03-17",
    }
    assert actions["B1"] == heading("B1", 2) | {"status": ["OK", "Cancelled"], "lifecycle": ["open", "cancelled"], "cancelled": True}
    # B2's due date was revised on the first day, not after it: not news in this window.
    assert actions["B2"] == heading("B2", 2) | {
        "status": ["OK", "Complete"],
        "progress": [40, 100],
        "progress_delta": 60,
        "lifecycle": ["open", "completed"],
        "completed": True,
    }
    assert actions["C1"] == heading("C1", 3) | {"new_action": True, "status": [None, "OK"], "progress": [None, 0]}
    assert list(actions["N1"]) == [*heading("N1", None), "new_notes"]
    assert [(n["text"], n["effective_on"]) for n in actions["N1"]["new_notes"]] == [("Inside the window", "2015-03-07")]


def test_changes_over_a_week_move_each_priority_count_from_its_first_day_to_its_last(plan):
    found = moved(plan, date(2015, 3, 5), date(2015, 3, 12))

    assert found["priorities"] == [
        {"number": 1, "name": "Alpha", "alert": move(0, 1), "warning": move(1, 0), "ok": move(1, 1), "complete": move(0, 0)},
        {
            "number": 2,
            "name": "Beta",
            "alert": move(0, 0),
            "warning": move(0, 0),
            "ok": move(2, 0),
            "complete": move(0, 1),
            "cancelled": move(0, 1),
        },
        {"number": 3, "name": "Gamma", "alert": move(0, 0), "warning": move(0, 0), "ok": move(0, 1), "complete": move(0, 0)},
        {
            "number": None,
            "name": "(no priority area)",
            "alert": move(0, 0),
            "warning": move(0, 0),
            "ok": move(1, 1),
            "complete": move(0, 0),
        },
    ]


def test_a_claim_made_after_the_first_day_is_news_though_nothing_else_moved_and_a_redate_on_the_last_day_counts(plan):
    found = moved(plan, date(2015, 3, 4), date(2015, 3, 5))
    actions = {a["code"]: a for a in found["actions"]}
    assert sorted(actions) == ["A1", "B2", "N1"]
    assert list(actions["A1"]) == [*heading("A1", 1), "awaiting_sign_off"]
    assert only_keys(actions["B2"], "due_date_revisions", "slips_since_original", "original_due_date") == {
        "due_date_revisions": [{"on": "2015-03-05", "from": "2015-06-30", "to": "2015-07-31", "reason": "supplier late"}],
        "slips_since_original": 1,
        "original_due_date": "2015-06-30",
    }
    assert "awaiting_sign_off" not in actions["B2"]
    assert [n["text"] for n in actions["N1"]["new_notes"]] == ["On the first day"]


def test_a_claim_dated_on_the_first_day_is_not_news_by_itself(plan):
    found = moved(plan, date(2015, 3, 5), date(2015, 3, 6))
    assert sorted(a["code"] for a in found["actions"]) == ["B1"]


def test_changes_as_known_at_a_moment_compare_the_states_known_then(plan):
    found = moved(plan, date(2015, 3, 5), date(2015, 3, 12), known_at=BEFORE_REVISION)
    actions = {a["code"]: a for a in found["actions"]}
    # Known then: A2 still due on 17 March, 5 days away on the 12th, and not yet revised; A1's
    # claim not yet made.
    assert actions["A2"] == heading("A2", 1) | {"status": ["OK", "Warning"], "owners": [["Owen"], ["Owen", "Pat"]]}
    assert actions["A1"] == heading("A1", 1) | {"status": ["Warning", "Alert"]}


def test_a_due_date_revised_at_the_very_moment_asked_about_is_known_then(plan):
    [revision] = [e for e in history(plan.engine, plan_code=PLAN, event_type="DueDateRevised") if e["action"] == "A2"]
    recorded = datetime.fromisoformat(revision["recorded_at"])
    at = moved(plan, date(2015, 3, 11), date(2015, 3, 12), known_at=recorded)
    just_before = moved(plan, date(2015, 3, 11), date(2015, 3, 12), known_at=recorded - timedelta(microseconds=1))
    assert [r["to"] for r in next(a for a in at["actions"] if a["code"] == "A2")["due_date_revisions"]] == ["2015-04-30"]
    assert "A2" not in [a["code"] for a in just_before["actions"]]


def test_changes_as_known_at_a_moment_count_and_redate_from_what_was_known_then(plan):
    found = moved(plan, date(2015, 3, 12), date(2015, 3, 18), known_at=BEFORE_REVISION)
    actions = {a["code"]: a for a in found["actions"]}
    # Known then: A2 due 17 March (a warning on the 12th, an alert on the 18th); C1 redated on the
    # 16th (recorded before the moment); N1's redating on the 14th was recorded after it.
    assert sorted(actions) == ["A2", "C1"]
    assert actions["A2"] == heading("A2", 1) | {"status": ["Warning", "Alert"]}
    assert actions["C1"]["due_date_revisions"] == [
        {"on": "2015-03-16", "from": "2015-03-20", "to": "2015-03-27", "reason": "contractor booked"}
    ]
    assert "status" not in actions["C1"]  # 8 days from due on the 12th, 9 on the 18th

    alpha = found["priorities"][0]
    assert (alpha["alert"], alpha["warning"], alpha["ok"]) == (move(1, 2), move(1, 0), move(0, 0))


def test_changes_as_known_now_list_every_redating_in_the_window_in_date_order(plan):
    found = moved(plan, date(2015, 3, 12), date(2015, 3, 18))
    revised = {a["code"]: [r["on"] for r in a["due_date_revisions"]] for a in found["actions"] if "due_date_revisions" in a}
    assert revised == {"N1": ["2015-03-14"], "C1": ["2015-03-16"]}
    alpha = found["priorities"][0]
    assert (alpha["alert"]["to"], alpha["warning"]["to"], alpha["ok"]["to"]) == (1, 0, 1)


def test_changes_from_before_any_action_was_added_count_every_row_including_no_priority_area(plan):
    found = moved(plan, date(2015, 1, 1), date(2015, 1, 2))
    assert sorted(a["code"] for a in found["actions"] if a.get("new_action")) == ["A1", "A2", "B1", "B2", "N1"]
    ok_moves = [(p["number"], p["name"], p["ok"]) for p in found["priorities"]]
    assert ok_moves == [
        (1, "Alpha", {"from": 0, "to": 2, "moved": 2}),
        (2, "Beta", {"from": 0, "to": 2, "moved": 2}),
        (3, "Gamma", {"from": 0, "to": 0, "moved": 0}),
        (None, "(no priority area)", {"from": 0, "to": 1, "moved": 1}),
    ]


def test_a_cancellation_undone_in_the_window_moves_the_cancelled_count_back_to_none(own_plan):
    own_plan.record(f"{PLAN}/B1", ChangeLifecycle("reopen", "needed after all", date(2015, 3, 10)), actor="t")
    found = moved(own_plan, date(2015, 3, 6), date(2015, 3, 12))
    beta = found["priorities"][1]
    assert (beta["name"], beta["cancelled"], beta["ok"]) == ("Beta", {"from": 1, "to": 0, "moved": -1}, {"from": 1, "to": 1, "moved": 0})
    assert "cancelled" not in found["priorities"][0]
    b1 = next(a for a in found["actions"] if a["code"] == "B1")
    assert (b1["status"], b1["lifecycle"]) == (["Cancelled", "OK"], ["cancelled", "open"])
    assert "cancelled" not in b1 and "completed" not in b1


def test_a_redating_backdated_to_a_day_it_was_already_due_then_is_not_listed_as_a_revision(own_plan):
    # C1 was due 20 March until its revision to the 27th took effect on the 16th: a revision to
    # the 20th dated the 12th changed nothing on its own date.
    own_plan.app.configure_sign_off(PLAN, sign_off="none", actor="t")
    own_plan.record(f"{PLAN}/C1", ReviseDueDate(date(2015, 3, 20), "as first agreed", date(2015, 3, 12)), actor="t")
    [trail] = [e for e in history(own_plan.engine, plan_code=PLAN, event_type="DueDateRevised") if e["reason"] == "as first agreed"]
    assert "due_date" not in trail["changes"]  # it only counted as one more revision
    found = moved(own_plan, date(2015, 3, 11), date(2015, 3, 12))  # 9 and 8 days from due: OK both
    assert [a for a in found["actions"] if a["code"] == "C1"] == []
