"""A hash chain over the stored events, in notification order: tamper evidence for the history.

Each link is SHA-256 over the previous link and the event as stored (position, stream id,
version, topic and the stored bytes, which are ciphertext when encryption is on). The projector
appends links as it reads; ``verify`` recomputes them from the event store. A *seal* — a
position and its link, printed on a committee report — lets anyone later prove that nothing up
to that position changed, even if the chain table was rewritten too: the check then recomputes
from the events alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Column, Connection, Engine, Integer, String, Table, select

from domain.errors import DomainError
from projections.bulk import bulk_insert
from projections.decoding import UnreadableEventError, plaintext
from projections.tables import events as audit_events
from projections.tables import metadata

GENESIS = "0" * 64
SEAL_PREFIX = "plantrail-seal:v1"

# Not a view: dropping it would destroy evidence, so rebuild leaves it alone.
chain = Table(
    "integrity_chain",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("link", String(64), nullable=False),
)


class SealFormatError(ValueError):
    pass


class ChainMismatchError(DomainError):
    """An event does not match the link chained for it: it changed after it was chained."""


@dataclass(frozen=True)
class Mismatch:
    position: int
    problem: str


def link(previous: str, n: Notification, content: bytes) -> str:
    """``content`` is the event's plaintext state (its stored bytes unless the store is encrypted)."""
    h = hashlib.sha256(previous.encode())
    h.update(f"\0{n.id}\0{n.originator_id}\0{n.originator_version}\0{n.topic}\0".encode())
    h.update(content)
    return h.hexdigest()


def head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(chain.c.position, chain.c.link).order_by(chain.c.position.desc()).limit(1)).first()
    return (row.position, row.link) if row else (0, GENESIS)


def extend(conn: Connection, notifications: Sequence[Notification], contents: Sequence[bytes]) -> None:
    """Append links for the notifications beyond the chain's head (a rebuild re-reads old ones)."""
    position, previous = head(conn)
    rows = []
    for n, content in zip(notifications, contents, strict=True):
        if n.id <= position:
            continue
        previous = link(previous, n, content)
        rows.append({"position": n.id, "link": previous})
    bulk_insert(conn, chain, rows)


def head_position(engine: Engine) -> int:
    with engine.connect() as conn:
        return head(conn)[0]


def mismatches(conn: Connection, notifications: Sequence[Notification], contents: Sequence[bytes]) -> list[Mismatch]:
    """Each event that does not match its own link (recomputed from the link stored before it)."""
    first, last = notifications[0].id, notifications[-1].id
    stored = dict(conn.execute(select(chain.c.position, chain.c.link).where(chain.c.position >= first, chain.c.position <= last)).all())
    before = conn.execute(select(chain.c.link).where(chain.c.position < first).order_by(chain.c.position.desc()).limit(1)).scalar()
    previous = before or GENESIS
    found = []
    for n, content in zip(notifications, contents, strict=True):
        expected = link(previous, n, content)
        kept = stored.get(n.id)
        if kept is None:
            found.append(Mismatch(n.id, "has no chain link"))
        elif kept != expected:
            found.append(Mismatch(n.id, "does not match its chain link: it was changed after it was chained"))
        previous = kept or expected
    return found


def all_mismatches(recorder: ApplicationRecorder, mapper: Mapper, engine: Engine) -> list[Mismatch]:
    """Every stored event that does not match its own chain link (or no longer decrypts)."""
    found: list[Mismatch] = []
    with engine.connect() as conn:
        for page in _pages(recorder):
            readable, contents = [], []
            for n in page:
                try:
                    contents.append(plaintext(mapper, n))
                    readable.append(n)
                except UnreadableEventError:
                    found.append(Mismatch(n.id, "no longer decrypts: its stored bytes were changed"))
            if readable:
                found.extend(mismatches(conn, readable, contents))
    return sorted(found, key=lambda m: m.position)


def describe(conn: Connection, mismatch: Mismatch) -> str:
    row = conn.execute(select(audit_events.c.subject, audit_events.c.type).where(audit_events.c.position == mismatch.position)).first()
    about = f" ({row.type} on {row.subject})" if row else ""
    return f"event {mismatch.position}{about} {mismatch.problem}"


def format_seal(position: int, value: str) -> str:
    return f"{SEAL_PREFIX}:{position}:{value}"


def parse_seal(text: str) -> tuple[int, str]:
    prefix, _, rest = text.strip().rpartition(":")
    try:
        kind, position = prefix.rsplit(":", 1)
        if kind != SEAL_PREFIX or len(rest) != 64 or int(rest, 16) < 0:
            raise ValueError
        return int(position), rest
    except ValueError:
        raise SealFormatError(f"seal: {text!r} is not a plantrail seal ({SEAL_PREFIX}:POSITION:64 hex digits)") from None


