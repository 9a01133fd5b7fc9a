"""Who hears what about sign-off, and when: a pure function of claims, people and a day.

Three rules, each raised as a Reminder whose key is deterministic, so that raising is idempotent
exactly as for an overdue action (``rule|plan|action|date|period|v<claim version>``: the claim's
version tells apart two claims of different kinds made on one action the same day):

- ``sign_off_awaiting``: a pending claim asks those who may decide it (``asked_to_decide``) to
  do so: on the first sweep after it was made, and again each time it has waited another
  ``sign_off_days``. The period is the number of whole ``sign_off_days`` it has waited.
- ``sign_off_escalation``: a claim still undecided ``sign_off_days`` days after the day it was
  made (made on 1 April, 7 days: on 8 April) goes to the approver's manager (the manager of the
  claimant's manager), or to the plan's sponsor when there is none, unless that person is asked
  to decide it already; once per period.
- ``sign_off_rejected``: the claimant is told of a rejection and its reason, once. With
  ``notify_rejection = immediate`` the decision raises the same key at once, so the sweep finds
  it raised; with ``digest`` (or if telling at once failed) the next sweep raises it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from domain.ids import normalise_key
from domain.reminder import SIGN_OFF_AWAITING, SIGN_OFF_ESCALATION, SIGN_OFF_REJECTED
from domain.sign_off import DEFAULT_NOTIFY_REJECTION, DEFAULT_SIGN_OFF_DAYS, NO_ROLES, ClaimParties, Roles, awaiting_wording, may_decide
from scheduler.policy import DueReminder


@dataclass(frozen=True)
class SignOffPlan:
    """A plan as the sign-off rules see it."""

    code: str
    title: str
    sponsor: str | None
    timezone: str = "Europe/London"
    sign_off_days: int = DEFAULT_SIGN_OFF_DAYS
    notify_rejection: str = DEFAULT_NOTIFY_REJECTION


@dataclass(frozen=True)
class Deciders:
    """Everyone's manager (by registered names), the clerks of each plan, and the admins."""

    managers: Mapping[str, str | None]
    clerks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # plan code -> clerks
    admins: tuple[str, ...] = ()

    def roles(self, name: str) -> Roles:
        """``name``'s roles as the decision rule (``domain.sign_off``) takes them."""
        clerk_of = frozenset(plan for plan, clerks in self.clerks.items() if name in clerks)
        admin = name in self.admins
        return Roles(admin=admin, clerk_of=clerk_of) if admin or clerk_of else NO_ROLES


@dataclass(frozen=True)
class ClaimFacts:
    """A claim pending at the end of the day swept. ``claimed_on``: the day it was recorded, in
    the plan's time zone (waiting is counted from when a decider could first have seen it, not
    from the effective date the claimant gave, which may be earlier)."""

    plan_code: str
    action_code: str
    action_title: str
    version: int
    kind: str
    proposed: str  # in words: "complete", "due date 2015-06-30", "progress 80%"
    claimant: str
    effective_on: date
    claimed_on: date
    since: str  # the recorded time, ISO 8601 UTC
    evidence: str | None = None
    reason: str | None = None
    proposed_due: date | None = None  # the due date a due-date claim proposes (messages word it)


@dataclass(frozen=True)
class RejectionFacts:
    """A rejected claim. ``superseded``: the claimant has made a newer claim of the same kind
    since, so they evidently know; a sweep that finds it untold leaves it."""

    plan_code: str
    action_code: str
    action_title: str
    version: int
    kind: str
    proposed: str
    claimant: str
    effective_on: date
    decided_by: str
    decided_on: date
    reason: str
    superseded: bool = False
    proposed_due: date | None = None
    # What it asked for was settled since without a claim (``projections.sign_off.settled_since``):
    # it is told all the same, but not repeated as still to answer.
    settled_since: bool = False


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise_key(a) == normalise_key(b)


