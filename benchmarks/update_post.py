"""One web update POST, in-process: the SQL it sends and the CPU it costs.

    python -m benchmarks.update_post [--store sqlite|postgres|both] [--actions 10000] [--posts 400]

The app is called as uvicorn would call it, on one event loop, its handler's thread hop made
synchronous, so no HTTP client shares the figures. First one POST with every statement listed
(psycopg's queries, COPYs and BEGIN/COMMIT/ROLLBACK commands; on SQLite, sqlite3's trace),
then the CPU per POST of this process and, on PostgreSQL, of its server processes (found by
``application_name``), over ``--posts`` POSTs spread over 100 actions of 20 owners.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import time
from contextlib import suppress
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import _connection_base

from benchmarks import web as bench
from benchmarks.common import add_store_arguments, fresh_database, stores
from benchmarks.synthetic import PEOPLE

APPLICATION_NAME = "plantrail-update-post"
SEED = "seedcpuxxxxxxxxx"


class Statements:
    """Every statement sent while ``on``: psycopg's and sqlite3's."""

    def __init__(self) -> None:
        self.on = False
        self.sent: list[str] = []

    def install(self) -> None:
        def note(text: Any) -> None:
            if self.on:
                self.sent.append(" ".join(str(text).split()))

        execute, copy, command = psycopg.Cursor.execute, psycopg.Cursor.copy, _connection_base.BaseConnection._exec_command

        def traced_execute(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            note(query.as_string(cursor) if hasattr(query, "as_string") else query)
            return execute(cursor, query, *args, **kwargs)

        def traced_copy(cursor: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
            note(statement)
            return copy(cursor, statement, *args, **kwargs)

        def traced_command(connection: Any, text: Any, *args: Any, **kwargs: Any) -> Any:
            note(text.decode() if isinstance(text, bytes) else text)
            return command(connection, text, *args, **kwargs)

        psycopg.Cursor.execute = traced_execute  # type: ignore[method-assign]
        psycopg.Cursor.copy = traced_copy  # type: ignore[method-assign]
        _connection_base.BaseConnection._exec_command = traced_command  # type: ignore[method-assign]
        connect = sqlite3.connect

        def traced_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            connection = connect(*args, **kwargs)
            connection.set_trace_callback(note)
            return connection

        sqlite3.connect = traced_connect  # type: ignore[assignment]
        sqlite3.dbapi2.connect = traced_connect  # type: ignore[assignment]


def server_cpu_seconds(url: str) -> float:
    """CPU so far of the PostgreSQL server processes serving this benchmark's connections."""
    with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
        query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND pid <> pg_backend_pid()"
        pids = [row[0] for row in conn.execute(query, (APPLICATION_NAME,))]
    total = 0.0
    for pid in pids:
        with suppress(FileNotFoundError):  # ended meanwhile
            total += bench.cpu_seconds(pid)
    return total


def scope_of(path: str, body: bytes, cookie: str) -> dict[str, Any]:
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
        (b"cookie", f"pt_session={cookie}; pt_csrf={SEED}".encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "headers": headers,
    }


async def post(app: Any, token: str, cookie: str, code: str, progress: int) -> None:
    body = urlencode({"csrf_token": token, "progress": str(progress), "effective_on": ""}).encode()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope_of(f"/actions/{bench.PLAN}/{code}/progress", body, cookie), receive, send)
    if status != [303]:
        raise RuntimeError(f"update POST answered {status}")


def measure(kind: str, url: str, posts: int, statements: Statements) -> None:
    import web.routes.owner
    from plantrail.bootstrap import bootstrap
    from web.app import create_app
    from web.security import csrf_token

    async def inline(function: Any, *args: Any) -> Any:
        return function(*args)

    web.routes.owner.run_in_threadpool = inline  # type: ignore[assignment]
    services = bootstrap(url)
    try:
        app = create_app(services, bench._settings(8000))
        token = csrf_token(bench.SECRET, SEED)
        targets = []
        for owner in PEOPLE[:20]:
            cookie = app.state.web.sessions.open(owner, "link")
            targets += [(cookie, code) for plan, code in services.queries.owned_action_refs(owner)[:5] if plan == bench.PLAN]

        async def run() -> None:
            for n, (cookie, code) in enumerate(targets[:5]):  # templates, caches, pooled connections
                await post(app, token, cookie, code, n)
            statements.sent.clear()
            statements.on = True
            await post(app, token, *targets[0], 50)
            statements.on = False
            print(f"\n{kind}: {len(statements.sent)} statements and commands in one update POST")
            for text in statements.sent:
                print(f"    {text[:150]}")
            server_before = server_cpu_seconds(url) if kind == "postgres" else 0.0
            started = time.process_time()
            for n in range(posts):
                await post(app, token, *targets[n % len(targets)], n % 100)
            ours = 1000 * (time.process_time() - started) / posts
            server = 1000 * (server_cpu_seconds(url) - server_before) / posts if kind == "postgres" else 0.0
            said = f"; its PostgreSQL server processes {server:.2f} ms" if kind == "postgres" else ""
            print(f"{kind}: CPU per update POST: this process {ours:.2f} ms{said} ({posts} POSTs over {len(targets)} actions)")

        asyncio.run(run())
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=400)
    add_store_arguments(parser)
    args = parser.parse_args()
    os.environ["PGAPPNAME"] = APPLICATION_NAME  # libpq names this process's server connections
    statements = Statements()
    statements.install()
    for kind in stores(args.store):
        with fresh_database(kind, args.postgres_url) as url:
            bench.build_store(url, args.actions)
            measure(kind, url, args.posts, statements)


if __name__ == "__main__":
    main()
