"""Claims awaiting sign-off as at a date, as known at a time, in plain SQL (``projections.sql``):
what ``show`` and the summary ask on their quick path; and how a claim row reads in every
answer about claims (``projections.sign_off`` keeps the rest)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from projections.sql import Sql, as_date, as_time

AWAITING = """
SELECT c.action_id, c.version, c.plan_code, c.action_code, c.kind, c.progress, c.due_date, c.evidence,
       c.reason, c.claimant, c.effective_on, c.claimed_at, p.manager AS claimant_manager
FROM view_claims c LEFT OUTER JOIN view_people p ON lower(p.name) = lower(c.claimant)
WHERE c.plan_code = :plan_code AND c.effective_on <= :as_at AND c.claimed_at <= :known AND c.closed_at > :known
"""


def awaiting_by_action(
    sql: Sql, plan_code: str, as_at: date, known_at: datetime, *, action_id: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per action id, the claims pending as at ``as_at`` (claimed for a date on or before it)
    as known at ``known_at`` (made by then, not yet decided then); ``action_id``: that one's only."""
    query = AWAITING + (" AND c.action_id = :action_id" if action_id is not None else "") + " ORDER BY c.claimed_at"
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sql.all(query, plan_code=plan_code, as_at=as_at, known=known_at, action_id=action_id):
        row.update(due_date=as_date(row["due_date"]), effective_on=as_date(row["effective_on"]), claimed_at=as_time(row["claimed_at"]))
        found[row["action_id"]].append(claim_dict(row))
    return found


def claim_dict(row: Any) -> dict[str, Any]:
    # Imported here: most actions await nothing, and the sign-off rules bring the domain's commands.
    from domain.sign_off import ClaimParties, awaiting_wording, proposed_wording

    parties = ClaimParties(row["plan_code"], row["claimant"], row["claimant_manager"])
    return {
        "plan": row["plan_code"],
        "action": row["action_code"],
        "kind": row["kind"],
        "version": row["version"],
        "proposed": proposed_wording(row["kind"], row["progress"], row["due_date"]),
        "progress": row["progress"],
        "due_date": iso(row["due_date"]),
        "claimant": row["claimant"],
        "claimant_manager": row["claimant_manager"],
        "effective_on": row["effective_on"].isoformat(),
        "since": utc(row["claimed_at"]).isoformat(),
        "evidence": row["evidence"],
        "reason": row["reason"],
        "awaiting": awaiting_wording(parties),
    }


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite hands back naive UTC
