"""A hash chain over the stored events, in notification order: tamper evidence for the history.

Each link is SHA-256 over the previous link, the event's position, stream id, version and topic,
the moment the projector first saw it, and its plaintext state (decrypted when the store is
encrypted: the chain is about the history, not its wrapping, so a rekey leaves every link and
every seal valid). The projector appends links as it reads; ``projections.verify`` recomputes
them. A *seal* — a position and its link, printed on a report, mailed to an auditor, kept in a
file — lets anyone later prove that nothing up to that position changed, even if the chain
table was rewritten too.

Links made before the chain recorded first-seen times (``seen_at`` NULL) are computed as they
were then, without it, so seals printed by earlier versions still verify.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from eventsourcing.persistence import Notification
from sqlalchemy import Column, Connection, DateTime, Engine, Integer, String, Table, select, type_coerce

from domain.errors import BadInputError, DomainError
from domain.text import clipped
from projections.bulk import bulk_insert_rows
from projections.tables import events as audit_events
from projections.tables import metadata, subject_of

GENESIS = "0" * 64
SEAL_PREFIX = "plantrail-seal:v1"
SEAL_PATTERN = re.compile(r"plantrail-seal:v1:(\d+):([0-9a-f]{64})")

# Not a view: dropping it would destroy evidence, so rebuild leaves it alone.
chain = Table(
    "integrity_chain",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("link", String(64), nullable=False),
    # When the projector first saw the event; hashed into the link. NULL for links made before.
    Column("seen_at", DateTime(timezone=True)),
)


class SealFormatError(BadInputError):
    """Text given as a seal is not one."""


class ChainMismatchError(DomainError):
    """An event does not match the link chained for it: it changed after it was chained."""


@dataclass(frozen=True)
class Mismatch:
    position: int
    problem: str


@lru_cache(maxsize=1024)  # one first-seen time per projected page: rendered once, not per event
def seen_text(seen_at: datetime | None) -> str | None:
    """The first-seen time as hashed: UTC, microseconds (SQLite hands back naive UTC)."""
    if seen_at is None:
        return None
    if seen_at.tzinfo is None:
        seen_at = seen_at.replace(tzinfo=UTC)
    return seen_at.astimezone(UTC).isoformat(timespec="microseconds")


def link(previous: str, n: Notification, content: bytes, seen_at: datetime | None) -> str:
    """``content`` is the event's plaintext state; ``seen_at`` when the projector first saw it."""
    return _link(previous, n, content, seen_text(seen_at))


def _link(previous: str, n: Notification, content: bytes, seen: str | None) -> str:
    # One string, one encode and one update before the state: the same bytes as hashing each
    # part in turn, at a third of the calls (the projector links every event it reads).
    seen_part = "" if seen is None else f"{seen}\0"
    h = hashlib.sha256(f"{previous}\0{n.id}\0{n.originator_id}\0{n.originator_version}\0{n.topic}\0{seen_part}".encode())
    h.update(content)
    return h.hexdigest()


# Built once: asked on every projected page, one web update each.
HEAD = select(chain.c.position, chain.c.link).order_by(chain.c.position.desc()).limit(1)


def head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(HEAD).first()
    return (row.position, row.link) if row else (0, GENESIS)


def head_position(engine: Engine) -> int:
    with engine.connect() as conn:
        return head(conn)[0]


def extend(
    conn: Connection,
    notifications: Sequence[Notification],
    contents: Sequence[bytes],
    seen_at: datetime,
    *,
    known_head: tuple[int, str] | None = None,
) -> dict[int, datetime | None]:
    """Append links for the notifications beyond the chain's head (``known_head``: as the
    caller read it in this transaction), first seen at ``seen_at``; return when each
    notification was first seen (those chained before: read back)."""
    position, previous = known_head or head(conn)
    rows = []
    seen_as_hashed = seen_text(seen_at)  # one time for the whole page
    for n, content in zip(notifications, contents, strict=True):
        if n.id <= position:
            continue
        previous = _link(previous, n, content, seen_as_hashed)
        rows.append((n.id, previous, seen_at))
    bulk_insert_rows(conn, chain, ["position", "link", "seen_at"], rows)
    seen: dict[int, datetime | None] = {}
    if notifications and notifications[0].id <= position:  # a page applied again after a crash
        seen = first_seen(conn, notifications[0].id, position)
    # The new links' time as it would read back (no need to: it is the same instant, in UTC).
    stored = _utc(seen_at) if seen_at.tzinfo is None else seen_at.astimezone(UTC)
    seen.update((n.id, stored) for n in notifications if n.id > position)
    return seen


