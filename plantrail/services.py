"""The one seam every entry point goes through: resolve what was named, change it, read it back.

A CLI command and a web handler each parse their input into a command (``domain.commands``),
call ``record`` or ``show`` here, and render the plain dict that comes back. Neither catches
the projector up or resolves an action reference on its own, so "read your own write" and
"``SS_ICSAP_IMP1`` means the same action everywhere" are true in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from domain.access import ADMIN, CLERK, permissions_in_words, who_sets_sign_off
from domain.application import PlanTrail
from domain.commands import ActionCommand, ApproveChange, RejectChange
from domain.errors import ForbiddenError
from domain.names import NameIndex, UnknownPersonError, looks_misspelt, tidy
from domain.sign_off import NOTIFY_IMMEDIATE, ClaimParties, Roles, deciders_wording, may_decide
from notifications.outbox import Outbox
from plantrail.reading import ActionRef, ReadServices
from plantrail.settings import DatabaseConfig
from projections.audit import history
from projections.projector import Projector
from projections.queries import Queries
from projections.sign_off import proposed_changes

if TYPE_CHECKING:
    from scheduler.sweep import SweepContext

__all__ = ["ActionRef", "Services"]

log = logging.getLogger("plantrail.sign_off")
# The events that set an action's progress figure (a completion sets 100 %).
FIGURE_EVENTS = ("ProgressUpdated", "ActionCompleted")


@dataclass
class Services(ReadServices):
    """Everything an entry point needs; ``resolve``, ``show`` and ``plan_timezone`` are the read
    side's (``plantrail.reading``), shared with the CLI's quick read path."""

    app: PlanTrail
    projector: Projector
    queries: Queries
    engine: Engine
    database: DatabaseConfig
    outbox: Outbox
    migrations: list[str] = field(default_factory=list)  # what opening the store brought up to date
    # How a decision reaches people at once (a plan's ``notify_rejection = immediate``): the mail
    # context, made on first use (bootstrap wires the mail settings; the web app adds its links).
    # None: the claimant hears in their next digest.
    notices: Callable[[], SweepContext] | None = None
    _registered: set[str] = field(default_factory=set, repr=False)  # names found registered (``actor_name``)

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()

    def _project_saved(self) -> None:
        """Bring the read models up to this thread's latest save: the events it stored are
        applied as saved, not read back from the log, when nothing came between."""
        self.projector.catch_up(saved=self.app.take_saved())

    def today(self, plan_code: str | None = None) -> date:
        return self.app.today(plan_code)

    def person_name(self, name: str, *, field: str = "owner") -> str:
        """A registered person's registered spelling (``domain.names``), or an error naming the closest."""
        return NameIndex(self.queries.person_names()).canonical(name, field=field)

    def actor_name(self, name: str) -> str:
        """Who is recording, as the event will carry it. A registered person is stored under the
        registered spelling; another name (a clerk's login, "Covalent import") is kept as typed,
        unless it is so like a registered name that it is surely that person misspelt."""
        if name in self._registered or self.queries.is_registered(name):
            # Spelt as registered (the web's signed-in person always is): one indexed lookup
            # instead of every name read and indexed, and then none: no event unregisters or
            # renames a person, so a name found registered stays so.
            self._registered.add(name)
            return name
        registered = self.queries.person_names()
        found = NameIndex(registered).get(name)
        if found is not None:
            return found
        if looks_misspelt(name, registered):
            raise UnknownPersonError("by", name, registered)
        return tidy(name)

    def record(self, ref: str | ActionRef, command: ActionCommand, *, actor: str, read_back: bool = True) -> dict[str, Any]:
        """Carry out ``command`` on the action as ``actor``; return the action as it now stands,
        with ``recorded_as`` (recorded, submitted, approved, rejected) and the ``claim`` concerned
        (and, for a rejection, ``claimant_told``: see ``reject``). ``read_back=False``: only those
        keys, for a caller that shows the action afresh anyway (the web answers a POST with a
        redirect to the action's page; reading it here too cost seven queries a POST)."""
        target = self.resolve(ref)
        try:
            result = self.app.handle(target.plan_code, target.code, command, actor=self.actor_name(actor))
        except ForbiddenError as refusal:
            if isinstance(command, ApproveChange | RejectChange):
                # The people by name where the read models can say; else the rule's roles.
                refusal.who_can = self._named(lambda: self._who_decides(target, command.kind)) or refusal.who_can
            raise
        self._project_saved()
        shown = (self.show(target) if read_back else {}) | {"recorded_as": result.get("outcome", "recorded"), "claim": result.get("claim")}
        if shown["recorded_as"] == "rejected":
            shown["claimant_told"] = self._tell_rejection(target, shown["claim"])
        return shown

    def figure_as_recorded(self, ref: str | ActionRef, effective_on: date) -> dict[str, Any]:
        """How a progress figure recorded for ``effective_on`` stands in the read models:
        ``recorded``, the action's figure as at that date; ``current``, its figure today; and
        ``current_on``, the effective date of the latest figure dated after ``effective_on`` (up
        to today), which is why a backdated figure is not the current one; None when no later
        figure stands."""
        target = self.resolve(ref)
        today = self.today(target.plan_code)
        later = [
            e["effective_on"]
            for e in history(
                self.engine, plan_code=target.plan_code, action_code=target.code, since=effective_on + timedelta(days=1), until=today
            )
            if e["aggregate"] == "action" and e["type"] in FIGURE_EVENTS
        ]
        return {
            "recorded": self.show(target, as_at=effective_on)["progress"],
            "current": self.show(target)["progress"],
            "current_on": date.fromisoformat(max(later)) if later else None,
        }

    # ----- plans, people and actions without hand-written files ------------------------------
    # Each returns what it made, as the read models now show it (the CLI's --format json and the
    # web's confirmation page); bad input raises before anything is saved.

    def create_plan(self, *, actor: str, **details: Any) -> dict[str, Any]:
        """``code``, ``title`` and optionally ``description``, ``sponsor``, ``warning_days``, ``timezone``."""
        self.app.create_plan(actor=self.actor_name(actor), **{k: v for k, v in details.items() if v is not None})
        self._project_saved()
        return self.queries.plan(details["code"])

    def add_priority(self, plan: str, *, name: str, number: int | None, description: str, actor: str) -> dict[str, Any]:
        """A strategic priority; ``number`` None takes the next free one."""
        code = self.queries.resolve_plan(plan)["code"]
        if number is None:
            number = max((p["number"] for p in self.queries.priorities(code)), default=0) + 1
        self.app.add_priority(code, number, name, description, actor=self.actor_name(actor))
        self._project_saved()
        return self.queries.plan(code)

    def schedule_committee(
        self, plan: str, *, meets_on: date, report_deadline: date | None, committee: str | None, actor: str
    ) -> dict[str, Any]:
        """A committee date; ``committee`` None names it as the plan's latest committee was named."""
        code = self.queries.resolve_plan(plan)["code"]
        earlier = self.queries.committees(code)
        name = committee or (earlier[-1]["committee"] if earlier else "Committee")
        self.app.schedule_committee(code, meets_on=meets_on, committee=name, report_deadline=report_deadline, actor=self.actor_name(actor))
        self._project_saved()
        return self.queries.plan(code)

    def add_action(self, plan: str, *, actor: str, **details: Any) -> dict[str, Any]:
        """``code``, ``title``, ``owners``, ``due_date`` and optionally ``priority``,
        ``priority_number``, ``description``, ``effective_on``."""
        code = self.queries.resolve_plan(plan)["code"]
        self.app.add_action(plan_code=code, actor=self.actor_name(actor), **{k: v for k, v in details.items() if v is not None})
        self._project_saved()
        return self.show(ActionRef(code, self.queries.resolve_action(f"{code}/{details['code']}")[1]))

    def register_person(self, *, name: str, actor: str, **details: Any) -> dict[str, Any]:
        """``name`` and optionally ``email``, ``manager``, ``initials``, ``role``."""
        self.app.register_person(name=name, actor=self.actor_name(actor), **{k: v for k, v in details.items() if v is not None})
        self._project_saved()
        return self.queries.person(self.app.get_person(name).name)

    def edit_person(self, name: str, *, changes: dict[str, str | None], reason: str | None, actor: str) -> dict[str, Any]:
        """Change ``email``, ``manager`` or ``role`` (an empty value clears it), with a reason."""
        cleared = {k: (v if v and v.strip() else None) for k, v in changes.items()}
        registered = self.app.edit_person(name, changes=cleared, reason=reason, actor=self.actor_name(actor))
        self._project_saved()
        return self.queries.person(registered)

    def change_role(self, verb: str, person: str, role: str, plan: str | None, *, reason: str | None, actor: str) -> dict[str, Any]:
        """``verb`` "grant" or "revoke" a role (clerk of ``plan``, admin, viewer), as an event with
        its reason; returns the person as ``people`` lists them, with their roles."""
        if verb not in ("grant", "revoke"):
            raise ValueError(f"no such role change: {verb}")
        name = self.person_name(person, field="person")
        plan_code = self.queries.resolve_plan(plan)["code"] if plan and plan.strip() else None
        getattr(self.app, f"{verb}_role")(name, role, plan_code, actor=self.actor_name(actor), reason=reason)
        self._project_saved()
        return self.person_with_roles(name)

    def person_with_roles(self, name: str) -> dict[str, Any]:
        grants, _ = self.queries.access_facts(name)
        roles = sorted(grants, key=lambda g: (g[0], g[1] or ""))
        return self.queries.person(name) | {"roles": roles, "permissions": permissions_in_words(roles)}

    def admins(self) -> list[str]:
        """Everyone granted admin, by name (none on a new store: see ``domain.access.who_manages_people``)."""
        return sorted(name for name, roles in self.queries.granted_roles().items() if (ADMIN, None) in roles)

    def clerks_of(self, plan_code: str) -> list[str]:
        """Everyone granted clerk of the plan, by name."""
        return sorted(name for name, roles in self.queries.granted_roles().items() if (CLERK, plan_code) in roles)

    def calendar(self, person: str) -> tuple[str, bytes]:
        """The person's registered name and their open actions as an .ics file."""
        from datetime import UTC

        from projections.calendar import calendar_ics

        name = self.person_name(person, field="person")
        found = self.queries.find_actions(as_at=self.today(), owner=name, statuses=("alert", "warning", "ok"))
        return name, calendar_ics(name, found, now=self.app.clock().astimezone(UTC))

    # ----- sign-off -------------------------------------------------------------------------

    def approve(
        self, ref: str | ActionRef, *, actor: str, comment: str | None = None, kind: str | None = None, claim: int | None = None
    ) -> dict[str, Any]:
        """Accept the pending claim (of ``kind``; ``claim``: the version the decider saw)."""
        return self.record(ref, ApproveChange(kind, comment, claim), actor=actor)

    def reject(
        self, ref: str | ActionRef, *, actor: str, reason: str | None, kind: str | None = None, claim: int | None = None
    ) -> dict[str, Any]:
        """Refuse the pending claim; the reason is required and the claimant is told it: at once
        where the plan says ``notify_rejection = immediate``, else in their next digest
        (``claimant_told`` says which, and why not at once if that failed)."""
        return self.record(ref, RejectChange(reason, kind, claim), actor=actor)

    def _tell_rejection(self, target: ActionRef, claim: dict[str, Any]) -> dict[str, Any]:
        """Queue the claimant's notice now if the plan says so; the next sweep tells them otherwise."""
        if self.queries.sign_off_settings(target.plan_code)["notify_rejection"] != NOTIFY_IMMEDIATE:
            return {"when": "next digest", "problem": None}
        if self.notices is None:
            return {"when": "next digest", "problem": "no mail is set up for this process"}
        from scheduler.rejection_notice import tell_rejection_now

        try:
            told = tell_rejection_now(self.notices(), target.plan_code, target.code, claim["version"], now=self.app.clock())
        except Exception as error:  # the rejection stands; the next sweep tells the claimant instead
            log.exception("could not tell %s of the rejection at once", claim["claimant"])
            return {"when": "next digest", "problem": f"{type(error).__name__}: {error}"}
        if told.undeliverable:
            return {"when": "never", "problem": told.undeliverable}
        return {"when": "now" if told.queued or told.already_told else "next digest", "problem": None}

    def pending(self, plan_ref: str | None = None, *, for_person: str | None = None, roles: Roles | None = None) -> list[dict[str, Any]]:
        """Claims waiting for sign-off, oldest first, each with how many days it has waited;
        with ``for_person``, only those that person may decide. ``roles``: the person's, already
        known (the web's signed-in person, by their registered name): then neither the name is
        checked nor their stream replayed, which the navigation of every page would pay."""
        plan_code = self.queries.resolve_plan(plan_ref)["code"] if plan_ref else None
        claims = self.queries.open_claims(plan_code)
        if for_person is not None:
            if roles is None:
                for_person = self.person_name(for_person, field="for")
                roles = self.app.roles_of(for_person)
            claims = [c for c in claims if may_decide(for_person, roles, ClaimParties(c["plan"], c["claimant"], c["claimant_manager"]))]
        now = self.app.clock()
        return [c | {"waiting_days": (now - datetime.fromisoformat(c["since"])).days} for c in claims]

    @staticmethod
    def _named(who_can: Callable[[], str | None]) -> str | None:
        """Who can, for a refusal; None if the read models cannot say (the refusal itself must
        still reach the person, whatever naming them costs)."""
        try:
            return who_can()
        except Exception:  # any failure here must not replace the refusal
            log.warning("could not name who can, for a refusal", exc_info=True)
            return None

    def _who_decides(self, target: ActionRef, kind: str | None) -> str | None:
        """Who may decide the action's pending claim of ``kind`` (None: its only one), by name,
        for a refusal to someone who may not; None when no such claim is pending."""
        claims = [c for c in self.show(target).get("awaiting_sign_off") or [] if kind is None or c["kind"] == kind]
        return self.deciders_of(claims[:1])[0] if claims else None

    def deciders_of(self, claims: list[dict[str, Any]]) -> list[str]:
        """For each pending claim (``awaiting_sign_off`` of ``show``), who is asked to decide it,
        by name, in words (``domain.sign_off.deciders_wording``): the people the sweep asks
        (``asked_to_decide``), or, when nobody but the claimant could decide it, that plainly."""
        if not claims:
            return []
        from scheduler.facts import directory
        from scheduler.sign_off_facts import deciders
        from scheduler.sign_off_policy import asked_for

        people = directory(self.engine)
        found = deciders(self.engine, people)
        worded = []
        for claim in claims:
            claimant = people.canonical(claim["claimant"])
            parties = ClaimParties(claim["plan"], claimant, found.managers.get(claimant))
            worded.append(deciders_wording(parties, asked_for(parties, found), any_admin=bool(found.admins)))
        return worded

    def sign_off_queue(self, person: str, *, history_excerpt: int = 3) -> list[dict[str, Any]]:
        """What ``person`` may decide (``pending(for_person=…)``), each claim with the action as
        last approved (``current``), what approving it would change (``changes``: field, old,
        new) and the action's latest events (``recent``, newest first): an approver's page."""
        found = []
        for claim in self.pending(for_person=person):
            ref = ActionRef(claim["plan"], claim["action"])
            current = self.show(ref)
            today = self.today(ref.plan_code)
            warning_days = self.queries.plan(ref.plan_code)["warning_days"]
            trail = history(self.engine, plan_code=ref.plan_code, action_code=ref.code, axis="recorded")
            found.append(
                claim
                | {
                    "current": current,
                    "changes": proposed_changes(claim, current, today, warning_days),
                    "recent": list(reversed(trail[-history_excerpt:])),
                }
            )
        return found

    def trail(self, ref: str | ActionRef) -> list[dict[str, Any]]:
        """The action's audit trail, oldest first (``projections.audit.history``), each reminder
        raised about it with ``sent``: whether the relay has sent it yet (``Outbox.sent_reminders``;
        the events say a reminder was raised, only the outbox knows it went)."""
        target = self.resolve(ref)
        entries = history(self.engine, plan_code=target.plan_code, action_code=target.code)
        reminders = [e for e in entries if e["type"] == "ReminderRaised"]
        if reminders:
            sent = self.outbox.sent_reminders([e["changes"]["reminder"][1] for e in reminders])
            for e in reminders:
                e["sent"] = e["changes"]["reminder"][1] in sent
        return entries

    def claims(self, ref: str | ActionRef) -> list[dict[str, Any]]:
        """Every claim on the action with what became of it (pending, approved, rejected,
        replaced), who decided and why: what an owner reads after a rejection."""
        target = self.resolve(ref)
        return self.queries.claims(target.plan_code, target.code)

    def rejections_to_answer(self, ref: str | ActionRef) -> list[dict[str, Any]]:
        """The action's rejected claims not made again since (no newer claim of that kind) nor
        settled another way (``projections.sign_off.settled_since``): what its owner still has
        to put right, with who refused and why. The sweep repeats the same ones in digests
        (``scheduler.sign_off_policy.unanswered``)."""
        latest: dict[str, dict[str, Any]] = {}
        for claim in self.claims(ref):  # oldest first
            latest[claim["kind"]] = claim
        return [c for c in latest.values() if c["outcome"] == "rejected" and not c["settled_since"]]

    def sign_off_settings(self, plan_ref: str) -> dict[str, Any]:
        plan_code = self.queries.resolve_plan(plan_ref)["code"]
        return {"plan": plan_code, **self.queries.sign_off_settings(plan_code)}

    def configure_sign_off(
        self, plan_ref: str, settings: dict[str, Any], *, actor: str, roles: Roles | None = None, reason: str | None = None
    ) -> dict[str, Any]:
        """Change a plan's sign-off ``settings`` (``sign_off``, ``sign_off_days``,
        ``notify_rejection``); the ``roles`` of a signed-in person are checked (None: the
        operator's CLI, unchecked like import)."""
        plan_code = self.queries.resolve_plan(plan_ref)["code"]
        try:
            result = self.app.configure_sign_off(plan_code, **settings, actor=actor, roles=roles, reason=reason)
        except ForbiddenError as refusal:
            refusal.who_can = refusal.who_can or self._named(lambda: who_sets_sign_off(plan_code, self.clerks_of(plan_code), self.admins()))
            raise
        self._project_saved()
        return result
