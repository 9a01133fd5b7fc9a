"""Import use case: turn plan documents into events, atomically and idempotently.

Idempotent because ids are derived from natural keys and each piece of history is added only
when the stream does not hold it yet; atomic because every aggregate touched is saved in one
``save(*aggregates)`` call, which the event store commits as one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

from domain.action import Action
from domain.action_rules import CANCELLED, COMPLETED, FROM_IMPORT, ON_HOLD
from domain.application import PlanTrail
from domain.errors import DomainError, UnknownPriorityError
from domain.ids import action_id, person_id, plan_id
from domain.names import NameIndex, tidy
from domain.person import Person, refuse_manager_loop
from domain.plan import Plan
from domain.plan_document import ActionSpec, DatedText, PlanDocument
from domain.problems import InputProblemsError, Problems
from domain.text import clipped

IMPORT_REASON = "imported"


class InvalidImportError(InputProblemsError):
    """The input breaks domain rules; each problem names where in the input."""


@dataclass
class ImportSummary:
    plans_created: int = 0
    people_registered: int = 0
    actions_created: int = 0
    events_recorded: int = 0
    # Each action merged (by stream id) and the version it is at now: what a re-import compares.
    action_versions: dict[str, int] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k != "action_versions"}


def import_plans(app: PlanTrail, documents: list[PlanDocument], *, actor: str) -> ImportSummary:
    summary = ImportSummary()
    touched: dict[Any, Any] = {}  # aggregate id -> aggregate, so one aggregate is saved once
    fallback_day = app.today()
    # As register_person stores them (tidied): an action names its owners as they are registered.
    batch_people = NameIndex(tidy(p.name) if isinstance(p.name, str) else p.name for doc in documents for p in doc.people)

    # Every problem in the batch is collected and reported at once; nothing is saved if any.
    problems = Problems()
    for doc in documents:
        plan = None
        with problems.noted(), _located(doc.source):
            plan = _merge_plan(app, doc, actor, fallback_day, touched, summary)
        for person_spec in doc.people:
            with problems.noted(), _located(person_spec.source):
                _merge_person(app, person_spec, doc, actor, batch_people, fallback_day, touched, summary)
        if plan is None:
            continue
        seen_codes: set[str] = set()
        for spec in doc.actions:
            key = spec.code.casefold()
            if key in seen_codes:
                problems.add(f"{spec.source}: code: {clipped(spec.code)} appears twice in plan {clipped(doc.code)}")
                continue
            seen_codes.add(key)
            with problems.noted(), _located(spec.source):
                _merge_action(app, plan, spec, actor, batch_people, fallback_day, touched, summary)
    problems.raise_if_any(InvalidImportError)

    changed = [agg for agg in touched.values() if agg.pending_events]
    summary.events_recorded = sum(len(agg.pending_events) for agg in changed)
    for agg in changed:
        for pending in agg.pending_events:
            mark_imported(pending)
    if changed:
        app.save(*changed)
    summary.action_versions = {str(agg.id): agg.version for agg in touched.values() if isinstance(agg, Action)}
    return summary


def mark_imported(pending: Any) -> None:
    """Store ``source: "import"`` with an event an import writes (a progress figure already says
    it): the file states the plan's history as it was, dates long past recorded today, and the
    audit trail says "from import" instead of flagging every entry as backdated. Stored with the
    event's state only (``RecordedEvent``): no command reads it."""
    object.__setattr__(pending, "source", FROM_IMPORT)


@contextmanager
def _located(source: str) -> Iterator[None]:
    """Report a rule broken inside the block against the input that broke it."""
    try:
        yield
    except InvalidImportError:
        raise
    except DomainError as error:
        raise InvalidImportError(f"{source}: {error}") from None


def _load_or_none(app: PlanTrail, aggregate_id: Any, touched: dict[Any, Any]) -> Any:
    if aggregate_id in touched:
        return touched[aggregate_id]
    if app.exists(aggregate_id):
        return app.repository.get(aggregate_id)
    return None