def _unique(people: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for name, role in people:
        seen.setdefault(normalise_key(name), (name, role))
    return list(seen.values())


def _parties(claim: ClaimFacts, deciders: Deciders) -> ClaimParties:
    return ClaimParties(claim.plan_code, claim.claimant, deciders.managers.get(claim.claimant))


def asked_to_decide(claim: ClaimFacts, deciders: Deciders) -> list[tuple[str, str]]:
    """Who is asked to decide the claim, as (name, role): the claimant's manager and the plan's
    clerks; the admins only when neither exists (an admin may decide any claim, but hearing of
    every claim in every plan would bury the few that need them). Each is checked against the
    decision rule itself, so nobody is ever asked to decide their own claim."""
    return asked_for(_parties(claim, deciders), deciders)


def asked_for(parties: ClaimParties, deciders: Deciders) -> list[tuple[str, str]]:
    """``asked_to_decide`` for a claim known by its parties (the action page's pending claims)."""
    manager = [(parties.claimant_manager, "manager")] if parties.claimant_manager else []
    clerks = [(name, "clerk") for name in deciders.clerks.get(parties.plan_code, ())]
    admins = [(name, "admin") for name in deciders.admins]

    def allowed(candidates: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, role) for name, role in _unique(candidates) if may_decide(name, deciders.roles(name), parties)]

    return allowed(manager + clerks) or allowed(admins)


def escalation_to(claim: ClaimFacts, plan: SignOffPlan, deciders: Deciders) -> list[tuple[str, str]] | None:
    """The approver's manager (the manager of the claimant's manager), else the plan's sponsor;
    never the claimant (someone managing their own manager is a loop in the records) and never
    someone already asked to decide the claim (a manager who is also the sponsor): the request
    to them repeats anyway. None: everyone it could go to is asked already; []: nobody at all."""
    manager = deciders.managers.get(claim.claimant)
    above = deciders.managers.get(manager) if manager else None
    candidates = []
    if above and not _same(above, claim.claimant) and not _same(above, manager):
        candidates.append((above, "manager"))
    if plan.sponsor and not _same(plan.sponsor, claim.claimant):
        candidates.append((plan.sponsor, "sponsor"))
    asked = {normalise_key(name) for name, _ in asked_to_decide(claim, deciders)}
    fresh = [(name, role) for name, role in candidates if normalise_key(name) not in asked]
    return fresh[:1] if fresh or not candidates else None


def waiting_days(claim: ClaimFacts, as_of: date) -> int:
    return (as_of - claim.claimed_on).days


def claim_details(claim: ClaimFacts, as_of: date, deciders: Deciders) -> dict[str, Any]:
    """What a message says about a pending claim (stored with the reminder, so plain values)."""
    return {
        "title": claim.action_title,
        "kind": claim.kind,
        "claim_version": claim.version,
        "proposed": claim.proposed,
        "proposed_due": _iso(claim.proposed_due),
        "claimant": claim.claimant,
        "effective_on": claim.effective_on.isoformat(),
        "claimed_on": claim.claimed_on.isoformat(),
        "since": claim.since,
        "days_waiting": waiting_days(claim, as_of),
        "evidence": claim.evidence,
        "reason": claim.reason,
        "awaiting": awaiting_wording(_parties(claim, deciders)),
    }


def _about_claim(
    rule: str, claim: ClaimFacts | RejectionFacts, about: date, period: int, recipients: Iterable[tuple[str, str]], details: dict[str, Any]
) -> DueReminder:
    key = f"{rule}|{claim.plan_code}|{claim.action_code}|{about.isoformat()}|{period}|v{claim.version}"
    return DueReminder(key, rule, claim.plan_code, claim.action_code, about, period, tuple(recipients), extra=details)


