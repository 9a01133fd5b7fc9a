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
    """A committee's update round.

    What counts as an owner having updated in it: a progress figure, a note (on the action or a
    sub-action) or a claim submitted for sign-off, effective on or after the day the round opened,
    and recorded by one of the action's owners or by the manager of one of them, the owners and
    managers being those registered now. Whatever the entry point (the web, the CLI's ``--by``,
    an update sheet row, which is recorded as the person it names), the test is who the recorded
    actor is. So a clerk's or a system's import of figures (actor ``Covalent import``, or the
    clerk), a clerk's note and a sweep's reminder never mark the owners as updated: the clerk
    still has to chase them. An import run by an owner in their own name does count, as it is
    theirs. The query is ``projections.owner_queries.round_updates``, read by the clerk's round
    page, the owner's "My actions" and the sweep's escalation after the deadline
    (``ActionFacts.round_update_on``); ``updated`` takes its answer."""

    committee: str
    meets_on: date
    report_deadline: date
    opens_on: date

    def updated(self, last_update_on: date | None) -> bool:
        """``last_update_on``: the latest update by an owner or their manager (see the class)."""
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
