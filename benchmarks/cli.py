"""Whole-process latency of the everyday commands, against a bare Python start-up.

    python -m benchmarks.cli [--actions 10000] [--per-plan 500] [--events-per-action 20] [--runs 9]

Two stores: the demo (examples/clackmannanshire-2015 imported, 83 actions) and a generated one
of ``--actions`` actions in plans of ``--per-plan`` (the 500-action plan inside a 10,000-action
store of issue 12). For each, the median over ``--runs`` runs of ``plantrail plans``, ``show``,
``summary`` and ``update`` as separate processes (what a person at a terminal waits for), with
the CPU time they used, side by side with ``python -c pass`` measured in the same run, and the
ratios. Then, in-process, ``show`` of one action in the big plan against one in the demo plan:
it reads only that action's rows, so it should cost the same whatever the plan's size.

``--actions 1000`` makes a quick run (two plans of 500). ``--store postgres`` (or ``both``) also
imports the demo into a fresh PostgreSQL schema and sets each command's latency there beside the
SQLite demo's (target for ``update``: ≤ 1.3×).

Processes run as an installed plantrail does: with compiled bytecode cached (in a folder of the
run's own, ``PYTHONPYCACHEPREFIX``, even where ``PYTHONDONTWRITEBYTECODE`` is set, after a
warm-up run). ``--no-bytecode-cache`` measures every start compiling plantrail's modules afresh.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import action_batches, setup_aggregates

ROOT = Path(__file__).resolve().parent.parent
DEMO_PLAN, DEMO_ACTION = "SOS 001", "SS_ICSAP_IMP1"
TARGET = 6.0  # issue 12: plans, show and summary within 6× a bare Python start-up


def plantrail_command() -> list[str]:
    """The console script beside this interpreter (what people run), else ``python -m plantrail``."""
    script = Path(sys.executable).with_name("plantrail")
    return [str(script)] if script.exists() else [sys.executable, "-m", "plantrail"]


ENV = os.environ | {"PLANTRAIL_USER": "bench"}


def cache_bytecode(folder: Path) -> None:
    """Let every measured process read (and the warm-up write) compiled bytecode, as installed."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")


