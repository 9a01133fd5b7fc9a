"""Who may do what: the authorization rules, pure, asked by every entry point that has users.

Roles are events on ``Person`` (``RoleGranted`` / ``RoleRevoked``): ``clerk`` of a plan,
``admin`` and ``viewer``. Two more are implicit and never granted: an **owner** owns an action,
a **manager** manages one of its owners (``Person.manager``). The web app builds a ``Principal``
for whoever is signed in and asks the functions below; it decides nothing itself.

- Everyone signed in reads plans, actions, dashboards and reports (committee members are
  ``viewer``: they read and nothing else, which is also everyone's default).
- An owner updates their own actions; a manager those of the people they manage; a clerk every
  action in their plans, and runs that plan's committee cycle (update rounds, chasing).
- The audit trail is for clerks, admins and viewers (auditors, inspectors).
- An admin manages people and roles.
- A session opened from a reminder link is for one action only: it reads and updates that
  action (if the rules above let the person) and nothing else.
- A session opened from a digest's sign-off link is for deciding claims: it reads actions and
  lists and decides the claims awaiting the person (``domain.sign_off`` says which they may
  decide), and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.errors import BadInputError, ForbiddenError
from domain.sign_off import Roles
from domain.text import names_in_words

CLERK = "clerk"
ADMIN = "admin"
VIEWER = "viewer"
GRANTABLE_ROLES = (CLERK, ADMIN, VIEWER)


class AccessDeniedError(ForbiddenError):
    """The signed-in person may not do this (HTTP 403); ``who_can``: who may, in words, where
    the rules know (the refusal page says it, so the reader knows whom to ask). The message is
    the reason in the reader's words: the page shows it as it is."""

    def __init__(self, message: str, *, who_can: str | None = None) -> None:
        super().__init__(message)
        self.who_can = who_can


# The first administrator cannot be made on the web (only an admin grants roles there): the
# README's set-up step says how, at the command line, and a refusal with no admin points to it.
FIRST_ADMIN_STEP = "“First administrator” in plantrail's README"


def who_manages_people(admins: Sequence[str]) -> str:
    """Who can manage people and roles, in words, for a refusal: the admins by name or, on a new
    store with none yet, how the first one is made."""
    if not admins:
        return (
            "Nobody has been made an administrator yet. Whoever runs plantrail for the council makes the first one "
            f"(see {FIRST_ADMIN_STEP}); that person can then manage people and roles here."
        )
    return f"People and roles are managed by {names_in_words(admins)} (administrator{'s' if len(admins) > 1 else ''})."


# Why a session opened from an emailed link stops here (the page adds the way to a full session).
ONE_LINK_ONLY = "You signed in from an emailed link, which opens only what it was sent for."


def may_update_reason(action_code: str, plan_code: str) -> str:
    return f"You can't record changes on {action_code}: you are not one of its owners, an owner's manager or a clerk of {plan_code}."


def who_may_update(plan_code: str, owners: Sequence[str], clerks: Sequence[str]) -> str:
    """Who records changes on an action (``may_update_action``), by name where known."""
    who = f"Its owners ({names_in_words(owners)})" if owners else "Its owners"
    clerks_said = f"the clerks of {plan_code} ({names_in_words(clerks)})" if clerks else f"a clerk of {plan_code} (it has none yet)"
    return f"{who}, their managers and {clerks_said} can record changes; ask one of them."


COMMITTEE_REASON = "Only a clerk of {plan} runs its committee cycle: the update round, chasing owners and the plan's settings."


def who_runs_committee(plan_code: str, clerks: Sequence[str], admins: Sequence[str]) -> str:
    """Who may run a plan's committee cycle (``may_run_committee``), or who can make a clerk."""
    if clerks:
        return f"The clerk{'s' if len(clerks) > 1 else ''} of {plan_code}: {names_in_words(clerks)}."
    if admins:
        return f"{plan_code} has no clerk yet; an administrator ({names_in_words(admins)}) can make one."
    return f"{plan_code} has no clerk yet. " + who_manages_people(admins)


def who_sets_sign_off(plan_code: str, clerks: Sequence[str], admins: Sequence[str]) -> str:
    """Who may change a plan's sign-off setting (``domain.sign_off.may_configure``: its clerks
    and the administrators), by name."""
    who = [f"the clerk{'s' if len(clerks) > 1 else ''} of {plan_code} ({names_in_words(clerks)})"] if clerks else []
    who += [f"an administrator ({names_in_words(admins)})"] if admins else []
    if not who:
        return f"{plan_code} has no clerk yet. " + who_manages_people(admins)
    return f"{plan_code}'s sign-off setting is changed by {' or '.join(who)}."


def audit_reason(plan_code: str | None) -> str:
    where = f"the clerks of {plan_code}" if plan_code else "clerks of a plan"
    return f"The audit trail is for {where}, administrators and viewers (auditors, inspectors)."


def who_grants_audit(admins: Sequence[str]) -> str:
    """Who can let someone read the audit trail: an administrator, granting viewer or clerk."""
    if admins:
        return f"An administrator ({names_in_words(admins)}) can make you a viewer or a clerk of a plan."
    return who_manages_people(admins)


