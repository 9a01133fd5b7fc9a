"""The bitemporal table answers "as at D, as known at T" exactly as folding the events would."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.application import PlanTrail
from domain.errors import DomainError

PLAN = "T 1"
START = date(2015, 1, 1)


def make_plan(app: PlanTrail) -> None:
    app.create_plan(code=PLAN, title="Timeline test", actor="t", effective_on=START)
    app.add_priority(PLAN, 1, "Only", actor="t", effective_on=START)
    for name in ("Ann", "Bob", "Cy"):
        app.register_person(name=name, actor="t", effective_on=START)


def random_history(app: PlanTrail, rng: random.Random, codes: list[str], steps: int) -> list[dict]:
    """Apply random commands, often backdated; return what each did, with its recorded time."""
    log = []
    for code in codes:
        app.add_action(
            plan_code=PLAN,
            code=code,
            title=code,
            owners=["Ann"],
            due_date=date(2015, 6, 30),
            priority="High",
            priority_number=1,
            actor="t",
            effective_on=START + timedelta(days=rng.randrange(5)),
        )
    for _ in range(steps):
        code = rng.choice(codes)
        on = START + timedelta(days=rng.randrange(120))
        kind = rng.choice(["progress", "progress", "note", "redate", "owners", "complete", "reopen"])
        action = app.get_action(PLAN, code)
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
                app.change_lifecycle(PLAN, code, "reopen", reason=None, actor="t", effective_on=on)
        except DomainError:
            continue  # a rule refused it (e.g. reopening an open action): nothing stored
        log.append({"recorded": datetime.now(UTC)})
    return log


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
