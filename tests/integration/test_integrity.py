"""Tamper evidence: alter, delete or reorder a stored event row directly in the database."""

from sqlalchemy import text

from projections.chain import chain, current_seal, link, verify


def rows(services) -> tuple[str, str]:
    """(table, position column) of the event store as the recorder lays it out."""
    if services.database.kind == "sqlite":
        return "stored_events", "rowid"
    return f"{services.database.eventsourcing_env['POSTGRES_SCHEMA']}.plantrail_events", "notification_id"


def execute(services, sql: str, **params) -> None:
    with services.engine.begin() as conn:
        conn.execute(text(sql), params)


def state_at(services, position: int) -> bytes:
    table, pos = rows(services)
    with services.engine.connect() as conn:
        return bytes(conn.execute(text(f"SELECT state FROM {table} WHERE {pos} = :p"), {"p": position}).scalar_one())


def test_an_untouched_history_verifies(seeded):
    verdict = verify(seeded.app.recorder, seeded.app.mapper, seeded.engine)
    assert verdict.ok and verdict.checked == seeded.app.recorder.max_notification_id()


def test_altering_one_stored_event_is_caught_and_named(seeded):
    table, pos = rows(seeded)
    execute(seeded, f"UPDATE {table} SET state = :s WHERE {pos} = 120", s=state_at(seeded, 120).replace(b'"', b" ", 1) or b"x")
    verdict = verify(seeded.app.recorder, seeded.app.mapper, seeded.engine)
    assert (verdict.ok, verdict.position, verdict.checked) == (False, 120, 119)
    assert "altered" in verdict.problem and verdict.subject and verdict.event_type


def test_deleting_one_stored_event_is_caught(seeded):
    table, pos = rows(seeded)
    execute(seeded, f"DELETE FROM {table} WHERE {pos} = 200")
    verdict = verify(seeded.app.recorder, seeded.app.mapper, seeded.engine)
    assert (verdict.ok, verdict.position, verdict.problem) == (False, 200, "a stored event was deleted")


def test_reordering_two_stored_events_is_caught(seeded):
    table, pos = rows(seeded)
    first, second = state_at(seeded, 50), state_at(seeded, 60)
    execute(seeded, f"UPDATE {table} SET state = :s WHERE {pos} = 50", s=second)
    execute(seeded, f"UPDATE {table} SET state = :s WHERE {pos} = 60", s=first)
    verdict = verify(seeded.app.recorder, seeded.app.mapper, seeded.engine)
    assert (verdict.ok, verdict.position) == (False, 50)


def test_a_printed_seal_catches_a_change_even_when_the_chain_table_was_rewritten(seeded):
    seal = current_seal(seeded.engine)
    assert verify(seeded.app.recorder, seeded.app.mapper, seeded.engine, seal).ok
    table, pos = rows(seeded)
    execute(seeded, f"UPDATE {table} SET state = :s WHERE {pos} = 30", s=state_at(seeded, 30).replace(b"2014", b"2013", 1))
    # The forger recomputes the whole chain table to match.
    previous = "0" * 64
    with seeded.engine.begin() as conn:
        for n in seeded.app.recorder.select_notifications(start=1, limit=100_000):
            previous = link(previous, n, n.state)
            conn.execute(chain.update().where(chain.c.position == n.id).values(link=previous))
    assert verify(seeded.app.recorder, seeded.app.mapper, seeded.engine).ok  # the chain alone is fooled
    verdict = verify(seeded.app.recorder, seeded.app.mapper, seeded.engine, seal)
    assert not verdict.ok and "seal" in verdict.problem


def test_new_events_after_a_seal_do_not_break_it(seeded):
    seal = current_seal(seeded.engine)
    seeded.app.add_note("SOS 001", "SS_ICSAP_IMP1", "A later note", actor="clerk")
    seeded.projector.catch_up()
    assert verify(seeded.app.recorder, seeded.app.mapper, seeded.engine, seal).ok
    assert verify(seeded.app.recorder, seeded.app.mapper, seeded.engine).ok
