"""Reading without opening the event store: the quick path of ``plans``, ``show``, ``people``
and ``summary``.

Opening the store in full (``bootstrap``) loads SQLAlchemy, the ``eventsourcing`` application,
the projector and the migration registry, which measured about twenty times a bare Python
start-up before any question was asked. A read needs none of it when the read models are already
what the full path would serve: the store is plain (an encrypted one goes the full way, which
checks the key), every model is at this code's schema version, and no projector is behind the
event log. ``open_reads`` checks exactly that over one plain connection (sqlite3 or psycopg)
and answers with ``projections.reads``, the same SQL the full path's ``Queries`` runs; anything
else (a new store, a migration due, events not yet projected) returns None, and the caller
opens the store in full and catches up first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from plantrail.schema_versions import wanted_versions
from plantrail.settings import DatabaseConfig, cipher_key, database_config, local_timezone
from projections.reads import Reads
from projections.sql import POSTGRES, Sql


@dataclass(frozen=True)
class ActionRef:
    plan_code: str
    code: str

    def __str__(self) -> str:
        return f"{self.plan_code}/{self.code}"


class ReadServices:
    """What a read command asks of the store, on either path: ``Services`` (everything) is one,
    ``QuickReads`` (the read models alone) the other. ``SS_ICSAP_IMP1`` resolves the same on both."""

    queries: Reads

    def today(self, plan_code: str | None = None) -> date:
        raise NotImplementedError

    def resolve(self, ref: str | ActionRef) -> ActionRef:
        """``CODE`` (when one plan uses it) or ``PLAN/CODE``, in any case, to the stored codes."""
        if isinstance(ref, ActionRef):
            return ref
        plan_code, code = self.queries.resolve_action(ref)
        return ActionRef(plan_code, code)

    def show(self, ref: str | ActionRef, *, as_at: date | None = None, known_at: datetime | None = None) -> dict[str, Any]:
        """The action as at ``as_at`` (default today in its plan's zone), as known at ``known_at``."""
        target = self.resolve(ref)
        return self.queries.action(target.plan_code, target.code, as_at=as_at or self.today(target.plan_code), known_at=known_at)

    def plan_timezone(self, plan_ref: str) -> str:
        return str(self.queries.resolve_plan(plan_ref)["timezone"])


@dataclass
class QuickReads(ReadServices):
    queries: Reads
    connection: Any

    def today(self, plan_code: str | None = None) -> date:
        """Today in the plan's time zone (as the full path's application works it out)."""
        zone = self.plan_timezone(plan_code) if plan_code else local_timezone()
        return datetime.now(UTC).astimezone(ZoneInfo(zone)).date()

    def close(self) -> None:
        self.connection.close()


# Where each event store keeps its log (the eventsourcing library's tables; plantrail.event_table).
def _log_end(config: DatabaseConfig) -> str:
    if config.kind == POSTGRES:
        schema = config.eventsourcing_env.get("POSTGRES_SCHEMA") or "public"
        return f'SELECT MAX(notification_id) AS n FROM "{schema}".plantrail_events'
    return "SELECT MAX(rowid) AS n FROM stored_events"


def open_reads(database_url: str | None) -> QuickReads | None:
    """The read models over a plain connection, or None when the full path must open the store."""
    config = database_config(database_url)
    if cipher_key() is not None:
        return None
    opened = _connect(config)
    if opened is None:
        return None
    connection, database_error = opened
    sql = Sql(connection, config.kind)
    try:
        ready = _served_as_is(sql, config)
    except database_error:  # a store without these tables yet, a server gone: the full path says what is wrong
        ready = False
    if not ready:
        connection.close()
        return None
    return QuickReads(queries=Reads(_reuse(sql)), connection=connection)


def _connect(config: DatabaseConfig) -> tuple[Any, type[Exception]] | None:
    """A plain connection and its driver's error class, or None (the full path will say why)."""
    if config.kind == POSTGRES:
        import psycopg

        url = config.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)
        # A server that does not answer is said at once (plantrail.errors maps it), rather
        # than waited for a second time by the full path.
        return psycopg.connect(url, **config.sqlalchemy_connect_args), psycopg.Error
    import sqlite3

    path = config.eventsourcing_env["SQLITE_DBNAME"]
    if not os.path.isfile(path):  # sqlite3 would create it; the full path creates a store properly
        return None
    return sqlite3.connect(path, timeout=float(config.sqlalchemy_connect_args.get("timeout", 30))), sqlite3.Error


def _served_as_is(sql: Sql, config: DatabaseConfig) -> bool:
    """A plain store, every model at this code's version, no projector behind the log."""
    facts = {r["name"]: r["value"] for r in sql.all("SELECT name, value FROM plantrail_store")}
    if facts.get("encrypted") != "no":
        return False
    if any(facts.get(f"schema.{name}") != str(version) for name, version in wanted_versions().items()):
        return False
    behind = sql.scalar("SELECT MIN(position) FROM projector_positions")
    return behind is not None and behind >= (sql.scalar(_log_end(config)) or 0)


def _reuse(sql: Sql) -> Any:
    """``Connect`` over the one connection a command holds (it is closed with ``QuickReads``)."""
    from contextlib import nullcontext

    return lambda: nullcontext(sql)
