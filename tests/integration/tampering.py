"""The tampering table: ways to rewrite a store behind plantrail's back, each with how it is caught.

Each entry changes a seeded store directly in the database (as someone with write access to the
file or server could) and says which check must catch it: ``verify`` naming the problem and the
event, a seal kept outside the database, a seal witnessed in the history, the history's
recorded-time flag, or the read-model comparison. Every field a chain link hashes (previous
link, position, stream id, version, topic, first-seen time, state) has an entry of its own.
``tests/integration/test_tampering.py`` runs the table on SQLite and PostgreSQL; ``make
check-robustness`` prints how many were caught.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from plantrail.event_table import EventTable
from projections.chain import GENESIS, chain, link
from projections.decoding import plaintext
from projections.queries import utc


@dataclass
class Store:
    """A seeded store under attack."""

    services: Any

    @property
    def table(self) -> EventTable:
        return EventTable.of(self.services.database)

    def sql(self, statement: str, **params: Any) -> None:
        with self.services.engine.begin() as conn:
            conn.execute(text(statement.format(events=self.table.name, pos=self.table.position)), params)

    def state(self, position: int) -> bytes:
        query = text(f"SELECT state FROM {self.table.name} WHERE {self.table.position} = :p")
        with self.services.engine.connect() as conn:
            return bytes(conn.execute(query, {"p": position}).scalar_one())

    def last(self) -> int:
        return self.services.app.recorder.max_notification_id()

    def seen(self, position: int) -> datetime:
        with self.services.engine.connect() as conn:
            return utc(conn.execute(select(chain.c.seen_at).where(chain.c.position == position)).scalar_one())

    def rechain_from(self, position: int) -> None:
        """What a careful forger does after changing an event: recompute every link from there on."""
        s = self.services
        with s.engine.begin() as conn:
            seen = {r.position: r.seen_at for r in conn.execute(chain.select())}
            before = text("SELECT link FROM integrity_chain WHERE position < :p ORDER BY position DESC LIMIT 1")
            previous = conn.execute(before, {"p": position}).scalar() or GENESIS
            for n in s.app.recorder.select_notifications(start=position, limit=1_000_000):
                previous = link(previous, n, plaintext(s.app.mapper, n), seen.get(n.id))
                conn.execute(chain.update().where(chain.c.position == n.id).values(link=previous))


@dataclass(frozen=True)
class Tampering:
    name: str
    apply: Callable[[Store], Any]  # returns the position (or table) the check must name
    caught_by: str  # "verify", "witnessed seal", "seal file", "history flag" or "read models"
    kind: str | None = None  # the verify problem expected, when caught_by is "verify"


POSITION = 120  # well inside the seeded store's actions


def _edit_state(store: Store) -> int:
    store.sql(
        "UPDATE {events} SET state = :s WHERE {pos} = :p", s=store.state(POSITION).replace(b'"actor":"', b'"actor":"M ', 1), p=POSITION
    )
    return POSITION


def _edit_topic(store: Store) -> int:
    store.sql("UPDATE {events} SET topic = :t WHERE {pos} = :p", t="plantrail:Action.NoteAdded", p=POSITION)
    return POSITION


def _edit_stream(store: Store) -> int:
    new = uuid.uuid4()
    store.sql("UPDATE {events} SET originator_id = :o WHERE {pos} = :p", o=new.hex if store.table.kind == "sqlite" else new, p=POSITION)
    return POSITION


def _edit_version(store: Store) -> int:
    store.sql("UPDATE {events} SET originator_version = originator_version + 1000 WHERE {pos} = :p", p=POSITION)
    return POSITION


def _edit_position(store: Store) -> int:
    store.sql("UPDATE {events} SET {pos} = :new WHERE {pos} = :p", new=store.last() + 50, p=POSITION)
    return POSITION


def _edit_seen_at(store: Store) -> int:
    with store.services.engine.begin() as conn:
        conn.execute(chain.update().where(chain.c.position == POSITION).values(seen_at=store.seen(POSITION) - timedelta(days=400)))
    return POSITION


def _edit_link(store: Store) -> int:
    store.sql("UPDATE integrity_chain SET link = :l WHERE position = :p", l="f" * 64, p=POSITION)
    return POSITION


def _swap_two(store: Store) -> int:
    first, second = store.state(POSITION), store.state(POSITION + 10)
    store.sql("UPDATE {events} SET state = :s WHERE {pos} = :p", s=second, p=POSITION)
    store.sql("UPDATE {events} SET state = :s WHERE {pos} = :p", s=first, p=POSITION + 10)
    return POSITION


def _delete_middle(store: Store) -> int:
    store.sql("DELETE FROM {events} WHERE {pos} = :p", p=POSITION)
    return POSITION


def _delete_last_with_its_link(store: Store) -> int:
    last = store.last()
    store.sql("DELETE FROM {events} WHERE {pos} = :p", p=last)
    store.sql("DELETE FROM integrity_chain WHERE position = :p", p=last)
    return last


def _delete_tail_keep_links(store: Store) -> int:
    last = store.last()
    store.sql("DELETE FROM {events} WHERE {pos} > :p", p=last - 3)
    return last - 2


def _delete_a_link(store: Store) -> int:
    store.sql("DELETE FROM integrity_chain WHERE position = :p", p=POSITION)
    return POSITION


def _empty_the_chain(store: Store) -> int:
    store.sql("DELETE FROM integrity_chain")
    return 1


def _edit_and_rechain(store: Store) -> int:
    _edit_state(store)
    store.rechain_from(POSITION)
    return POSITION


def _edit_rechain_and_forge_the_witness(store: Store) -> int:
    """Rewrite the seals recorded in the history too: only a copy kept outside catches this."""
    _edit_state(store)
    store.rechain_from(POSITION)
    s = store.services
    for n in s.app.recorder.select_notifications(start=1, limit=1_000_000, topics=("plantrail:Seal.SealWitnessed",)):
        claim = json.loads(plaintext(s.app.mapper, n))
        with s.engine.connect() as conn:
            forged = conn.execute(text("SELECT link FROM integrity_chain WHERE position = :p"), {"p": claim["position"]}).scalar_one()
        claim["seal"] = f"plantrail-seal:v1:{claim['position']}:{forged}"
        store.sql("UPDATE {events} SET state = :s WHERE {pos} = :p", s=json.dumps(claim, separators=(",", ":")).encode(), p=n.id)
        store.rechain_from(n.id)
    return POSITION


def _append_forged_2015_event(store: Store) -> int:
    """A forged progress figure dated March 2015, slipped in at the end for plantrail to chain."""
    s = store.services
    source = next(n for n in s.app.recorder.select_notifications(start=1, limit=10_000) if n.topic == "plantrail:Action.ProgressUpdated")
    state = json.loads(plaintext(s.app.mapper, source))
    state["timestamp"] = {"_type_": "datetime_iso", "_data_": "2015-03-01T09:00:00+00:00"}
    state["progress"] = 100
    latest = s.app.recorder.select_events(source.originator_id, desc=True, limit=1)[0]
    position = store.last() + 1
    with s.engine.begin() as conn:
        store.table.insert_at(
            conn, [(position, source.originator_id, latest.originator_version + 1, source.topic, json.dumps(state).encode())]
        )
    s.projector.catch_up()
    return position


def _edit_a_view_row(store: Store) -> str:
    store.sql("UPDATE view_actions SET progress = 100 WHERE code = 'SS_ICSAP_IMP1'")
    return "view_actions"


def _edit_a_state_row(store: Store) -> str:
    store.sql(
        "UPDATE view_action_states SET lifecycle = 'completed' "
        "WHERE id = (SELECT MAX(id) FROM view_action_states WHERE plan_code = 'SOS 001')"
    )
    return "view_action_states"


TABLE = [
    Tampering("an event's state changed", _edit_state, "verify", "altered"),
    Tampering("an event's topic changed", _edit_topic, "verify", "altered"),
    Tampering("an event moved to another stream", _edit_stream, "verify", "altered"),
    Tampering("an event's version changed", _edit_version, "verify", "altered"),
    Tampering("an event moved to another position", _edit_position, "verify", "deleted"),
    Tampering("a link's first-seen time changed", _edit_seen_at, "verify", "altered"),
    Tampering("a link (the next one's previous link) changed", _edit_link, "verify", "altered"),
    Tampering("two events swapped", _swap_two, "verify", "altered"),
    Tampering("an event deleted", _delete_middle, "verify", "deleted"),
    Tampering("the last event and its link deleted", _delete_last_with_its_link, "verify", "truncated"),
    Tampering("the last events deleted, their links kept", _delete_tail_keep_links, "verify", "truncated"),
    Tampering("a link deleted", _delete_a_link, "verify", "unchained"),
    Tampering("the chain table emptied", _empty_the_chain, "verify", "unchained"),
    Tampering("an event changed and every later link recomputed", _edit_and_rechain, "witnessed seal"),
    Tampering("an event changed, links recomputed, witnessed seals rewritten", _edit_rechain_and_forge_the_witness, "seal file"),
    Tampering("a forged event appended with a 2015 timestamp", _append_forged_2015_event, "history flag"),
    Tampering("a current-state view row changed", _edit_a_view_row, "read models"),
    Tampering("a bitemporal state row changed", _edit_a_state_row, "read models"),
]
