"""The facts the sign-off rules need, read from the projections' tables (never from the event store).

Kept apart from ``scheduler.facts`` (the action reminders' facts) so each stays small; both
read names through the same ``Directory``, so a claim by "pat preece" reaches Pat Preece's manager.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, exists, select
from sqlalchemy.orm import aliased

from domain.access import ADMIN, CLERK
from domain.sign_off import DEFAULT_NOTIFY_REJECTION, DEFAULT_SIGN_OFF_DAYS, proposed_wording
from projections import tables as t
from projections.sign_off import settled_since
from scheduler.facts import Directory
from scheduler.sign_off_policy import ClaimFacts, Deciders, RejectionFacts, SignOffPlan

REJECTED = "rejected"  # view_claims.outcome of a rejected claim


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)  # SQLite hands back naive UTC


def end_of(day: date, zone: str) -> datetime:
    """The first moment after ``day`` in the plan's zone, in UTC: "pending on D" means made
    before it and not decided before it."""
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo(zone)).astimezone(UTC)


def local_day(moment: datetime, zone: str) -> date:
    return _utc(moment).astimezone(ZoneInfo(zone)).date()


def plans(engine: Engine, directory: Directory) -> list[SignOffPlan]:
    """Every plan with its sign-off setting (the defaults for a plan that never chose one)."""
    p, s = t.plans, t.sign_off_settings
    query = (
        select(p.c.code, p.c.title, p.c.sponsor, p.c.timezone, s.c.sign_off_days, s.c.notify_rejection)
        .select_from(p.outerjoin(s, s.c.plan_code == p.c.code))
        .order_by(p.c.code)
    )
    with engine.connect() as conn:
        return [
            SignOffPlan(
                code,
                title,
                directory.canonical(sponsor) if sponsor else None,
                zone,
                days or DEFAULT_SIGN_OFF_DAYS,
                notify or DEFAULT_NOTIFY_REJECTION,
            )
            for code, title, sponsor, zone, days, notify in conn.execute(query)
        ]


def deciders(engine: Engine, directory: Directory) -> Deciders:
    """Managers from the people; clerks and admins from the roles granted as Person events."""
    clerks: dict[str, list[str]] = defaultdict(list)
    admins: list[str] = []
    r = t.person_roles
    with engine.connect() as conn:
        for name, role, plan_code in conn.execute(select(r.c.person_name, r.c.role, r.c.plan_code)):
            if role == CLERK and plan_code:
                clerks[plan_code].append(directory.canonical(name))
            elif role == ADMIN:
                admins.append(directory.canonical(name))
    return Deciders(directory.managers(), {code: tuple(sorted(names)) for code, names in clerks.items()}, tuple(sorted(admins)))


def _shared(row: Any, directory: Directory) -> dict[str, Any]:
    """What every claim fact takes from a ``view_claims`` row joined to its action's title."""
    return {
        "plan_code": row["plan_code"],
        "action_code": row["action_code"],
        "action_title": row["title"],
        "version": row["version"],
        "kind": row["kind"],
        "proposed": proposed_wording(row["kind"], row["progress"], row["due_date"]),
        "proposed_due": row["due_date"],
        "claimant": directory.canonical(row["claimant"]),
        "effective_on": row["effective_on"],
    }


def pending_claims(engine: Engine, plan: SignOffPlan, as_of: date, directory: Directory) -> list[ClaimFacts]:
    """The plan's claims pending at the end of ``as_of`` (made by then, not decided by then)."""
    c, a = t.claims, t.actions
    end = end_of(as_of, plan.timezone)
    query = (
        select(c, a.c.title)
        .join(a, a.c.id == c.c.action_id)
        .where(c.c.plan_code == plan.code, c.c.claimed_at < end, c.c.closed_at >= end)
        .order_by(c.c.claimed_at, c.c.action_code, c.c.version)
    )
    with engine.connect() as conn:
        return [
            ClaimFacts(
                **_shared(r, directory),
                claimed_on=local_day(r["claimed_at"], plan.timezone),
                since=_utc(r["claimed_at"]).isoformat(),
                evidence=r["evidence"],
                reason=r["reason"],
            )
            for r in conn.execute(query).mappings()
        ]


def rejections(
    engine: Engine, plan: SignOffPlan, as_of: date, directory: Directory, *, only: tuple[str, int] | None = None
) -> list[RejectionFacts]:
    """The plan's claims rejected by the end of ``as_of`` (``only``: one claim, by action code
    and version), each marked superseded when the claimant has claimed the same kind again since."""
    c, a = t.claims, t.actions
    later = aliased(t.claims)
    newer_claim = exists().where(
        and_(
            later.c.action_id == c.c.action_id, later.c.kind == c.c.kind, later.c.version > c.c.version, later.c.claimed_at >= c.c.closed_at
        )
    )
    query = (
        select(c, a.c.title, newer_claim.label("superseded"), settled_since(c).label("settled_since"))
        .join(a, a.c.id == c.c.action_id)
        .where(c.c.plan_code == plan.code, c.c.outcome == REJECTED, c.c.closed_at < end_of(as_of, plan.timezone))
        .order_by(c.c.closed_at, c.c.action_code, c.c.version)
    )
    if only is not None:
        query = query.where(c.c.action_code == only[0], c.c.version == only[1])
    with engine.connect() as conn:
        return [
            RejectionFacts(
                **_shared(r, directory),
                decided_by=r["decided_by"] or "",
                decided_on=local_day(r["closed_at"], plan.timezone),
                reason=r["decision_reason"] or "",
                superseded=bool(r["superseded"]),
                settled_since=bool(r["settled_since"]),
            )
            for r in conn.execute(query).mappings()
        ]


def owners_of(engine: Engine, plan_code: str, codes: set[str], directory: Directory) -> dict[str, list[str]]:
    """The current owners (registered names) of these actions of the plan, in their order."""
    if not codes:
        return {}
    a, o = t.actions, t.action_owners
    query = (
        select(a.c.code, o.c.person_name)
        .join(o, o.c.action_id == a.c.id)
        .where(a.c.plan_code == plan_code, a.c.code.in_(sorted(codes)))
        .order_by(a.c.code, o.c.position)
    )
    found: dict[str, list[str]] = defaultdict(list)
    with engine.connect() as conn:
        for code, name in conn.execute(query):
            found[code].append(directory.canonical(name))
    return dict(found)
