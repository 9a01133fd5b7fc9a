"""Move and back up a store: its events as stored, with their chain links, as gzipped JSON lines.

``export_log`` writes a header (format, whether the events are encrypted and the key's
fingerprint, how many events, the seal), one line per event (position, stream, version, topic,
the stored bytes in base64 — ciphertext stays ciphertext — and its chain link with the time
it was first seen) and a trailer repeating the count, so a cut-off file is recognised.

``restore`` loads such a file into an empty store, SQLite or PostgreSQL alike: it first reads
the whole file and recomputes the chain (nothing is written if one link fails), then inserts
the events at their original positions with their links in one transaction, and lets the
projector build the read models. Restoring an SQLite export into PostgreSQL is how a council
outgrows one file.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Notification
from sqlalchemy import select

from domain.errors import BadInputError, ConflictError
from plantrail import keys
from plantrail.event_table import EventTable
from plantrail.files import new_file
from plantrail.services import Services
from projections.bulk import bulk_insert
from projections.chain import GENESIS, chain, current_seal, link, seen_text
from projections.decoding import UnreadableEventError, plaintext

FORMAT = "plantrail-log/1"
PAGE = 5_000


class BackupFileError(BadInputError):
    """The file is not a complete plantrail log, or its chain does not hold."""


class StoreNotEmptyError(ConflictError):
    """A restore goes into an empty store only."""


@dataclass(frozen=True)
class Restored:
    events: int
    seal: str


def export_log(services: Services, path: Path, *, force: bool = False) -> int:
    """Write every stored event, as stored, with its chain link; return how many."""
    services.projector.catch_up()  # every event chained first
    facts = keys.recorded_facts(services.engine)
    assert facts is not None
    count = services.app.recorder.max_notification_id() or 0
    header = {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "encrypted": facts.encrypted,
        "key_fingerprint": facts.key_fingerprint,
        "last_position": count,
        "seal": current_seal(services.engine),
    }
    written = 0
    with new_file(path, force=force, option="FILE") as raw, gzip.open(raw, "wb") as out:
        out.write(orjson.dumps(header) + b"\n")
        for page in _pages(services):
            with services.engine.connect() as conn:
                query = select(chain.c.position, chain.c.link, chain.c.seen_at).where(
                    chain.c.position >= page[0].id, chain.c.position <= page[-1].id
                )
                links = {row.position: (row.link, seen_text(row.seen_at)) for row in conn.execute(query)}
            for n in page:
                kept, seen = links.get(n.id, (None, None))
                line = {
                    "position": n.id,
                    "originator_id": str(n.originator_id),
                    "originator_version": n.originator_version,
                    "topic": n.topic,
                    "state": base64.b64encode(n.state).decode(),
                    "link": kept,
                    "seen_at": seen,
                }
                out.write(orjson.dumps(line) + b"\n")
                written += 1
        out.write(orjson.dumps({"end": FORMAT, "events": written}) + b"\n")
    return written


def _pages(services: Services) -> Iterator[list[Notification]]:
    position = 0
    while page := services.app.recorder.select_notifications(start=position, limit=PAGE, inclusive_of_start=False):
        yield list(page)
        position = page[-1].id


def restore(services: Services, path: Path) -> Restored:
    """Load an exported log into this (empty) store, after checking its chain end to end."""
    table = EventTable.of(services.database)
    with services.engine.connect() as conn:
        if not table.is_empty(conn):
            raise StoreNotEmptyError("restore: this store already holds events; restore into a new, empty store")
    header = _check(services, path)
    with table.exclusive(services.engine) as conn:
        if not table.is_empty(conn):
            raise StoreNotEmptyError("restore: events were written to this store meanwhile; nothing was restored")
        batch: list[dict[str, Any]] = []
        rows: list[tuple[int, UUID, int, str, bytes]] = []
        for line in _events(path):
            rows.append((line["position"], UUID(line["originator_id"]), line["originator_version"], line["topic"], line["state"]))
            batch.append({"position": line["position"], "link": line["link"], "seen_at": _moment(line["seen_at"])})
            if len(rows) >= PAGE:
                table.insert_at(conn, rows)
                bulk_insert(conn, chain, batch)
                rows, batch = [], []
        table.insert_at(conn, rows)
        bulk_insert(conn, chain, batch)
        table.after_restore(conn)
    services.projector.catch_up()
    return Restored(events=header["events"], seal=header["seal"])


def _check(services: Services, path: Path) -> dict[str, Any]:
    """Read the whole file and recompute its chain; raise naming the first thing wrong."""
    header = _header(path)
    facts = keys.recorded_facts(services.engine)
    assert facts is not None
    if (facts.encrypted, facts.key_fingerprint) != (header["encrypted"], header["key_fingerprint"]):
        wanted = (
            "encrypted under a key with fingerprint " + header["key_fingerprint"][:12] + "…" if header["encrypted"] else "not encrypted"
        )
        raise keys.StoreKeyError(f"restore: the exported events are {wanted}; set PLANTRAIL_CIPHER_KEY to match, on a new store")
    previous, count, last = GENESIS, 0, 0
    for line in _events(path):
        n = Notification(
            id=line["position"],
            originator_id=UUID(line["originator_id"]),
            originator_version=line["originator_version"],
            topic=line["topic"],
            state=line["state"],
        )
        if n.id <= last:
            raise BackupFileError(f"{path}: event {n.id} is out of order; nothing was restored")
        try:
            content = plaintext(services.app.mapper, n)
        except UnreadableEventError:
            raise BackupFileError(f"{path}: event {n.id} does not decrypt; nothing was restored") from None
        expected = link(previous, n, content, _moment(line["seen_at"]))
        if line["link"] != expected:
            raise BackupFileError(f"{path}: event {n.id} does not match its chain link; nothing was restored")
        previous, count, last = expected, count + 1, n.id
    if f"plantrail-seal:v1:{last}:{previous}" != header["seal"] and count:
        raise BackupFileError(f"{path}: the events do not end at the seal in the header; nothing was restored")
    return header | {"events": count}


def _header(path: Path) -> dict[str, Any]:
    try:
        with gzip.open(path, "rb") as lines:
            header = orjson.loads(lines.readline())
    except (OSError, EOFError, orjson.JSONDecodeError):
        raise BackupFileError(f"{path}: not a plantrail log (gzipped JSON lines from `plantrail export-log`)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupFileError(f"{path}: not a plantrail log ({FORMAT})")
    return header


def _events(path: Path) -> Iterator[dict[str, Any]]:
    """The event lines, states decoded; raises unless the trailer is there and counts them all."""
    count = 0
    try:
        with gzip.open(path, "rb") as lines:
            lines.readline()
            for raw in lines:
                line = orjson.loads(raw)
                if "end" in line:
                    if line["events"] != count:
                        raise BackupFileError(f"{path}: the trailer counts {line['events']} events, the file holds {count}")
                    return
                line["state"] = base64.b64decode(line["state"])
                count += 1
                yield line
    except (OSError, EOFError, orjson.JSONDecodeError, KeyError, ValueError) as error:
        raise BackupFileError(f"{path}: damaged after {count} events ({type(error).__name__}); nothing was restored") from None
    raise BackupFileError(f"{path}: cut off after {count} events (no trailer); nothing was restored")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
