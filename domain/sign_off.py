"""Sign-off rules: an owner's claim reaches the committee only once someone accountable accepts it.

Pure functions over plain values, so every entry point (CLI, web, scheduler) asks the same
questions the same way: does this command wait for sign-off under the plan's setting, who may
decide a claim, and how do we say whom it awaits.

Roles (clerk of a plan, admin) arrive as plain values (``Roles``): ``PlanTrail.roles_of`` is the
one place that finds them for a person, so the role events on ``Person`` plug in there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from domain.commands import ActionCommand, ChangeLifecycle, ReviseDueDate, UpdateProgress
from domain.errors import BadInputError, ConflictError, ForbiddenError, RuleViolation
from domain.ids import normalise_key
from domain.text import clipped, names_in_words

# ----- the per-plan setting ----------------------------------------------------------------

NONE = "none"  # nothing waits
COMPLETION = "completion"  # completing (or reporting 100 %) and revising the due date wait
CHANGES = "changes"  # every progress figure waits too
SIGN_OFF_MODES = (NONE, COMPLETION, CHANGES)
DEFAULT_SIGN_OFF = COMPLETION
DEFAULT_SIGN_OFF_DAYS = 7
SIGN_OFF_DAYS_MAX = 365

NOTIFY_DIGEST = "digest"
NOTIFY_IMMEDIATE = "immediate"
NOTIFY_REJECTION_CHOICES = (NOTIFY_DIGEST, NOTIFY_IMMEDIATE)
DEFAULT_NOTIFY_REJECTION = NOTIFY_DIGEST

# ----- kinds of claim: one pending claim of each kind per action -----------------------------

CLAIM_COMPLETION = "completion"
CLAIM_DUE_DATE = "due_date"
CLAIM_PROGRESS = "progress"
CLAIM_KINDS = (CLAIM_COMPLETION, CLAIM_DUE_DATE, CLAIM_PROGRESS)
# The events that settle, without a claim, what a refused claim of each kind asked for (a plan
# whose sign-off was switched off, a clerk's import): a refusal followed by one is not "still
# to answer". By the names the audit trail gives them.
SETTLED_WITHOUT_CLAIM = {
    CLAIM_COMPLETION: ("ActionCompleted", "ActionCancelled"),
    CLAIM_DUE_DATE: ("DueDateRevised",),
    CLAIM_PROGRESS: ("ProgressUpdated",),
}


class SelfSignOffError(ForbiddenError):
    """Nobody may accept or reject their own claim, whatever roles they hold."""


class NotAnApproverError(ForbiddenError):
    """The person is neither the claimant's manager, a clerk of the plan, nor an admin."""


class NoPendingClaimError(RuleViolation):
    """There is nothing of that kind waiting for a decision on the action."""


class ClaimReplacedError(ConflictError):
    """The claim the decider looked at has since been replaced by a newer one."""


class ClaimDecidedError(ConflictError):
    """The claim the decider looked at is no longer pending: someone decided it meanwhile (in
    another tab, or another approver). A conflict, not a rule broken: the state moved under them."""


def checked_mode(value: object) -> str:
    if value not in SIGN_OFF_MODES:
        raise BadInputError(f"sign_off: must be one of {', '.join(SIGN_OFF_MODES)}, got {clipped(value)}", field="sign_off")
    return str(value)


def checked_days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SIGN_OFF_DAYS_MAX:
        raise BadInputError(
            f"sign_off_days: must be a whole number of days from 1 to {SIGN_OFF_DAYS_MAX}, got {value!r}", field="sign_off_days"
        )
    return value


def checked_notify_rejection(value: object) -> str:
    if value not in NOTIFY_REJECTION_CHOICES:
        raise BadInputError(
            f"notify_rejection: must be one of {', '.join(NOTIFY_REJECTION_CHOICES)}, got {value!r}", field="notify_rejection"
        )
    return str(value)


def checked_kind(value: object) -> str:
    if value not in CLAIM_KINDS:
        raise BadInputError(f"kind: must be one of {', '.join(CLAIM_KINDS)}, got {clipped(value)}", field="kind")
    return str(value)


def claim_kind(mode: str, command: ActionCommand) -> str | None:
    """The kind of claim ``command`` makes under the plan's ``mode``; None: it is recorded at once.

    A progress figure of 100 % is a completion in all but name (the timeliness rule counts it
    Complete), so under ``completion`` it waits too; otherwise a claim could skip sign-off by
    typing ``--progress 100`` instead of ``complete``."""
    if mode == NONE:
        return None
    match command:
        case ChangeLifecycle(transition="complete"):
            return CLAIM_COMPLETION
        case ReviseDueDate():
            return CLAIM_DUE_DATE
        case UpdateProgress(progress=progress) if mode == CHANGES or progress == 100:
            return CLAIM_PROGRESS
    return None


