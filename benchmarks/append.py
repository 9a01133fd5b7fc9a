"""Append speed: plantrail's Application vs raw eventsourcing, batched vs one save per aggregate.

    python -m benchmarks.append [--actions 2000] [--events-per-action 50] [--store sqlite|postgres|both]

Prints events/second and ratios, all measured in this one run on the same kind of store.
Aggregates are built in memory first (not timed), so the figures compare the storage paths.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.raw_baseline import RawApplication, raw_copy
from benchmarks.synthetic import action_batches, setup_aggregates
from plantrail.settings import database_config


def build(actions: int, per_action: int, batch_size: int) -> tuple[list, list[list], int]:
    setup = setup_aggregates("BENCH")
    started = time.perf_counter()
    batches = list(action_batches("BENCH", actions, per_action, batch_size))
    build_seconds = time.perf_counter() - started
    events = sum(len(a.pending_events) for batch in batches for a in batch)
    print(f"  built {events:,} events in memory through plantrail's command methods: {events / build_seconds:,.0f} events/s")
    return setup, batches, events


def timed_saves(app, batches: list[list], *, one_by_one: bool) -> float:
    started = time.perf_counter()
    for batch in batches:
        if one_by_one:
            for aggregate in batch:
                app.save(aggregate)
        else:
            app.save(*batch)
    return time.perf_counter() - started


def measure(kind: str, postgres_url: str, actions: int, per_action: int, batch_size: int) -> None:
    from domain.application import PlanTrail

    print(f"\n== {kind}: {actions:,} actions × {per_action} events, batches of {batch_size} ==")
    setup, batches, events = build(actions, per_action, batch_size)
    raw_batches = [[raw_copy(a) for a in batch] for batch in batches]
    results = {}
    for label, make_app, data, one_by_one in (
        ("plantrail, batched save", PlanTrail, batches, False),
        ("raw eventsourcing, batched save", RawApplication, raw_batches, False),
        ("plantrail, one save per aggregate", PlanTrail, None, True),
    ):
        with fresh_database(kind, postgres_url) as url:
            app = make_app(env=database_config(url).eventsourcing_env)
            if make_app is PlanTrail:
                app.save(*setup)
            if data is None:  # rebuild fresh aggregates: saved ones have no pending events left
                _, data, _ = build(actions, per_action, batch_size)
            seconds = timed_saves(app, data, one_by_one=one_by_one)
            app.close()
        results[label] = events / seconds
        print(f"  {label:<36} {events / seconds:>10,.0f} events/s  ({seconds:.1f} s)")
    print(
        f"  ratio plantrail / raw (batched):          {results['plantrail, batched save'] / results['raw eventsourcing, batched save']:.2f}×  (target ≥ 0.8×)"
    )
    print(
        f"  ratio batched / one save per aggregate:   {results['plantrail, batched save'] / results['plantrail, one save per aggregate']:.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--events-per-action", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=200, help="aggregates per save() call")
    add_store_arguments(parser)
    args = parser.parse_args()
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.events_per_action, args.batch_size)


if __name__ == "__main__":
    main()