def _merge_plan(app: PlanTrail, doc: PlanDocument, actor: str, fallback_day: date, touched: dict, summary: ImportSummary) -> Plan:
    on = doc.created_on or fallback_day
    plan = _load_or_none(app, plan_id(doc.code), touched)
    if plan is None:
        plan = Plan.create(
            code=doc.code,
            title=doc.title,
            description=doc.description,
            timezone=doc.timezone,
            warning_days=doc.warning_days,
            sponsor=doc.sponsor,
            actor=actor,
            effective_on=on,
        )
        summary.plans_created += 1
        # Like the title and warning days, the file's sign-off setting applies when the plan is
        # created; later it is the clerks' to change (`plantrail sign-off`), and a re-import
        # must not undo that.
        plan.configure_sign_off(
            sign_off=doc.sign_off, sign_off_days=doc.sign_off_days, notify_rejection=doc.notify_rejection, actor=actor, effective_on=on
        )
    for priority in doc.priorities:
        if priority.number not in plan.priorities:
            with _located(priority.source):
                plan.add_priority(priority.number, priority.name, priority.description, actor=actor, effective_on=on)
    for committee in doc.committees:
        if not any(c["meets_on"] == committee.meets_on and c["committee"] == committee.committee for c in plan.committee_dates):
            with _located(committee.source):
                plan.schedule_committee(committee.meets_on, committee.committee, committee.report_deadline, actor=actor, effective_on=on)
    touched[plan.id] = plan
    return plan


def _merge_person(
    app: PlanTrail,
    spec: Any,
    doc: PlanDocument,
    actor: str,
    batch_people: NameIndex,
    fallback_day: date,
    touched: dict,
    summary: ImportSummary,
) -> None:
    on = doc.created_on or fallback_day
    if spec.manager:
        spec = replace(spec, manager=app.person_name(spec.manager, field="manager", known=batch_people))
    person = _load_or_none(app, person_id(spec.name), touched)
    if spec.manager:
        # Rows are merged one by one: a loop is caught at the row that closes it.
        refuse_manager_loop(spec.name, spec.manager, lambda who: _manager_in_batch(app, who, touched))
    if person is None:
        person = Person.register(
            name=tidy(spec.name) if isinstance(spec.name, str) else spec.name,
            initials=spec.initials,
            email=spec.email,
            role=spec.role,
            manager=spec.manager,
            actor=actor,
            effective_on=on,
        )
        summary.people_registered += 1
    elif (spec.email, spec.manager, spec.role) == (None, None, None):
        pass  # a bare name (a CSV's --register-owners) only makes sure the person exists
    elif (spec.email, spec.manager, spec.role) != (person.email, person.manager, person.role):
        person.change_contact(email=spec.email, manager=spec.manager, role=spec.role, actor=actor, effective_on=on, reason=IMPORT_REASON)
    touched[person.id] = person


def _manager_in_batch(app: PlanTrail, name: str, touched: dict) -> str | None:
    """A person's manager as this import leaves it so far: rows already merged, else the store."""
    found = _load_or_none(app, person_id(name), touched)
    return found.manager if found is not None else None


