"""The reminder sweep on a large store: deciding what is due, and raising and rendering reminders.

    python -m benchmarks.sweep [--actions 100000] [--store sqlite|postgres|both]

Deciding reads only the indexed read models (current-state view, owners, people, plans);
the event store is never replayed. Raising 10,000 reminders includes saving their events,
projecting them, rendering the digests (jinja2) and storing them in the outbox.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import action_batches, setup_aggregates
from domain.application import raise_reminders
from plantrail.bootstrap import bootstrap, sweep_context
from plantrail.settings import MailSettings, default_mail_settings
from scheduler.sweep import SCHEDULER_ACTOR, due_now, enqueue_pending

AS_OF = date(2015, 3, 2)


def settings() -> MailSettings:
    return default_mail_settings(outbox_dir=Path("unused"), mail_from="plantrail <p@example.org>", smtp_host="")


def measure(kind: str, postgres_url: str, actions: int, raise_count: int) -> None:
    print(f"\n== {kind}: {actions:,} open actions ==")
    with fresh_database(kind, postgres_url) as url:
        services = bootstrap(url)
        services.app.save(*setup_aggregates("SWEEP"))
        started = time.perf_counter()
        for batch in action_batches("SWEEP", actions, 3, batch_size=500):
            services.app.save(*batch)
        services.projector.catch_up()
        print(f"  store built and projected in {time.perf_counter() - started:.0f} s")
        ctx = sweep_context(services, settings())
        times, due = [], []
        for _ in range(3):
            started = time.perf_counter()
            due = due_now(ctx, AS_OF, AS_OF)
            times.append(time.perf_counter() - started)
        print(f"  decide what is due (median of 3):  {statistics.median(times):6.2f} s for {len(due):,} due reminders   (target < 2 s)")
        specs = [
            {
                "key": d.key,
                "rule": d.rule,
                "plan_code": d.plan_code,
                "action_code": d.action_code,
                "about": d.about,
                "period": d.period,
                "recipients": [{"name": n, "role": r} for n, r in d.recipients],
                "details": d.details | {"latest_note": None},
                "sweep_id": "bench",
                "actor": SCHEDULER_ACTOR,
                "effective_on": AS_OF,
            }
            for d in due[:raise_count]
        ]
        now = datetime.now(UTC)
        started = time.perf_counter()
        raise_reminders(services.app, specs)
        raised = time.perf_counter() - started
        started = time.perf_counter()
        services.projector.catch_up()
        projected = time.perf_counter() - started
        started = time.perf_counter()
        messages = enqueue_pending(ctx, now).messages
        rendered = time.perf_counter() - started
        total = raised + projected + rendered
        print(f"  raise {len(specs):,} reminders (events saved):   {raised:6.2f} s")
        print(f"  project them:                          {projected:6.2f} s")
        print(f"  render and store {messages:,} digests:        {rendered:6.2f} s")
        print(f"  total per reminder:                    {total / max(1, len(specs)) * 1000:6.2f} ms")
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--raise", dest="raise_count", type=int, default=10_000)
    add_store_arguments(parser)
    args = parser.parse_args()
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.raise_count)


if __name__ == "__main__":
    main()
