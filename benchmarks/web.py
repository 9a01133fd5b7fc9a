"""The web app under 20 concurrent clients: p50/p95 of "My actions", the plan dashboard as at a
past committee date and an update POST, beside a trivial route of the same app in the same run.

    python -m benchmarks.web [--actions 10000] [--clients 20] [--requests 10] [--store sqlite|postgres|both]

The server is a real uvicorn process on 127.0.0.1 (its own interpreter, so the clients do not
share its GIL); the clients are httpx on asyncio. Sessions are opened directly in the session
table (the sign-in flow is not what is measured). Targets (issue 9): "My actions" and the
dashboard p95 under 100 ms, the update p95 under 200 ms, on the 10,000-action store.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import time
from datetime import date
from pathlib import Path

import httpx

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import PEOPLE, action_batches, setup_aggregates
from plantrail.bootstrap import bootstrap
from plantrail.settings import WebSettings, default_mail_settings
from tests.smtp_server import free_port

PLAN = "BENCH"
COMMITTEE = date(2015, 3, 6)
SECRET = "benchmark-secret-key-0123456789abcdefghij"
OUTBOX = "/tmp/plantrail-bench-outbox"


def _settings(port: int) -> WebSettings:
    mail = default_mail_settings(outbox_dir=Path(OUTBOX), mail_from="plantrail <p@example.org>")
    return WebSettings(secret_key=SECRET, base_url=f"http://127.0.0.1:{port}", mail=mail)


def build_store(url: str, actions: int) -> None:
    services = bootstrap(url)
    try:
        plan, *people = setup_aggregates(PLAN)
        plan.schedule_committee(COMMITTEE, "Scrutiny", actor="bench", effective_on=COMMITTEE)
        services.app.save(plan, *people)
        for batch in action_batches(PLAN, actions, events_per_action=8, batch_size=1000):
            services.app.save(*batch)
        services.projector.catch_up()
    finally:
        services.close()


def serve(url: str, port: int) -> None:
    import uvicorn

    from web.app import create_app

    services = bootstrap(url)
    uvicorn.run(create_app(services, _settings(port)), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def open_sessions(url: str, port: int, owners: list[str]) -> dict[str, str]:
    """A session cookie per owner, opened the way the confirm POST opens one."""
    from web.app import create_app

    services = bootstrap(url)
    try:
        app = create_app(services, _settings(port))
        return {name: app.state.web.sessions.open(name, "link") for name in owners}
    finally:
        services.close()


def owned_action(url: str, owner: str) -> str:
    services = bootstrap(url)
    try:
        return next(code for plan, code in services.queries.owned_action_refs(owner) if plan == PLAN)
    finally:
        services.close()


KINDS = ("trivial route", "my actions", "dashboard as at committee", "update POST")


async def client_run(
    base: str, cookie: str, csrf_seed: str, action: str, requests: int, timings: dict[str, list[float]], only: str | None = None
) -> None:
    from web.security import csrf_token

    cookies = {"pt_session": cookie, "pt_csrf": csrf_seed}
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as client:
        token = csrf_token(SECRET, csrf_seed)
        for n in range(requests):
            for name, call in (
                ("trivial route", lambda: client.get("/healthz")),
                ("my actions", lambda: client.get("/my-actions")),
                ("dashboard as at committee", lambda: client.get(f"/plans/{PLAN}?as_at={COMMITTEE.isoformat()}")),
                (
                    "update POST",
                    lambda n=n: client.post(
                        f"/actions/{PLAN}/{action}/progress", data={"csrf_token": token, "progress": str(n % 100), "effective_on": ""}
                    ),
                ),
            ):
                if only is not None and name != only:
                    continue
                started = time.perf_counter()
                response = await call()
                timings[name].append((time.perf_counter() - started) * 1000)
                if response.status_code not in (200, 303):
                    raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.text[:300]}")


def cpu_per_kind(base: str, pid: int, cookie: str, action: str, rounds: int = 20) -> dict[str, float]:
    """The server's CPU per request of each kind, one client, one kind at a time: the work a
    request costs, whatever else the machine's cores are busy with."""
    found = {}
    for kind in KINDS:
        before = cpu_seconds(pid)
        asyncio.run(client_run(base, cookie, "seedcpuxxxxxxxxx", action, rounds, {kind: []}, only=kind))
        found[kind] = 1000 * (cpu_seconds(pid) - before) / rounds
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server at {base} did not start")
        time.sleep(0.2)


