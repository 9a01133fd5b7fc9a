"""Sign-off in the read models: claims and their decisions, pending claims, plans' settings.

The projector keeps ``view_claims`` (one row per claim, closed by its decision or by a newer
claim of the same kind) and ``view_sign_off_settings``. The queries here answer "what awaits
sign-off, by whom, since when", both now and as at a date as known at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, exists, func, insert, or_, select, update

from domain.sign_off import (
    CLAIM_COMPLETION,
    CLAIM_DUE_DATE,
    DEFAULT_NOTIFY_REJECTION,
    DEFAULT_SIGN_OFF,
    DEFAULT_SIGN_OFF_DAYS,
    SETTLED_WITHOUT_CLAIM,
    proposed_wording,
)
from domain.timeliness import status
from projections import tables as t
from projections.claim_rows import claim_dict
from projections.claim_rows import iso as _iso
from projections.claim_rows import utc as _utc
from projections.timeline import FOREVER_TIME

if TYPE_CHECKING:
    from projections.current_state import PageWriter

APPROVED = "approved"
REJECTED = "rejected"
REPLACED = "replaced"

# ----- projector: claims and decisions ----------------------------------------------------------


def claim_submitted(w: PageWriter, s: dict[str, Any]) -> str:
    """Store the claim (closing the one it replaces); return its line in the audit trail."""
    action_id, at = s["originator_id"], s["timestamp"]
    row = w.rows[action_id]
    replaced = None
    if s["replaces"] is not None:
        c = t.claims.c
        replaced = (
            w.conn.execute(select(c.kind, c.progress, c.due_date, c.claimed_at).where(c.action_id == action_id, c.version == s["replaces"]))
            .mappings()
            .one()
        )
        _close(w.conn, action_id, s["replaces"], at, outcome=REPLACED, by=s["actor"], reason=None)
    w.conn.execute(
        insert(t.claims).values(
            action_id=action_id,
            version=s["originator_version"],
            plan_code=row["plan_code"],
            action_code=row["code"],
            kind=s["kind"],
            progress=s["progress"],
            due_date=s["due_date"],
            evidence=s["evidence"],
            reason=s["reason"],
            claimant=s["actor"],
            effective_on=s["effective_on"],
            claimed_at=at,
            replaces=s["replaces"],
            closed_at=FOREVER_TIME,
        )
    )
    if s["kind"] == CLAIM_COMPLETION:
        text = "claims completion"
    elif s["kind"] == CLAIM_DUE_DATE:
        text = f"claims a new due date {s['due_date'].isoformat()} (approved: {_iso(row['due_date']) or '—'})"
    else:
        text = f"claims progress {s['progress']}% (approved: {row['progress']}%)"
    if s["evidence"]:
        text += f"; evidence: {s['evidence']}"
    if replaced is not None:  # said by what it claimed and when, not by its version (an engine term)
        proposed = proposed_wording(replaced["kind"], replaced["progress"], replaced["due_date"])
        text += f"; replaces the pending claim ({proposed}) made {_utc(replaced['claimed_at']):%Y-%m-%d %H:%M} UTC"
    return text + "; awaits sign-off"


def claim_approved(w: PageWriter, s: dict[str, Any]) -> str:
    return _decided(w, s, APPROVED)


def claim_rejected(w: PageWriter, s: dict[str, Any]) -> str:
    return _decided(w, s, REJECTED)


def _decided(w: PageWriter, s: dict[str, Any], outcome: str) -> str:
    action_id, at = s["originator_id"], s["timestamp"]
    claim = (
        w.conn.execute(select(t.claims).where(t.claims.c.action_id == action_id, t.claims.c.version == s["claim_version"])).mappings().one()
    )
    _close(w.conn, action_id, s["claim_version"], at, outcome=outcome, by=s["actor"], reason=s["reason"])
    claimed_at = _utc(claim["claimed_at"])
    proposed = proposed_wording(claim["kind"], claim["progress"], claim["due_date"])
    return (
        f"{outcome} {claim['claimant']}'s claim ({proposed}) made {claimed_at.strftime('%Y-%m-%d %H:%M')} UTC, "
        f"{elapsed_wording((at - claimed_at).total_seconds())} later"
    )


def _close(conn: Connection, action_id: str, version: int, at: datetime, *, outcome: str, by: str, reason: str | None) -> None:
    c = t.claims.c
    conn.execute(
        update(t.claims)
        .where(c.action_id == action_id, c.version == version, c.closed_at == FOREVER_TIME)
        .values(closed_at=at, outcome=outcome, decided_by=by, decision_reason=reason)
    )


def elapsed_wording(seconds: float) -> str:
    """ "2 days", "5 hours", "12 minutes": the gap between a claim and its decision."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under a minute"


