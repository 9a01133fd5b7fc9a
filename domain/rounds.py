"""Update rounds: the window before a committee's report deadline in which every owner of an
open action is asked for an update. Pure: the same rule for the sweep's round reminders, the
clerk's round page and the owner's "updated since the round opened" mark."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_ROUND_DAYS = 10


@dataclass(frozen=True)
class UpdateRound:
    committee: str
    meets_on: date
    report_deadline: date
    opens_on: date

    def updated(self, last_update_on: date | None) -> bool:
        """An owner has answered the round once a progress figure or note is dated on or after it opened."""
        return last_update_on is not None and last_update_on >= self.opens_on


def current_round(committees: Iterable[dict], today: date, round_days: int = DEFAULT_ROUND_DAYS) -> UpdateRound | None:
    """The round open on ``today`` (opened, committee not yet met); the earliest if several overlap.

    ``committees``: dicts with ``committee``, ``meets_on`` and ``report_deadline`` (committees
    without a report deadline have no round)."""
    found = []
    for c in committees:
        deadline = c.get("report_deadline")
        if deadline is None:
            continue
        opens = deadline - timedelta(days=round_days)
        if opens <= today < c["meets_on"]:
            found.append(UpdateRound(c["committee"], c["meets_on"], deadline, opens))
    return min(found, key=lambda r: r.meets_on) if found else None


def last_committee_before(committees: Iterable[dict], day: date) -> date | None:
    """The latest committee meeting strictly before ``day``: "changes since the last committee"."""
    earlier = [c["meets_on"] for c in committees if c["meets_on"] < day]
    return max(earlier) if earlier else None
