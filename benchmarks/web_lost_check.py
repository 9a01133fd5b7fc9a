"""Two web processes and one scheduler on PostgreSQL take concurrent update POSTs on one action:
every one acknowledged is stored exactly once (``python -m benchmarks.web --lost-check N``)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import sys
import time

import httpx

from benchmarks.common import fresh_database
from benchmarks.synthetic import PEOPLE
from benchmarks.web import OUTBOX, PLAN, SECRET, build_store, open_sessions, owned_action, serve, stop, wait_until_up
from plantrail.bootstrap import bootstrap
from tests.smtp_server import free_port


async def _post_many(bases: list[str], cookie: str, seed: str, action: str, client: int, count: int) -> int:
    from web.security import csrf_token

    done = 0
    async with httpx.AsyncClient(cookies={"pt_session": cookie, "pt_csrf": seed}, timeout=120) as http:
        for n in range(count):
            base = bases[n % len(bases)]  # alternate between the web processes
            data = {"csrf_token": csrf_token(SECRET, seed), "progress": str(n % 100), "note": f"lost-check {client}/{n}"}
            # A 409 ("too many concurrent changes; try again") stores nothing and says so: a person
            # sends the form again, and so does this client.
            for _ in range(20):
                response = await http.post(f"{base}/actions/{PLAN}/{action}/progress", data=data)
                if response.status_code != 409:
                    break
                RETRIES[0] += 1
            if response.status_code != 303:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:300]}")
            done += 1
    return done


RETRIES = [0]


def wait_for_sweep(url: str, limit_seconds: float = 3600) -> str:
    """Wait until the scheduler has recorded a sweep; say how long it took and what it raised."""
    from sqlalchemy import select

    from scheduler import tables as st

    services = bootstrap(url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < limit_seconds:
            with services.engine.connect() as conn:
                row = conn.execute(select(st.sweep_runs.c.raised, st.sweep_runs.c.messages).limit(1)).first()
            if row is not None:
                return (
                    f"{row.raised} reminders raised, {row.messages} digests queued, done {time.perf_counter() - started:.0f}s after start"
                )
            time.sleep(2)
    finally:
        services.close()
    raise RuntimeError(f"the scheduler recorded no sweep within {limit_seconds:.0f}s")


def lost_check(postgres_url: str, actions: int, clients: int, per_client: int) -> None:
    """Two web processes and one scheduler on PostgreSQL; ``clients`` × ``per_client`` concurrent
    update POSTs on one action; every note must be stored exactly once."""
    from projections.audit import history

    with fresh_database("postgres", postgres_url) as url:
        build_store(url, actions)
        ports = [free_port(), free_port()]
        env = {
            "PLANTRAIL_DATABASE_URL": url,
            "PLANTRAIL_SECRET_KEY": SECRET,
            "PLANTRAIL_LOG_LEVEL": "WARNING",
            "PLANTRAIL_OUTBOX_DIR": OUTBOX,  # the sweep's 200 digests, not in the current folder
        }
        processes = [subprocess.Popen([sys.executable, "-m", "plantrail", "serve", "--no-web"], env=os.environ | env)]
        # The web processes are the app without the scheduler, as `serve --no-scheduler` runs it,
        # started the way ``measure`` starts its server: twice a run of `plantrail serve
        # --no-scheduler` processes was stopped from outside midway on this shared machine.
        spawn = multiprocessing.get_context("spawn")
        web = [spawn.Process(target=serve, args=(url, p), daemon=True) for p in ports]
        for process in web:
            process.start()
        try:
            bases = [f"http://127.0.0.1:{p}" for p in ports]
            for base in bases:
                wait_until_up(base)
            # Every generated action is long overdue: the scheduler's start-up catch-up sweep
            # raises a reminder per rule per action (tens of thousands of events at 10,000
            # actions) and a digest per owner. Measured in the middle of that, each POST also
            # projected the sweep's events and the run did not finish; a deployment sweeps at
            # 07:00, so the updates start once that sweep is done (and it is reported).
            print(f"\npostgres: the scheduler's start-up sweep: {wait_for_sweep(url)}")
            owner = PEOPLE[0]
            cookie = open_sessions(url, ports[0], [owner])[owner]
            action = owned_action(url, owner)
            started = time.perf_counter()

            async def everyone() -> list[int]:
                return await asyncio.gather(
                    *(_post_many(bases, cookie, f"seed{c:04d}xxxxxxxx", action, c, per_client) for c in range(clients))
                )

            sent = sum(asyncio.run(everyone()))
            elapsed = time.perf_counter() - started
        finally:
            for server in web:
                server.terminate()
                server.join(60)
            stop(processes, patience=120)  # serve finishes the job in hand (a sweep, a message) first
        services = bootstrap(url)
        try:
            services.projector.catch_up()
            notes = [e["text"] for e in history(services.engine, plan_code=PLAN, action_code=action, event_type="NoteAdded")]
        finally:
            services.close()
        ours = [n for n in notes if n and n.startswith("lost-check ")]
        expected = {f"lost-check {c}/{n}" for c in range(clients) for n in range(per_client)}
        lost, doubled = len(expected - set(ours)), len(ours) - len(set(ours))
        print(f"\npostgres: {clients} × {per_client} concurrent update POSTs on one action through 2 web processes (+1 scheduler)")
        print(f"  acknowledged {sent}, stored {len(ours)}: {lost} lost, {doubled} doubled; {sent / elapsed:.0f} updates/s")
        print(f"  {RETRIES[0]} POST(s) answered 409 (stored nothing, said so) and were sent again")