def timed(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall-clock and median CPU (user + system) seconds of ``argv`` as a whole process."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return statistics.median(walls), statistics.median(cpus)


def import_demo(db: str) -> None:
    subprocess.run(
        [*plantrail_command(), "--db", db, "import", str(ROOT / "examples" / "clackmannanshire-2015"), "--by", "Covalent import"],
        check=True,
        stdout=subprocess.DEVNULL,
        env=ENV,
    )


def build_big(db: str, actions: int, per_plan: int, events: int) -> tuple[str, str]:
    """Plans B01, B02… of ``per_plan`` actions each; returns the first plan and one of its actions."""
    from plantrail.bootstrap import bootstrap

    services = bootstrap(db)
    try:
        plans = max(1, actions // per_plan)
        started = time.perf_counter()
        for n in range(plans):
            code = f"B{n + 1:02d}"
            services.app.save(*setup_aggregates(code, with_people=n == 0))
            for batch in action_batches(code, per_plan, events, batch_size=200, seed=n):
                services.app.save(*batch)
        services.projector.catch_up()
        total = services.app.recorder.max_notification_id() or 0
        print(f"big store: {plans} plan(s) × {per_plan} actions, {total:,} events, built in {time.perf_counter() - started:.0f} s")
    finally:
        services.close()
    return "B01", f"B01/A{per_plan // 2:06d}"


def commands(plan: str, action: str) -> dict[str, list[str]]:
    return {
        "plans": ["plans"],
        "show": ["show", action],
        "summary": ["summary", plan],
        "update": ["update", action, "--progress", "{progress}", "--by", "bench"],
    }


def measure_store(db: str, plan: str, action: str, runs: int) -> dict[str, tuple[float, float]]:
    found = {}
    for name, args in commands(plan, action).items():
        if name == "update":
            # A real change each time (a figure equal to the current one would still be recorded,
            # but alternate anyway so the confirmation line has something to say).
            walls, cpus = [], []
            for run in range(runs):
                argv = [*plantrail_command(), "--db", db, *[a.replace("{progress}", str(10 + run % 2)) for a in args]]
                wall, cpu = timed(argv, 1)
                walls.append(wall)
                cpus.append(cpu)
            found[name] = (statistics.median(walls), statistics.median(cpus))
        else:
            found[name] = timed([*plantrail_command(), "--db", db, *args], runs)
    return found


def in_process_show(db: str, ref: str, repeats: int) -> float:
    """Median seconds of ``Services.show`` of one action, the store already open."""
    from plantrail.bootstrap import bootstrap

    services = bootstrap(db)
    try:
        target = services.resolve(ref)
        as_at = date.today()
        services.show(target, as_at=as_at)  # warm
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            services.show(target, as_at=as_at)
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        services.close()


def report(baseline: tuple[float, float], demo: dict[str, tuple[float, float]], big: dict[str, tuple[float, float]], label: str) -> None:
    base_wall, base_cpu = baseline
    print(f"\npython -c pass: {base_wall * 1000:.0f} ms wall, {base_cpu * 1000:.0f} ms CPU (median)")
    header = f"{'command':<9} {'demo ms':>8} {'× pass':>7} {'CPU ×':>6}   {label + ' ms':>12} {'× pass':>7} {'CPU ×':>6}   {'big/demo':>8}"
    print(header)
    print("-" * len(header))
    for name in demo:
        (dw, dc), (bw, bc) = demo[name], big[name]
        print(
            f"{name:<9} {dw * 1000:>8.0f} {dw / base_wall:>7.1f} {dc / base_cpu:>6.1f}   "
            f"{bw * 1000:>12.0f} {bw / base_wall:>7.1f} {bc / base_cpu:>6.1f}   {bw / dw:>8.2f}"
        )
    worst = max(demo[n][0] / base_wall for n in ("plans", "show", "summary"))
    print(f"target: plans, show, summary on the demo store ≤ {TARGET:.0f}× python -c pass; worst {worst:.1f}×")


def report_postgres(sqlite_demo: dict[str, tuple[float, float]], postgres_demo: dict[str, tuple[float, float]]) -> None:
    print(f"\n{'command':<9} {'SQLite ms':>10} {'PostgreSQL ms':>14} {'PG/SQLite':>10}   (the demo store; CPU is the client process's)")
    for name in sqlite_demo:
        (sw, sc), (pw, pc) = sqlite_demo[name], postgres_demo[name]
        print(f"{name:<9} {sw * 1000:>10.0f} {pw * 1000:>14.0f} {pw / sw:>10.2f}   (CPU {sc * 1000:.0f} → {pc * 1000:.0f} ms)")
    print(f"target: update on PostgreSQL ≤ 1.3× SQLite; measured {postgres_demo['update'][0] / sqlite_demo['update'][0]:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=10_000, help="actions in the generated store")
    parser.add_argument("--per-plan", type=int, default=500, help="actions per generated plan")
    parser.add_argument("--events-per-action", type=int, default=20)
    parser.add_argument("--runs", type=int, default=9, help="runs per command (median)")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="leave PYTHONDONTWRITEBYTECODE as it is")
    add_store_arguments(parser)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="plantrail-bench-cli-"))
    if not args.no_bytecode_cache:
        cache_bytecode(folder)
    try:
        demo_db, big_db = str(folder / "demo.db"), str(folder / "big.db")
        import_demo(demo_db)
        big_plan, big_action = build_big(big_db, args.actions, args.per_plan, args.events_per_action)
        for warm in (["plans"], ["show", DEMO_ACTION], ["summary", DEMO_PLAN], ["people"]):  # file and bytecode caches
            timed([*plantrail_command(), "--db", demo_db, *warm], 1)
        timed([sys.executable, "-c", "pass"], 2)
        baseline = timed([sys.executable, "-c", "pass"], args.runs)
        demo = measure_store(demo_db, DEMO_PLAN, DEMO_ACTION, args.runs)
        big = measure_store(big_db, big_plan, big_action, args.runs)
        baseline = min(baseline, timed([sys.executable, "-c", "pass"], args.runs))  # again, after: the machine may have changed
        report(baseline, demo, big, f"{args.per_plan}-plan")
        demo_show = in_process_show(demo_db, f"{DEMO_PLAN}/{DEMO_ACTION}", 50)
        big_show = in_process_show(big_db, big_action, 50)
        print(
            f"\nin-process show: demo plan {demo_show * 1000:.1f} ms, {args.per_plan}-action plan {big_show * 1000:.1f} ms "
            f"({big_show / demo_show:.2f}×; target ≤ 1.2×)"
        )
        if "postgres" in stores(args.store):
            with fresh_database("postgres", args.postgres_url) as postgres_db:
                import_demo(postgres_db)
                timed([*plantrail_command(), "--db", postgres_db, "plans"], 1)  # warm
                report_postgres(demo, measure_store(postgres_db, DEMO_PLAN, DEMO_ACTION, args.runs))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
