"""Projection catch-up speed vs the raw speed of reading the events, read-model size, peak memory.

    python -m benchmarks.projection [--actions 20000] [--events-per-action 50] [--store sqlite|postgres|both]

Builds a synthetic store (batched saves), then, in a fresh child process so that peak RSS is
the projector's own: reads the whole log through the library's notification log (no
decoding), reads it again with a plain ``SELECT`` of the event table, projects it from
position 0, and `rebuild`s it. Prints each rate and the ratios, and the read models' size on
disk against the events'. Two more lines bound what any catch-up could do: the reading every
catch-up must do (the log read, decrypting, decoding, chaining), and storing the rows it
stores with no other work; together they are the ceiling on its ratio to the log read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from benchmarks.common import add_store_arguments, fresh_database, peak_rss_mib, stores
from benchmarks.store_size import sizes
from benchmarks.synthetic import action_batches, setup_aggregates
from plantrail.event_table import EventTable
from plantrail.settings import database_config


def build_store(url: str, actions: int, per_action: int) -> int:
    from domain.application import PlanTrail

    app = PlanTrail(env=database_config(url).eventsourcing_env)
    app.save(*setup_aggregates("BENCH"))
    started = time.perf_counter()
    for batch in action_batches("BENCH", actions, per_action, batch_size=200):
        app.save(*batch)
    total = app.recorder.max_notification_id() or 0
    print(f"  built store: {total:,} events in {time.perf_counter() - started:.0f} s")
    app.close()
    return total


def measure_in_this_process(url: str, page_size: int) -> dict:
    from plantrail.bootstrap import bootstrap

    services = bootstrap(url, page_size=page_size)
    recorder = services.app.recorder
    target = recorder.max_notification_id() or 0
    started, cpu = time.perf_counter(), time.process_time()
    position, read = 0, 0
    while position < target:
        page = recorder.select_notifications(start=position, limit=page_size, inclusive_of_start=False)
        read += len(page)
        position = page[-1].id
    raw_seconds, raw_cpu = time.perf_counter() - started, time.process_time() - cpu
    select_seconds = _plain_select(services.engine, EventTable.of(database_config(url)), page_size)
    floor_seconds, floor_cpu = _unavoidable_reading(services, target, page_size)
    rss_after_raw = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    services.projector.catch_up()
    projection_seconds, projection_cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_after_catch_up = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    services.projector.rebuild()
    rebuild_seconds, rebuild_cpu = time.perf_counter() - started, time.process_time() - cpu
    on_disk = sizes(services.engine, EventTable.of(database_config(url)))
    peak_rss = peak_rss_mib()  # before the rows are held in memory to be written again
    writes_seconds, writes_cpu = _writes_alone(services.engine, target, page_size)
    services.close()
    return {
        "events": read,
        "raw_seconds": raw_seconds,
        "raw_cpu": raw_cpu,
        "projection_cpu": projection_cpu,
        "rebuild_cpu": rebuild_cpu,
        "select_seconds": select_seconds,
        "floor_seconds": floor_seconds,
        "floor_cpu": floor_cpu,
        "writes_seconds": writes_seconds,
        "writes_cpu": writes_cpu,
        "projection_seconds": projection_seconds,
        "rebuild_seconds": rebuild_seconds,
        "rss_after_raw_mib": rss_after_raw,
        "rss_after_catch_up_mib": rss_after_catch_up,
        "peak_rss_mib": peak_rss,
        "sizes": on_disk,
    }


def _unavoidable_reading(services: Any, target: int, page_size: int) -> tuple[float, float]:
    """Wall and CPU seconds of the work any catch-up does before it writes a row: read each page
    of the log, decrypt and decode every event, and hash it into the chain (nothing stored).
    What catch-up costs beyond this is the folding and the writing of the read models."""
    from projections.chain import GENESIS, link
    from projections.decoding import decode_state, plaintext
    from projections.log_reader import select_page

    recorder, mapper = services.app.recorder, services.app.mapper
    seen = datetime.now(UTC)
    started, cpu = time.perf_counter(), time.process_time()
    position, previous = 0, GENESIS
    while position < target:
        page = select_page(recorder, position, page_size, target)
        for n in page:
            data = plaintext(mapper, n)
            previous = link(previous, n, data, seen)
            decode_state(mapper, n, data)
        position = page[-1].id
    return time.perf_counter() - started, time.process_time() - cpu


def _writes_alone(engine: Engine, events: int, page_size: int) -> tuple[float, float]:
    """Wall and CPU seconds of storing, and nothing else, the rows the catch-up stored: every
    read-model row and chain link, read back, the tables emptied, and the rows written again
    the way the projector writes them (a page's share of each table per transaction, the
    deferred indexes built at the end). Run last: it replaces the live tables' rows with
    themselves. With ``_unavoidable_reading``, the least any catch-up writing these read models
    can cost."""
    from projections import bulk_load
    from projections import tables as t
    from projections.bulk import bulk_insert_rows
    from projections.chain import chain

    tables = [*t.VIEW_TABLES, chain]
    stored: dict[Any, tuple[list[str], list[tuple]]] = {}
    with engine.begin() as conn:
        for table in tables:
            columns = [c.name for c in table.columns if not (table is t.action_states and c.name == "id")]
            # Through the driver: values as it hands them back, dates as text on SQLite.
            stored[table] = (columns, [tuple(row) for row in conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table.name}")])
            conn.exec_driver_sql(f"DELETE FROM {table.name}")
    bulk_load.drop_indexes(engine)
    pages = max(1, -(-events // page_size))
    started, cpu = time.perf_counter(), time.process_time()
    for page in range(pages):
        with engine.begin() as conn:
            for table, (columns, rows) in stored.items():
                share = -(-len(rows) // pages)
                bulk_insert_rows(conn, table, columns, rows[page * share : (page + 1) * share], converted=True)
    bulk_load.build_indexes(engine)
    return time.perf_counter() - started, time.process_time() - cpu


def _plain_select(engine: Engine, events: EventTable, page_size: int) -> float:
    """Every event's position, stream, version, topic and state with a plain keyset-paged SELECT
    through the driver: the floor under any reader of the log."""
    sql = (
        f"SELECT {events.position}, originator_id, originator_version, topic, state FROM {events.name} "
        f"WHERE {events.position} > {{mark}} ORDER BY {events.position} LIMIT {page_size}"
    ).format(mark="?" if events.kind == "sqlite" else "%s")
    started = time.perf_counter()
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        position = 0
        while rows := cursor.execute(sql, (position,)).fetchall():
            position = rows[-1][0]
    return time.perf_counter() - started


def measure(kind: str, postgres_url: str, actions: int, per_action: int, page_size: int) -> None:
    print(f"\n== {kind}: {actions:,} actions × {per_action} events, pages of {page_size} ==")
    with fresh_database(kind, postgres_url) as url:
        build_store(url, actions, per_action)
        child = subprocess.run(
            [sys.executable, "-m", "benchmarks.projection", "--measure", url, "--page-size", str(page_size)],
            capture_output=True,
            text=True,
            check=True,
        )
    r = json.loads(child.stdout.strip().splitlines()[-1])
    n = r["events"]
    rates = {name: n / r[f"{name}_seconds"] for name in ("raw", "select", "projection", "rebuild")}
    print(f"  notification log read         {rates['raw']:>10,.0f} events/s  ({r['raw_seconds']:.1f} s)")
    print(f"  plain SELECT of the events    {rates['select']:>10,.0f} events/s  ({r['select_seconds']:.1f} s)")
    print(
        f"  read, decrypt, decode, chain  {n / r['floor_seconds']:>10,.0f} events/s  ({r['floor_seconds']:.1f} s; "
        f"what catch-up does before it writes: {r['raw_cpu'] / r['floor_cpu']:.2f}× the log read, CPU)"
    )
    print(
        f"  storing its rows, nothing else {n / r['writes_seconds']:>9,.0f} events/s  ({r['writes_seconds']:.1f} s; "
        f"CPU {r['writes_cpu']:.2f} s)"
    )
    least = r["floor_seconds"] + r["writes_seconds"]
    print(
        f"  the two together: {least:.1f} s, a ceiling of {r['raw_seconds'] / least:.2f}× the log read for any catch-up "
        f"writing these read models (CPU {r['raw_cpu'] / (r['floor_cpu'] + r['writes_cpu']):.2f}×)"
    )
    print(f"  projection catch-up           {rates['projection']:>10,.0f} events/s  ({r['projection_seconds']:.1f} s)")
    print(f"  rebuild (scratch + swap)      {rates['rebuild']:>10,.0f} events/s  ({r['rebuild_seconds']:.1f} s)")
    for name in ("projection", "rebuild"):
        print(
            f"  ratio {name:<10} / log read: {rates[name] / rates['raw']:.2f}×  (target ≥ 0.3×);"
            f"  / plain SELECT: {rates[name] / rates['select']:.2f}×"
        )
    # On a shared machine wall time swings with the neighbours' load between the phases; the
    # process's own CPU time does not (on SQLite all the database work is in this process too).
    print(
        f"  CPU seconds: log read {r['raw_cpu']:.2f}, catch-up {r['projection_cpu']:.2f} (ratio {r['raw_cpu'] / r['projection_cpu']:.2f}×), "
        f"rebuild {r['rebuild_cpu']:.2f} (ratio {r['raw_cpu'] / r['rebuild_cpu']:.2f}×)"
        + ("" if kind == "sqlite" else " (the server's own work not counted)")
    )
    size = r["sizes"]
    mib = 1024 * 1024
    print(
        f"  on disk: events {size['events'] / mib:.1f} MiB, read models {size['views'] / mib:.1f} MiB "
        f"({size['views'] / size['events']:.2f}×, target ≤ 1.5×), integrity chain {size['chain'] / mib:.1f} MiB "
        f"(with it {(size['views'] + size['chain']) / size['events']:.2f}×)"
    )
    biggest = sorted(((v, k.removeprefix("table:")) for k, v in size.items() if k.startswith("table:")), reverse=True)[:4]
    print("    largest: " + ", ".join(f"{name} {value / mib:.1f} MiB" for value, name in biggest))
    print(
        f"  peak RSS of the projecting process: {r['peak_rss_mib']:.0f} MiB "
        f"(after the log reads: {r['rss_after_raw_mib']:.0f} MiB, after catch-up: {r['rss_after_catch_up_mib']:.0f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--events-per-action", type=int, default=50)
    parser.add_argument("--page-size", type=int, default=10_000)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    add_store_arguments(parser)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_in_this_process(args.measure, args.page_size)))
        return
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.events_per_action, args.page_size)


if __name__ == "__main__":
    main()