def first_seen(conn: Connection, first: int, last: int) -> dict[int, datetime | None]:
    """When the projector first saw each event in a range of positions."""
    query = select(chain.c.position, chain.c.seen_at).where(chain.c.position >= first, chain.c.position <= last)
    return {position: _utc(seen) for position, seen in conn.execute(query)}


def mismatches(conn: Connection, notifications: Sequence[Notification], contents: Sequence[bytes]) -> list[Mismatch]:
    """Each event that does not match its own link (recomputed from the link stored before it)."""
    return held(conn, notifications, contents)[0]


def held(
    conn: Connection, notifications: Sequence[Notification], contents: Sequence[bytes]
) -> tuple[list[Mismatch], dict[int, datetime | None]]:
    """``mismatches``, and when each chained event was first seen (``first_seen``), from one read
    of the page's links (a rebuild holds every page against them)."""
    first, last = notifications[0].id, notifications[-1].id
    # seen_at as the driver gives it, parsed once per distinct value: a page's links share one
    # first-seen time, and SQLAlchemy's SQLite DateTime parsed it again for each row (measured:
    # a third of a rebuild's hold against the chain).
    query = select(chain.c.position, chain.c.link, type_coerce(chain.c.seen_at, String)).where(
        chain.c.position >= first, chain.c.position <= last
    )
    parse = _seen_parser(conn)
    stored = {position: (kept, parse(seen)) for position, kept, seen in conn.execute(query).all()}
    before = conn.execute(select(chain.c.link).where(chain.c.position < first).order_by(chain.c.position.desc()).limit(1)).scalar()
    previous = before or GENESIS
    found = []
    for n, content in zip(notifications, contents, strict=True):
        kept, seen = stored.get(n.id, (None, None))
        expected = link(previous, n, content, seen)
        if kept is None:
            found.append(Mismatch(n.id, "has no chain link"))
        elif kept != expected:
            found.append(Mismatch(n.id, "does not match its chain link: it was changed after it was chained"))
        previous = kept or expected
    return found, {position: seen for position, (_, seen) in stored.items()}


def _seen_parser(conn: Connection) -> Callable[[Any], datetime | None]:
    """The chain's seen_at column's own result conversion (to UTC), memoised by raw value."""
    convert = chain.c.seen_at.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    if convert is None:  # PostgreSQL: the driver gives datetimes
        return _utc
    parsed: dict[Any, datetime | None] = {}

    def parse(raw: Any) -> datetime | None:
        value = parsed.get(raw)
        if value is None and raw is not None:
            value = parsed[raw] = _utc(convert(raw))
        return value

    return parse


def describe(conn: Connection, mismatch: Mismatch) -> str:
    row = conn.execute(select(subject_of(), audit_events.c.type).where(audit_events.c.position == mismatch.position)).first()
    about = f" ({row.type} on {row.subject})" if row else ""
    return f"event {mismatch.position}{about} {mismatch.problem}"


def format_seal(position: int, value: str) -> str:
    return f"{SEAL_PREFIX}:{position}:{value}"


def parse_seal(text: str) -> tuple[int, str]:
    found = SEAL_PATTERN.fullmatch(text.strip())
    if not found:
        raise SealFormatError(f"seal: {clipped(text.strip())} is not a plantrail seal ({SEAL_PREFIX}:POSITION:64 hex digits)")
    return int(found.group(1)), found.group(2)


def seals_in(text: str) -> list[tuple[int, str]]:
    """Every seal in a text (a seal file, a saved email, a report), in order, without repeats."""
    seen: dict[tuple[int, str], None] = {}
    for found in SEAL_PATTERN.finditer(text):
        seen.setdefault((int(found.group(1)), found.group(2)))
    return list(seen)


def current_seal(engine: Engine) -> str:
    with engine.connect() as conn:
        return format_seal(*head(conn))


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
