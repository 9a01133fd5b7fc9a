"""The one composition root: builds the application, projector and queries for a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event

from domain.application import Clock, PlanTrail, utc_now
from plantrail.settings import DatabaseConfig, database_config
from projections.projector import Projector
from projections.queries import Queries


@dataclass
class Services:
    app: PlanTrail
    projector: Projector
    queries: Queries
    engine: Engine
    database: DatabaseConfig

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


def _enable_sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # The event store already switched the file to WAL; readers then never block writers.
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")


# Arbitrary constant naming plantrail's schema-creation lock among other advisory locks.
SCHEMA_LOCK_KEY = 0x706C616E  # "plan"


@contextmanager
def _schema_creation_lock(engine: Engine, kind: str) -> Iterator[None]:
    """Several processes starting at once on an empty PostgreSQL schema race on CREATE TABLE
    ("tuple concurrently updated", seen in tests); one session lock makes them take turns."""
    if kind != "postgres":
        yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK_KEY})")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK_KEY})")
            conn.commit()


def bootstrap(database_url: str | None = None, *, clock: Clock = utc_now, page_size: int | None = None) -> Services:
    config = database_config(database_url)
    engine = create_engine(config.sqlalchemy_url, connect_args=config.sqlalchemy_connect_args)
    if config.kind == "sqlite":
        _enable_sqlite_wal(engine)
    with _schema_creation_lock(engine, config.kind):
        app = PlanTrail(env=config.eventsourcing_env, clock=clock)
        projector = Projector(app.recorder, app.mapper, engine)
        projector.create_tables()
    if page_size:
        projector.page_size = page_size
    return Services(app=app, projector=projector, queries=Queries(engine), engine=engine, database=config)
