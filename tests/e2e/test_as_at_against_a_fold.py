"""`show --as-at` on a generated store full of late (backdated) entries says, for every action
at ten dates, what a fold of that action's own stored events says; the fold is written here,
apart from the projector's."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

from domain.errors import DomainError
from plantrail.bootstrap import bootstrap
from tests.cli_runner import invoke

PLAN = "FOLD 1"
START = date(2015, 1, 5)
PEOPLE = ("Ann Ash", "Bob Birch", "Cy Cedar")
WARNING_DAYS = 14


def generate(app: Any, rng: random.Random, codes: list[str], steps: int) -> int:
    """Random changes, about half of them dated before what their action already holds;
    return how many were dated before the action's latest effective date."""
    app.create_plan(code=PLAN, title="As-at fold", actor="t", effective_on=START)
    app.add_priority(PLAN, 1, "Only", actor="t", effective_on=START)
    for name in PEOPLE:
        app.register_person(name=name, actor="t", effective_on=START)
    latest: dict[str, date] = {}
    for code in codes:
        added = START + timedelta(days=rng.randrange(10))
        due = added + timedelta(days=rng.randrange(30, 120))
        app.add_action(
            plan_code=PLAN,
            code=code,
            title=f"Action {code}",
            owners=[rng.choice(PEOPLE)],
            due_date=due,
            priority="Medium",
            priority_number=1,
            actor="t",
            effective_on=added,
        )
        latest[code] = added
    late = 0
    for _ in range(steps):
        code = rng.choice(codes)
        # Half go forward from the action's latest date, half land anywhere before it (late entries).
        if rng.random() < 0.5:
            on = latest[code] + timedelta(days=rng.randrange(0, 15))
        else:
            on = START + timedelta(days=rng.randrange(max(1, (latest[code] - START).days + 1)))
        kind = rng.choice(["progress", "progress", "progress", "note", "redate", "owners", "priority", "complete", "reopen", "hold"])
        action = app.get_action(PLAN, code)
        try:
            if kind == "progress":
                app.update_progress(PLAN, code, rng.randrange(0, 101), actor="t", effective_on=on)
            elif kind == "note":
                app.add_note(PLAN, code, f"note {code} {on}", actor="t", effective_on=on)
            elif kind == "redate":
                new_due = action.due_date + timedelta(days=rng.randrange(1, 45))
                app.revise_due_date(PLAN, code, new_due, reason="slipped", actor="t", effective_on=on)
            elif kind == "owners":
                app.change_owners(PLAN, code, rng.sample(PEOPLE, 2), reason="moves", actor="t", effective_on=on)
            elif kind == "priority":
                priority = rng.choice(("High", "Low"))
                app.change_action(
                    PLAN, code, lambda a, d, p=priority: a.change_priority(p, reason="reviewed", actor="t", effective_on=d), on
                )
            elif kind == "complete":
                app.change_lifecycle(PLAN, code, "complete", reason=None, actor="t", effective_on=on)
            elif kind == "reopen":
                app.change_lifecycle(PLAN, code, "reopen", reason="more to do", actor="t", effective_on=on, progress=rng.randrange(0, 100))
            else:
                app.change_lifecycle(PLAN, code, "hold", reason="paused", actor="t", effective_on=on)
        except DomainError:
            continue  # refused by a rule: nothing stored
        late += on < latest[code]
        latest[code] = max(latest[code], on)
    return late


def fold(events: list[Any], as_at: date) -> dict[str, Any] | None:
    """The action as at ``as_at`` from its own events: those true by then, in date order (an
    event dated before the action was added counts from the day it was added), ties in the
    order they were stored."""
    added = events[0]
    if added.effective_on > as_at:
        return None
    true_by_then = [e for e in events[1:] if max(e.effective_on, added.effective_on) <= as_at]
    true_by_then.sort(key=lambda e: (max(e.effective_on, added.effective_on), e.originator_version))
    s = {
        "title": added.title,
        "priority": added.priority,
        "owners": list(added.owners),
        "due_date": added.due_date,
        "original_due_date": added.due_date,
        "due_date_revisions": 0,
        "progress": 0,
        "lifecycle": "open",
    }
    for e in true_by_then:
        kind = type(e).__name__
        if kind == "ProgressUpdated":
            if s["lifecycle"] == "completed":  # done by then: only a reopening takes it below 100 %
                continue
            s["progress"] = e.progress
            if s["lifecycle"] == "reopened":
                s["lifecycle"] = "open"
        elif kind == "DueDateRevised":
            s["due_date"], s["due_date_revisions"] = e.due_date, s["due_date_revisions"] + 1
        elif kind == "OwnersChanged":
            s["owners"] = list(e.owners)
        elif kind == "PriorityChanged":
            s["priority"] = e.priority
        elif kind == "ActionCompleted":
            s["lifecycle"], s["progress"] = "completed", 100
        elif kind == "ActionCancelled":
            s["lifecycle"] = "cancelled"
        elif kind == "ActionPutOnHold":
            s["lifecycle"] = "on_hold"
        elif kind == "ActionReopened":
            s["lifecycle"] = "reopened" if s["progress"] >= 100 else "open"
    s["status"] = timeliness(s, as_at)
    s["notes"] = [
        e.text for e in sorted(true_by_then, key=lambda e: (e.effective_on, e.originator_version)) if type(e).__name__ == "NoteAdded"
    ]
    s["due_date"], s["original_due_date"] = s["due_date"].isoformat(), s["original_due_date"].isoformat()
    return s


def timeliness(s: dict[str, Any], as_at: date) -> str:
    if s["lifecycle"] == "cancelled":
        return "Cancelled"
    if s["lifecycle"] == "completed" or (s["progress"] >= 100 and s["lifecycle"] != "reopened"):
        return "Complete"
    if as_at > s["due_date"]:
        return "Alert"
    return "Warning" if (s["due_date"] - as_at).days <= WARNING_DAYS else "OK"


def test_show_as_at_ten_dates_equals_a_fold_of_each_actions_own_history(database_url):
    services = bootstrap(database_url)
    try:
        codes = [f"F{n}" for n in range(8)]
        late = generate(services.app, random.Random(12), codes, steps=160)
        services.projector.catch_up()  # written straight through the application, as an import does
        histories = {code: list(services.app.events.get(services.app.get_action(PLAN, code).id)) for code in codes}
    finally:
        services.close()
    assert late >= 40  # the store really is full of late entries
    env = {"PLANTRAIL_DATABASE_URL": database_url, "PLANTRAIL_USER": "clerk"}
    last = max(e.effective_on for events in histories.values() for e in events)
    dates = [START - timedelta(days=1)] + [START + (last - START) * k // 8 for k in range(9)]
    compared = 0
    for code, events in histories.items():
        for as_at in dates:
            expected = fold(events, as_at)
            shown = invoke(env, "show", code, "--as-at", as_at.isoformat(), "--format", "json", expect=None)
            if expected is None:
                assert shown.returncode == 1, (code, as_at, shown.stdout)  # not added yet on that date
                continue
            assert shown.returncode == 0, shown.stderr
            got = json.loads(shown.stdout)
            assert {k: got[k] for k in expected if k != "notes"} | {"notes": [n["text"] for n in got["notes"]]} == expected, (
                code,
                as_at,
            )
            compared += 1
    assert compared >= 60