# ----- who may decide -------------------------------------------------------------------------


@dataclass(frozen=True)
class Roles:
    """What a person is granted beyond owning and managing: admin, and clerk of which plans."""

    admin: bool = False
    clerk_of: frozenset[str] = frozenset()  # plan codes

    def is_clerk_of(self, plan_code: str) -> bool:
        return normalise_key(plan_code) in {normalise_key(code) for code in self.clerk_of}


NO_ROLES = Roles()


@dataclass(frozen=True)
class ClaimParties:
    """Whose claim it is, and who manages them: all the decision rule needs about a claim."""

    plan_code: str
    claimant: str
    claimant_manager: str | None


def _same_person(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise_key(a) == normalise_key(b)


def decision_refusal(decider: str, roles: Roles, claim: ClaimParties) -> ForbiddenError | None:
    """Why ``decider`` may not accept or reject the claim, or None when they may.

    The claimant's manager, a clerk of the plan and an admin may decide; the claimant never
    may, even when they are also a clerk or an admin (nobody signs off their own work)."""
    refusal: ForbiddenError
    if _same_person(decider, claim.claimant):
        refusal = SelfSignOffError(f"sign-off: {decider} made this claim and cannot decide it")
    elif _same_person(decider, claim.claimant_manager) or roles.admin or roles.is_clerk_of(claim.plan_code):
        return None
    else:
        refusal = NotAnApproverError(f"sign-off: {decider} is not {claim.claimant}'s manager, a clerk of {claim.plan_code} or an admin")
    # Who can, by role; the entry points' seam names the people where it can (said once, not twice).
    refusal.who_can = f"It needs {awaiting_wording(claim)}."
    return refusal


def may_decide(decider: str, roles: Roles, claim: ClaimParties) -> bool:
    return decision_refusal(decider, roles, claim) is None


def check_may_decide(decider: str, roles: Roles, claim: ClaimParties) -> None:
    refusal = decision_refusal(decider, roles, claim)
    if refusal is not None:
        raise refusal


def may_configure(roles: Roles, plan_code: str) -> bool:
    """A plan's sign-off setting is the committee's business: its clerks and admins change it."""
    return roles.admin or roles.is_clerk_of(plan_code)


def awaiting_wording(claim: ClaimParties) -> str:
    """Whom a claim waits for, in words: "Val DeSouza (manager) or a clerk of SOS 001"."""
    clerk = f"a clerk of {claim.plan_code}"
    return f"{claim.claimant_manager} (manager) or {clerk}" if claim.claimant_manager else clerk


def deciders_wording(claim: ClaimParties, asked: Sequence[tuple[str, str]], *, any_admin: bool) -> str:
    """Who is asked to decide a claim, by name and role (``asked``: (name, role) pairs, role
    manager, clerk or admin), as a sentence: "Awaiting sign-off by Cara Clerk (clerk of SOS 001)." When nobody
    but the claimant could decide it, says so, and who can change that (``any_admin``: whether
    there is an administrator at all, even the claimant)."""
    roles = {"manager": f"{claim.claimant}'s manager", "clerk": f"clerk of {claim.plan_code}", "admin": "administrator"}
    if asked:
        return "Awaiting sign-off by " + names_in_words([f"{name} ({roles.get(role, role)})" for name, role in asked]) + "."
    who = "An administrator" if any_admin else "Whoever runs plantrail for the council"
    return (
        f"No one else can sign this off yet: nobody decides their own claim, {claim.claimant} has no manager here, "
        f"{claim.plan_code} has no other clerk, and there is no {'other ' if any_admin else ''}administrator. "
        f"{who} can make another person a clerk of {claim.plan_code}."
    )


def proposed_wording(kind: str, progress: int | None, due_date: date | None, *, show_date: Callable[[date], str] = date.isoformat) -> str:
    """What a claim proposes, in words: "complete", "due date 2015-06-30", "progress 80%"
    (``show_date``: how the date is written; the CLI and stored text keep ISO, pages and
    reminder digests write it in words)."""
    if kind == CLAIM_COMPLETION:
        return "complete"
    if kind == CLAIM_DUE_DATE:
        return f"due date {show_date(due_date) if due_date else '—'}"
    return f"progress {progress}%"
