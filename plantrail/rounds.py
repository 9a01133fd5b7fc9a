"""Use cases around update rounds, for any entry point: the round of a plan (who has and has not
updated since it opened), and chasing the ones who have not ("My actions" is
``plantrail.my_actions``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import ConflictError, RuleViolation
from domain.reminder_use_cases import raise_reminders
from domain.rounds import UpdateRound, current_round
from plantrail.services import Services
from scheduler.facts import latest_notes
from scheduler.policy import ReminderPolicy, settled_rules
from scheduler.rejection_notice import untold_rejections
from scheduler.sweep import SweepContext, enqueue_pending, raise_due

CLOSED = ("Complete", "Cancelled")
# A second chase sooner than this would email every waiting owner again (a double click did);
# owners get one chase an hour at most, and the round page says when the next may go.
CHASE_AGAIN_AFTER = timedelta(hours=1)


def due_order(action: dict[str, Any]) -> tuple[bool, bool, str]:
    # Overdue first, then due soonest; undated after dated; complete and cancelled last.
    return (action["status"] != "Alert", action["status"] in CLOSED, action["due_date"] or "9999-12-31")


def committee_dates(services: Services, plan_code: str) -> list[dict[str, Any]]:
    """The plan's committees with their dates as dates (the queries give ISO text)."""
    return [
        {
            "committee": c["committee"],
            "meets_on": date.fromisoformat(c["meets_on"]),
            "report_deadline": date.fromisoformat(c["report_deadline"]) if c["report_deadline"] else None,
        }
        for c in services.queries.committees(plan_code)
    ]


def plan_round(services: Services, policy_for: Callable[[str], ReminderPolicy], plan_code: str, today: date) -> UpdateRound | None:
    return current_round(committee_dates(services, plan_code), today, policy_for(plan_code).committee_round_days)


@dataclass(frozen=True)
class LastChase:
    at: datetime
    by: str

    @property
    def again_from(self) -> datetime:
        return self.at + CHASE_AGAIN_AFTER


@dataclass(frozen=True)
class RoundStatus:
    plan_code: str
    round: UpdateRound | None
    updated: list[dict[str, Any]]
    waiting: list[dict[str, Any]]
    last_chase: LastChase | None = None
    # Not updated in the round, but a claim awaiting sign-off settles the round's request
    # (``scheduler.policy.SETTLED_BY_CLAIM``: a completion): nothing to chase the owners for.
    awaiting_sign_off: list[dict[str, Any]] = field(default_factory=list)


def round_status(services: Services, policy_for: Callable[[str], ReminderPolicy], plan_code: str) -> RoundStatus:
    """Open actions of the plan, split by whether their owners updated them since the round
    opened (``domain.rounds.UpdateRound`` says who counts)."""
    today = services.today(plan_code)
    round_ = plan_round(services, policy_for, plan_code, today)
    if round_ is None:
        return RoundStatus(plan_code, None, [], [])
    last_updates = services.queries.last_updates(plan_code)
    by_owners = services.queries.round_updates(plan_code, round_.opens_on)
    updated: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    awaiting: list[dict[str, Any]] = []
    pending: dict[str, list[str]] = {}
    for claim in services.queries.open_claims(plan_code):
        pending.setdefault(claim["action"], []).append(claim["kind"])
    for action in services.queries.actions(plan_code, as_at=today, with_children=False):
        if action["lifecycle"] != "open" or action["status"] in CLOSED:
            continue
        last, answered = last_updates.get(action["code"]), by_owners.get(action["code"])
        item = action | {
            "last_update_on": last.isoformat() if last else None,
            "round_update_on": answered.isoformat() if answered else None,
            # An import or a clerk's entry since the round opened: not the owners' update.
            "updated_by_others": not round_.updated(answered) and round_.updated(last),
        }
        if round_.updated(answered):
            updated.append(item)
        elif "committee_round" in settled_rules(tuple(pending.get(action["code"], ()))):
            awaiting.append(item | {"pending_claims": sorted(pending[action["code"]])})
        else:
            waiting.append(item)
    chased = services.queries.last_chase(plan_code, round_.meets_on)
    last_chase = LastChase(*chased) if chased else None
    return RoundStatus(plan_code, round_, updated, sorted(waiting, key=due_order), last_chase, sorted(awaiting, key=due_order))


def chase(
    services: Services, policy_for: Callable[[str], ReminderPolicy], sweep: SweepContext, plan_code: str, *, actor: str, now: datetime
) -> list[str]:
    """Raise a committee-round reminder, as ``actor``, for every open action not updated in the
    open round, and hand the digests to the outbox. Each chase is a new period of the round's
    reminders, so a second chase reminds again (and is its own event) instead of being dropped
    as a duplicate. Returns the reminder keys raised."""
    status = round_status(services, policy_for, plan_code)
    round_ = status.round
    if round_ is None:
        raise RuleViolation(f"update round: {plan_code} has no update round open")
    if not status.waiting:
        return []
    last = status.last_chase
    if last is not None and now < last.again_from:
        raise ConflictError(
            f"update round: {last.by or 'someone'} chased it at {last.at:%H:%M} UTC and the owners were emailed then; "
            f"it can be chased again from {last.again_from:%H:%M} UTC"
        )
    today = services.today(plan_code)
    chased_before = services.queries.reminder_periods(plan_code, "committee_round", round_.meets_on)
    notes = latest_notes(services.engine, plan_code, {a["code"] for a in status.waiting}, today)
    specs = []
    for action in status.waiting:
        period = chased_before.get(action["code"], 0) + 1
        specs.append(
            {
                "key": f"committee_round|{plan_code}|{action['code']}|{round_.meets_on.isoformat()}|{period}",
                "rule": "committee_round",
                "plan_code": plan_code,
                "action_code": action["code"],
                "about": round_.meets_on,
                "period": period,
                "recipients": [{"name": owner, "role": "owner"} for owner in action["owners"]],
                "details": {
                    "title": action["title"],
                    "due_date": action["due_date"],
                    "progress": action["progress"],
                    "owners": action["owners"],
                    "committee": round_.committee,
                    "meets_on": round_.meets_on.isoformat(),
                    "report_deadline": round_.report_deadline.isoformat(),
                    "chased_by": actor,
                    "latest_note": notes.get(action["code"]),
                },
                "actor": actor,
                "effective_on": today,
            }
        )
    sweep_id = f"chase/{plan_code}/{now.isoformat(timespec='seconds')}"
    raised = [spec["key"] for spec in raise_reminders(services.app, [s | {"sweep_id": sweep_id} for s in specs if s["recipients"]])]
    services.projector.catch_up()
    # The chase's digest is the next reminder digest of the owners it goes to: a rejection they
    # were promised the reason of in it comes with it (and not again in the next sweep's).
    chased_owners = {owner for spec in specs if spec["key"] in raised for owner in action_owners(spec)}
    notices = untold_rejections(sweep, chased_owners, now=now)
    if notices:
        raise_due(sweep, notices, sweep_id=sweep_id, as_of=today)
    enqueue_pending(sweep, now)
    return raised


def action_owners(spec: dict[str, Any]) -> list[str]:
    return [recipient["name"] for recipient in spec["recipients"]]
