"""The pull projector: reads the notification log in large pages and keeps the read models.

Each page's view rows and the projector's new position commit in one transaction, and the
position moves by compare-and-set: a crash mid-page re-applies the whole page, and a second
projector racing on the same page finds the position moved and rolls back. Each event is
therefore applied exactly once. (The library's ProjectionRunner needs ``subscribe()``, which
its SQLite recorder lacks, hence this loop.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Engine, insert, select, update

from projections import tables as t
from projections.current_state import ACTION_ADDED, ACTION_PREFIX, PageWriter

ProgressCallback = Callable[[int, int], None]  # (position reached, last position to reach)

DEFAULT_PAGE_SIZE = 5000


def decode_state(mapper: Mapper, notification: Notification) -> dict[str, Any]:
    """The event's attributes as a dict, without building the event object (≈2× faster)."""
    data = notification.state
    if mapper.cipher:
        data = mapper.cipher.decrypt(data)
    if mapper.compressor:
        data = mapper.compressor.decompress(data)
    state = mapper.transcoder.decode(data)
    state["originator_id"] = notification.originator_id
    state["originator_version"] = notification.originator_version
    return state


class Projector:
    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper,
        engine: Engine,
        *,
        name: str = "current_state",
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.engine = engine
        self.name = name
        self.page_size = page_size

    def create_tables(self) -> None:
        t.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.projector_positions.c.position).where(t.projector_positions.c.name == self.name)).first()
            if exists is None:
                conn.execute(insert(t.projector_positions).values(name=self.name, position=0))

    def position(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(t.projector_positions.c.position).where(t.projector_positions.c.name == self.name)
            ).scalar_one()

    def catch_up(self, on_progress: ProgressCallback | None = None) -> int:
        """Apply every event stored so far; return how many pages this projector committed."""
        target = self.recorder.max_notification_id() or 0
        committed = 0
        position = self.position()
        while position < target:
            notifications = self.recorder.select_notifications(
                start=position, limit=self.page_size, stop=target, inclusive_of_start=False
            )
            if not notifications:
                break
            if self._apply_page(position, notifications):
                committed += 1
            # Whether we or a rival projector committed it, read where the log now stands.
            position = self.position()
            if on_progress:
                on_progress(position, target)
        return committed

    def _apply_page(self, position: int, notifications: list[Notification]) -> bool:
        new_position = notifications[-1].id
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(t.projector_positions)
                .where(t.projector_positions.c.name == self.name, t.projector_positions.c.position == position)
                .values(position=new_position)
            )
            if moved.rowcount != 1:
                conn.rollback()
                return False
            writer = PageWriter(conn)
            writer.preload(
                str(n.originator_id) for n in notifications if n.topic.startswith(ACTION_PREFIX) and n.topic != ACTION_ADDED
            )
            for notification in notifications:
                writer.apply(notification.topic, decode_state(self.mapper, notification))
            writer.flush()
        return True

    def rebuild(self, on_progress: ProgressCallback | None = None) -> None:
        """Drop every view, recreate it empty, and replay the whole log into it."""
        t.metadata.drop_all(self.engine, tables=t.VIEW_TABLES)
        t.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            conn.execute(update(t.projector_positions).where(t.projector_positions.c.name == self.name).values(position=0))
        self.catch_up(on_progress)
