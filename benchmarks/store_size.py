"""Bytes on disk of the event store's table and of the read models beside it (tables and indexes)."""

from __future__ import annotations

from sqlalchemy import Engine

from plantrail.event_table import EventTable
from projections import chain
from projections import tables as t


def sizes(engine: Engine, events: EventTable) -> dict[str, int]:
    """``events``, ``views`` (every rebuildable read model) and ``chain`` (the integrity chain), in bytes."""
    views = [table.name for table in t.VIEW_TABLES]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # dbstat names each index apart from its table: map them back through sqlite_schema.
            owner = dict(conn.exec_driver_sql("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')").all())
            per_table: dict[str, int] = {}
            for name, size in conn.exec_driver_sql("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
                table = owner.get(name, name)
                per_table[table] = per_table.get(table, 0) + size
        else:
            schema_table = events.name.split(".")
            bare = {events.name: schema_table[-1]}
            per_table = {}
            for name in [*views, chain.chain.name, bare[events.name]]:
                size = conn.exec_driver_sql("SELECT pg_total_relation_size(to_regclass(%(n)s))", {"n": name}).scalar()
                per_table[name] = size or 0
    events_table = events.name.split(".")[-1]
    return {
        "events": per_table.get(events_table, 0),
        "views": sum(per_table.get(name, 0) for name in views),
        "chain": per_table.get(chain.chain.name, 0),
        **{f"table:{name}": per_table.get(name, 0) for name in views},
    }