def awaiting(claim: ClaimFacts, plan: SignOffPlan, deciders: Deciders, as_of: date) -> DueReminder:
    """The request to decide ``claim``, for the period it is in on ``as_of``."""
    period = waiting_days(claim, as_of) // plan.sign_off_days
    details = claim_details(claim, as_of, deciders)
    return _about_claim(SIGN_OFF_AWAITING, claim, claim.claimed_on, period, asked_to_decide(claim, deciders), details)


def escalation(claim: ClaimFacts, plan: SignOffPlan, deciders: Deciders, as_of: date) -> DueReminder | None:
    """The escalation of a claim waiting ``sign_off_days`` days or more; None before then, or when
    it could only go to someone already asked to decide it."""
    period = waiting_days(claim, as_of) // plan.sign_off_days
    to = escalation_to(claim, plan, deciders)
    if period < 1 or to is None:
        return None
    details = claim_details(claim, as_of, deciders) | {"sign_off_days": plan.sign_off_days}
    return _about_claim(SIGN_OFF_ESCALATION, claim, claim.claimed_on, period, to, details)


def rejection_notice(rejection: RejectionFacts) -> DueReminder:
    """Telling the claimant of a rejection and its reason: once, whenever it is raised."""
    return _about_claim(
        SIGN_OFF_REJECTED,
        rejection,
        rejection.decided_on,
        0,
        [(rejection.claimant, "owner")],
        {
            "title": rejection.action_title,
            "kind": rejection.kind,
            "claim_version": rejection.version,
            "proposed": rejection.proposed,
            "proposed_due": _iso(rejection.proposed_due),
            "claimant": rejection.claimant,
            "effective_on": rejection.effective_on.isoformat(),
            "decided_by": rejection.decided_by,
            "decided_on": rejection.decided_on.isoformat(),
            "decision_reason": rejection.reason,
        },
    )


def unanswered(rejections: Iterable[RejectionFacts]) -> list[RejectionFacts]:
    """The rejections nobody has answered, with a new claim or by settling what it asked for
    another way: of each action and kind, the latest, in the order each action and kind first
    comes. A digest that lists the action for another reason
    repeats them beside it: the notice is sent once, and is easily lost in a mailbox, while the
    action stays as last approved until someone claims again. The action's page shows the same
    ones to its owner (``Services.rejections_to_answer``, from the claims as listed)."""
    latest: dict[tuple[str, str, str], RejectionFacts] = {}
    for rejection in rejections:
        if not rejection.superseded and not rejection.settled_since:
            latest[(rejection.plan_code, rejection.action_code, rejection.kind)] = rejection
    return list(latest.values())


def sign_off_reminders(
    plan: SignOffPlan, claims: Iterable[ClaimFacts], rejections: Iterable[RejectionFacts], deciders: Deciders, as_of: date
) -> list[DueReminder]:
    """Every sign-off reminder due on ``as_of`` for the plan (raised before or not)."""
    due: list[DueReminder] = []
    for claim in claims:
        if claim.claimed_on > as_of:
            continue
        due.append(awaiting(claim, plan, deciders, as_of))
        escalated = escalation(claim, plan, deciders, as_of)
        if escalated is not None:
            due.append(escalated)
    due.extend(rejection_notice(r) for r in rejections if r.decided_on <= as_of and not r.superseded)
    return due


def waiting_for(claims: Iterable[ClaimFacts], deciders: Deciders, as_of: date) -> dict[str, list[tuple[ClaimFacts, str]]]:
    """Per person, every pending claim they are asked to decide (with the role they decide it
    in), oldest first: the "awaiting your sign-off" section lists them all, whichever claim's
    reminder brought the digest."""
    found: dict[str, list[tuple[ClaimFacts, str]]] = {}
    for claim in sorted(claims, key=lambda c: (c.since, c.plan_code, c.action_code, c.version)):
        if claim.claimed_on > as_of:
            continue
        for name, role in asked_to_decide(claim, deciders):
            found.setdefault(name, []).append((claim, role))
    return found
