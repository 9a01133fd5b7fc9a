"""Helpers to compare read models: every view row, sorted, as plain tuples."""

from sqlalchemy import select

from projections import tables as t


def view_snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in t.VIEW_TABLES:
            # Surrogate keys from sequences are not part of the state (a rolled-back page uses some up).
            columns = [c for c in table.c if not (c.name == "id" and table is t.action_states)]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def stored_event_count(app) -> int:
    return app.recorder.max_notification_id() or 0
