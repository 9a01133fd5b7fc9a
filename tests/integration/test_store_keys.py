"""The key check and rekey on both databases (the CLI tests cover SQLite in detail)."""

from __future__ import annotations

import pytest
from eventsourcing.cryptography import AESCipher

from plantrail import keys
from plantrail.bootstrap import bootstrap
from plantrail.event_table import EventTable
from plantrail.integrity import verify_store
from projections.chain import current_seal, parse_seal
from tests.conftest import EXAMPLES


def seed(url: str) -> None:
    from domain.importing import import_plans
    from plantrail.importers.json_plan import read_plan_file

    s = bootstrap(url)
    import_plans(s.app, [read_plan_file(EXAMPLES / "ss-saap-2014.plan.json")], actor="test import")
    s.projector.catch_up()
    s.close()


def test_a_store_opened_with_the_wrong_key_or_none_is_refused_and_rekey_keeps_its_seals(database_url, monkeypatch):
    first, second = AESCipher.create_key(32), AESCipher.create_key(32)
    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", first)
    seed(database_url)
    s = bootstrap(database_url)
    seal = current_seal(s.engine)
    events = s.app.recorder.max_notification_id()
    s.close()

    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", second)
    with pytest.raises(keys.StoreKeyError, match="not this store's key"):
        bootstrap(database_url)
    monkeypatch.delenv("PLANTRAIL_CIPHER_KEY")
    with pytest.raises(keys.StoreKeyError, match="is not set"):
        bootstrap(database_url)

    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", first)
    s = bootstrap(database_url)
    assert keys.rekey(s.engine, EventTable.of(s.database), s.app.mapper.cipher, second) == events
    s.close()
    with pytest.raises(keys.StoreKeyError):
        bootstrap(database_url)
    monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", second)
    s = bootstrap(database_url)
    assert verify_store(s, [parse_seal(seal)]).ok
    s.projector.rebuild()
    assert [p["code"] for p in s.queries.plans()] == ["SS SAAP 2014"]
    s.close()
