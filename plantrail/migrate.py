"""Schema versions of everything plantrail keeps beside the events, and how each moves forward.

Two kinds of model:

- **Rebuildable** (the read models, ``projections.tables.VIEW_TABLES``): when the code's
  version differs from the store's, the views are rebuilt from the events into fresh tables and
  swapped in, with the new version recorded in the same transaction. No migration code to
  write: change the tables and the fold, raise ``VIEWS_SCHEMA_VERSION``.
- **Kept** (the integrity chain, the outbox, the sweep record): their rows cannot be derived
  from the events, so each version step is a small function that changes them in place, in one
  transaction with the version it reaches. To change the outbox, add ``{N: step}`` to its entry
  in ``KEPT`` and raise its version.

A store made before versions were recorded is taken to be at version 1 of each model it has.

Why not Alembic: it would bring a migration environment, a version table of its own and batch
mode for SQLite's limited ALTER TABLE, for what is today one added column; this registry is
small, runs at start-up on both databases, and is tested on a store made by an older plantrail
(tests/fixtures). Worth revisiting if the kept tables start to need real migrations often.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Connection, Engine, Table, inspect, select

from notifications import tables as outbox_tables
from plantrail import import_cache
from plantrail.keys import StoreFacts, store_facts
from plantrail.schema_versions import KEPT_VERSIONS, VIEWS
from projections import chain as chain_module
from projections import tables as view_tables
from projections.decoding import plaintext
from projections.projector import ProgressCallback, Projector
from scheduler import tables as sweep_tables
from web import tables as web_tables

ProgressFactory = Callable[[str], AbstractContextManager[ProgressCallback]]


@dataclass(frozen=True)
class MigrationContext:
    conn: Connection
    recorder: ApplicationRecorder
    mapper: Mapper
    facts: StoreFacts


Step = Callable[[MigrationContext], None]


@dataclass(frozen=True)
class KeptModel:
    """Tables whose rows cannot be rebuilt from the events: migrated in place, step by step."""

    name: str
    version: int
    tables: list[Table]
    steps: dict[int, Step] = field(default_factory=dict)  # version reached -> how


def _chain_records_first_seen(ctx: MigrationContext) -> None:
    """Version 2: links record when the projector first saw each event, and hash its plaintext.

    Old links keep ``seen_at`` NULL, which the link formula reads as "made before": for a plain
    store they verify unchanged, old seals included. An encrypted store's old links hashed the
    ciphertext; they are recomputed over the plaintext, each one only after its old value was
    checked, so a link that was already wrong stays wrong (verify goes on naming it). Seals
    printed from such a store before the upgrade no longer match (see README)."""
    ctx.conn.exec_driver_sql(
        "ALTER TABLE integrity_chain ADD COLUMN seen_at TIMESTAMP WITH TIME ZONE"
        if ctx.conn.dialect.name == "postgresql"
        else "ALTER TABLE integrity_chain ADD COLUMN seen_at DATETIME"
    )
    if not ctx.facts.encrypted:
        return
    links = dict(ctx.conn.execute(select(chain_module.chain.c.position, chain_module.chain.c.link)).all())
    old_previous = new_previous = chain_module.GENESIS
    for n in _stored(ctx.recorder):
        if n.id not in links:
            break
        old = _legacy_link(old_previous, n)
        if links[n.id] != old:
            break  # already broken before the upgrade: leave it (and everything after) as it was
        new_previous = chain_module.link(new_previous, n, plaintext(ctx.mapper, n), None)
        ctx.conn.execute(chain_module.chain.update().where(chain_module.chain.c.position == n.id).values(link=new_previous))
        old_previous = old


def _legacy_link(previous: str, n: Notification) -> str:
    """The version-1 link: over the stored bytes (ciphertext in an encrypted store)."""
    return chain_module.link(previous, n, n.state, None)


def _stored(recorder: ApplicationRecorder) -> Iterator[Notification]:
    position = 0
    while page := recorder.select_notifications(start=position, limit=10_000, inclusive_of_start=False):
        yield from page
        position = page[-1].id


def _outbox_holds_undeliverable(ctx: MigrationContext) -> None:
    """Version 2: a message can be ``undeliverable`` (13 characters; the status column had 10,
    which PostgreSQL enforces and SQLite does not)."""
    if ctx.conn.dialect.name == "postgresql":
        ctx.conn.exec_driver_sql(f"ALTER TABLE outbox_messages ALTER COLUMN status TYPE VARCHAR({outbox_tables.STATUS_WIDTH})")


KEPT = [
    KeptModel("integrity_chain", KEPT_VERSIONS["integrity_chain"], [chain_module.chain], {2: _chain_records_first_seen}),
    KeptModel("outbox", KEPT_VERSIONS["outbox"], list(outbox_tables.metadata.sorted_tables), {2: _outbox_holds_undeliverable}),
    KeptModel("sweeps", KEPT_VERSIONS["sweeps"], list(sweep_tables.metadata.sorted_tables)),
    # Sessions, used-link nonces and sign-in request counts: not derivable from the events.
    KeptModel("web", KEPT_VERSIONS["web"], list(web_tables.metadata.sorted_tables)),
    # What plan files imported (a cache: losing it only makes the next import slower).
    KeptModel("import_cache", KEPT_VERSIONS["import_cache"], list(import_cache.metadata.sorted_tables)),
]


def _fact(name: str) -> str:
    return f"schema.{name}"


def recorded_versions(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(store_facts.c.name, store_facts.c.value).where(store_facts.c.name.like("schema.%"))).all()
    return {name.removeprefix("schema."): int(value) for name, value in rows}


def _set_version(conn: Connection, name: str, version: int, *, expected: int | None) -> bool:
    """Move a model's recorded version from ``expected`` (None: not recorded) to ``version``."""
    fact = _fact(name)
    if expected is None:
        if conn.execute(select(store_facts.c.name).where(store_facts.c.name == fact)).first() is not None:
            return False
        conn.execute(store_facts.insert().values(name=fact, value=str(version)))
        return True
    moved = conn.execute(
        store_facts.update().where(store_facts.c.name == fact, store_facts.c.value == str(expected)).values(value=str(version))
    )
    return moved.rowcount == 1


