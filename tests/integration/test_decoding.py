"""Reading stored events back (projections/decoding.py) from a real SQLite store, encrypted or not.

The store's key check refuses a wrong or missing key before any event is read, so an event that
cannot be decrypted is one altered behind the store's back, or an encrypted row met by a mapper
without a key: each case's message is compared whole, its exception name taken from the library.
"""

from __future__ import annotations

import zlib
from datetime import date
from uuid import uuid4

import orjson
import pytest
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Mapper, StoredEvent

from domain.plan import Plan
from domain.reminder import Reminder
from plantrail.bootstrap import bootstrap
from projections.decoding import UnreadableEventError, decode_state, plaintext

ON = date(2015, 3, 1)


def stored_plan(url: str) -> tuple[Mapper, StoredEvent, Plan]:
    """A plan saved in the store at ``url``; its mapper and its one stored event as read back."""
    services = bootstrap(url)
    try:
        plan = Plan.create(code="P1", title="Housing plan", warning_days=9, actor="clerk", effective_on=ON)
        services.app.save(plan)
        (stored,) = [n for n in services.app.recorder.select_notifications(start=0, limit=100) if n.originator_id == plan.id]
        return services.app.mapper, stored, plan
    finally:
        services.close()


def altered(stored: StoredEvent, state: bytes) -> StoredEvent:
    return StoredEvent(originator_id=stored.originator_id, originator_version=stored.originator_version, topic=stored.topic, state=state)


def test_an_encrypted_event_reads_back_as_the_values_saved(sqlite_url, monkeypatch):
    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", AESCipher.create_key(32))
    mapper, stored, plan = stored_plan(sqlite_url)
    assert b"Housing plan" not in stored.state
    state = decode_state(mapper, stored)
    assert (state["code"], state["title"], state["warning_days"], state["effective_on"]) == ("P1", "Housing plan", 9, ON)
    assert (state["originator_id"], state["originator_version"]) == (str(plan.id), 1)
    assert orjson.loads(plaintext(mapper, stored))["title"] == "Housing plan"


def test_an_encrypted_event_altered_in_the_store_is_unreadable_and_the_message_says_so(sqlite_url, monkeypatch):
    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", AESCipher.create_key(32))
    mapper, stored, plan = stored_plan(sqlite_url)
    flipped = bytes(stored.state[:-1]) + bytes([stored.state[-1] ^ 1])
    assert mapper.cipher is not None
    with pytest.raises(Exception) as by_the_library:  # whatever the cipher raises names the cause
        mapper.cipher.decrypt(flipped)
    expected = (
        f"cannot read stored event {plan.id} v1: PLANTRAIL_CIPHER_KEY is not the key this store was encrypted with, "
        f"or the event was altered ({type(by_the_library.value).__name__})"
    )
    for read in (plaintext, decode_state):
        with pytest.raises(UnreadableEventError) as caught:
            read(mapper, altered(stored, flipped))
        assert str(caught.value) == expected
        assert (caught.value.exit_code, caught.value.http_status) == (2, 400)


def test_an_encrypted_event_read_without_a_key_says_the_key_is_missing(sqlite_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", AESCipher.create_key(32))
    _, encrypted, plan = stored_plan(sqlite_url)
    monkeypatch.delenv("PLANTRAIL_CIPHER_KEY")
    plain_mapper, _, _ = stored_plan(str(tmp_path / "plain.db"))
    assert plain_mapper.cipher is None
    assert plaintext(plain_mapper, encrypted) == encrypted.state  # without a key the bytes pass as they are
    with pytest.raises(UnreadableEventError) as caught:
        decode_state(plain_mapper, encrypted)
    assert str(caught.value) == (
        f"cannot read stored event {plan.id} v1: the store is encrypted and PLANTRAIL_CIPHER_KEY is missing ({orjson.JSONDecodeError.__name__})"
    )


def test_a_row_rewritten_as_text_still_reads(sqlite_url):
    mapper, stored, _ = stored_plan(sqlite_url)
    as_text = altered(stored, stored.state.decode())  # type: ignore[arg-type]
    assert decode_state(mapper, as_text)["title"] == "Housing plan"


def test_a_compressed_event_is_decompressed_before_it_is_read(sqlite_url):
    mapper, _, _ = stored_plan(sqlite_url)
    compressing = Mapper(transcoder=mapper.transcoder, compressor=ZlibCompressor())
    plan = Plan.create(code="P2", title="Compressed plan", actor="clerk", effective_on=ON)
    stored = compressing.to_stored_event(plan.collect_events()[0])
    assert plaintext(compressing, stored) == zlib.decompress(stored.state)
    assert decode_state(compressing, stored)["title"] == "Compressed plan"
    with pytest.raises(
        UnreadableEventError, match=rf"the store is encrypted and PLANTRAIL_CIPHER_KEY is missing \({zlib.error.__name__}\)$"
    ):
        plaintext(compressing, altered(stored, b"not zlib data"))


def test_dates_inside_lists_and_dicts_of_an_event_are_restored(sqlite_url):
    mapper, _, _ = stored_plan(sqlite_url)
    reminder = Reminder.raise_for(
        key="overdue|P1|A1|2015-03-31|1",
        rule="overdue",
        plan_code="P1",
        action_code="A1",
        about=date(2015, 3, 31),
        period=1,
        recipients=[{"name": "Ann Owner", "role": "owner", "since": date(2015, 1, 2)}],
        details={"due_date": date(2015, 3, 31), "revisions": [date(2015, 2, 28), {"on": date(2015, 3, 3), "by": "clerk"}]},
        sweep_id="s1",
        actor="scheduler",
        effective_on=date(2015, 4, 1),
    )
    state = decode_state(mapper, mapper.to_stored_event(reminder.collect_events()[0]))
    assert state["recipients"] == [{"name": "Ann Owner", "role": "owner", "since": date(2015, 1, 2)}]
    assert state["details"] == {"due_date": date(2015, 3, 31), "revisions": [date(2015, 2, 28), {"on": date(2015, 3, 3), "by": "clerk"}]}
    assert (state["about"], state["period"], state["originator_id"]) == (date(2015, 3, 31), 1, str(reminder.id))


def test_an_event_of_a_topic_this_version_does_not_know_is_read_as_stored_without_upcasting(sqlite_url):
    mapper, _, _ = stored_plan(sqlite_url)
    body = orjson.dumps({"progress": 40, "actor": "clerk", "effective_on": {"_type_": "date_iso", "_data_": "2015-03-01"}})
    known_id, retired_id = uuid4(), uuid4()
    known = decode_state(mapper, StoredEvent(known_id, 2, "plantrail:Action.ProgressUpdated", body))
    retired = decode_state(mapper, StoredEvent(retired_id, 3, "plantrail:Retired.Event", body))
    # A version 1 progress figure is upcast (it gains its source); a retired topic's state is left alone.
    assert known == {
        "progress": 40,
        "actor": "clerk",
        "effective_on": ON,
        "source": None,
        "originator_id": str(known_id),
        "originator_version": 2,
    }
    assert retired == {"progress": 40, "actor": "clerk", "effective_on": ON, "originator_id": str(retired_id), "originator_version": 3}
