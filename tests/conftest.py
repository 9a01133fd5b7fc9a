"""Shared fixtures: real stores on a SQLite file and on the PostgreSQL server.

PostgreSQL tests run when PLANTRAIL_TEST_POSTGRES_URL names a server (``.ci/run`` sets it);
otherwise they skip with that reason. With PLANTRAIL_REQUIRE_POSTGRES=1 an unreachable server
fails the run instead of skipping, so CI cannot go green without them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example time limit: this machine and CI are shared and noisy, and a property test must
# fail on a wrong answer, not on a slow one (speed is measured in benchmarks/).
settings.register_profile("plantrail", deadline=None)
settings.load_profile("plantrail")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "clackmannanshire-2015"
POSTGRES_URL = os.environ.get("PLANTRAIL_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("PLANTRAIL_REQUIRE_POSTGRES") == "1"


def fixed_clock(moment: datetime):
    return lambda: moment


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "plantrail.db")


def _postgres_schema_url() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("PLANTRAIL_REQUIRE_POSTGRES=1 but PLANTRAIL_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need PLANTRAIL_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    import psycopg

    schema = "pt_" + uuid.uuid4().hex[:12]
    plain = POSTGRES_URL.split("?")[0]
    try:
        with psycopg.connect(plain, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {plain} is unreachable: {error}")
        pytest.skip(f"PostgreSQL at {plain} is unreachable: {error}")
    try:
        yield f"{plain}?schema={schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _postgres_schema_url()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Runs the test once on a SQLite file and once on the PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "plantrail.db")
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def services(database_url: str):
    from plantrail.bootstrap import bootstrap

    s = bootstrap(database_url, clock=fixed_clock(datetime(2015, 3, 25, 12, 0, tzinfo=UTC)))
    yield s
    s.close()


@pytest.fixture
def seeded(services):
    """Services with both example plans imported and projected."""
    from domain.importing import import_plans
    from plantrail.importers.json_plan import read_plan_file

    documents = [read_plan_file(p) for p in sorted(EXAMPLES.glob("*.json"))]
    import_plans(services.app, documents, actor="test import")
    services.projector.catch_up()
    return services


@pytest.fixture
def smtp_server():
    from tests.smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


# ----- a loud banner when whole kinds of tests did not run -------------------------------------

SKIPPED_KINDS = {
    "PostgreSQL": ("PostgreSQL", "export PLANTRAIL_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test (or run .ci/run)"),
    "Chromium": ("Chromium", "apt-get install chromium fonts-liberation (or run .ci/run)"),
}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """A plain `make test` on a machine without PostgreSQL or Chromium must not look like a full run."""
    counts = dict.fromkeys(SKIPPED_KINDS, 0)
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for kind, (needle, _) in SKIPPED_KINDS.items():
            if needle in reason and "make check-robustness" not in reason:
                counts[kind] += 1
    missing = {kind: n for kind, n in counts.items() if n}
    if not missing:
        return
    line = "!" * 78
    terminalreporter.write_line(line, red=True, bold=True)
    for kind, n in missing.items():
        terminalreporter.write_line(f"!! {n} {kind} test(s) were SKIPPED: this run does not cover {kind}.", red=True, bold=True)
        terminalreporter.write_line(f"!!   to run them: {SKIPPED_KINDS[kind][1]}", red=True)
    terminalreporter.write_line(line, red=True, bold=True)
