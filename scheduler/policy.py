"""Which reminders are due, as a pure function of facts about actions and a date.

Each due reminder carries a deterministic key: rule | plan | action | the date it is about |
period. Raising is idempotent on that key, so the policy may be evaluated as often as anyone
likes; after downtime only the currently relevant period of each rule is due (the 7-day
reminder, not a late 14-day one as well).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from domain.reminder import ACTION_RULES
from domain.sign_off import CLAIM_COMPLETION, CLAIM_DUE_DATE, CLAIM_PROGRESS
from domain.timeliness import OPEN_LIFECYCLES, counts_as_complete

# What a claim awaiting sign-off already answers, so that no rule asks the owners for it again.
# A completion leaves the owners nothing to give: every rule about the action waits, and the
# sign-off rules take over (``scheduler.sign_off_policy``: the approver is asked each
# ``sign_off_days``, and a claim waiting that long escalates to the approver's manager or the
# sponsor, in place of the overdue rule's escalation to the manager and sponsor, which would ask
# them to chase an owner who is waiting on them). A revised due date answers the date rules (due
# soon, overdue). A progress figure is an update (no "stale"), but the action is still to be
# completed or re-dated, and the committee round still asks for this round's update.
SETTLED_BY_CLAIM: dict[str, frozenset[str]] = {
    CLAIM_COMPLETION: frozenset(ACTION_RULES),
    CLAIM_DUE_DATE: frozenset({"due_soon", "overdue"}),
    CLAIM_PROGRESS: frozenset({"stale"}),
}


NOTHING_SETTLED: frozenset[str] = frozenset()


def settled_rules(pending_claims: tuple[str, ...]) -> frozenset[str]:
    """The action rules that do not fire while claims of these kinds await sign-off."""
    return frozenset().union(*(SETTLED_BY_CLAIM.get(kind, frozenset()) for kind in pending_claims))


@dataclass(frozen=True)
class ReminderPolicy:
    due_soon_days: tuple[int, ...] = (14, 7)
    overdue_repeat_days: int = 7
    overdue_sponsor_after_days: int = 28
    stale_after_days: int = 30
    committee_round_days: int = 10


@dataclass(frozen=True)
class Committee:
    meets_on: date
    name: str
    report_deadline: date | None


@dataclass(frozen=True)
class PlanFacts:
    code: str
    title: str
    sponsor: str | None
    committees: tuple[Committee, ...] = ()


class ActionFacts(NamedTuple):
    """A tuple, not a frozen dataclass: a sweep builds one per open action (measured ≈3× cheaper)."""

    plan_code: str
    code: str
    title: str
    owners: tuple[str, ...]
    due_date: date | None
    progress: int
    lifecycle: str
    added_on: date
    last_update_on: date | None  # the latest figure, note or claim by anyone (what "stale" looks at)
    # The latest by an owner or their manager since the open round began (domain.rounds.UpdateRound:
    # an import or a clerk's entry does not answer a round); None when none, or no round is open.
    round_update_on: date | None = None
    # Kinds of claim (``domain.sign_off.CLAIM_KINDS``) awaiting sign-off at the end of the day
    # swept; what they settle is ``SETTLED_BY_CLAIM``.
    pending_claims: tuple[str, ...] = ()


@dataclass(slots=True)
class DueReminder:
    key: str
    rule: str
    plan_code: str
    action_code: str
    about: date
    period: int
    recipients: tuple[tuple[str, str], ...]  # (name, role): owner, manager or sponsor
    action: ActionFacts | None = field(default=None, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def details(self) -> dict[str, Any]:
        """What the message says about the action. Built on demand: a sweep decides on every
        open action but raises (and so describes) only the reminders not raised before."""
        facts: dict[str, Any] = {}
        if self.action is not None:
            a = self.action
            facts = {
                "title": a.title,
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "progress": a.progress,
                "owners": list(a.owners),
            }
            if a.pending_claims:  # what the owners are not asked for again (the digest's wording)
                facts["pending_claims"] = list(a.pending_claims)
        return facts | self.extra


def _key(rule: str, action: ActionFacts, about: date, period: int) -> str:
    return f"{rule}|{action.plan_code}|{action.code}|{about.isoformat()}|{period}"


def _dedupe(pairs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if len(pairs) < 2:  # the usual case: one owner
        return tuple(pairs)
    seen: dict[str, str] = {}
    for name, role in pairs:
        seen.setdefault(name, role)
    return tuple(seen.items())


class _Evaluator:
    def __init__(self, plan: PlanFacts, managers: Mapping[str, str | None], as_of: date, policy: ReminderPolicy) -> None:
        self.plan, self.managers, self.as_of, self.policy = plan, managers, as_of, policy
        # Computed once per sweep: the policy runs over every open action (100,000 in the benchmark).
        self.thresholds = sorted(policy.due_soon_days)
        self.soonest_due = as_of + timedelta(days=max(policy.due_soon_days, default=-1))
        self.stale_before = as_of - timedelta(days=policy.stale_after_days)

    def owners(self, action: ActionFacts) -> list[tuple[str, str]]:
        # An action nobody owns still needs someone to hear about it: the plan's sponsor.
        if action.owners:
            return [(name, "owner") for name in action.owners]
        return [(self.plan.sponsor, "sponsor")] if self.plan.sponsor else []

    def managers_of(self, action: ActionFacts) -> list[tuple[str, str]]:
        found = [(m, "manager") for name in action.owners if (m := self.managers.get(name)) and m not in action.owners]
        return found

    def make(
        self, rule: str, action: ActionFacts, about: date, period: int, recipients: list[tuple[str, str]], **details: Any
    ) -> DueReminder:
        # Raised even with nobody to send it to (no owner, manager or sponsor): the sweep then
        # reports it to the administrator as undeliverable instead of dropping it silently.
        people = _dedupe(recipients)
        return DueReminder(_key(rule, action, about, period), rule, action.plan_code, action.code, about, period, people, action, details)

    def due_soon(self, action: ActionFacts) -> DueReminder | None:
        due = action.due_date
        if due is None or due > self.soonest_due or self.as_of > due:
            return None
        days_left = (due - self.as_of).days
        thresholds = [n for n in self.thresholds if days_left <= n]
        if not thresholds:
            return None
        return self.make("due_soon", action, due, thresholds[0], self.owners(action), days_left=days_left)

    def overdue(self, action: ActionFacts) -> DueReminder | None:
        due = action.due_date
        if due is None or self.as_of <= due:
            return None
        days_over = (self.as_of - due).days
        period = (days_over - 1) // self.policy.overdue_repeat_days
        recipients = self.owners(action) + self.managers_of(action)
        if days_over >= self.policy.overdue_sponsor_after_days and self.plan.sponsor:
            recipients.append((self.plan.sponsor, "sponsor"))
        return self.make("overdue", action, due, period, recipients, days_overdue=days_over)

    def stale(self, action: ActionFacts) -> DueReminder | None:
        last = action.last_update_on or action.added_on
        if last > self.stale_before:
            return None
        silent = (self.as_of - last).days
        if silent < self.policy.stale_after_days:
            return None
        period = silent // self.policy.stale_after_days
        return self.make("stale", action, last, period, self.owners(action), days_without_update=silent)

    def committee(self, action: ActionFacts, committee: Committee) -> DueReminder | None:
        deadline = committee.report_deadline
        if deadline is None:
            return None
        opens = deadline - timedelta(days=self.policy.committee_round_days)
        about = {"committee": committee.name, "meets_on": committee.meets_on.isoformat(), "report_deadline": deadline.isoformat()}
        # The round's own rule of "updated" (domain.rounds.UpdateRound): an owner who has answered
        # the round is neither asked for it again nor escalated.
        updated_in_round = action.round_update_on is not None and action.round_update_on >= opens
        if opens <= self.as_of < deadline:
            if updated_in_round:
                return None
            return self.make("committee_round", action, committee.meets_on, 0, self.owners(action), **about)
        if deadline <= self.as_of < committee.meets_on and not updated_in_round:
            escalate_to = self.managers_of(action) or ([(self.plan.sponsor, "sponsor")] if self.plan.sponsor else [])
            return self.make("committee_escalation", action, committee.meets_on, 0, escalate_to, **about)
        return None


def round_opened_since(plan: PlanFacts, as_of: date, policy: ReminderPolicy) -> date | None:
    """The opening day of the earliest update round of the plan still running on ``as_of`` (open,
    or past its deadline with the committee not yet met: the escalation's window), or None."""
    opened = [
        c.report_deadline - timedelta(days=policy.committee_round_days)
        for c in plan.committees
        if c.report_deadline is not None and c.report_deadline - timedelta(days=policy.committee_round_days) <= as_of < c.meets_on
    ]
    return min(opened, default=None)


def due_reminders(
    plan: PlanFacts,
    actions: Iterable[ActionFacts],
    managers: Mapping[str, str | None],
    as_of: date,
    policy: ReminderPolicy = ReminderPolicy(),
) -> list[DueReminder]:
    """Every reminder due on ``as_of`` for the plan's open actions (raised or not)."""
    evaluator = _Evaluator(plan, managers, as_of, policy)
    due: list[DueReminder] = []
    for action in actions:
        if action.lifecycle not in OPEN_LIFECYCLES or counts_as_complete(action) or action.added_on > as_of:
            continue
        settled = settled_rules(action.pending_claims) if action.pending_claims else NOTHING_SETTLED
        for found in (evaluator.due_soon(action), evaluator.overdue(action), evaluator.stale(action)):
            if found is not None and found.rule not in settled:
                due.append(found)
        for committee in plan.committees:
            found = evaluator.committee(action, committee)
            if found is not None and found.rule not in settled:
                due.append(found)
    return due
