"""The web app under 20 concurrent clients: p50/p95 of "My actions", the plan dashboard as at a
past committee date and an update POST, beside a trivial route of the same app in the same run.

    python -m benchmarks.web [--actions 10000] [--clients 20] [--requests 10] [--servers 1,2] [--store sqlite|postgres|both]

The servers are `plantrail serve --no-scheduler` processes on 127.0.0.1 (each its own
interpreter, so the clients do not share their GIL), one configuration after another (by
default 1, then 2 web processes), the requests sent round-robin among them; the clients are
asyncio streams. Printed with the machine's load average (the cores are shared) and the
server's CPU per request of each kind, which the load does not change much. The clients write
their requests as bytes on keep-alive sockets (benchmarks/raw_http.py): httpx cost about as
much CPU per request as the server, on the same two cores. Sessions are opened directly in the session
table (the sign-in flow is not what is measured). Targets (issue 9): "My actions" and the
dashboard p95 under 100 ms, the update p95 under 200 ms, on the 10,000-action store.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.raw_http import RawClient
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


def serve_env(url: str, port: int) -> dict[str, str]:
    """What `plantrail serve` reads, for a web process of the benchmark."""
    return {
        "PLANTRAIL_DATABASE_URL": url,
        "PLANTRAIL_SECRET_KEY": SECRET,
        "PLANTRAIL_BASE_URL": f"http://127.0.0.1:{port}",
        "PLANTRAIL_LOG_LEVEL": "WARNING",
        "PLANTRAIL_OUTBOX_DIR": OUTBOX,
    }


def start_web_processes(url: str, ports: list[int]) -> list[subprocess.Popen[bytes]]:
    """One `plantrail serve --no-scheduler` per port, as a deployment with several web processes
    runs them (each its own interpreter, so they do not share a GIL)."""
    command = [sys.executable, "-m", "plantrail", "serve", "--no-scheduler", "--port"]
    # uvicorn's start and stop lines go to a log per process, not between the figures.
    return [
        subprocess.Popen([*command, str(port)], env=os.environ | serve_env(url, port), stderr=server_log(port).open("wb")) for port in ports
    ]


def server_log(port: int) -> Path:
    return Path(tempfile.gettempdir()) / f"plantrail-bench-web-{port}.log"


def stop(processes: list[subprocess.Popen[bytes]], patience: float = 60) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(patience)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_sessions(url: str, port: int, owners: list[str]) -> dict[str, str]:
    """A session cookie per owner, opened the way the confirm POST opens one."""
    from web.app import create_app

    services = bootstrap(url)
    try:
        app = create_app(services, _settings(port))
        return {name: app.state.web.sessions.open(name, "link") for name in owners}
    finally:
        services.close()


def owned_action(url: str, owner: str, nth: int = 0) -> str:
    """The ``nth`` action ``owner`` owns (each configuration of a run updates other actions, so a
    later one does not replay the events an earlier one added)."""
    services = bootstrap(url)
    try:
        mine = [code for plan, code in services.queries.owned_action_refs(owner) if plan == PLAN]
        if not mine:
            raise RuntimeError(f"{owner} owns no action of {PLAN}: generate more (--actions)")
        return mine[nth % len(mine)]
    finally:
        services.close()


KINDS = ("trivial route", "my actions", "dashboard as at committee", "update POST")


class RoundRobin:
    """Each request to the next web process in turn, as a load balancer would send it."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self.turn = itertools.count()

    def __call__(self, path: str) -> str:
        return self.bases[next(self.turn) % len(self.bases)] + path


async def client_run(
    pick: RoundRobin, cookie: str, csrf_seed: str, action: str, requests: int, timings: dict[str, list[float]], only: str | None = None
) -> None:
    from web.security import csrf_token

    cookies = {"pt_session": cookie, "pt_csrf": csrf_seed}
    async with RawClient(cookies) as client:
        token = csrf_token(SECRET, csrf_seed)
        for n in range(requests):
            for name, call in (
                ("trivial route", lambda: client.get(pick("/healthz"))),
                ("my actions", lambda: client.get(pick("/my-actions"))),
                ("dashboard as at committee", lambda: client.get(pick(f"/plans/{PLAN}?as_at={COMMITTEE.isoformat()}"))),
                (
                    "update POST",
                    lambda n=n: client.post(
                        pick(f"/actions/{PLAN}/{action}/progress"), data={"csrf_token": token, "progress": str(n % 100), "effective_on": ""}
                    ),
                ),
            ):
                if only is not None and name != only:
                    continue
                started = time.perf_counter()
                status, body = await call()
                timings[name].append((time.perf_counter() - started) * 1000)
                if status not in (200, 303):
                    raise RuntimeError(f"{name}: HTTP {status}: {body[:300]!r}")


