"""A generator of large synthetic plans: N actions × M events with a realistic mix of kinds.

The mix follows the seed plan: mostly notes and progress figures, some sub-actions with their
own notes, occasional due-date slips, owner changes and completions. Dates advance through a
two-year plan life. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from domain.action import Action
from domain.person import Person
from domain.plan import Plan

START = date(2014, 9, 1)
PEOPLE = [f"Person {n:03d}" for n in range(200)]
KINDS = (
    ("note", 40),
    ("progress", 30),
    ("sub_action_note", 14),
    ("sub_action", 6),
    ("redate", 4),
    ("owners", 3),
    ("priority", 3),
)
_KIND_NAMES = [k for k, _ in KINDS]
_KIND_WEIGHTS = [w for _, w in KINDS]
NOTE = "Audit of case files completed; findings reported to the CPC PQA sub-group. Next review in the spring. (LP)"


def setup_aggregates(plan_code: str, priorities: int = 5, *, with_people: bool = True) -> list:
    plan = Plan.create(code=plan_code, title=f"Synthetic plan {plan_code}", actor="bench", effective_on=START)
    for n in range(1, priorities + 1):
        plan.add_priority(n, f"Priority {n}", actor="bench", effective_on=START)
    if not with_people:
        return [plan]
    people = [Person.register(name=name, email=f"p{i}@example.org", actor="bench", effective_on=START) for i, name in enumerate(PEOPLE)]
    return [plan, *people]


def synthetic_action(plan_code: str, number: int, events: int, rng: random.Random) -> Action:
    """One action with ``events`` events in all (its creation included)."""
    day = START + timedelta(days=rng.randrange(60))
    action = Action.add(
        plan_code=plan_code,
        code=f"A{number:06d}",
        title=f"Synthetic action {number}",
        description="Generated for benchmarks.",
        owners=rng.sample(PEOPLE, k=rng.choice((1, 1, 2))),
        due_date=day + timedelta(days=rng.randrange(90, 540)),
        priority=rng.choice(("High", "Medium", "Low")),
        priority_number=rng.randint(1, 5),
        actor="bench",
        effective_on=day,
    )
    progress = 0
    for _ in range(events - 1):
        day += timedelta(days=rng.randrange(0, 6))
        kind = rng.choices(_KIND_NAMES, _KIND_WEIGHTS)[0]
        if kind == "sub_action_note" and not action.sub_actions:
            kind = "sub_action"
        if kind == "note":
            action.add_note(NOTE, author="LP", actor="bench", effective_on=day)
        elif kind == "progress":
            progress = min(99, progress + rng.randint(1, 10))
            action.update_progress(progress, actor="bench", effective_on=day)
        elif kind == "sub_action":
            action.add_sub_action(f"Sub-action {len(action.sub_actions) + 1}", actor="bench", effective_on=day)
        elif kind == "sub_action_note":
            action.add_sub_action_note(rng.randint(1, len(action.sub_actions)), NOTE, author="AB", actor="bench", effective_on=day)
        elif kind == "redate":
            action.revise_due_date(action.due_date + timedelta(days=rng.randint(14, 90)), reason="slipped", actor="bench", effective_on=day)
        elif kind == "owners":
            owners = rng.sample(PEOPLE, k=2)
            while owners == action.owners:
                owners = rng.sample(PEOPLE, k=2)
            action.change_owners(owners, reason="restructure", actor="bench", effective_on=day)
        else:
            action.change_priority(rng.choice(("High", "Medium", "Low")), reason="reviewed", actor="bench", effective_on=day)
    return action


def action_batches(plan_code: str, actions: int, events_per_action: int, batch_size: int, seed: int = 7) -> Iterator[list[Action]]:
    rng = random.Random(seed)
    batch: list[Action] = []
    for number in range(actions):
        batch.append(synthetic_action(plan_code, number, events_per_action, rng))
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
