"""Shared set-up for benchmarks: fresh stores on a SQLite file or a PostgreSQL schema."""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_POSTGRES = os.environ.get("PLANTRAIL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite", help="which store(s) to measure")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="PostgreSQL server for --store postgres")


def stores(choice: str) -> list[str]:
    return ["sqlite", "postgres"] if choice == "both" else [choice]


@contextmanager
def fresh_database(kind: str, postgres_url: str = DEFAULT_POSTGRES) -> Iterator[str]:
    """A database URL for an empty store, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="plantrail-bench-") as folder:
            yield str(Path(folder) / "bench.db")
        return
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{postgres_url}?schema={schema}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
