"""The store's key, checked before anything touches the store.

A store records, once, when it is created, whether its events are encrypted and a fingerprint
of the key (HMAC-SHA256 of a fixed label under the key: it identifies the key without revealing
it). Every command compares ``PLANTRAIL_CIPHER_KEY`` with that record before it reads or writes
an event, so a missing or wrong key can no longer append plaintext (or differently encrypted)
events to an encrypted store, nor a key encrypt events in a plain one.

A store made before the record existed is recognised from its first stored event (JSON means
plain; otherwise the given key must decrypt it) and the record is written then.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from eventsourcing.persistence import Cipher
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, insert, inspect, select

from domain.errors import BadInputError
from plantrail.event_table import EventTable
from plantrail.settings import CIPHER_KEY_SETTING

metadata = MetaData()

# Not a view and not rebuildable: facts about the event store itself.
store_facts = Table(
    "plantrail_store",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", String(200), nullable=False),
)

NEW_KEY_SETTING = "PLANTRAIL_NEW_CIPHER_KEY"
_FINGERPRINT_LABEL = b"plantrail store key fingerprint v1"


class StoreKeyError(BadInputError):
    """PLANTRAIL_CIPHER_KEY does not fit the store: missing, wrong, or given to a plain store."""


@dataclass(frozen=True)
class StoreFacts:
    encrypted: bool
    key_fingerprint: str  # "" for a plain store

    def as_rows(self) -> list[dict[str, str]]:
        return [
            {"name": "encrypted", "value": "yes" if self.encrypted else "no"},
            {"name": "key_fingerprint", "value": self.key_fingerprint},
            {"name": "created_at", "value": datetime.now(UTC).isoformat(timespec="seconds")},
        ]


def fingerprint(key: str | None) -> str:
    """Identifies a key without revealing it; "" for no key."""
    if not key:
        return ""
    return hmac.new(base64.b64decode(key), _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


def facts_for(key: str | None) -> StoreFacts:
    return StoreFacts(encrypted=bool(key), key_fingerprint=fingerprint(key))


def recorded_facts(engine: Engine) -> StoreFacts | None:
    """What the store says about itself, or None if it has no record yet (new or pre-record)."""
    if not inspect(engine).has_table(store_facts.name):
        return None
    with engine.connect() as conn:
        found = dict(conn.execute(select(store_facts.c.name, store_facts.c.value)).all())
    if "encrypted" not in found:
        return None
    return StoreFacts(encrypted=found["encrypted"] == "yes", key_fingerprint=found.get("key_fingerprint", ""))


def check(recorded: StoreFacts, key: str | None) -> None:
    """Raise StoreKeyError unless ``key`` is the store's key (or absent for a plain store)."""
    if recorded.encrypted and not key:
        raise StoreKeyError(f"{CIPHER_KEY_SETTING} is not set, but this store is encrypted; set it to the store's key")
    if not recorded.encrypted and key:
        raise StoreKeyError(
            f"{CIPHER_KEY_SETTING} is set, but this store is not encrypted; unset it (or encrypt the store with `plantrail rekey`)"
        )
    if recorded.encrypted and not hmac.compare_digest(fingerprint(key), recorded.key_fingerprint):
        raise StoreKeyError(
            f"{CIPHER_KEY_SETTING} is not this store's key (the store's key has fingerprint "
            f"{recorded.key_fingerprint[:12]}…, the one given {fingerprint(key)[:12]}…); nothing was read or written"
        )


def record(engine: Engine, facts: StoreFacts) -> StoreFacts:
    """Write the store's record unless another process wrote one first; return what is recorded."""
    metadata.create_all(engine)
    with engine.begin() as conn:
        if conn.execute(select(store_facts.c.name).where(store_facts.c.name == "encrypted")).first() is None:
            conn.execute(insert(store_facts), facts.as_rows())
    recorded = recorded_facts(engine)
    assert recorded is not None
    return recorded


def _is_json_object(data: bytes) -> bool:
    try:
        return isinstance(orjson.loads(data), dict)
    except orjson.JSONDecodeError:
        return False


def cipher_for(key: str | None) -> Cipher | None:
    from eventsourcing.cryptography import AESCipher
    from eventsourcing.utils import Environment

    return AESCipher(Environment(env={AESCipher.CIPHER_KEY: key})) if key else None


def replace(engine: Engine, facts: StoreFacts) -> None:
    """A store with no events yet takes another key (or none): its record follows."""
    with engine.begin() as conn:
        _replace(conn, facts)


def _replace(conn: Connection, facts: StoreFacts) -> None:
    conn.execute(store_facts.delete().where(store_facts.c.name.in_(["encrypted", "key_fingerprint"])))
    conn.execute(insert(store_facts), [row for row in facts.as_rows() if row["name"] != "created_at"])


def rekey(engine: Engine, table: EventTable, old: Cipher | None, new_key: str | None, *, page_size: int = 5_000) -> int:
    """Re-encrypt every event from the ``old`` cipher to ``new_key`` (None: plain), and record
    the new key, in one transaction that no writer can interleave with. Returns the events done.

    The integrity chain hashes each event's plaintext, not its stored bytes, so the chain and every
    seal printed before still verify afterwards: the history is the same, only its wrapping changed."""
    new = cipher_for(new_key)
    done = 0
    with table.exclusive(engine) as conn:
        position = 0
        while page := table.states(conn, position, page_size):
            table.set_states(conn, [(p, _wrap(new, _unwrap(old, state, p))) for p, state in page])
            done += len(page)
            position = page[-1][0]
        _replace(conn, facts_for(new_key))
    return done


def _unwrap(cipher: Cipher | None, state: bytes, position: int) -> bytes:
    if cipher is None:
        return state
    try:
        return cipher.decrypt(state)
    except Exception:  # noqa: BLE001 - a damaged event: stop before anything is rewritten
        raise StoreKeyError(f"event {position} does not decrypt with {CIPHER_KEY_SETTING}; nothing was re-encrypted") from None


def _wrap(cipher: Cipher | None, plaintext: bytes) -> bytes:
    return plaintext if cipher is None else cipher.encrypt(plaintext)


def recognise(first_state: bytes | None, cipher: Cipher | None, key: str | None) -> StoreFacts:
    """The record a store made before records existed should have had, judged from its first event.

    A plain event's state is a JSON object; an encrypted one is a nonce and ciphertext, which
    the given key must decrypt."""
    if first_state is None:  # an empty store: what it is now is what the key says
        return facts_for(key)
    if _is_json_object(first_state):
        if key:
            check(StoreFacts(encrypted=False, key_fingerprint=""), key)
        return StoreFacts(encrypted=False, key_fingerprint="")
    if cipher is None:
        raise StoreKeyError(f"{CIPHER_KEY_SETTING} is not set, but this store is encrypted; set it to the store's key")
    try:
        cipher.decrypt(first_state)
    except Exception:  # noqa: BLE001 - any failure to decrypt means the key is not this store's
        raise StoreKeyError(f"{CIPHER_KEY_SETTING} is not this store's key; nothing was read or written") from None
    return facts_for(key)