def cpu_per_kind(base: str, pid: int, clients: list[tuple[str, str]], rounds: int = 100) -> dict[str, float]:
    """The server's CPU per request of each kind, one client at a time, one kind at a time: the
    work a request costs, whatever else the machine's cores are busy with. The kernel counts CPU
    in ticks (10 ms here): 100 requests make the figure good to 0.1 ms. ``clients``: (session
    cookie, action) pairs taking turns, so the updates spread over several actions as the timed
    rounds' do (a hundred on one would time a longer and longer replay of it). My actions alone
    is the remembered page (nothing changed between two requests); in the timed rounds each
    client's own update comes between, and one row is read again."""
    found = {}
    share = max(1, rounds // len(clients))
    for kind in KINDS:
        before = cpu_seconds(pid)
        for cookie, action in clients:
            asyncio.run(client_run(RoundRobin([base]), cookie, "seedcpuxxxxxxxxx", action, share, {kind: []}, only=kind))
        found[kind] = 1000 * (cpu_seconds(pid) - before) / (share * len(clients))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_until_up(base: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process is not None and process.poll() is not None:
            said = server_log(int(base.rsplit(":", 1)[1])).read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the web process for {base} exited with {process.returncode} before it answered:\n{said}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server at {base} did not start")
        time.sleep(0.2)


@dataclass
class Outcome:
    """One configuration's figures: latencies per kind, and the servers' CPU."""

    servers: int
    timings: dict[str, list[float]]
    per_second: float
    cpu_per_request: float  # all web processes' CPU over every request of the timed rounds
    alone: dict[str, float] | None  # CPU ms per request of each kind, one client, one process
    clients_cpu_per_request: float  # the load generator's own CPU: it shares the cores


def run_configuration(url: str, servers: int, clients: int, requests: int, nth: int, cpu_alone: bool) -> Outcome:
    ports = [free_port() for _ in range(servers)]
    running = start_web_processes(url, ports)
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, running, strict=True):
            wait_until_up(base, process)
        owners = PEOPLE[:clients]
        cookies = open_sessions(url, ports[0], owners)
        targets = {name: owned_action(url, name, nth) for name in owners}
        timings: dict[str, list[float]] = {k: [] for k in KINDS}
        pick = RoundRobin(bases)

        async def everyone(rounds: int, into: dict[str, list[float]]) -> None:
            await asyncio.gather(
                *(client_run(pick, cookies[n], f"seed{i:04d}xxxxxxxx", targets[n], rounds, into) for i, n in enumerate(owners))
            )

        # One round untimed per process: the first request of each kind in a fresh process
        # compiles its templates and fills its caches once; the figures are the steady state.
        try:
            asyncio.run(everyone(servers, {k: [] for k in KINDS}))
            cpu_before = sum(cpu_seconds(p.pid) for p in running)
            wall = time.perf_counter()
            clients_cpu = time.process_time()
            asyncio.run(everyone(requests, timings))
            wall = time.perf_counter() - wall
            clients_cpu = time.process_time() - clients_cpu
            server_cpu = sum(cpu_seconds(p.pid) for p in running) - cpu_before
            alone = cpu_per_kind(bases[0], running[0].pid, [(cookies[n], targets[n]) for n in owners[:5]]) if cpu_alone else None
        except (httpx.TransportError, OSError, asyncio.IncompleteReadError):
            # Seen on this shared machine: a web process told to shut down from outside midway.
            said = {port: server_log(port).read_text(errors="replace")[-600:] for port in ports}
            raise RuntimeError(f"a web process stopped answering midway; their logs end:\n{said}") from None
        dead = [p.args for p in running if p.poll() is not None]
        if dead:
            raise RuntimeError(f"web process(es) stopped during the run: {dead}")
    finally:
        stop(running)
    done = sum(len(v) for v in timings.values())
    return Outcome(servers, timings, done / wall, 1000 * server_cpu / done, alone, 1000 * clients_cpu / done)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min) on {os.cpu_count()} cores"


TARGETS = {"my actions": 100.0, "dashboard as at committee": 100.0, "update POST": 200.0}


def report(kind: str, clients: int, requests: int, outcomes: list[Outcome]) -> None:
    print(f"{kind}: {clients} concurrent clients × {requests} rounds; ms p50 / p95 per number of web processes; {load_average()}")
    header = "".join(f"{f'{o.servers} process' + ('es' if o.servers > 1 else ''):>22s}" for o in outcomes)
    print(f"  {'':28s}{header}   CPU ms/request (1 client)   p95 target")
    alone = outcomes[0].alone or {}
    for name in KINDS:
        cells = "".join(f"{percentile(o.timings[name], 50):10.1f} / {percentile(o.timings[name], 95):7.1f}" for o in outcomes)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            met = ["met" if percentile(o.timings[name], 95) < target else "not met" for o in outcomes]
            verdict = f"< {target:.0f} ms: " + ", ".join(met)
        print(f"  {name:28s}{cells}   {alone.get(name, float('nan')):20.1f}        {verdict}")
    # Little's law for closed-loop clients: mean latency = clients / throughput. The server's
    # CPU per request says how much of that is work and how much is waiting for a core.
    for o in outcomes:
        print(
            f"  {o.servers} process(es): {o.per_second:.0f} requests/s; web processes' CPU {o.cpu_per_request:.1f} ms a request"
            f" (all four kinds); the clients' own CPU {o.clients_cpu_per_request:.2f} ms a request"
        )


def measure(kind: str, postgres_url: str, actions: int, clients: int, requests: int, servers: list[int]) -> None:
    with fresh_database(kind, postgres_url) as url:
        started = time.perf_counter()
        build_store(url, actions)
        print(f"\n{kind}: {actions} actions built in {time.perf_counter() - started:.0f}s")
        outcomes = [run_configuration(url, n, clients, requests, nth, cpu_alone=nth == 0) for nth, n in enumerate(servers)]
        report(kind, clients, requests, outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10, help="rounds of the four requests per client")
    parser.add_argument(
        "--servers",
        default="1,2",
        help="numbers of web processes to compare, e.g. 1,2 (each a `plantrail serve --no-scheduler`; requests go round-robin)",
    )
    parser.add_argument(
        "--lost-check", type=int, metavar="N", help="instead: 4 clients × N update POSTs through two web processes on PostgreSQL"
    )
    add_store_arguments(parser)
    args = parser.parse_args()
    if args.lost_check:
        from benchmarks.web_lost_check import lost_check  # it builds on this module's servers

        lost_check(args.postgres_url, args.actions, 4, args.lost_check)
        return
    for kind in stores(args.store):
        measure(kind, args.postgres_url, args.actions, args.clients, args.requests, [int(n) for n in args.servers.split(",")])


if __name__ == "__main__":
    main()