PEOPLE_REASON = "Only an administrator registers people and grants roles."


def permissions_in_words(grants: Iterable[tuple[str, str | None]]) -> str:
    """A person's granted roles as a reader says them: "Admin; clerk of SOS 001; viewer" (admin
    first, clerkships by plan); empty when none (they read, and own or manage what they own)."""
    found = set(grants)
    words = ["admin"] if (ADMIN, None) in found else []
    words += [f"clerk of {plan}" for plan in sorted(plan for role, plan in found if role == CLERK and plan)]
    words += ["viewer"] if (VIEWER, None) in found else []
    text = "; ".join(words)
    return text[:1].upper() + text[1:]


def checked_grant(role: object, plan_code: object) -> tuple[str, str | None]:
    """A (role, plan) pair as stored: clerks belong to a plan, admins and viewers to none."""
    if not isinstance(role, str) or role.strip().lower() not in GRANTABLE_ROLES:
        raise BadInputError(f"role: must be one of {', '.join(GRANTABLE_ROLES)}, got {role!r}", field="role")
    name = role.strip().lower()
    plan = plan_code.strip() if isinstance(plan_code, str) and plan_code.strip() else None
    if name == CLERK and plan is None:
        raise BadInputError("plan: a clerk is a clerk of a plan; name the plan", field="plan")
    if name != CLERK and plan is not None:
        raise BadInputError(f"plan: {name} is not a per-plan role; leave the plan out", field="plan")
    return name, plan


@dataclass(frozen=True)
class ActionRef:
    plan_code: str
    code: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person's granted roles, the people whose manager they are, and, for a
    session opened from a reminder link, the one action it is for (from a sign-off link:
    ``sign_off_only``)."""

    name: str
    grants: frozenset[tuple[str, str | None]] = frozenset()
    reports: frozenset[str] = frozenset()
    only_action: ActionRef | None = None
    sign_off_only: bool = False

    def clerk_of(self, plan_code: str) -> bool:
        return (CLERK, plan_code) in self.grants

    @property
    def clerk_plans(self) -> list[str]:
        return sorted(plan for role, plan in self.grants if role == CLERK and plan)

    @property
    def is_admin(self) -> bool:
        return (ADMIN, None) in self.grants

    @property
    def is_viewer(self) -> bool:
        return (VIEWER, None) in self.grants

    @property
    def roles(self) -> Roles:
        """The granted roles as the sign-off rule takes them (the same grants, read from the
        read model when the session was looked up, so no Person stream is replayed per page)."""
        return Roles(admin=self.is_admin, clerk_of=frozenset(self.clerk_plans))

    @property
    def scoped(self) -> bool:
        return self.only_action is not None or self.sign_off_only


def _in_scope(who: Principal, plan_code: str, code: str) -> bool:
    return who.only_action is None or who.only_action == ActionRef(plan_code, code)


def may_read_action(who: Principal, plan_code: str, code: str) -> bool:
    return _in_scope(who, plan_code, code)


def may_update_action(who: Principal, plan_code: str, code: str, owners: Iterable[str]) -> bool:
    """Owner, manager of an owner, or clerk of the plan; within the session's scope."""
    if not _in_scope(who, plan_code, code) or who.sign_off_only:
        return False
    owner_names = set(owners)
    return who.name in owner_names or bool(who.reports & owner_names) or who.clerk_of(plan_code)


def may_review_sign_off(who: Principal) -> bool:
    """The list of claims awaiting the person, and deciding them: any session but one for a
    single action (whether they may decide a given claim is ``domain.sign_off``'s question)."""
    return who.only_action is None


def may_approve_anything(who: Principal) -> bool:
    """Whether any claim could ever await the person: they manage someone, clerk a plan or are an
    admin (``domain.sign_off`` decides each claim). Everyone else, an owner who manages nobody and
    a viewer above all, has no "Waiting for my sign-off" to look at: the navigation leaves it out
    rather than show a "(0)" they can never change."""
    return bool(who.reports) or bool(who.clerk_plans) or who.is_admin


def may_read_plan(who: Principal, plan_code: str) -> bool:
    return not who.scoped


def may_run_committee(who: Principal, plan_code: str) -> bool:
    """Update rounds and chasing owners: the plan's clerks."""
    return not who.scoped and who.clerk_of(plan_code)


def may_audit(who: Principal, plan_code: str | None = None) -> bool:
    """The audit trail: admins and viewers for every plan; clerks for their own plans (and the
    trail's front page, where they pick one)."""
    if who.scoped:
        return False
    if who.is_admin or who.is_viewer:
        return True
    return bool(who.clerk_plans) if plan_code is None else who.clerk_of(plan_code)


def may_manage_people(who: Principal) -> bool:
    return not who.scoped and who.is_admin


def require(allowed: bool, what: str, *, who_can: str | None = None) -> None:
    """Raise ``AccessDeniedError`` saying, in the reader's words, what was refused (and who may),
    unless ``allowed``."""
    if not allowed:
        raise AccessDeniedError(what, who_can=who_can)
