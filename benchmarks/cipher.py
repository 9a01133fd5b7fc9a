"""The cost of encryption at rest: append and replay with and without PLANTRAIL_CIPHER_KEY.

python -m benchmarks.cipher [--actions 2000] [--events-per-action 50] [--store sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import time

from eventsourcing.cryptography import AESCipher

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import action_batches, setup_aggregates
from domain.application import PlanTrail
from plantrail.settings import database_config


def run(url: str, actions: int, per_action: int, key: str | None) -> tuple[float, float, int]:
    env = database_config(url).eventsourcing_env
    if key:
        env = env | {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key}
    app = PlanTrail(env=env)
    app.save(*setup_aggregates("C"))
    batches = list(action_batches("C", actions, per_action, batch_size=200))
    events = sum(len(a.pending_events) for b in batches for a in b)
    started = time.perf_counter()
    for batch in batches:
        app.save(*batch)
    append = time.perf_counter() - started
    started = time.perf_counter()
    position = 0
    while True:
        page = app.recorder.select_notifications(start=position, limit=10_000, inclusive_of_start=False)
        if not page:
            break
        for n in page:
            app.mapper.to_domain_event(n)
        position = page[-1].id
    replay = time.perf_counter() - started
    app.close()
    return append, replay, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--events-per-action", type=int, default=50)
    add_store_arguments(parser)
    args = parser.parse_args()
    key = AESCipher.create_key(32)
    for kind in stores(args.store):
        print(f"\n== {kind}: {args.actions:,} actions × {args.events_per_action} events ==")
        results = {}
        for label, cipher_key in (("plain", None), ("AES-GCM", key)):
            with fresh_database(kind, args.postgres_url) as url:
                results[label] = run(url, args.actions, args.events_per_action, cipher_key)
            append, replay, events = results[label]
            print(f"  {label:<8} append {events / append:>9,.0f} events/s   replay {events / replay:>9,.0f} events/s")
        (pa, pr, _), (ca, cr, _) = results["plain"], results["AES-GCM"]
        print(f"  overhead of encryption: append {ca / pa - 1:+.0%}, replay {cr / pr - 1:+.0%}")


if __name__ == "__main__":
    main()