# ----- queries ------------------------------------------------------------------------------------


def settings(conn: Connection, plan_code: str) -> dict[str, Any]:
    row = conn.execute(select(t.sign_off_settings).where(t.sign_off_settings.c.plan_code == plan_code)).mappings().first()
    if row is None:
        return {"sign_off": DEFAULT_SIGN_OFF, "sign_off_days": DEFAULT_SIGN_OFF_DAYS, "notify_rejection": DEFAULT_NOTIFY_REJECTION}
    return {k: row[k] for k in ("sign_off", "sign_off_days", "notify_rejection")}


def settled_since(claims: Any) -> Any:
    """True where what the claim asked for was settled without a claim after it was closed: an
    event of ``SETTLED_WITHOUT_CLAIM`` on its action recorded since (``claims``: view_claims or
    an alias of it). One expression for the sweep's facts and the action page."""
    e = t.events
    return exists().where(
        e.c.plan_code == claims.c.plan_code,
        e.c.action_code == claims.c.action_code,
        e.c.recorded_at > claims.c.closed_at,
        or_(*(and_(claims.c.kind == kind, e.c.type.in_(types)) for kind, types in SETTLED_WITHOUT_CLAIM.items())),
    )


def _claims_with_managers() -> Any:
    """Claims joined to the claimant's current manager (who may decide them)."""
    c, p = t.claims, t.people
    return select(c, p.c.manager.label("claimant_manager")).select_from(c.outerjoin(p, func.lower(p.c.name) == func.lower(c.c.claimant)))


def open_claims(conn: Connection, plan_code: str | None = None) -> list[dict[str, Any]]:
    """Every claim still waiting, oldest first, with the action's title."""
    c = t.claims.c
    query = _claims_with_managers().add_columns(t.actions.c.title).join(t.actions, t.actions.c.id == c.action_id)
    query = query.where(c.closed_at == FOREVER_TIME)
    if plan_code is not None:
        query = query.where(c.plan_code == plan_code)
    return [claim_dict(row) | {"title": row["title"]} for row in conn.execute(query.order_by(c.claimed_at, c.action_code)).mappings()]


def claims_of_action(conn: Connection, plan_code: str, action_code: str) -> list[dict[str, Any]]:
    """Every claim made on one action, oldest first, with what became of it: for the owner's
    view of their claims (a rejection's reason) and the approver's view of the action's past."""
    c = t.claims.c
    query = (
        _claims_with_managers()
        .add_columns(settled_since(t.claims).label("settled_since"))
        .where(c.plan_code == plan_code, c.action_code == action_code)
        .order_by(c.version)
    )
    return [
        claim_dict(row)
        | {
            "outcome": row["outcome"] or "pending",
            "decided_by": row["decided_by"],
            "decision_reason": row["decision_reason"],
            "decided_at": None if row["outcome"] is None else _utc(row["closed_at"]).isoformat(),
            "settled_since": bool(row["settled_since"]),
        }
        for row in conn.execute(query).mappings()
    ]


# ----- what a claim would change ------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    progress: int
    lifecycle: str
    due_date: date | None


def proposed_changes(claim: dict[str, Any], current: dict[str, Any], as_at: date, warning_days: int) -> list[dict[str, Any]]:
    """What approving ``claim`` would change on the action as it stands (``current``, as the
    queries show it), field by field, old and new; the status is the timeliness rule's as at
    ``as_at`` for the approved state and for the proposed one."""
    due = date.fromisoformat(current["due_date"]) if current["due_date"] else None
    before = _State(current["progress"], current["lifecycle"], due)
    if claim["kind"] == CLAIM_COMPLETION:
        after = _State(100, "completed", due)  # completing an action records it at 100 % (action_fold)
        rows = [{"field": "lifecycle", "old": before.lifecycle, "new": after.lifecycle}]
        if before.progress != 100:
            rows.append({"field": "progress", "old": f"{before.progress}%", "new": "100%"})
    elif claim["kind"] == CLAIM_DUE_DATE:
        after = _State(before.progress, before.lifecycle, date.fromisoformat(claim["due_date"]))
        rows = [{"field": "due date", "old": current["due_date"], "new": claim["due_date"]}]
    else:
        after = _State(claim["progress"], before.lifecycle, due)
        rows = [{"field": "progress", "old": f"{before.progress}%", "new": f"{after.progress}%"}]
    old, new = status(before, as_at, warning_days).value, status(after, as_at, warning_days).value
    return [{"field": "status", "old": old, "new": new}, *rows]
