"""As-at, history, report and backdating costs on a large synthetic store.

    python -m benchmarks.time_travel [--actions 10000] [--events-per-action 100] [--store sqlite|postgres|both]

Builds plan BIG (N actions × M events) and plan MID (1,000 actions × 20 events), projects them,
then measures, in one run:
  * summary as at random dates (median) against naively replaying every event up to the date;
  * history of one action (median over 50 actions);
  * the committee report of the 1,000-action plan;
  * projecting one backdated event, on this store and on a store a tenth of its size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict
from datetime import date, timedelta

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import START, action_batches, setup_aggregates
from domain.ids import action_id
from domain.timeliness import status
from plantrail.bootstrap import bootstrap
from projections.action_fold import ACTION_ADDED, fold
from projections.audit import history
from projections.decoding import decode_state
from projections.report import render_html, report_data
from projections.summary import summary


def build(url: str, actions: int, per_action: int, with_mid: bool) -> tuple:
    services = bootstrap(url)
    app = services.app
    app.save(*setup_aggregates("BIG"))
    started = time.perf_counter()
    for batch in action_batches("BIG", actions, per_action, batch_size=200):
        app.save(*batch)
    if with_mid:
        app.save(*setup_aggregates("MID", with_people=False))
        for batch in action_batches("MID", 1000, 20, batch_size=200, seed=11):
            app.save(*batch)
    built = time.perf_counter() - started
    started = time.perf_counter()
    services.projector.catch_up()
    projected = time.perf_counter() - started
    total = app.recorder.max_notification_id() or 0
    print(f"  store: {total:,} events; built in {built:.0f} s, projected in {projected:.0f} s ({total / projected:,.0f} events/s)")
    return services, total


def median_seconds(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def naive_summary(services, plan_code: str, as_at: date) -> Counter:
    """What we avoid: read and decode every event, fold each action up to the date, count."""
    recorder, mapper = services.app.recorder, services.app.mapper
    per_action: dict[str, list] = defaultdict(list)
    position = 0
    while True:
        page = recorder.select_notifications(start=position, limit=10_000, inclusive_of_start=False)
        if not page:
            break
        for n in page:
            if n.topic.startswith("plantrail:Action."):
                state = decode_state(mapper, n)
                if state["effective_on"] <= as_at:
                    per_action[state["originator_id"]].append((n.topic, state))
        position = page[-1].id
    counts: Counter = Counter()
    for events in per_action.values():
        if events[0][1]["plan_code"] != plan_code:
            continue
        state = None
        for topic, s in sorted(events, key=lambda e: (e[0] != ACTION_ADDED, e[1]["effective_on"], e[1]["originator_version"])):
            state = fold(state, topic, s)
        counts[status(type("S", (), state), as_at).value] += 1
    return counts


def backdated_cost(services, plan_code: str, codes: list[str], rng: random.Random) -> float:
    times = []
    for code in codes:
        action = services.app.get_action(plan_code, code)
        services.app.update_progress(plan_code, code, rng.randrange(100), actor="bench", effective_on=action.added_on + timedelta(days=10))
        started = time.perf_counter()
        services.projector.catch_up()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(kind: str, postgres_url: str, actions: int, per_action: int) -> None:
    rng = random.Random(5)
    print(f"\n== {kind}: plan BIG {actions:,} actions × {per_action} events, plan MID 1,000 × 20 ==")
    with fresh_database(kind, postgres_url) as url:
        services, total = build(url, actions, per_action, with_mid=True)
        dates = [START + timedelta(days=rng.randrange(30, 700)) for _ in range(15)]
        queue = iter(dates * 2)
        as_at_median = median_seconds(lambda: summary(services.queries, "BIG", as_at=next(queue)), len(dates))
        check_day = dates[0]
        started = time.perf_counter()
        naive = naive_summary(services, "BIG", check_day)
        naive_seconds = time.perf_counter() - started
        fast = summary(services.queries, "BIG", as_at=check_day)["totals"]
        assert {k.lower(): v for k, v in naive.items()} == {k: v for k, v in fast.items() if v}, (naive, fast)
        print(f"  summary --as-at (median of {len(dates)} dates): {as_at_median * 1000:8.1f} ms   (target < 200 ms)")
        print(f"  naive replay of every event to one date:     {naive_seconds * 1000:8.0f} ms   (same counts: checked)")
        print(f"  ratio naive / summary:                        {naive_seconds / as_at_median:8.0f}×    (target ≥ 100×)")
        codes = [f"A{rng.randrange(actions):06d}" for _ in range(50)]
        ids = iter([str(action_id("BIG", c)) for c in codes])
        print(
            f"  history ACTION (median of 50):                {median_seconds(lambda: history(services.engine, originator_id=next(ids)), 50) * 1000:8.1f} ms   (target < 50 ms)"
        )
        report_seconds = median_seconds(
            lambda: render_html(report_data(services.queries, services.engine, "MID", as_at=date(2015, 6, 30))), 3
        )
        print(f"  report, 1,000-action plan (median of 3):      {report_seconds * 1000:8.0f} ms   (target < 2 s)")
        big = backdated_cost(services, "BIG", [f"A{rng.randrange(actions):06d}" for _ in range(15)], rng)
        mid = backdated_cost(services, "MID", [f"A{rng.randrange(1000):06d}" for _ in range(15)], rng)
        print(f"  one backdated event, action of {per_action} events:  {big * 1000:8.1f} ms  (store of {total:,})")
        print(f"  one backdated event, action of 20 events:   {mid * 1000:8.1f} ms  (same store)")
        services.close()
    with fresh_database(kind, postgres_url) as url:
        small_actions = max(1, actions // 10)
        services, small_total = build(url, small_actions, per_action, with_mid=False)
        small = backdated_cost(services, "BIG", [f"A{rng.randrange(small_actions):06d}" for _ in range(15)], rng)
        print(f"  one backdated event, action of {per_action} events:  {small * 1000:8.1f} ms  (store of {small_total:,}, a tenth)")
        print(f"  ratio large store / small store:              {big / small:8.2f}×  (≈1 means proportional to the action, not the store)")
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--events-per-action", type=int, default=100)
    add_store_arguments(parser)
    args = parser.parse_args()
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.events_per_action)


if __name__ == "__main__":
    main()
