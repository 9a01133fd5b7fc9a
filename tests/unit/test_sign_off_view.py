"""What approving a claim would change, as the approver's page shows it (projections.sign_off)."""

from __future__ import annotations

from datetime import date

import pytest

from projections.sign_off import proposed_changes

AS_AT = date(2015, 3, 25)
OPEN = {"progress": 75, "lifecycle": "open", "due_date": "2015-03-31"}  # Warning: due within 14 days


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        # Completing records 100 %: the approver sees the figure move as well.
        ({"kind": "completion"}, [("status", "Warning", "Complete"), ("lifecycle", "open", "completed"), ("progress", "75%", "100%")]),
        ({"kind": "progress", "progress": 100}, [("status", "Warning", "Complete"), ("progress", "75%", "100%")]),
        ({"kind": "progress", "progress": 80}, [("status", "Warning", "Warning"), ("progress", "75%", "80%")]),
        ({"kind": "due_date", "due_date": "2015-06-30"}, [("status", "Warning", "OK"), ("due date", "2015-03-31", "2015-06-30")]),
        ({"kind": "due_date", "due_date": "2015-03-01"}, [("status", "Warning", "Alert"), ("due date", "2015-03-31", "2015-03-01")]),
    ],
)
def test_a_claim_shows_each_field_it_changes_old_and_new_with_the_status_either_way(claim, expected):
    rows = proposed_changes(claim, OPEN, AS_AT, 14)
    assert [(r["field"], r["old"], r["new"]) for r in rows] == expected


def test_a_completion_claimed_at_100_percent_shows_no_progress_row():
    rows = proposed_changes({"kind": "completion"}, OPEN | {"progress": 100}, AS_AT, 14)
    assert [r["field"] for r in rows] == ["status", "lifecycle"]
