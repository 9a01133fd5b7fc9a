"""Sign-off in the sweep: the facts of a plan's claims through the pure rules
(``scheduler.sign_off_policy``), and the claims each person is asked to decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from scheduler import sign_off_facts
from scheduler.facts import Directory
from scheduler.policy import ActionFacts, DueReminder
from scheduler.sign_off_policy import (
    ClaimFacts,
    Deciders,
    RejectionFacts,
    SignOffPlan,
    claim_details,
    sign_off_reminders,
    unanswered,
    waiting_for,
)


@dataclass(frozen=True)
class SignOffFacts:
    """What every plan's sign-off rules share in one sweep: the people, who decides, the plans."""

    directory: Directory
    deciders: Deciders
    plans: dict[str, SignOffPlan]

    @classmethod
    def read(cls, engine: Engine, directory: Directory) -> SignOffFacts:
        plans = {p.code: p for p in sign_off_facts.plans(engine, directory)}
        return cls(directory, sign_off_facts.deciders(engine, directory), plans)


def pending_for_plan(engine: Engine, shared: SignOffFacts, plan_code: str, as_of: date) -> list[ClaimFacts]:
    """The plan's claims pending at the end of ``as_of``."""
    return sign_off_facts.pending_claims(engine, shared.plans[plan_code], as_of, shared.directory)


def with_pending_claims(actions: list[ActionFacts], claims: list[ClaimFacts]) -> list[ActionFacts]:
    """The actions, each with the kinds of its claims pending (what the action rules leave be)."""
    kinds: dict[str, list[str]] = {}
    for claim in claims:
        kinds.setdefault(claim.action_code, []).append(claim.kind)
    if not kinds:
        return actions
    return [a._replace(pending_claims=tuple(sorted(kinds[a.code]))) if a.code in kinds else a for a in actions]


def due_for_plan(
    engine: Engine, shared: SignOffFacts, plan_code: str, as_of: date, claims: list[ClaimFacts] | None = None
) -> list[DueReminder]:
    """Every sign-off reminder due on ``as_of`` for one plan (raised before or not); ``claims``:
    its pending claims, if read already."""
    plan = shared.plans[plan_code]
    if claims is None:
        claims = pending_for_plan(engine, shared, plan_code, as_of)
    rejected = sign_off_facts.rejections(engine, plan, as_of, shared.directory)
    return sign_off_reminders(plan, claims, rejected, shared.deciders, as_of)


@dataclass(frozen=True)
class WaitingClaim:
    """A claim someone is asked to decide, described as a digest describes it."""

    plan_code: str
    plan_title: str
    action_code: str
    role: str  # why they decide it (manager, clerk or admin), or CLAIMANT / CO_OWNER: see below
    details: dict[str, Any]


CLAIMANT = "claimant"  # WaitingClaim.role of a person's own claim
CO_OWNER = "co-owner"  # ... of a claim another owner of the same action made
AS_OWNER = (CLAIMANT, CO_OWNER)


def waiting_by_person(engine: Engine, directory: Directory, as_of: date) -> dict[str, list[WaitingClaim]]:
    """Per person (registered name), every claim pending on ``as_of`` that they are asked to
    decide, oldest first, in every plan; and the claims on actions they own, theirs
    (``CLAIMANT``) or another owner's (``CO_OWNER``): no rule asks the owners for what a claim
    settles (``scheduler.policy.SETTLED_BY_CLAIM``), so their digest says why."""
    shared = SignOffFacts.read(engine, directory)
    found: dict[str, list[WaitingClaim]] = {}
    for plan in shared.plans.values():
        claims = [c for c in sign_off_facts.pending_claims(engine, plan, as_of, directory) if c.claimed_on <= as_of]
        deciding = waiting_for(claims, shared.deciders, as_of)
        for name, waiting in deciding.items():
            found.setdefault(name, []).extend(
                WaitingClaim(plan.code, plan.title, claim.action_code, role, claim_details(claim, as_of, shared.deciders))
                for claim, role in waiting
            )
        owners = sign_off_facts.owners_of(engine, plan.code, {c.action_code for c in claims}, directory)
        for claim in claims:
            details = claim_details(claim, as_of, shared.deciders)
            for name in dict.fromkeys([claim.claimant, *owners.get(claim.action_code, [])]):
                if any(asked is claim for asked, _ in deciding.get(name, [])):
                    continue  # a co-owner asked to decide it hears of it as a decider
                role = CLAIMANT if name == claim.claimant else CO_OWNER
                found.setdefault(name, []).append(WaitingClaim(plan.code, plan.title, claim.action_code, role, details))
    for listed in found.values():
        listed.sort(key=lambda w: (w.details["since"], w.plan_code, w.action_code))
    return found


def unanswered_by_action(engine: Engine, directory: Directory, as_of: date) -> dict[tuple[str, str], list[RejectionFacts]]:
    """Per (plan code, action code), the claims rejected by the end of ``as_of`` that nobody has
    claimed again since (``sign_off_policy.unanswered``), in the order they were decided."""
    found: dict[tuple[str, str], list[RejectionFacts]] = {}
    for plan in sign_off_facts.plans(engine, directory):
        for rejection in unanswered(sign_off_facts.rejections(engine, plan, as_of, directory)):
            found.setdefault((plan.code, rejection.action_code), []).append(rejection)
    return found
