"""Faults: killed imports and rebuilds, and many concurrent writers. Light by default;
``make check-robustness`` runs them at scale (PLANTRAIL_ROBUSTNESS_SCALE)."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from plantrail.bootstrap import bootstrap
from tests.conftest import EXAMPLES
from tests.integration.snapshots import view_snapshot
from tests.robustness.workers import hammer

SCALE = int(os.environ.get("PLANTRAIL_ROBUSTNESS_SCALE", "1"))
FIGURES: dict[str, int] = {}


def big_plan(path: Path, actions: int) -> None:
    seed = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    template = seed["actions"][0]
    doc = {**seed, "plan": {**seed["plan"], "code": "BIG"}, "actions": []}
    for n in range(actions):
        doc["actions"].append({**template, "code": f"B{n:05d}", "owners": ["Christine Sutton"]})
    path.write_text(json.dumps(doc))


def plantrail(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "plantrail", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_an_import_killed_at_any_point_stores_all_of_it_or_none(tmp_path: Path):
    plan = tmp_path / "big.json"
    big_plan(plan, 1500 * SCALE)
    reference = bootstrap(str(tmp_path / "reference.db"))
    from domain.importing import import_plans
    from plantrail.importers.json_plan import read_plan_file

    import_plans(reference.app, [read_plan_file(plan)], actor="ref")
    full = reference.app.recorder.max_notification_id()
    reference.close()
    rng = random.Random(3)
    outcomes = {"none": 0, "all": 0}
    for attempt in range(4 * SCALE):
        database = tmp_path / f"killed-{attempt}.db"
        env = {**os.environ, "PLANTRAIL_DATABASE_URL": str(database)}
        process = plantrail(env, "import", str(plan))
        time.sleep(rng.uniform(0.05, 4.0 * SCALE))  # the import takes longer at scale
        process.send_signal(signal.SIGKILL)
        process.wait()
        services = bootstrap(str(database))
        stored = services.app.recorder.max_notification_id() or 0
        assert stored in (0, full), stored
        outcomes["none" if stored == 0 else "all"] += 1
        services.projector.catch_up()
        caught_up = view_snapshot(services.engine)
        services.projector.rebuild()
        assert view_snapshot(services.engine) == caught_up
        services.close()
    FIGURES["import kills"] = sum(outcomes.values())
    print(f"\nimport kills: {outcomes}")


def test_a_rebuild_killed_at_any_point_leaves_views_that_catch_up_exactly(tmp_path: Path):
    database = tmp_path / "store.db"
    plan = tmp_path / "big.json"
    big_plan(plan, 300 * SCALE)
    services = bootstrap(str(database))
    from domain.importing import import_plans
    from plantrail.importers.json_plan import read_plan_file

    import_plans(services.app, [read_plan_file(plan), read_plan_file(EXAMPLES / "sos-001.plan.json")], actor="ref")
    services.projector.catch_up()
    expected = view_snapshot(services.engine)
    services.close()
    rng = random.Random(5)
    env = {**os.environ, "PLANTRAIL_DATABASE_URL": str(database)}
    for _ in range(3 * SCALE):
        process = plantrail(env, "rebuild")
        time.sleep(rng.uniform(0.2, 2.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        services = bootstrap(str(database))
        services.projector.catch_up()
        assert view_snapshot(services.engine) == expected
        services.close()
    FIGURES["rebuild kills"] = 3 * SCALE


def test_concurrent_writers_lose_nothing_and_store_nothing_twice(database_url):
    seed = bootstrap(database_url)
    from domain.importing import import_plans
    from plantrail.importers.json_plan import read_plan_file

    import_plans(seed.app, [read_plan_file(EXAMPLES / "sos-001.plan.json")], actor="seed")
    seed.close()
    codes = [f"SS_ICSAP_{c}" for c in ("IMP1", "PERS1", "PLAN2", "ARR1", "ARR3", "TRAN2", "TRAN3", "VIEW2", "VIEW3", "COM1")]
    writers, updates = 4, (25 if SCALE == 1 else 500)
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        results = pool.starmap(hammer, [(database_url, w, updates, codes) for w in range(writers)])
    acknowledged = [text for result in results for text in result]
    services = bootstrap(database_url)
    services.projector.catch_up()
    from projections.audit import history

    notes = [e["text"] for e in history(services.engine, plan_code="SOS 001", event_type="NoteAdded") if e["text"].startswith("w")]
    assert sorted(notes) == sorted(acknowledged)  # every acknowledged update stored, none twice
    live = view_snapshot(services.engine)
    services.projector.rebuild()
    assert view_snapshot(services.engine) == live
    services.close()
    FIGURES["concurrent updates"] = writers * updates
    print(f"\nconcurrent writers: {writers} × {updates}; acknowledged {len(acknowledged)}; lost 0; duplicated 0")
