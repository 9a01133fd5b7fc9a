"""Fingerprints of the actions a plan file or a sheet imported, so that importing it again skips
what is unchanged without loading, validating or merging it.

Each action of a plan file is fingerprinted as written (its JSON, keys sorted); each action of a
sheet (CSV, XLSX) as read from its row, with the dates the import gives it. After a
successful import the fingerprint is kept with the stream version the import left the action
at. Next time, an action whose fingerprint and stream version are both unchanged is skipped:
merging the same lines into the same history adds nothing (imports are idempotent), so skipping
it is the same outcome without the cost (measured: a re-import of an unchanged file cost 87 % of
the first import, most of it loading every action and validating the file again). Anything else
— a changed line, an action changed since by anyone, a missing or unreadable record — takes the
full path. The table is a cache, not history: emptying it only makes the next import slower.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, Text, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from domain.ids import action_id, normalise_key, person_id, plan_id
from domain.plan_document import ActionSpec, PlanDocument
from plantrail.event_table import EventTable
from projections import tables as views

metadata = MetaData()
_CHUNK = 500  # ids per IN (...)

# Per plan, the last action list (CSV, XLSX) imported into it: the file's fingerprint, and the
# version every stream its import merged into was left at. The same file, read the same way
# (same --on, --by, plan and options), into streams nobody has changed since, would merge into
# the same histories and add nothing, so it is not read at all: reading the workbook was 70 % of
# an XLSX re-import once its rows were skipped.
imported_sheets = Table(
    "import_sheets",
    metadata,
    Column("plan_key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("streams", Text, nullable=False),  # JSON {stream id: version}
    Column("notices", Text, nullable=False),  # JSON list: what reading the file said
)

imported_actions = Table(
    "import_fingerprints",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("version", Integer, nullable=False),  # the action's stream version the import left
)


def _fingerprint(action: Any) -> str | None:
    try:
        return hashlib.sha256(orjson.dumps(action, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except (TypeError, orjson.JSONEncodeError):
        return None


class ImportCache:
    """Which actions of a plan file can be skipped; remembers the rest to record after the import."""

    def __init__(self, engine: Engine, events: EventTable) -> None:
        self.engine = engine
        self.events = events
        self.pending: dict[str, str] = {}  # action id -> fingerprint, for the actions merged
        self.pending_sheets: list[tuple[str, str, PlanDocument, list[str]]] = []  # plan key, fingerprint, document, notices

    # ----- whole sheets -------------------------------------------------------------------

    def sheet_unchanged(self, plan_code: str, fingerprint: str) -> list[str] | None:
        """The notices of the last reading of this sheet if it is the plan's last one imported and
        every stream it merged into is as that import left it; otherwise None (read it)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(imported_sheets).where(imported_sheets.c.plan_key == normalise_key(plan_code))).first()
            if row is None or row.fingerprint != fingerprint:
                return None
            left = {UUID(i): v for i, v in orjson.loads(row.streams).items()}
            if self.events.stream_versions(conn, list(left)) != left:
                return None
        notices: list[str] = orjson.loads(row.notices)
        return notices

    def read_sheet(self, plan_code: str, fingerprint: str, document: PlanDocument, notices: list[str]) -> None:
        """A sheet read in full (its document before any row was skipped): remembered after the import."""
        self.pending_sheets.append((normalise_key(plan_code), fingerprint, document, notices))

    def _record_sheets(self) -> None:
        for plan_key, fingerprint, document, notices in self.pending_sheets:
            ids = [
                plan_id(document.code),
                *(person_id(p.name) for p in document.people),
                *(action_id(document.code, a.code) for a in document.actions),
            ]
            with self.engine.begin() as conn:
                versions = self.events.stream_versions(conn, ids)
                if len(versions) != len(set(ids)):  # a stream the document names but nobody made: read it next time
                    conn.execute(delete(imported_sheets).where(imported_sheets.c.plan_key == plan_key))
                    continue
                row = {
                    "plan_key": plan_key,
                    "fingerprint": fingerprint,
                    "streams": orjson.dumps({str(i): v for i, v in versions.items()}).decode(),
                    "notices": orjson.dumps(notices).decode(),
                }
                _upsert(conn, imported_sheets, "plan_key", [row])
        self.pending_sheets.clear()

    # ----- actions --------------------------------------------------------------------------

    def unchanged(self, data: Any) -> set[int]:
        """The positions in ``data["actions"]`` of actions imported before, as written, and not
        changed since. Anything not shaped like a plan file skips nothing (validation says why)."""
        try:
            plan_code = data["plan"]["code"]
            ids = [str(action_id(plan_code, a["code"])) for a in data["actions"]]
        except (TypeError, KeyError, AttributeError):
            return set()
        return self._unchanged(ids, [_fingerprint(a) for a in data["actions"]])

    def unchanged_specs(self, plan_code: str, actions: list[ActionSpec]) -> set[int]:
        """The positions of actions read from a sheet (CSV, XLSX) that were imported before as
        read now and not changed since. A sheet's rows are fingerprinted once read, as actions:
        the same row read with another --on date or into another plan is a different action."""
        ids = [str(action_id(plan_code, spec.code)) for spec in actions]
        # Tagged, so that a sheet's action and a plan file's can never share a fingerprint. orjson
        # writes dataclasses itself, fields in their declared order (``dataclasses.asdict`` cost
        # 40 % of a re-import of 1,000 rows).
        return self._unchanged(ids, [_fingerprint({"sheet": spec}) for spec in actions])

    def _unchanged(self, ids: list[str], prints: list[str | None]) -> set[int]:
        if len(set(ids)) != len(ids):
            return set()  # a code twice: the full path reports it
        f, a = imported_actions, views.actions
        query = select(f.c.action_id, f.c.fingerprint).join(a, (a.c.id == f.c.action_id) & (a.c.version == f.c.version))
        kept: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), _CHUNK):
                for row in conn.execute(query.where(f.c.action_id.in_(ids[start : start + _CHUNK]))):
                    kept[row.action_id] = row.fingerprint
        skip = {i for i, (id_, fp) in enumerate(zip(ids, prints, strict=True)) if fp is not None and kept.get(id_) == fp}
        self.pending.update({id_: fp for i, (id_, fp) in enumerate(zip(ids, prints, strict=True)) if i not in skip and fp is not None})
        return skip

    def record(self, versions: dict[str, int]) -> None:
        """After the import's save: each merged action's fingerprint with the version it left,
        and each sheet read with the versions its streams were left at."""
        self._record_sheets()
        rows = [{"action_id": id_, "fingerprint": fp, "version": versions[id_]} for id_, fp in self.pending.items() if id_ in versions]
        if not rows:
            return
        with self.engine.begin() as conn:
            _upsert(conn, imported_actions, "action_id", rows)
        self.pending.clear()


def _upsert(conn: Connection, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert the rows, replacing those with the same ``key`` (two imports at once both succeed)."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table)
    conn.execute(stmt.on_conflict_do_update(index_elements=[key], set_={c: stmt.excluded[c] for c in rows[0] if c != key}), rows)
