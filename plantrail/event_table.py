"""The event store's own table, addressed directly: for the few operations the library has no
call for (re-encrypting events in place, restoring them at their original positions).

The layout is the ``eventsourcing`` library's (9.5): on SQLite ``stored_events`` with the
position in ``rowid``; on PostgreSQL ``<schema>.plantrail_events`` with ``notification_id``
from a sequence. Everything else goes through the library's recorder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import Connection, Engine, inspect, text

from plantrail.settings import DatabaseConfig


@dataclass(frozen=True)
class EventTable:
    kind: str  # "sqlite" or "postgres"
    name: str
    position: str

    @classmethod
    def of(cls, config: DatabaseConfig) -> EventTable:
        if config.kind == "sqlite":
            return cls("sqlite", "stored_events", "rowid")
        schema = config.eventsourcing_env.get("POSTGRES_SCHEMA") or "public"
        return cls("postgres", f'"{schema}".plantrail_events', "notification_id")

    @contextmanager
    def exclusive(self, engine: Engine) -> Iterator[Connection]:
        """One transaction that no writer can interleave with: SQLite's write lock taken up
        front; PostgreSQL's EXCLUSIVE table lock (readers go on, writers wait)."""
        with engine.connect() as conn:
            if self.kind == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.begin()
                conn.exec_driver_sql(f"LOCK TABLE {self.name} IN EXCLUSIVE MODE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def states(self, conn: Connection, after: int, limit: int) -> list[tuple[int, bytes]]:
        rows = conn.execute(
            text(f"SELECT {self.position}, state FROM {self.name} WHERE {self.position} > :after ORDER BY {self.position} LIMIT :limit"),
            {"after": after, "limit": limit},
        )
        return [(position, bytes(state)) for position, state in rows]

    def set_states(self, conn: Connection, states: Iterable[tuple[int, bytes]]) -> None:
        conn.execute(
            text(f"UPDATE {self.name} SET state = :state WHERE {self.position} = :position"),
            [{"position": p, "state": s} for p, s in states],
        )

    def stream_versions(self, conn: Connection, ids: list[UUID]) -> dict[UUID, int]:
        """Each stream's last version (streams without events left out)."""
        found: dict[UUID, int] = {}
        for start in range(0, len(ids), 500):  # bound parameters per IN (...)
            chunk = ids[start : start + 500]
            marks = ", ".join(f":id{n}" for n in range(len(chunk)))
            params = {f"id{n}": (i.hex if self.kind == "sqlite" else i) for n, i in enumerate(chunk)}
            query = (
                f"SELECT originator_id, MAX(originator_version) FROM {self.name} WHERE originator_id IN ({marks}) GROUP BY originator_id"
            )
            found.update((UUID(str(o)), v) for o, v in conn.execute(text(query), params))
        return found

    def is_empty(self, conn: Connection) -> bool:
        return conn.execute(text(f"SELECT 1 FROM {self.name} LIMIT 1")).first() is None

    def has_events(self, conn: Connection) -> bool:
        """Like ``not is_empty`` but also False before the library created the table."""
        bare = self.name.rsplit(".", 1)[-1]
        if not inspect(conn).has_table(bare, schema=self.name.split(".")[0].strip('"') if "." in self.name else None):
            return False
        return not self.is_empty(conn)

    def insert_at(self, conn: Connection, rows: list[tuple[int, UUID, int, str, bytes]]) -> None:
        """Insert events at the given positions (position, originator id, version, topic, state)."""
        if not rows:
            return
        columns = f"{self.position}, originator_id, originator_version, topic, state"
        conn.execute(
            text(f"INSERT INTO {self.name} ({columns}) VALUES (:position, :originator_id, :version, :topic, :state)"),
            [
                {"position": p, "originator_id": o.hex if self.kind == "sqlite" else o, "version": v, "topic": t, "state": s}
                for p, o, v, t, s in rows
            ],
        )

    def after_restore(self, conn: Connection) -> None:
        """PostgreSQL: the next event must be numbered after the restored ones."""
        if self.kind == "postgres":
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{self.name}', 'notification_id'), "
                f"(SELECT COALESCE(MAX(notification_id), 0) + 1 FROM {self.name}), false)"
            )