def current_seal(engine: Engine) -> str:
    with engine.connect() as conn:
        return format_seal(*head(conn))


@dataclass
class Verdict:
    ok: bool
    checked: int
    head_position: int
    head_link: str
    problem: str | None = None
    position: int | None = None
    subject: str | None = None  # the action (or plan, person) the first bad event was about
    event_type: str | None = None
    unsealed: int = 0  # stored events the projector has not chained yet

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__ | {"seal": format_seal(self.head_position, self.head_link)}


def _pages(recorder: ApplicationRecorder, upto: int | None = None) -> Iterator[list[Notification]]:
    position = 0
    while True:
        page = recorder.select_notifications(start=position, limit=10_000, stop=upto, inclusive_of_start=False)
        if not page:
            return
        yield list(page)
        position = page[-1].id


def _stored(recorder: ApplicationRecorder, upto: int | None = None) -> Iterator[Notification]:
    for page in _pages(recorder, upto):
        yield from page


def _link_or_none(mapper: Mapper, previous: str, n: Notification) -> str | None:
    """The link an event should have; None when it no longer decrypts (its bytes were altered)."""
    try:
        return link(previous, n, plaintext(mapper, n))
    except UnreadableEventError:
        return None


def _chain_rows(engine: Engine, upto: int | None = None) -> dict[int, str]:
    query = select(chain.c.position, chain.c.link)
    if upto is not None:
        query = query.where(chain.c.position <= upto)
    with engine.connect() as conn:
        return dict(conn.execute(query).all())


def _name(engine: Engine, position: int) -> tuple[str | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(audit_events.c.subject, audit_events.c.type).where(audit_events.c.position == position)).first()
    return (row.subject, row.type) if row else (None, None)


def verify(recorder: ApplicationRecorder, mapper: Mapper, engine: Engine, seal: str | None = None) -> Verdict:
    """Recompute the chain from the stored events and compare: the chain table, or a seal."""
    if seal is not None:
        return _verify_seal(recorder, mapper, engine, *parse_seal(seal))
    links = _chain_rows(engine)
    chained_to = max(links, default=0)
    order = sorted(links)
    next_link = 0  # index into ``order``: chain positions not yet matched to a stored event
    previous, checked, unsealed = GENESIS, 0, 0
    for n in _stored(recorder):
        if n.id > chained_to:
            unsealed += 1
            continue
        if order[next_link] < n.id:  # the chain has a position the store no longer has
            return _bad(engine, checked, chained_to, links, order[next_link], "a stored event was deleted")
        if order[next_link] > n.id:
            return _bad(engine, checked, chained_to, links, n.id, "an event was added to the store outside plantrail")
        next_link += 1
        expected = _link_or_none(mapper, previous, n)
        if links[n.id] != expected or expected is None:
            return _bad(engine, checked, chained_to, links, n.id, "a stored event was altered, replaced or moved")
        previous = expected
        checked += 1
    if next_link < len(order):
        return _bad(engine, checked, chained_to, links, order[next_link], "a stored event was deleted")
    return Verdict(True, checked, chained_to, links.get(chained_to, GENESIS), unsealed=unsealed)


def _bad(engine: Engine, checked: int, chained_to: int, links: dict[int, str], position: int, problem: str) -> Verdict:
    subject, event_type = _name(engine, position)
    return Verdict(
        False,
        checked,
        chained_to,
        links.get(chained_to, GENESIS),
        problem=problem,
        position=position,
        subject=subject,
        event_type=event_type,
    )


def _verify_seal(recorder: ApplicationRecorder, mapper: Mapper, engine: Engine, position: int, sealed: str) -> Verdict:
    """Uses only the event store: the chain table is not trusted here."""
    previous, checked = GENESIS, 0
    for n in _stored(recorder, upto=position):
        previous = _link_or_none(mapper, previous, n) or ""
        checked += 1
    if previous == sealed:
        return Verdict(True, checked, position, previous)
    # Say where it went wrong if the chain table still holds the truth, else just that it did.
    links = _chain_rows(engine, upto=position)
    previous = GENESIS
    for n in _stored(recorder, upto=position):
        expected = _link_or_none(mapper, previous, n) or ""
        if links.get(n.id) not in (None, expected) or n.id not in links:
            return _bad(engine, checked, position, {position: sealed}, n.id, "the events up to the seal differ from when it was made")
        previous = expected
    stored_positions = {n.id for n in _stored(recorder, upto=position)}
    gone = sorted(set(links) - stored_positions)
    where = gone[0] if gone else position
    return _bad(engine, checked, position, {position: sealed}, where, "the events up to the seal differ from when it was made")
