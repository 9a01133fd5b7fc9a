"""Projection catch-up speed vs the raw speed of reading the notification log, and peak memory.

    python -m benchmarks.projection [--actions 20000] [--events-per-action 50] [--store sqlite|postgres|both]

Builds a synthetic store (batched saves), then, in a fresh child process so that peak RSS is
the projector's own: reads the whole log raw (no decoding), then projects it from position 0.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchmarks.common import add_store_arguments, fresh_database, peak_rss_mib, stores
from benchmarks.synthetic import action_batches, setup_aggregates
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
    started = time.perf_counter()
    position, read = 0, 0
    while position < target:
        page = recorder.select_notifications(start=position, limit=page_size, inclusive_of_start=False)
        read += len(page)
        position = page[-1].id
    raw_seconds = time.perf_counter() - started
    rss_after_raw = peak_rss_mib()
    started = time.perf_counter()
    services.projector.catch_up()
    projection_seconds = time.perf_counter() - started
    services.close()
    return {
        "events": read,
        "raw_seconds": raw_seconds,
        "projection_seconds": projection_seconds,
        "rss_after_raw_mib": rss_after_raw,
        "peak_rss_mib": peak_rss_mib(),
    }


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
    raw_rate = r["events"] / r["raw_seconds"]
    projection_rate = r["events"] / r["projection_seconds"]
    print(f"  raw notification log read     {raw_rate:>10,.0f} events/s  ({r['raw_seconds']:.1f} s)")
    print(f"  projection catch-up           {projection_rate:>10,.0f} events/s  ({r['projection_seconds']:.1f} s)")
    print(f"  ratio projection / raw read:  {projection_rate / raw_rate:.2f}×  (target ≥ 0.3×)")
    print(f"  peak RSS of the projecting process: {r['peak_rss_mib']:.0f} MiB (after the raw read: {r['rss_after_raw_mib']:.0f} MiB)")


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
