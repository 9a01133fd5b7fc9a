"""Plain SQL over a DB-API connection (sqlite3 or psycopg), for the read paths that must start fast.

Importing SQLAlchemy alone costs about five times a bare Python start-up, more than the whole
budget of ``plantrail plans``; the questions the everyday read commands ask are a few selects,
so they are written as SQL text here and run on whichever connection the caller has: a plain
``sqlite3``/``psycopg`` one (the CLI's quick read path) or the raw connection under a
SQLAlchemy engine (everything else), so there is one implementation of each question.

Values are bound and read back as the SQLAlchemy tables store them: on SQLite a ``Date`` is
``YYYY-MM-DD`` text and a ``DateTime`` is ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC (the
projector writes UTC); PostgreSQL hands back ``date`` and aware ``datetime`` objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from typing import Any, Protocol

SQLITE = "sqlite"
POSTGRES = "postgres"

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class Sql:
    """A DB-API connection and its dialect; SQL is written with ``:name`` parameters for both."""

    def __init__(self, connection: Any, kind: str) -> None:
        if kind not in (SQLITE, POSTGRES):
            raise ValueError(f"unknown database kind {kind!r}")
        self.connection = connection
        self.kind = kind

    def all(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(*self._prepared(sql, params))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, sql: str, **params: Any) -> dict[str, Any] | None:
        found = self.all(sql, **params)
        return found[0] if found else None

    def scalar(self, sql: str, **params: Any) -> Any:
        row = self.first(sql, **params)
        return None if row is None else next(iter(row.values()))

    def _prepared(self, sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Lists expand to one parameter each (``IN (:ids)``); dates and times take the stored form."""
        bound: dict[str, Any] = {}

        def name_of(match: re.Match[str]) -> str:
            name = match.group(1)
            value = params[name]
            if isinstance(value, list | tuple | set | frozenset):
                items = sorted(value)
                if not items:
                    return "NULL"  # IN (NULL) matches nothing
                names = [f"{name}__{i}" for i in range(len(items))]
                bound.update({n: self._value(v) for n, v in zip(names, items, strict=True)})
                return ", ".join(self._marker(n) for n in names)
            bound[name] = self._value(value)
            return self._marker(name)

        text = sql.replace("%", "%%") if self.kind == POSTGRES else sql
        return _PARAM.sub(name_of, text), bound

    def _marker(self, name: str) -> str:
        return f"%({name})s" if self.kind == POSTGRES else f":{name}"

    def _value(self, value: Any) -> Any:
        if self.kind == POSTGRES:
            return value
        if isinstance(value, datetime):
            moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
            return moment.isoformat(sep=" ", timespec="microseconds")
        if isinstance(value, date):
            return value.isoformat()
        return value


class Connect(Protocol):
    """Opens an ``Sql`` for a few questions and gives the connection back afterwards."""

    def __call__(self) -> AbstractContextManager[Sql]: ...


def as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def as_time(value: Any) -> datetime | None:
    """A stored recorded time as an aware UTC ``datetime``."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def dates(row: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The row with these columns read as dates."""
    for name in names:
        row[name] = as_date(row[name])
    return row


def reading(engine: Any) -> Any:
    """The engine as questions that only read use it. On PostgreSQL in autocommit: a read in a
    transaction costs a BEGIN and a ROLLBACK besides its SELECT, three round trips instead of
    one (measured: 14 of the 40 round trips of a web update POST), and at READ COMMITTED each
    statement sees what was committed before it started either way. SQLite stays as it is: there
    a transaction is what gives several SELECTs one snapshot."""
    return engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else engine


def sql_over(engine: Any) -> Connect:
    """``Connect`` for a SQLAlchemy engine: its pooled DB-API connection, given back after use
    (as the engine's connections are: ``reading`` gives one in autocommit)."""
    kind = POSTGRES if engine.dialect.name == "postgresql" else SQLITE

    @contextmanager
    def connect() -> Iterator[Sql]:
        with engine.connect() as conn:
            yield Sql(conn.connection, kind)

    return connect


def sql_in(conn: Any) -> Sql:
    """An ``Sql`` inside a SQLAlchemy ``Connection``'s own transaction."""
    kind = POSTGRES if conn.dialect.name == "postgresql" else SQLITE
    return Sql(conn.connection.dbapi_connection, kind)
