"""The reminder sweep on a large store: deciding what is due, and raising and rendering reminders.

    python -m benchmarks.sweep [--actions 100000] [--claims 1000] [--store sqlite|postgres|both]

Deciding reads only the indexed read models (current-state view, owners, people, plans, claims);
the event store is never replayed. Raising 10,000 reminders includes saving their events,
projecting them, rendering the digests (jinja2) and storing them in the outbox. ``--claims``
completion claims, made a fortnight before the sweep, await sign-off; the sign-off part of
deciding is also timed on its own.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import action_batches, setup_aggregates
from domain.commands import ChangeLifecycle
from domain.errors import DomainError
from domain.reminder_use_cases import raise_reminders
from plantrail.bootstrap import bootstrap, sweep_context
from plantrail.services import Services
from plantrail.settings import MailSettings, default_mail_settings
from scheduler import sign_off
from scheduler.facts import directory
from scheduler.sign_off import SignOffFacts
from scheduler.sweep import due_now, enqueue_pending, reminder_spec

AS_OF = date(2015, 3, 2)
CLAIMED_AT = datetime(2015, 2, 16, 10, tzinfo=UTC)


def settings() -> MailSettings:
    return default_mail_settings(outbox_dir=Path("unused"), mail_from="plantrail <p@example.org>", smtp_host="")


def add_claims(services: Services, count: int) -> int:
    """Completion claims on the first ``count`` actions that accept one, each by its first owner,
    recorded (as the event store's clock says) a fortnight before the sweep."""
    made = 0
    with mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", lambda: CLAIMED_AT):
        for number in range(count * 2):
            if made == count:
                break
            code = f"A{number:06d}"
            owner = services.app.get_action("SWEEP", code).owners[0]
            try:
                services.app.handle("SWEEP", code, ChangeLifecycle("complete", None, CLAIMED_AT.date(), "Audit of 20 plans"), actor=owner)
            except DomainError:  # completed or cancelled already
                continue
            made += 1
    return made


def measure(kind: str, postgres_url: str, actions: int, raise_count: int, claims: int) -> None:
    print(f"\n== {kind}: {actions:,} open actions ==")
    with fresh_database(kind, postgres_url) as url:
        services = bootstrap(url)
        services.app.save(*setup_aggregates("SWEEP"))
        started = time.perf_counter()
        for batch in action_batches("SWEEP", actions, 3, batch_size=500):
            services.app.save(*batch)
        services.projector.catch_up()
        claimed = add_claims(services, claims)
        services.projector.catch_up()
        print(f"  store built and projected in {time.perf_counter() - started:.0f} s ({claimed:,} claims awaiting sign-off)")
        ctx = sweep_context(services, settings())
        times, sign_off_times, due = [], [], []
        for _ in range(3):
            started = time.perf_counter()
            due = due_now(ctx, AS_OF, AS_OF)
            times.append(time.perf_counter() - started)
            started = time.perf_counter()
            shared = SignOffFacts.read(services.engine, directory(services.engine))
            sign_off_due = sign_off.due_for_plan(services.engine, shared, "SWEEP", AS_OF)
            sign_off_times.append(time.perf_counter() - started)
        print(f"  decide what is due (median of 3):  {statistics.median(times):6.2f} s for {len(due):,} due reminders   (target < 2 s)")
        print(f"    of which sign-off:               {statistics.median(sign_off_times):6.2f} s for {len(sign_off_due):,} of them")
        specs = [reminder_spec(d, sweep_id="bench", as_of=AS_OF, latest_note=None) for d in due[:raise_count]]
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
    parser.add_argument("--claims", type=int, default=1_000, help="completion claims awaiting sign-off")
    add_store_arguments(parser)
    args = parser.parse_args()
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.raise_count, args.claims)


if __name__ == "__main__":
    main()
