"""Every entry of the tampering table is caught, by the check the table names, on both databases.

Before each attack the store has a seal witnessed in its history (the daily job's) and a seal
appended to a file kept outside the database (``seal --out``), as a council running plantrail
would have."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from plantrail import integrity
from plantrail.bootstrap import witness_context
from plantrail.settings import mail_settings
from projections.audit import history
from projections.chain import seals_in
from scheduler.witness import witness_seal
from tests.integration.tampering import TABLE, Store, Tampering

TRIED: Counter[str] = Counter()
CAUGHT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    for database in sorted(TRIED):
        print(f"\ntamperings caught ({database}): {CAUGHT[database]} out of {TRIED[database]} tried")


def caught(tampering: Tampering, store: Store, touched, seal_file: Path) -> bool:
    s = store.services
    if tampering.caught_by == "verify":
        verdict = integrity.verify_store(s)
        found = {p.kind: p.positions for p in verdict.problems}
        return not verdict.ok and touched in found.get(tampering.kind or "", [])
    if tampering.caught_by == "witnessed seal":
        verdict = integrity.verify_store(s)
        kinds = {p.kind for p in verdict.problems}
        return kinds == {"witness"} and any(not seal.ok and seal.witnessed_at for seal in verdict.seals)
    if tampering.caught_by == "seal file":
        verdict = integrity.verify_store(s, seals_in(seal_file.read_text()))
        return not verdict.problems and not verdict.ok and not verdict.seals[0].ok
    if tampering.caught_by == "history flag":
        verdict = integrity.verify_store(s)
        entry = next(e for e in history(s.engine) if e["position"] == touched)
        return verdict.ok and entry["time_flag"] is not None and "earlier than the event stored before it" in entry["time_flag"]
    if tampering.caught_by == "read models":
        difference = integrity.compare_read_models(s)
        plan_difference = integrity.compare_read_models(s, "SOS 001")
        return difference is not None and difference.table == touched and plan_difference is not None
    raise AssertionError(tampering.caught_by)


@pytest.mark.parametrize("tampering", TABLE, ids=[t.name for t in TABLE])
def test_a_tampered_store_is_caught(seeded, tampering: Tampering, tmp_path: Path):
    witness_seal(witness_context(seeded, mail_settings()), today=seeded.today(), now=seeded.app.clock())
    seal_file = tmp_path / "seals.txt"
    integrity.take_seal(seeded, seal_file)
    assert integrity.verify_store(seeded, seals_in(seal_file.read_text())).ok
    assert integrity.compare_read_models(seeded) is None
    store = Store(seeded)
    touched = tampering.apply(store)
    TRIED[seeded.database.kind] += 1
    result = caught(tampering, store, touched, seal_file)
    CAUGHT[seeded.database.kind] += result
    assert result, f"{tampering.name} was not caught by {tampering.caught_by}"
