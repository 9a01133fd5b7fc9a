"""The Reminder aggregate: one stream per raised reminder, its id derived from its key.

The key names the rule, the action, the date it is about and the period (e.g.
``overdue|SOS 001|SS_ICSAP_PAR1|2015-03-31|2``). Because the id comes from the key, a second
attempt to raise the same reminder appends version 1 of a stream that already has it, and the
event store refuses it: the store, not the scheduler, makes "raised once" true, across any
number of processes.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import ActionAlreadyInStateError
from domain.events import RecordedEvent
from domain.ids import PLANTRAIL_NAMESPACE

# Sign-off: a claim awaits its deciders; a claim waiting too long goes up a level; a claimant is
# told of a rejection. One name each, shared by the scheduler's policy and the digest's wording.
SIGN_OFF_AWAITING = "sign_off_awaiting"
SIGN_OFF_ESCALATION = "sign_off_escalation"
SIGN_OFF_REJECTED = "sign_off_rejected"
SIGN_OFF_RULES = (SIGN_OFF_AWAITING, SIGN_OFF_ESCALATION, SIGN_OFF_REJECTED)
ACTION_RULES = ("due_soon", "overdue", "stale", "committee_round", "committee_escalation")
RULES = (*ACTION_RULES, *SIGN_OFF_RULES)


def reminder_id(key: str) -> UUID:
    return uuid5(PLANTRAIL_NAMESPACE, "reminder:" + key)


class Reminder(Aggregate):
    """A reminder or escalation raised for an action by a rule."""

    TOPIC = "plantrail:Reminder"

    class Event(RecordedEvent):
        TOPIC = "plantrail:Reminder.Event"

    class ReminderRaised(Event, Aggregate.Created):
        """``recipients``: [{"name", "role"}] with role owner, manager or sponsor (and, for a claim
        awaiting sign-off, clerk or admin). ``details``: what the message says about the action
        (title, due date, progress, latest note) or, for the sign-off rules, about the claim."""

        TOPIC = "plantrail:Reminder.ReminderRaised"
        key: str
        rule: str
        plan_code: str
        action_code: str
        about: date
        period: int
        recipients: list[dict[str, Any]]
        details: dict[str, Any]
        sweep_id: str

    class ReminderUndeliverable(Event):
        """The reminder could not reach ``recipient``: no usable address, a message that could not
        be rendered, or a mail server that refused it for good. ``reason`` says which, in words an
        administrator can act on. ``plan_code`` and ``action_code`` repeat the reminder's, so the
        audit trail can file the event under its action without looking anything up."""

        TOPIC = "plantrail:Reminder.ReminderUndeliverable"
        recipient: str
        plan_code: str
        action_code: str

    @classmethod
    def raise_for(
        cls,
        *,
        key: str,
        rule: str,
        plan_code: str,
        action_code: str,
        about: date,
        period: int,
        recipients: list[dict[str, Any]],
        details: dict[str, Any],
        sweep_id: str,
        actor: str,
        effective_on: date,
    ) -> Reminder:
        if rule not in RULES:
            raise ValueError(f"rule: unknown reminder rule {rule!r}")
        return cls._create(
            cls.ReminderRaised,
            id=reminder_id(key),
            key=key,
            rule=rule,
            plan_code=plan_code,
            action_code=action_code,
            about=about,
            period=period,
            recipients=recipients,
            details=details,
            sweep_id=sweep_id,
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def __init__(
        self,
        key: str,
        rule: str,
        plan_code: str,
        action_code: str,
        about: date,
        period: int,
        recipients: list[dict[str, Any]],
        details: dict[str, Any],
        sweep_id: str,
        actor: str,
        effective_on: date,
        reason: str | None,
    ) -> None:
        self.key = key
        self.rule = rule
        self.plan_code = plan_code
        self.action_code = action_code
        self.recipients = recipients
        self.undeliverable: dict[str, str] = {}  # recipient -> reason

    def mark_undeliverable(self, recipient: str, *, reason: str, actor: str, effective_on: date) -> None:
        """Record once per recipient that this reminder could not reach them, and why."""
        if recipient in self.undeliverable:
            raise ActionAlreadyInStateError(f"reminder {self.key}: already recorded as undeliverable to {recipient!r}")
        self._undeliverable(
            recipient=recipient,
            plan_code=self.plan_code,
            action_code=self.action_code,
            actor=actor,
            effective_on=effective_on,
            reason=reason,
        )

    @event(ReminderUndeliverable)
    def _undeliverable(self, recipient: str, plan_code: str, action_code: str, actor: str, effective_on: date, reason: str | None) -> None:
        self.undeliverable[recipient] = reason or ""
