"""verify, seals and the daily witness on an untouched store (tampering: test_tampering.py)."""

from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import text

from domain.integrity import Integrity, SealRecord, seal_record_id
from plantrail import integrity
from plantrail.bootstrap import witness_context
from plantrail.event_table import EventTable
from plantrail.settings import mail_settings
from projections.audit import history
from projections.chain import current_seal, parse_seal, seals_in
from projections.verify import spans
from scheduler.witness import witness_seal


def rows(services) -> tuple[str, str]:
    """(table, position column) of the event store as the recorder lays it out."""
    table = EventTable.of(services.database)
    return table.name, table.position


def state_at(services, position: int) -> bytes:
    table, pos = rows(services)
    with services.engine.connect() as conn:
        return bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {pos} = :p"), {"p": position}).scalar_one())


def test_an_untouched_history_verifies_and_every_event_is_chained_with_when_it_was_first_seen(seeded):
    verdict = integrity.verify_store(seeded)
    assert verdict.ok and verdict.checked == seeded.app.recorder.max_notification_id() and verdict.problems == []
    with seeded.engine.connect() as conn:
        unseen = conn.execute(text("SELECT COUNT(*) FROM integrity_chain WHERE seen_at IS NULL")).scalar_one()
    assert unseen == 0


def test_new_events_after_a_seal_do_not_break_it(seeded):
    seal = current_seal(seeded.engine)
    seeded.app.add_note("SOS 001", "SS_ICSAP_IMP1", "A later note", actor="clerk")
    verdict = integrity.verify_store(seeded, [parse_seal(seal)])
    assert verdict.ok and [s.ok for s in verdict.seals] == [True]


def test_seal_out_appends_dated_seals_and_verify_checks_them_all_at_once(seeded, tmp_path: Path):
    kept = tmp_path / "witness" / "seals.txt"
    kept.parent.mkdir()
    first = integrity.take_seal(seeded, kept)
    seeded.app.add_note("SOS 001", "SS_ICSAP_IMP1", "A later note", actor="clerk")
    second = integrity.take_seal(seeded, kept)
    lines = kept.read_text().splitlines()
    assert [line.split()[1] for line in lines] == [first, second] and first != second
    verdict = integrity.verify_store(seeded, seals_in(kept.read_text()))
    assert verdict.ok and [(s.seal, s.ok) for s in verdict.seals] == [(first, True), (second, True)]


def test_the_daily_witness_records_the_seal_as_an_event_and_queues_it_for_the_auditor(seeded, monkeypatch):
    monkeypatch.setenv("PLANTRAIL_AUDIT_EMAIL", "auditor@example.gov.uk")
    context = witness_context(seeded, mail_settings())
    seal = witness_seal(context, today=seeded.today(), now=seeded.app.clock())
    assert seal == f"plantrail-seal:v1:{parse_seal(seal)[0]}:{parse_seal(seal)[1]}"
    recorded = [e for e in history(seeded.engine) if e["type"] == "SealWitnessed"]
    assert [e["changes"]["seal"][1] for e in recorded] == [seal]
    messages = seeded.outbox.listing("pending")
    assert [(m["email"], m["kind"]) for m in messages] == [("auditor@example.gov.uk", "seal")]
    assert seal in messages[0]["subject"] or parse_seal(seal)[0] == int(messages[0]["subject"].rsplit(" ", 1)[1])
    # verify checks the seal recorded in the history on every run.
    verdict = integrity.verify_store(seeded)
    assert verdict.ok and [(s.seal, s.ok, s.witnessed_at) for s in verdict.seals] == [(seal, True, recorded[0]["position"])]


def test_positions_are_listed_as_ranges():
    assert spans([7, 1, 2, 3, 9, 10]) == "1–3, 7, 9–10"


def test_serve_schedules_the_daily_seal_beside_the_sweep_and_the_job_records_it(seeded):
    import asyncio

    from plantrail.bootstrap import scheduler_runtime
    from scheduler.service import RUNTIMES, scheduled_jobs

    runtime = scheduler_runtime(seeded, mail_settings())
    [job] = [j for j in scheduled_jobs(runtime) if j.id == "daily-seal"]
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == (str(runtime.sweep_hour), "30")
    RUNTIMES[runtime.id] = runtime
    try:
        asyncio.run(job.func(runtime.id))
    finally:
        RUNTIMES.pop(runtime.id, None)
    assert [e["type"] for e in history(seeded.engine, axis="recorded")][-1] == "SealWitnessed"


def test_a_page_of_events_is_held_against_its_own_links_from_the_link_before_it(seeded):
    # The projector's rebuild checks a page at a time: a page starting mid-chain must start from
    # the link before it, and a changed event is named wherever it falls in its page, not beyond.
    from projections.chain import mismatches
    from projections.decoding import plaintext

    stored = seeded.app.recorder.select_notifications(start=1, limit=60)
    contents = [plaintext(seeded.app.mapper, n) for n in stored]
    with seeded.engine.connect() as conn:
        for start, stop in [(0, 7), (7, 20), (20, 21), (50, 60)]:
            assert mismatches(conn, stored[start:stop], contents[start:stop]) == [], (start, stop)
        for changed in (7, 13, 19):
            altered = [*contents[7:20]]
            altered[changed - 7] += b" "
            found = mismatches(conn, stored[7:20], altered)
            assert [(m.position, m.problem) for m in found] == [
                (stored[changed].id, "does not match its chain link: it was changed after it was chained")
            ]


def stored_event(services, position: int):
    [n] = services.app.recorder.select_notifications(start=position, limit=1)
    return services.app.mapper.to_domain_event(n)


def test_a_rebuild_accepting_a_mismatch_records_the_position_its_problem_who_decided_why_and_when(seeded):
    table, pos = rows(seeded)
    with seeded.engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET state = :s WHERE {pos} = 120"), {"s": state_at(seeded, 120) + b" "})
    found = integrity.verify_store(seeded).event_problems()
    accepted = integrity.rebuild(seeded, accept_mismatch=True, actor="Auditor", reason="restored from a damaged backup")
    assert [p for p, _ in found] == [120] and accepted == found
    recorded = stored_event(seeded, seeded.app.recorder.max_notification_id())
    assert isinstance(recorded, Integrity.MismatchAccepted)
    assert (recorded.positions, recorded.problems) == ([120], [found[0][1]])
    assert (recorded.actor, recorded.reason, recorded.effective_on) == ("Auditor", "restored from a damaged backup", seeded.today())
    assert seeded.app.repository.get(recorded.originator_id).positions == [120]


def test_a_rebuild_accepting_mismatches_on_an_untouched_store_records_no_decision(seeded):
    last = seeded.app.recorder.max_notification_id()
    assert integrity.rebuild(seeded, accept_mismatch=True, actor="Auditor") == []
    assert seeded.app.recorder.max_notification_id() == last


def test_the_same_seal_is_witnessed_in_the_history_once(seeded):
    seal = current_seal(seeded.engine)
    position, _ = parse_seal(seal)
    seeded.app.save(SealRecord.witness(seal=seal, position=position, sent_to=None, actor="witness", effective_on=seeded.today()))
    with pytest.raises(IntegrityError):
        seeded.app.save(
            SealRecord.witness(seal=seal, position=position, sent_to="auditor@example.gov.uk", actor="witness", effective_on=seeded.today())
        )
    record = seeded.app.repository.get(seal_record_id(seal))
    assert (record.seal, record.position) == (seal, position)
