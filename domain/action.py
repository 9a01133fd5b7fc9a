"""The Action aggregate: one stream per action, so updates to different actions never conflict.

Public methods validate and then call a private ``@event`` method. The decorated methods
are pure state changes because they re-run on every replay: a rule tightened later must not
stop old history from loading.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from domain.action_rules import (
    CANCELLED,
    COMPLETED,
    ON_HOLD,
    OPEN,
    SOURCES,
    checked_priority,
    checked_progress,
    required_reason,
)
from domain.claims import SignOffCommands
from domain.descriptions import DescriptionCommands
from domain.errors import (
    ActionAlreadyInStateError,
    ActionCancelledError,
    ActionCompletedError,
    BadInputError,
    RuleViolation,
)
from domain.events import RecordedEvent
from domain.ids import action_id
from domain.lifecycle import LifecycleCommands
from domain.text import NAME_MAX, TEXT_MAX, TITLE_MAX, checked_text, clipped, optional_text


class Action(LifecycleCommands, DescriptionCommands, SignOffCommands, Aggregate):
    """An improvement action in a plan, with its owners, due date, progress and history."""

    TOPIC = "plantrail:Action"

    class Event(RecordedEvent):
        TOPIC = "plantrail:Action.Event"

    class ActionAdded(Event, Aggregate.Created):
        TOPIC = "plantrail:Action.ActionAdded"
        plan_code: str
        code: str
        title: str
        description: str
        owners: list[str]
        due_date: date | None
        priority: str | None
        priority_number: int | None

    class ProgressUpdated(Event):
        """``source``: where the figure came from (one of SOURCES); None for figures recorded
        before plantrail kept it (version 1 of this event)."""

        TOPIC = "plantrail:Action.ProgressUpdated"
        class_version = 2
        progress: int
        source: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source"] = None

    class NoteAdded(Event):
        TOPIC = "plantrail:Action.NoteAdded"
        text: str
        author: str

    class SubActionAdded(Event):
        TOPIC = "plantrail:Action.SubActionAdded"
        number: int
        details: str

    class SubActionNoteAdded(Event):
        TOPIC = "plantrail:Action.SubActionNoteAdded"
        number: int
        text: str
        author: str

    class DueDateRevised(Event):
        TOPIC = "plantrail:Action.DueDateRevised"
        due_date: date

    class OwnersChanged(Event):
        TOPIC = "plantrail:Action.OwnersChanged"
        owners: list[str]

    class PriorityChanged(Event):
        TOPIC = "plantrail:Action.PriorityChanged"
        priority: str | None

    class ActionCompleted(Event):
        TOPIC = "plantrail:Action.ActionCompleted"

    class ActionCancelled(Event):
        TOPIC = "plantrail:Action.ActionCancelled"

    class ActionReopened(Event):
        TOPIC = "plantrail:Action.ActionReopened"

    class ActionPutOnHold(Event):
        TOPIC = "plantrail:Action.ActionPutOnHold"

    class DescriptionRevised(Event):
        TOPIC = "plantrail:Action.DescriptionRevised"
        title: str
        description: str

    class SuccessMeasureAdded(Event):
        TOPIC = "plantrail:Action.SuccessMeasureAdded"
        text: str

    class EvidenceAdded(Event):
        TOPIC = "plantrail:Action.EvidenceAdded"
        text: str

    # Sign-off (see the section at the end). A claim changes nothing the committee sees; its
    # approval records the claimed change itself, effective on the claimant's date.

    class ChangeSubmitted(Event):
        """A claim awaiting sign-off: ``kind`` (completion, due_date, progress), the proposed
        value, the claimant's evidence, and the version of the pending claim it replaces."""

        TOPIC = "plantrail:Action.ChangeSubmitted"
        kind: str
        progress: int | None
        due_date: date | None
        evidence: str | None
        replaces: int | None

    class ChangeApproved(Event):
        """The claim with version ``claim_version`` accepted; ``reason`` is the decider's comment."""

        TOPIC = "plantrail:Action.ChangeApproved"
        kind: str
        claim_version: int

    class ChangeRejected(Event):
        """The claim with version ``claim_version`` refused; ``reason`` says why (required)."""

        TOPIC = "plantrail:Action.ChangeRejected"
        kind: str
        claim_version: int

    # ----- creation -------------------------------------------------------------------

    @classmethod
    def add(
        cls,
        *,
        plan_code: str,
        code: str,
        title: str,
        description: str,
        owners: list[str],
        due_date: date | None,
        priority: str | None,
        priority_number: int | None,
        actor: str,
        effective_on: date,
        reason: str | None = None,
    ) -> Action:
        return cls._create(
            cls.ActionAdded,
            id=action_id(plan_code, code),
            plan_code=plan_code,
            code=checked_text("code", code, max_length=NAME_MAX, multiline=False),
            title=checked_text("title", title, max_length=TITLE_MAX),
            description=optional_text("description", description, max_length=TEXT_MAX) or "",
            owners=list(owners),
            due_date=due_date,
            priority=checked_priority(priority),
            priority_number=priority_number,
            actor=actor,
            effective_on=effective_on,
            reason=optional_text("reason", reason, max_length=TEXT_MAX),
        )

    def __init__(
        self,
        plan_code: str,
        code: str,
        title: str,
        description: str,
        owners: list[str],
        due_date: date | None,
        priority: str | None,
        priority_number: int | None,
        actor: str,
        effective_on: date,
        reason: str | None,
    ) -> None:
        self.plan_code = plan_code
        self.code = code
        self.title = title
        self.description = description
        self.owners = list(owners)
        self.due_date = due_date
        self.original_due_date = due_date
        self.priority = priority
        self.priority_number = priority_number
        self.progress = 0
        # (effective_on, progress) pairs, so a re-import can tell which figures it already holds.
        self.progress_log: list[tuple[date, int]] = []
        self.lifecycle = OPEN
        self.notes: list[dict[str, Any]] = []
        self.sub_actions: list[dict[str, Any]] = []
        self.success_measures: list[str] = []
        self.evidence: list[str] = []
        self.added_on = effective_on
        # kind -> the pending claim (its version, claimant, effective date, proposal, evidence).
        self.pending_claims: dict[str, dict[str, Any]] = {}

    # ----- commands: validate, then record ----------------------------------------------

    def update_progress(self, progress: object, *, actor: str, effective_on: date, reason: str | None = None, source: str = "cli") -> None:
        self._refuse_if_cancelled("update progress on")
        if source not in SOURCES:
            raise BadInputError(f"source: must be one of {', '.join(SOURCES)}, got {clipped(source)}")
        if self.lifecycle == COMPLETED:
            raise ActionCompletedError(
                f"cannot update progress on {self.plan_code}/{self.code}: it is complete; reopen it first",
                field="progress",
                cli_hint=f"plantrail reopen {self.code} --progress N",
            )
        self._progress_updated(
            progress=checked_progress(progress),
            source=source,
            actor=actor,
            effective_on=effective_on,
            reason=optional_text("reason", reason, max_length=TEXT_MAX),
        )

    def add_note(self, text: str, *, author: str, actor: str, effective_on: date) -> None:
        self._note_added(
            text=checked_text("note", text, max_length=TEXT_MAX),
            author=checked_text("author", author, max_length=NAME_MAX, multiline=False),
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def add_sub_action(self, details: str, *, actor: str, effective_on: date) -> int:
        number = len(self.sub_actions) + 1
        self._sub_action_added(
            number=number,
            details=checked_text("sub-action details", details, max_length=TEXT_MAX),
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )
        return number

    def add_sub_action_note(self, number: int, text: str, *, author: str, actor: str, effective_on: date) -> None:
        if not 1 <= number <= len(self.sub_actions):
            raise RuleViolation(f"sub-action: {self.code} has no sub-action {number}")
        self._sub_action_note_added(
            number=number,
            text=checked_text("sub-action note", text, max_length=TEXT_MAX),
            author=checked_text("author", author, max_length=NAME_MAX, multiline=False),
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def revise_due_date(self, due_date: date, *, reason: str | None, actor: str, effective_on: date) -> None:
        self._refuse_if_cancelled("revise the due date of")
        if due_date == self.due_date:
            raise ActionAlreadyInStateError(f"due date: {self.code} is already due {due_date.isoformat()}")
        self._due_date_revised(
            due_date=due_date,
            reason=required_reason(reason, "revise a due date"),
            actor=actor,
            effective_on=effective_on,
        )

    def change_owners(self, owners: list[str], *, reason: str | None, actor: str, effective_on: date) -> None:
        if not owners:
            raise RuleViolation("owners: an action needs at least one owner")
        if list(owners) == self.owners:
            raise ActionAlreadyInStateError(f"owners: {self.code} already has these owners")
        self._owners_changed(
            owners=list(owners),
            reason=optional_text("reason", reason, max_length=TEXT_MAX),
            actor=actor,
            effective_on=effective_on,
        )

    def change_priority(self, priority: str | None, *, reason: str | None, actor: str, effective_on: date) -> None:
        self._priority_changed(
            priority=checked_priority(priority),
            reason=optional_text("reason", reason, max_length=TEXT_MAX),
            actor=actor,
            effective_on=effective_on,
        )

    def _refuse_if_cancelled(self, what: str) -> None:
        if self.lifecycle == CANCELLED:
            raise ActionCancelledError(f"cannot {what} {self.plan_code}/{self.code}: it is cancelled")

    # ----- state changes (re-run on replay: no validation here) ------------------------

    @event(ProgressUpdated)
    def _progress_updated(self, progress: int, source: str | None, actor: str, effective_on: date, reason: str | None) -> None:
        self.progress = progress
        self.progress_log.append((effective_on, progress))

    @event(NoteAdded)
    def _note_added(self, text: str, author: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.notes.append({"text": text, "author": author, "effective_on": effective_on})

    @event(SubActionAdded)
    def _sub_action_added(self, number: int, details: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.sub_actions.append({"number": number, "details": details, "notes": []})

    @event(SubActionNoteAdded)
    def _sub_action_note_added(self, number: int, text: str, author: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.sub_actions[number - 1]["notes"].append({"text": text, "author": author, "effective_on": effective_on})

    @event(DueDateRevised)
    def _due_date_revised(self, due_date: date, actor: str, effective_on: date, reason: str | None) -> None:
        if self.original_due_date is None:
            self.original_due_date = due_date
        self.due_date = due_date

    @event(OwnersChanged)
    def _owners_changed(self, owners: list[str], actor: str, effective_on: date, reason: str | None) -> None:
        self.owners = list(owners)

    @event(PriorityChanged)
    def _priority_changed(self, priority: str | None, actor: str, effective_on: date, reason: str | None) -> None:
        self.priority = priority

    @event(ActionCompleted)
    def _completed(self, actor: str, effective_on: date, reason: str | None) -> None:
        self.lifecycle = COMPLETED
        self.progress = 100

    @event(ActionCancelled)
    def _cancelled(self, actor: str, effective_on: date, reason: str | None) -> None:
        self.lifecycle = CANCELLED

    @event(ActionReopened)
    def _reopened(self, actor: str, effective_on: date, reason: str | None) -> None:
        self.lifecycle = OPEN

    @event(ActionPutOnHold)
    def _put_on_hold(self, actor: str, effective_on: date, reason: str | None) -> None:
        self.lifecycle = ON_HOLD

    @event(DescriptionRevised)
    def _description_revised(self, title: str, description: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.title = title
        self.description = description

    @event(SuccessMeasureAdded)
    def _success_measure_added(self, text: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.success_measures.append(text)

    @event(EvidenceAdded)
    def _evidence_added(self, text: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.evidence.append(text)

    # ----- sign-off: state changes of claims (the commands are in domain/claims.py) --------

    @event(ChangeSubmitted)
    def _change_submitted(
        self,
        kind: str,
        progress: int | None,
        due_date: date | None,
        evidence: str | None,
        replaces: int | None,
        actor: str,
        effective_on: date,
        reason: str | None,
    ) -> None:
        # The library applies an event before it sets the aggregate's version: this event's
        # version is the next one.
        proposal = {"kind": kind, "progress": progress, "due_date": due_date, "evidence": evidence, "reason": reason}
        self.pending_claims[kind] = proposal | {"version": self.version + 1, "actor": actor, "effective_on": effective_on}

    @event(ChangeApproved)
    def _change_approved(self, kind: str, claim_version: int, actor: str, effective_on: date, reason: str | None) -> None:
        self.pending_claims.pop(kind, None)

    @event(ChangeRejected)
    def _change_rejected(self, kind: str, claim_version: int, actor: str, effective_on: date, reason: str | None) -> None:
        self.pending_claims.pop(kind, None)
