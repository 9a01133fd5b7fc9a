"""The use cases of plantrail's ledger: one eventsourcing Application over plans, actions and people.

Commands take plain values and return plain data. Read-heavy questions ("which actions does
Val own?") go to the read models in ``projections``; this class only answers what a command
needs to know.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification

from domain.action import Action
from domain.action_rules import required_evidence
from domain.commands import (
    LIFECYCLE_TRANSITIONS,
    ActionCommand,
    AddNote,
    AddSubActionNote,
    ApproveChange,
    ChangeLifecycle,
    ChangeOwners,
    RejectChange,
    ReviseDueDate,
    UpdateProgress,
    check_effective_on,
)
from domain.errors import (
    ActionNotFoundError,
    BadInputError,
    ConcurrentChangeError,
    DuplicateCodeError,
    PersonNotFoundError,
    PlanNotFoundError,
    RuleViolation,
    UnknownPriorityError,
)
from domain.ids import action_id, person_id, plan_id
from domain.people_use_cases import PeopleUseCases
from domain.person import Person
from domain.plan import DEFAULT_TIMEZONE, Plan
from domain.remembered import RememberedAggregates
from domain.sign_off import claim_kind
from domain.sign_off_use_cases import SignOffUseCases
from domain.text import clipped
from domain.transcodings import DateAsISO

A = TypeVar("A", bound=Aggregate)

# Two people editing one action need one retry; a burst of scripted writers on one action
# (measured: 4 processes on PostgreSQL under load) needs more, spread out by the jitter below.
MAX_SAVE_ATTEMPTS = 25
# The most events of one save ``take_saved`` hands on (the projector applies as many as saved).
KEEP_SAVED_AT_MOST = 100

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events in order. The library's default projector asserts on every event
    that it satisfies a runtime-checkable Protocol, an ``isinstance`` that walks the protocol's
    attributes each time: profiled, ≈40 % of loading an action of 50 events, which every update
    POST does. Our events are all the library's own mutating events."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class PlanTrail(PeopleUseCases, SignOffUseCases, Application):
    """Plans, actions and people as event streams, with the rules of the domain."""

    name = "plantrail"

    def __init__(self, env: dict[str, str] | None = None, clock: Clock = utc_now) -> None:
        super().__init__(env)
        self.clock = clock
        # One writer at a time within this process. Without it, concurrent web requests race
        # for SQLite's write lock, and the losers sleep in its busy handler (1, 2, 5 … 100 ms
        # steps) while the lock sits free: saves measured 26 ms wall at p50 for 1.4 ms of CPU
        # under 20 clients, 4.8 ms with this lock. Other processes still meet the store's own
        # locks (SQLite's busy timeout, PostgreSQL's table lock), which this does not replace.
        # On SQLite the projector takes it too (bootstrap): its pages write to the same file.
        self.write_lock = threading.RLock()
        self._plan_timezones: dict[str, str] = {}
        # Every registered name, for "did you mean" suggestions; bootstrap points it at the read
        # model (the domain holds no list of its people without replaying every stream).
        self.people_directory: Callable[[], Iterable[str]] = tuple
        # Plans and actions loaded lately, each load reading only the events stored since.
        self.remembered = RememberedAggregates(self.repository, replay)
        # What this thread's latest save stored, as the log holds it (``take_saved``).
        self._saved_here = threading.local()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        with self.write_lock:
            recordings = super().save(*objs, **kwargs)
        # A large save (an import, a sweep's reminders) is not kept: the projector reads it
        # from the log anyway, and its states would stay in memory until this thread saves again.
        kept = recordings if recordings and len(recordings) <= KEEP_SAVED_AT_MOST else ()
        self._saved_here.notifications = [r.notification for r in kept]
        return recordings

    def take_saved(self) -> list[Notification]:
        """The notifications this thread's latest save stored (and forget them): the projector
        that catches up after a write applies them as they are instead of reading them back."""
        saved: list[Notification] = getattr(self._saved_here, "notifications", [])
        self._saved_here.notifications = []
        return saved

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ----- dates -----------------------------------------------------------------------

    def today(self, plan_code: str | None = None) -> date:
        """Today in the plan's time zone: a note typed at 00:30 in London is today's, not yesterday's."""
        return self.today_in(self._plan_timezone(plan_code) if plan_code else DEFAULT_TIMEZONE)

    def today_in(self, zone: str) -> date:
        return self.clock().astimezone(ZoneInfo(zone)).date()

    def _plan_timezone(self, plan_code: str) -> str:
        if plan_code not in self._plan_timezones:
            try:
                self._plan_timezones[plan_code] = self.plan_as_stored(plan_code).timezone
            except PlanNotFoundError:
                return DEFAULT_TIMEZONE
        return self._plan_timezones[plan_code]

    # ----- loading ---------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, error: type[Exception], label: str, load: Callable[[UUID], Any] | None = None) -> Any:
        try:
            return load(aggregate_id) if load else self.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            raise error(f"{label} not found") from None

    def get_plan(self, plan_code: str) -> Plan:
        return self._get(plan_id(plan_code), PlanNotFoundError, f"plan {clipped(plan_code)}", self.remembered.get)

    def plan_as_stored(self, plan_code: str) -> Plan:
        """The plan as stored now, to read and never to change (no copy: every update reads
        its plan's sign-off setting)."""
        return self._get(plan_id(plan_code), PlanNotFoundError, f"plan {clipped(plan_code)}", self.remembered.peek)

    def get_action(self, plan_code: str, code: str) -> Action:
        label = f"action {clipped(plan_code + '/' + code)}"
        return self._get(action_id(plan_code, code), ActionNotFoundError, label, self.remembered.get)

    def get_person(self, name: str) -> Person:
        return self._get(person_id(name), PersonNotFoundError, f"person {clipped(name)}")

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    # ----- plans and people ---------------------------------------------------------------

    def create_plan(self, *, code: str, title: str, actor: str, effective_on: date | None = None, **details: Any) -> UUID:
        if self.exists(plan_id(code)):
            raise DuplicateCodeError(f"plan code: {clipped(code)} already exists as {clipped(self.get_plan(code).code)}")
        if "timezone" in details:
            try:
                ZoneInfo(details["timezone"])
            except (ValueError, KeyError):
                raise BadInputError(
                    f"timezone: {details['timezone']!r} is not a time zone (e.g. Europe/London)", field="timezone"
                ) from None
        if details.get("sponsor"):
            details["sponsor"] = self.person_name(details["sponsor"], field="sponsor")
        # Created today where the plan is (not in London: a plan in Honolulu made at 00:30 London
        # time was dated tomorrow).
        today = self.today_in(details.get("timezone") or DEFAULT_TIMEZONE)
        plan = Plan.create(code=code, title=title, actor=actor, effective_on=effective_on or today, **details)
        self.save(plan)
        return plan.id

    def add_priority(
        self, plan_code: str, number: int, name: str, description: str = "", *, actor: str, effective_on: date | None = None
    ) -> None:
        self._change(
            lambda: self.get_plan(plan_code),
            lambda plan: plan.add_priority(number, name, description, actor=actor, effective_on=effective_on or self.today(plan_code)),
        )

    def schedule_committee(
        self,
        plan_code: str,
        *,
        meets_on: date,
        committee: str,
        report_deadline: date | None,
        actor: str,
        effective_on: date | None = None,
    ) -> None:
        self._change(
            lambda: self.get_plan(plan_code),
            lambda plan: plan.schedule_committee(
                meets_on, committee, report_deadline, actor=actor, effective_on=effective_on or self.today(plan_code)
            ),
        )

    def add_action(
        self,
        *,
        plan_code: str,
        code: str,
        title: str,
        owners: list[str],
        due_date: date | None,
        priority: str = "Medium",
        priority_number: int | None = None,
        description: str = "",
        actor: str,
        effective_on: date | None = None,
    ) -> UUID:
        plan = self.plan_as_stored(plan_code)
        if priority_number is not None and priority_number not in plan.priorities:
            raise UnknownPriorityError(f"priority area: plan {clipped(plan_code)} has no priority {priority_number}")
        if self.exists(action_id(plan_code, code)):
            raise DuplicateCodeError(f"code: {clipped(code)} is already used in plan {clipped(plan_code)}")
        action = Action.add(
            plan_code=plan.code,
            code=code,
            title=title,
            description=description,
            owners=self.require_people(owners),
            due_date=due_date,
            priority=priority,
            priority_number=priority_number,
            actor=actor,
            effective_on=effective_on or self.today(plan_code),
        )
        self.save(action)
        return action.id

    def change_action(
        self, plan_code: str, code: str, change: Callable[[Action, date], None], effective_on: date | None = None
    ) -> dict[str, Any]:
        """Apply ``change(action, effective_on)`` and save, retrying on a concurrent write.

        The retry re-reads the action and re-runs the rules: if they no longer allow the change
        (someone cancelled the action meanwhile), the caller gets a ConcurrentChangeError.
        """
        on = effective_on or self.today(plan_code)
        action = self._change(lambda: self.get_action(plan_code, code), lambda a: change(a, on))
        return {"plan": action.plan_code, "code": action.code, "version": action.version}

    def update_progress(
        self,
        plan_code: str,
        code: str,
        progress: int,
        *,
        actor: str,
        note: str | None = None,
        effective_on: date | None = None,
        source: str = "cli",
    ) -> dict[str, Any]:
        def change(action: Action, on: date) -> None:
            action.update_progress(progress, actor=actor, effective_on=on, source=source)
            if note:
                action.add_note(note, author=actor, actor=actor, effective_on=on)

        return self.change_action(plan_code, code, change, effective_on)

    def add_note(self, plan_code: str, code: str, text: str, *, actor: str, effective_on: date | None = None) -> dict[str, Any]:
        return self.change_action(plan_code, code, lambda a, on: a.add_note(text, author=actor, actor=actor, effective_on=on), effective_on)

    def revise_due_date(
        self, plan_code: str, code: str, due_date: date, *, reason: str | None, actor: str, effective_on: date | None = None
    ) -> dict[str, Any]:
        return self.change_action(
            plan_code, code, lambda a, on: a.revise_due_date(due_date, reason=reason, actor=actor, effective_on=on), effective_on
        )

    def change_owners(
        self, plan_code: str, code: str, owners: list[str], *, reason: str | None, actor: str, effective_on: date | None = None
    ) -> dict[str, Any]:
        canonical = self.require_people(owners)
        return self.change_action(
            plan_code, code, lambda a, on: a.change_owners(canonical, reason=reason, actor=actor, effective_on=on), effective_on
        )

    def change_lifecycle(
        self,
        plan_code: str,
        code: str,
        transition: str,
        *,
        reason: str | None,
        actor: str,
        effective_on: date | None = None,
        progress: int | None = None,
        source: str = "cli",
    ) -> dict[str, Any]:
        """``transition`` is one of complete, cancel, reopen, hold; ``progress`` (and where it came
        from, ``source``) goes with reopen."""
        if progress is not None and transition != "reopen":
            raise BadInputError(f"progress: only reopening takes a progress figure, not {transition}", field="progress")
        if transition == "reopen":
            return self.change_action(
                plan_code,
                code,
                lambda a, on: a.reopen(reason=reason, actor=actor, effective_on=on, progress=progress, source=source),
                effective_on,
            )
        methods = {"complete": Action.complete, "cancel": Action.cancel, "hold": Action.put_on_hold}
        method = methods[transition]
        return self.change_action(plan_code, code, lambda a, on: method(a, reason=reason, actor=actor, effective_on=on), effective_on)

    def add_sub_action_note(
        self, plan_code: str, code: str, number: int, text: str, *, actor: str, effective_on: date | None = None
    ) -> dict[str, Any]:
        return self.change_action(
            plan_code, code, lambda a, on: a.add_sub_action_note(number, text, author=actor, actor=actor, effective_on=on), effective_on
        )

    def handle(self, plan_code: str, code: str, command: ActionCommand, *, actor: str) -> dict[str, Any]:
        """Carry out one command on an action: the single door every entry point goes through.

        Where the plan requires sign-off, a completion, a new due date or a progress figure
        becomes a claim (``outcome`` "submitted") instead of a change. A completion, claimed or
        recorded at once, needs its evidence (``required_evidence``); imports do not come
        through here and keep a file's completions as they are."""
        check_effective_on(getattr(command, "effective_on", None), self.today(plan_code))
        if isinstance(command, ChangeLifecycle) and command.transition == "complete":
            command = replace(command, evidence=required_evidence(command.evidence))
        if isinstance(command, ApproveChange | RejectChange):
            return self.decide_change(plan_code, code, command, actor=actor)
        kind = claim_kind(self.plan_as_stored(plan_code).sign_off, command)
        if kind is not None:
            return self.submit_change(plan_code, code, command, kind, actor=actor)
        match command:
            case UpdateProgress(progress, note, on, source):
                return self.update_progress(plan_code, code, progress, note=note, actor=actor, effective_on=on, source=source)
            case AddNote(text, on):
                return self.add_note(plan_code, code, text, actor=actor, effective_on=on)
            case AddSubActionNote(number, text, on):
                return self.add_sub_action_note(plan_code, code, number, text, actor=actor, effective_on=on)
            case ChangeLifecycle(transition, reason, on, evidence, progress, source):
                if transition not in LIFECYCLE_TRANSITIONS:
                    raise BadInputError(f"transition: must be one of {', '.join(LIFECYCLE_TRANSITIONS)}, got {clipped(transition)}")
                if evidence is not None:
                    return self._complete_with_evidence(plan_code, code, command, actor=actor)
                return self.change_lifecycle(
                    plan_code, code, transition, reason=reason, actor=actor, effective_on=on, progress=progress, source=source
                )
            case ReviseDueDate(due_date, reason, on):
                return self.revise_due_date(plan_code, code, due_date, reason=reason, actor=actor, effective_on=on)
            case ChangeOwners(owners, reason, on):
                return self.change_owners(plan_code, code, list(owners), reason=reason, actor=actor, effective_on=on)
        raise BadInputError(f"command: {type(command).__name__} is not a command on an action")

    # ----- saving -------------------------------------------------------------------------

    def _change(self, load: Callable[[], A], change: Callable[[A], None]) -> A:
        for attempt in range(MAX_SAVE_ATTEMPTS):
            aggregate = load()
            try:
                change(aggregate)
            except RuleViolation as error:
                if attempt == 0:
                    raise
                raise ConcurrentChangeError(
                    f"conflict: someone else changed this while you were saving, and the change no longer applies ({error})"
                ) from None
            try:
                self.save(aggregate)
                return aggregate
            except IntegrityError:
                # Another writer appended first: reload and re-check the rules on fresh state.
                # The jitter stops two losers from colliding again in lock-step.
                time.sleep(random.uniform(0, min(0.2, 0.01 * 2**attempt)))
                continue
        raise ConcurrentChangeError("conflict: too many concurrent changes to the same item; try again")
