"""The pull projector: reads the notification log in large pages and keeps the read models.

Each page's view rows and the projector's new position commit in one transaction, and the
position moves by compare-and-set: a crash mid-page re-applies the whole page, and a second
projector racing on the same page finds the position moved and rolls back. Each event is
therefore applied exactly once. (The library's ProjectionRunner needs ``subscribe()``, which
its SQLite recorder lacks, hence this loop.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from domain.application import KEEP_SAVED_AT_MOST
from domain.errors import DomainError
from projections import bulk_load, chain
from projections import tables as t
from projections.action_fold import ACTION_ADDED, ACTION_PREFIX
from projections.current_state import NOT_READ, PREVIOUS_RECORDED, NotRead, PageWriter, event_type
from projections.decoding import decode_state, plaintext
from projections.log_reader import select_page
from projections.queries import utc
from projections.scratch import Scratch, scratch_space
from projections.sql import reading

ProgressCallback = Callable[[int, int], None]  # (position reached, last position to reach)

DEFAULT_PAGE_SIZE = 10_000
REBUILD_NEEDED = -1
ANALYZE_EVERY_PAGES = 10
ANALYZE_MIN_PAGE = 1_000
# At most this many events of one save are applied as saved (catch_up's ``saved``); a larger
# save (an import) goes the usual way, where a bulk load can drop the indexes first.
SAVED_PAGE_MAX = KEEP_SAVED_AT_MOST
# Built once: asked at least once per catch-up, so once per web update.
POSITION = select(t.projector_positions.c.position).where(t.projector_positions.c.name == bindparam("name"))
# The chain's head and the recorded time of the event stored before the page, in one statement
# (two round trips of every web update's catch-up before). No row while the chain is empty.
PAGE_START = (
    select(chain.chain.c.position, chain.chain.c.link, PREVIOUS_RECORDED.scalar_subquery().label("previous_recorded"))
    .order_by(chain.chain.c.position.desc())
    .limit(1)
)


class ProjectionFailedError(DomainError):
    """An event could not be projected; the message names it. The views are as they were."""


class Projector:
    """Keeps the read models in ``engine`` from the event store.

    With ``chain_source`` (a rebuild or a check into scratch tables) it does not extend the
    integrity chain but holds every event against the link already chained for it in
    ``chain_source``, refusing one that does not match unless its position is in ``accepted``."""

    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper,
        engine: Engine,
        *,
        name: str = "current_state",
        page_size: int = DEFAULT_PAGE_SIZE,
        chain_source: Engine | None = None,
        accepted: Collection[int] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        only: Collection[UUID | str] | None = None,
    ) -> None:
        self.clock = clock
        self.only = only  # project only these streams (a plan's, for a scoped check)
        self.recorder = recorder
        self.mapper = mapper
        self.engine = engine
        self.name = name
        self.page_size = page_size
        self.chain_source = chain_source
        self.accepted = accepted
        # One catch-up at a time within this process: a web request that finds another
        # catching up waits for it, and then finds its own event already applied (or applies
        # every event saved meanwhile in one page). Racing instead, each lost the position's
        # compare-and-set after waiting on the store's write lock.
        self._catching_up = threading.RLock()
        # Held around each page's transaction: on SQLite the application's own write lock, so
        # that a page and a save in this process queue on it instead of sleeping in SQLite's
        # busy handler (bootstrap sets it; PostgreSQL writes them side by side).
        self.write_lock: AbstractContextManager[Any] = nullcontext()
        self._start_sql = bulk_load.start_query(engine.dialect.name)
        self._reads = reading(engine)  # the position alone: no transaction (projections.sql.reading)

    def create_tables(self, existing: Collection[str] | None = None) -> None:
        """Create the read-model tables (those not in ``existing``, the tables the caller has
        just listed) and this projector's position row."""
        missing = [table for table in t.metadata.sorted_tables if existing is None or table.name not in existing]
        if missing:
            t.metadata.create_all(self.engine, tables=missing)
        self._ensure_position()

    def _ensure_position(self) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.projector_positions.c.position).where(t.projector_positions.c.name == self.name)).first()
            if exists is None:
                conn.execute(insert(t.projector_positions).values(name=self.name, position=0))

    def position(self) -> int:
        with self._reads.connect() as conn:
            return conn.execute(POSITION, {"name": self.name}).scalar_one()

    def catch_up(self, on_progress: ProgressCallback | None = None, *, upto: int | None = None, saved: Sequence[Notification] = ()) -> int:
        """Apply every event stored so far (or up to ``upto``); return how many pages this projector committed.

        ``saved``: the notifications the caller's own save just stored (``PlanTrail.take_saved``).
        Then the caller needs the views up to them, not every event stored since, and when they
        follow straight on from the position they are applied as they are, without reading the
        log: a web update's catch-up asked the log's end and read its own event back, two of its
        round trips to the server."""
        saved = [n for n in saved if n.id is not None] if upto is None else []
        # The caller's events are stored by now: the log's end now is as far as it needs. A
        # caller that waited for another thread's catch-up usually finds that far done already.
        needed = upto if upto is not None else max(n.id for n in saved) if saved else self.recorder.max_notification_id() or 0
        waited = not self._catching_up.acquire(blocking=False)
        if waited:
            self._catching_up.acquire()
        try:
            # Not after a wait: the writes that queued behind another catch-up go in one page
            # (below), not one page and one commit each (measured: update POST p50 114 → 222 ms
            # with 20 clients on one PostgreSQL web process when each applied its own).
            if saved and not waited and self._apply_saved(saved):
                return 1
            position, indexed = self._start()
            if position == REBUILD_NEEDED:  # left by a rebuild of an earlier version, killed midway
                self.rebuild(on_progress)
                return 0
            if position >= needed and indexed:
                return 0
            # After a wait, whoever applies takes every event stored meanwhile too: one page for
            # the writes that queued behind it, instead of one page (and one commit) each.
            target = (self.recorder.max_notification_id() or 0) if waited and upto is None else needed
            if indexed and not bulk_load.is_bulk(position, target):
                return self._catch_up(position, target, on_progress)
            return self._bulk_load(position, target, on_progress, indexed=indexed)
        finally:
            self._catching_up.release()

    def _apply_saved(self, saved: Sequence[Notification]) -> bool:
        """Apply one interactive write's events as its save returned them, if the views stand
        just before them (the position's compare-and-set decides, so no read comes first).
        False, having written nothing, when they do not: another process's events came
        between, this process applied them already, or the position awaits a rebuild."""
        first, last = saved[0].id, saved[-1].id
        if self.only is not None or len(saved) > SAVED_PAGE_MAX or last - first != len(saved) - 1:
            return False
        # The stream id as text, as the log reader gives it (the views key on the text).
        page = [
            Notification(id=n.id, originator_id=str(n.originator_id), originator_version=n.originator_version, topic=n.topic, state=n.state)
            for n in saved
        ]
        return self._apply_page(first - 1, last, page)

    def _start(self) -> tuple[int, bool]:
        """The position, and whether the bulk-loaded indexes are all there (one query: every
        command and web write asks)."""
        with self._reads.connect() as conn:
            position, indexed = conn.exec_driver_sql(self._start_sql, (self.name,)).one()
        return position, bool(indexed)

    def _bulk_load(self, position: int, target: int, on_progress: ProgressCallback | None, *, indexed: bool) -> int:
        """Catch up without the indexes ``bulk_load`` defers, and build them at the end (also
        those a killed bulk load left out)."""
        if indexed:
            with self.write_lock:
                bulk_load.drop_indexes(self.engine)
        try:
            committed = self._catch_up(position, target, on_progress)
        except BaseException:
            with suppress(Exception), self.write_lock:  # the next catch-up builds them if this cannot
                bulk_load.build_indexes(self.engine)
            raise
        with self.write_lock:
            bulk_load.build_indexes(self.engine)
        return committed

    def _catch_up(self, position: int, target: int, on_progress: ProgressCallback | None) -> int:
        only = None if self.only is None else {str(stream) for stream in self.only}  # the reader gives ids as text
        committed = 0
        while position < target:
            notifications = select_page(self.recorder, position, self.page_size, target)
            if not notifications:
                break
            page_end = notifications[-1].id
            if only is not None:
                notifications = [n for n in notifications if n.originator_id in only]
            applied = self._apply_page(position, page_end, notifications)
            if applied:
                committed += 1
                # Bulk catch-ups only: the few events of one interactive write (a web form, a CLI
                # update) must not pay for an ANALYZE (measured: update POSTs 5 s at p50 under
                # 20 concurrent writers on PostgreSQL while each ran one).
                if len(notifications) >= ANALYZE_MIN_PAGE and committed % ANALYZE_EVERY_PAGES == 1:
                    self._refresh_statistics()
            # Ours committed: the log stands at its end (a rival that moves it on later makes
            # our next page's compare-and-set fail, and then we read). A rival's: read where.
            position = page_end if applied else self.position()
            if on_progress:
                on_progress(position, target)
        return committed

    def _apply_page(self, position: int, new_position: int, notifications: Sequence[Notification]) -> bool:
        with self.write_lock, self.engine.begin() as conn:
            moved = conn.execute(
                update(t.projector_positions)
                .where(t.projector_positions.c.name == self.name, t.projector_positions.c.position == position)
                .values(position=new_position)
            )
            if moved.rowcount != 1:
                conn.rollback()
                return False
            if not notifications:
                return True
            with _naming_the_event(notifications) as at:
                plains = []
                for n in notifications:
                    at.event = n
                    plains.append(plaintext(self.mapper, n))
                previous_recorded: datetime | NotRead | None = NOT_READ
                if self.chain_source is None:
                    start = conn.execute(PAGE_START, {"position": notifications[0].id}).first()
                    known_head = None
                    if start is not None:
                        known_head = (start.position, start.link)
                        previous_recorded = None if start.previous_recorded is None else utc(start.previous_recorded)
                    seen = chain.extend(conn, notifications, plains, self.clock(), known_head=known_head)
                else:
                    seen = self._hold_against_chain(notifications, plains)
                states = []
                for n, data in zip(notifications, plains, strict=True):
                    at.event = n
                    states.append(decode_state(self.mapper, n, data))
                writer = PageWriter(conn, self._load_action_events, seen, previous_recorded=previous_recorded)
                writer.preload(str(n.originator_id) for n in notifications if n.topic.startswith(ACTION_PREFIX) and n.topic != ACTION_ADDED)
                apply = writer.apply
                for notification, state in zip(notifications, states, strict=True):
                    at.event = notification
                    apply(notification.id, notification.topic, state)
            try:
                writer.flush()
            except Exception as error:
                first, last = notifications[0].id, notifications[-1].id
                raise ProjectionFailedError(f"events {first}–{last} could not be written to the read models: {error!r}") from error
        return True

    def _hold_against_chain(self, notifications: Sequence[Notification], plains: Sequence[bytes]) -> dict[int, datetime | None]:
        """Refuse an event that does not match its link; return when each was first seen."""
        assert self.chain_source is not None
        with self.chain_source.connect() as live:
            found, seen = chain.held(live, notifications, plains)
            for mismatch in found:
                if mismatch.position not in self.accepted:
                    raise chain.ChainMismatchError(chain.describe(live, mismatch))
            return seen

    def _refresh_statistics(self) -> None:
        """On PostgreSQL, fresh tables have no statistics, and the planner then scans whole
        tables for each page's lookups (measured: 60,000 new actions projected 16× slower than
        20,000). A sampled ANALYZE every few pages keeps the indexes in use."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE view_actions, view_action_owners, view_action_states, view_events")

    def _load_action_events(self, action_id: str, up_to_version: int) -> list[tuple[str, dict[str, Any]]]:
        """One action's events up to a version, for refolding its timeline after a backdated event."""
        stored = self.recorder.select_events(UUID(action_id), lte=up_to_version)
        return [(event.topic, decode_state(self.mapper, event)) for event in stored]

    def rebuild(
        self,
        on_progress: ProgressCallback | None = None,
        *,
        accepted: Collection[int] = (),
        catch_up_first: bool = True,
        before_swap: Callable[[Connection], None] | None = None,
    ) -> int:
        """Replay the whole log into fresh view tables and swap them in; return the position reached.

        The live views stay as they are until the swap, one transaction: a rebuild that fails
        (an unreadable event, one that does not match its chain link) or is killed leaves them
        untouched. Events are first chained up to the current head, so that every event the
        rebuild reads is held against its link; not so when the live views are of an older
        schema (``catch_up_first`` False): then it folds what is chained and the rest is
        chained by the catch-up after the swap. ``before_swap`` runs inside the swap's
        transaction (a migration records the new schema version there)."""
        if catch_up_first and self.position() != REBUILD_NEEDED:
            self.catch_up()
            target = self.position()
        else:
            target = chain.head_position(self.engine)
        with scratch_space(self.engine) as space:
            try:
                self.fold_into(space, target, accepted=accepted, on_progress=on_progress)
            except (ProjectionFailedError, chain.ChainMismatchError) as error:
                raise type(error)(f"rebuild stopped: {error}; the read models are as they were") from error
            space.swap_in(target, self.name, before_commit=before_swap)
        self.catch_up(on_progress)
        return target

    def fold_into(
        self,
        space: Scratch,
        upto: int,
        *,
        accepted: Collection[int] = (),
        only: Collection[UUID | str] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Fold the events up to ``upto`` into a scratch space's empty views, each held against
        the link this projector's chain has for it (``only``: just these streams)."""
        fresh = Projector(
            self.recorder,
            self.mapper,
            space.engine,
            name=self.name,
            page_size=self.page_size,
            chain_source=self.engine,
            accepted=accepted,
            only=only,
        )
        fresh._ensure_position()
        fresh.catch_up(on_progress, upto=upto)


class _Cursor:
    """The event being applied (an attribute store per event costs less than a call)."""

    def __init__(self, event: Notification) -> None:
        self.event = event


@contextmanager
def _naming_the_event(notifications: Sequence[Notification]) -> Iterator[_Cursor]:
    """Turn any failure while applying a page into one that names the event it happened at."""
    at = _Cursor(notifications[0])
    try:
        yield at
    except (ProjectionFailedError, chain.ChainMismatchError):
        raise
    except DomainError as error:
        raise ProjectionFailedError(f"event {at.event.id} ({event_type(at.event.topic)}): {error}") from error
    except Exception as error:
        raise ProjectionFailedError(f"event {at.event.id} ({event_type(at.event.topic)}) could not be projected: {error!r}") from error