def _merge_action(
    app: PlanTrail,
    plan: Plan,
    spec: ActionSpec,
    actor: str,
    batch_people: NameIndex,
    fallback_day: date,
    touched: dict,
    summary: ImportSummary,
) -> None:
    if spec.priority_number is not None and spec.priority_number not in plan.priorities:
        raise UnknownPriorityError(f"priority_area: plan {clipped(plan.code)} has no priority {spec.priority_number}")
    # Stored under the registered spelling, however the file spelt it.
    spec = replace(spec, owners=app.require_people(spec.owners, known=batch_people))
    dates = [p.effective_on for p in spec.progress] + [n.effective_on for n in spec.notes]
    dates += [n.effective_on for s in spec.sub_actions for n in s.notes]
    added_on = spec.added_on or (min(dates) if dates else fallback_day)

    action = _load_or_none(app, action_id(plan.code, spec.code), touched)
    if action is None:
        action = Action.add(
            plan_code=plan.code,
            code=spec.code,
            title=spec.title,
            description=spec.description,
            owners=spec.owners,
            due_date=spec.original_due_date or spec.due_date,
            priority=spec.priority,
            priority_number=spec.priority_number,
            actor=actor,
            effective_on=added_on,
        )
        summary.actions_created += 1
    else:
        _sync_fields(action, spec, actor, added_on)
    touched[action.id] = action

    # History is replayed in date order so the stream reads like the plan's real life.
    steps: list[tuple[date, int, Callable[[], object]]] = []
    for sub in spec.sub_actions:
        number = _sub_action_number(action, sub.details)
        if number is None:
            steps.append((added_on, 0, partial(action.add_sub_action, sub.details, actor=actor, effective_on=added_on)))
        for note in sub.notes:
            if number is None or not _has_note(action.sub_actions[number - 1]["notes"], note):
                steps.append((note.effective_on, 1, partial(_add_sub_action_note, action, sub.details, note, actor)))
    for note in spec.notes:
        if not _has_note(action.notes, note):
            steps.append(
                (note.effective_on, 2, partial(action.add_note, note.text, author=note.author, actor=actor, effective_on=note.effective_on))
            )
    for figure in spec.progress:
        if (figure.effective_on, figure.progress) not in [tuple(p) for p in action.progress_log]:
            steps.append(
                (
                    figure.effective_on,
                    3,
                    partial(action.update_progress, figure.progress, actor=actor, effective_on=figure.effective_on, source="import"),
                )
            )
    for text in spec.success_measures:
        if text not in action.success_measures:
            steps.append((added_on, 4, partial(action.add_success_measure, text, actor=actor, effective_on=added_on)))
    for item in spec.evidence:
        if item.text.strip() not in action.evidence:
            on = item.effective_on or added_on
            steps.append((on, 4, partial(action.add_evidence, item.text, actor=actor, effective_on=on)))
    if spec.due_date and spec.due_date != action.due_date:
        revise = partial(action.revise_due_date, spec.due_date, reason="due date revised before import", actor=actor, effective_on=added_on)
        steps.append((added_on, 5, revise))
    for _, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
        step()
    _sync_lifecycle(action, spec, actor, max(dates) if dates else added_on)


def _add_sub_action_note(action: Action, details: str, note: DatedText, actor: str) -> None:
    # Looked up when the step runs: the sub-action may be added by an earlier step of this import.
    number = _sub_action_number(action, details)
    assert number is not None
    action.add_sub_action_note(number, note.text, author=note.author, actor=actor, effective_on=note.effective_on)


def _sub_action_number(action: Action, details: str) -> int | None:
    for sub in action.sub_actions:
        if sub["details"] == details.strip():
            return sub["number"]
    return None


def _has_note(notes: list[dict], note: Any) -> bool:
    return any(n["text"] == note.text.strip() and n["effective_on"] == note.effective_on for n in notes)


def _sync_fields(action: Action, spec: ActionSpec, actor: str, on: date) -> None:
    if (spec.title.strip(), spec.description.strip()) != (action.title, action.description):
        action.revise_description(
            title=spec.title, description=spec.description or None, reason=IMPORT_REASON, actor=actor, effective_on=on
        )
    if (spec.priority.strip().capitalize() if spec.priority else None) != action.priority:
        action.change_priority(spec.priority, reason=IMPORT_REASON, actor=actor, effective_on=on)
    if spec.owners and list(spec.owners) != action.owners:
        action.change_owners(spec.owners, reason=IMPORT_REASON, actor=actor, effective_on=on)


def _sync_lifecycle(action: Action, spec: ActionSpec, actor: str, on: date) -> None:
    if spec.lifecycle == action.lifecycle or spec.lifecycle == "open":
        return
    if spec.lifecycle == COMPLETED:
        # As the file states it: the evidence a completion needs from a person completing it now
        # (PlanTrail.handle) is not asked of a history, nor made up ("Imported from <file>" says
        # where it came from, which the trail's actor and reason already say, not what shows it).
        action.complete(reason=IMPORT_REASON, actor=actor, effective_on=on)
    elif spec.lifecycle == CANCELLED:
        action.cancel(reason="imported as cancelled", actor=actor, effective_on=on)
    elif spec.lifecycle == ON_HOLD:
        action.put_on_hold(reason=IMPORT_REASON, actor=actor, effective_on=on)