def measure(kind: str, postgres_url: str, actions: int, clients: int, requests: int, servers: int = 1) -> None:
    with fresh_database(kind, postgres_url) as url:
        started = time.perf_counter()
        build_store(url, actions)
        print(f"\n{kind}: {actions} actions built in {time.perf_counter() - started:.0f}s")
        ports = [free_port() for _ in range(servers)]
        spawn = multiprocessing.get_context("spawn")
        running = [spawn.Process(target=serve, args=(url, port), daemon=True) for port in ports]
        for process in running:
            process.start()
        try:
            bases = [f"http://127.0.0.1:{port}" for port in ports]
            for base in bases:
                wait_until_up(base)
            owners = PEOPLE[:clients]
            cookies = open_sessions(url, ports[0], owners)
            targets = {name: owned_action(url, name) for name in owners}
            timings: dict[str, list[float]] = {k: [] for k in KINDS}

            async def everyone(rounds: int, into: dict[str, list[float]]) -> None:
                await asyncio.gather(
                    *(
                        client_run(bases[i % servers], cookies[n], f"seed{i:04d}xxxxxxxx", targets[n], rounds, into)
                        for i, n in enumerate(owners)
                    )
                )

            # One round untimed: the first request of each kind in a fresh process compiles its
            # templates and fills its caches once; the figures are the steady state.
            asyncio.run(everyone(1, {k: [] for k in KINDS}))
            cpu_before = sum(cpu_seconds(p.pid) for p in running if p.pid)
            wall = time.perf_counter()
            asyncio.run(everyone(requests, timings))
            wall = time.perf_counter() - wall
            server_cpu = sum(cpu_seconds(p.pid) for p in running if p.pid) - cpu_before
            alone = cpu_per_kind(bases[0], running[0].pid or 0, cookies[owners[0]], targets[owners[0]])
        finally:
            for process in running:
                process.terminate()
                process.join(10)
        baseline = statistics.median(timings["trivial route"])
        where = "one web process" if servers == 1 else f"{servers} web processes, clients shared among them"
        print(f"{clients} concurrent clients × {requests} rounds, {where}; ms (p50 / p95), and p50 against the trivial route")
        for name, values in timings.items():
            p50, p95 = percentile(values, 50), percentile(values, 95)
            print(f"  {name:28s} {p50:8.1f} / {p95:8.1f}   ×{p50 / baseline:6.1f}   server CPU {alone[name]:5.1f} ms (one client)")
        # Little's law for closed-loop clients: mean latency = clients / throughput. The server's
        # CPU per request says how much of that is work and how much is waiting for a core.
        done = sum(len(v) for v in timings.values())
        print(f"  {done / wall:.0f} requests/s; server CPU {1000 * server_cpu / done:.1f} ms a request (all four kinds together)")


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
    import subprocess
    import sys

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
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(120)  # serve finishes the job in hand (a sweep, a message) first
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="rounds of the four requests per client")
    parser.add_argument("--servers", type=int, default=1, help="web processes (serve --no-scheduler each), clients shared among them")
    parser.add_argument(
        "--lost-check", type=int, metavar="N", help="instead: 4 clients × N update POSTs through two web processes on PostgreSQL"
    )
    add_store_arguments(parser)
    args = parser.parse_args()
    if args.lost_check:
        lost_check(args.postgres_url, args.actions, 4, args.lost_check)
        return
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.clients, args.requests, args.servers)


if __name__ == "__main__":
    main()
