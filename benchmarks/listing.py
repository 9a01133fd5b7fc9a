"""Listings of a large plan: ``history`` and ``changes`` as a table against ``--format json``,
and ``actions PLAN``, through the production command group in-process.

    python -m benchmarks.listing [--actions 500] [--events-per-action 75] [--repeats 5]

Builds one plan of N actions × M events (``benchmarks.synthetic``) in a fresh SQLite store,
then prints, median of several runs each, in one run:
  * history PLAN as a table and as JSON, and the ratio (target ≤ 2×);
  * history of one action as a table and as JSON, and the ratio (target ≤ 2×);
  * changes between two dates as a table and as JSON, and the ratio (target ≤ 2×);
  * a page of history (--limit 50 --offset 20000) as a table and as JSON;
  * actions PLAN as a table (target < 0.3 s for 500 actions) and as JSON.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from benchmarks.common import fresh_database
from benchmarks.synthetic import action_batches, setup_aggregates

PLAN = "BIG"


def build(url: str, actions: int, per_action: int) -> int:
    from plantrail.bootstrap import bootstrap

    services = bootstrap(url)
    services.app.save(*setup_aggregates(PLAN))
    for batch in action_batches(PLAN, actions, per_action, batch_size=200):
        services.app.save(*batch)
    services.projector.catch_up()
    total = services.app.recorder.max_notification_id() or 0
    services.close()
    return total


def cli_runner(url: str) -> Callable[..., int]:
    """``run(*args)`` runs ``plantrail ARGS`` in this process and returns the bytes it printed."""
    from click.testing import CliRunner

    from plantrail.cli import cli

    runner = CliRunner()
    env = {"PLANTRAIL_DATABASE_URL": url, "PLANTRAIL_USER": "bench"}

    def run(*args: str) -> int:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return len(result.stdout_bytes)

    return run


def medians(first: Callable[[], object], second: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median seconds of each, run in turn (first, second, first, …) so both see the same load."""
    times: tuple[list[float], list[float]] = ([], [])
    first(), second()  # warm: the command's modules load on first use
    for _ in range(repeats):
        for work, spent in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            work()
            spent.append(time.perf_counter() - started)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--events-per-action", type=int, default=75)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with fresh_database("sqlite") as url:
        started = time.perf_counter()
        total = build(url, args.actions, args.events_per_action)
        print(
            f"plan {PLAN}: {args.actions:,} actions × {args.events_per_action} events = {total:,} events (built in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        run = cli_runner(url)
        run("plans")  # warm: imports, first connection, catch-up
        one = "BIG/A000001"
        window = ("--from", "2015-01-01", "--to", "2015-06-30")
        pairs = [
            (f"history {PLAN}", ("history", PLAN)),
            ("history, 50 from 20,000", ("history", PLAN, "--limit", "50", "--offset", "20000")),
            ("history ACTION", ("history", one)),
            ("changes (6 months)", ("changes", PLAN, *window)),
            (f"actions {PLAN}", ("actions", PLAN)),
        ]
        print(f"{'median of ' + str(args.repeats):<26}{'table':>10}{'json':>10}{'ratio':>9}", flush=True)
        for label, command in pairs:
            table, as_json = medians(lambda c=command: run(*c), lambda c=command: run(*c, "--format", "json"), args.repeats)
            target = "table < 0.3 s at 500 actions" if command[0] == "actions" else "≤ 2×"
            print(f"{label:<26}{table:>9.3f}s{as_json:>9.3f}s{table / as_json:>8.2f}×   (target: {target})", flush=True)


if __name__ == "__main__":
    main()