class AlreadyMigrated(Exception):
    """Another process moved the version first: this one's work is rolled back."""


def migrate(
    engine: Engine, recorder: ApplicationRecorder, mapper: Mapper, facts: StoreFacts, projector: Projector, progress: ProgressFactory | None
) -> list[str]:
    """Bring every model to the code's version; return what was done, one line each."""
    done: list[str] = []
    existing = set(inspect(engine).get_table_names())
    versions = recorded_versions(engine)
    for model in KEPT:
        have = versions.get(model.name, 1 if _any_exist(model.tables, existing) else None)
        if have is None:
            _create(engine, model.tables, existing)
            with engine.begin() as conn:
                _set_version(conn, model.name, model.version, expected=None)
            continue
        while have < model.version:
            step = model.steps[have + 1]
            with engine.begin() as conn:
                step(MigrationContext(conn, recorder, mapper, facts))
                if not _set_version(conn, model.name, have + 1, expected=have if model.name in versions else None):
                    raise AlreadyMigrated
            versions[model.name] = have = have + 1
            done.append(f"{model.name}: migrated in place to version {have}")
        _create(engine, model.tables, existing)  # a table new in this version of an existing model
        if model.name not in versions:
            with engine.begin() as conn:
                _set_version(conn, model.name, model.version, expected=None)
    done += _migrate_views(engine, projector, versions.get(VIEWS), existing, progress)
    return done


def _migrate_views(
    engine: Engine, projector: Projector, have: int | None, existing: set[str], progress: ProgressFactory | None
) -> list[str]:
    target = view_tables.VIEWS_SCHEMA_VERSION
    if view_tables.VIEW_TABLES[0].name not in existing:
        projector.create_tables()
        with engine.begin() as conn:
            _set_version(conn, VIEWS, target, expected=None)
        return []
    projector.create_tables(existing)  # the projector's position row, if missing
    current = have or 1
    if current == target and projector.position() >= 0:
        return []

    def record_version(conn: Connection) -> None:
        if not _set_version(conn, VIEWS, target, expected=have):
            raise AlreadyMigrated

    label = f"Rebuilding read models for schema version {target}"
    try:
        if progress is None:
            projector.rebuild(catch_up_first=False, before_swap=record_version)
        else:
            with progress(label) as update:
                projector.rebuild(update, catch_up_first=False, before_swap=record_version)
    except AlreadyMigrated:
        return []
    return [f"views: rebuilt from the events for schema version {target} (was {current})"]


def _any_exist(tables: list[Table], existing: set[str]) -> bool:
    return any(table.name in existing for table in tables)


def _create(engine: Engine, tables: list[Table], existing: set[str]) -> None:
    # Only the tables the one listing did not find: on PostgreSQL each check is a round trip and
    # a transaction of its own, 26 of the 98 statements a CLI update sent (measured).
    for table in tables:
        if table.name not in existing:
            table.create(engine, checkfirst=True)
