"""Scratch read models: a full set of view tables built beside the live ones, then swapped in
(rebuild, migration) or compared with them (``verify --read-models``).

A rebuild that fails, or is killed, therefore never leaves the live views empty or half-made:
they are replaced only in the swap, which is one transaction. On PostgreSQL the scratch tables
live in a schema of their own and the swap moves them in (``ALTER TABLE … SET SCHEMA``); on
SQLite they live in a separate file, attached for the swap, which copies their rows in. Either
way the view tables keep the names the queries know, so the projector writes to a scratch
space exactly as it writes to the live one.

Scratch spaces left by a killed process are removed by the next one: on PostgreSQL each is held
by a session advisory lock while in use; on SQLite its file name carries the owner's process id.
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, update

from projections import tables as t


class Scratch:
    """An empty set of view tables (and a projector position) beside the live database."""

    def __init__(self, live: Engine) -> None:
        self.live = live
        self.name = f"scratch_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.engine: Engine
        self._lock: Connection | None = None
        if live.dialect.name == "postgresql":
            self._open_postgres()
        else:
            self._open_sqlite()
        # Folding into it is a bulk load: the projector leaves out the trail's and the notes'
        # own indexes until the fold's end (projections/bulk_load.py).
        t.metadata.create_all(self.engine, tables=[*t.VIEW_TABLES, t.projector_positions])

    # ----- PostgreSQL -------------------------------------------------------------------

    def _open_postgres(self) -> None:
        with self.live.connect() as conn:
            self.live_schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        self.schema = f"{self.live_schema}__{self.name}"[:63]
        _drop_abandoned_postgres(self.live, self.live_schema)
        self._lock = self.live.connect()
        self._lock.exec_driver_sql(f"SELECT pg_advisory_lock({_lock_key(self.schema)})")
        self._lock.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        self._lock.commit()
        connect_args = {"connect_timeout": 10, "options": f"-csearch_path={self.schema}"}
        self.engine = create_engine(self.live.url, connect_args=connect_args)

    # ----- SQLite -----------------------------------------------------------------------

    def _open_sqlite(self) -> None:
        live_file = Path(self.live.url.database or "")
        _drop_abandoned_sqlite(live_file)
        self.path = live_file.with_name(f"{live_file.name}.{self.name}")
        self.engine = create_engine(f"sqlite:///{self.path}")

        @event.listens_for(self.engine, "connect")
        def _fast(dbapi_connection, _record):
            # Disposable: a crash loses nothing that the events cannot rebuild.
            dbapi_connection.execute("PRAGMA journal_mode = OFF")
            dbapi_connection.execute("PRAGMA synchronous = OFF")

    # ----- using it ---------------------------------------------------------------------

    @contextmanager
    def attached(self) -> Iterator[tuple[Connection, str]]:
        """A live connection that also sees the scratch tables, and the prefix naming them."""
        with self.live.connect() as conn:
            if self.live.dialect.name == "postgresql":
                yield conn, f'"{self.schema}".'
                return
            conn.exec_driver_sql("ATTACH DATABASE ? AS scratch", (str(self.path),))
            try:
                yield conn, "scratch."
            finally:
                conn.rollback()
                conn.exec_driver_sql("DETACH DATABASE scratch")

    def swap_in(self, position: int, projector_name: str, *, before_commit: Callable[[Connection], None] | None = None) -> None:
        """Replace the live views with the scratch ones and set the live position, in one transaction."""
        if self.live.dialect.name == "postgresql":
            with self.live.begin() as conn:
                for table in t.VIEW_TABLES:
                    conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{self.live_schema}".{table.name} CASCADE')
                    conn.exec_driver_sql(f'ALTER TABLE "{self.schema}".{table.name} SET SCHEMA "{self.live_schema}"')
                _set_position(conn, projector_name, position)
                if before_commit:
                    before_commit(conn)
            return
        with self.attached() as (conn, prefix):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            t.metadata.drop_all(conn, tables=t.VIEW_TABLES)
            t.metadata.create_all(conn, tables=t.VIEW_TABLES)
            for table in t.VIEW_TABLES:
                # Exactly this form (no column list, ``SELECT *``, same layout and indexes, empty
                # target) lets SQLite copy the table's and its indexes' records as they are, in
                # order, instead of inserting row by row (its "transfer optimization").
                conn.exec_driver_sql(f"INSERT INTO main.{table.name} SELECT * FROM {prefix}{table.name}")
            _set_position(conn, projector_name, position)
            if before_commit:
                before_commit(conn)
            conn.commit()

    def drop(self) -> None:
        self.engine.dispose()
        if self.live.dialect.name == "postgresql":
            assert self._lock is not None
            self._lock.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            self._lock.exec_driver_sql(f"SELECT pg_advisory_unlock({_lock_key(self.schema)})")
            self._lock.commit()
            self._lock.close()
        else:
            self.path.unlink(missing_ok=True)


@contextmanager
def scratch_space(live: Engine) -> Iterator[Scratch]:
    space = Scratch(live)
    try:
        yield space
    finally:
        space.drop()


def _set_position(conn: Connection, projector_name: str, position: int) -> None:
    conn.execute(update(t.projector_positions).where(t.projector_positions.c.name == projector_name).values(position=position))


def _lock_key(schema: str) -> int:
    """An advisory-lock key per scratch schema, apart from plantrail's other lock keys."""
    return 0x5C7A_0000_0000 | zlib.crc32(schema.encode())


def _drop_abandoned_postgres(live: Engine, live_schema: str) -> None:
    with live.connect() as conn:
        names = conn.exec_driver_sql(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %(pattern)s", {"pattern": f"{live_schema}__scratch_%"}
        ).scalars()
        for name in list(names):
            if conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({_lock_key(name)})").scalar():
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_lock_key(name)})")
        conn.commit()


def _drop_abandoned_sqlite(live_file: Path) -> None:
    for leftover in live_file.parent.glob(f"{live_file.name}.scratch_*"):
        pid = leftover.name.removeprefix(f"{live_file.name}.scratch_").split("_", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
