"""Projection catch-up speed vs the raw speed of reading the events, read-model size, peak memory.

    python -m benchmarks.projection [--actions 20000] [--events-per-action 50] [--store sqlite|postgres|both]

Builds a synthetic store (batched saves), then, in a fresh child process so that peak RSS is
the projector's own: reads the whole log through the library's notification log (no
decoding), reads it again with a plain ``SELECT`` of the event table, projects it from
position 0, and `rebuild`s it. Prints each rate and the ratios, and the read models' size on
disk against the events'.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

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
    rss_after_raw = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    services.projector.catch_up()
    projection_seconds, projection_cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_after_catch_up = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    services.projector.rebuild()
    rebuild_seconds, rebuild_cpu = time.perf_counter() - started, time.process_time() - cpu
    on_disk = sizes(services.engine, EventTable.of(database_config(url)))
    services.close()
    return {
        "events": read,
        "raw_seconds": raw_seconds,
        "raw_cpu": raw_cpu,
        "projection_cpu": projection_cpu,
        "rebuild_cpu": rebuild_cpu,
        "select_seconds": select_seconds,
        "projection_seconds": projection_seconds,
        "rebuild_seconds": rebuild_seconds,
        "rss_after_raw_mib": rss_after_raw,
        "rss_after_catch_up_mib": rss_after_catch_up,
        "peak_rss_mib": peak_rss_mib(),
        "sizes": on_disk,
    }


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
