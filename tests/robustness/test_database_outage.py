"""PostgreSQL goes away and comes back. Restarts the shared server, so it runs only under
``make check-robustness`` (PLANTRAIL_ROBUSTNESS_OUTAGE=1)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import EXAMPLES

pytestmark = pytest.mark.skipif(
    os.environ.get("PLANTRAIL_ROBUSTNESS_OUTAGE") != "1", reason="restarts the PostgreSQL server: run with `make check-robustness`"
)


def cluster(action: str) -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True, capture_output=True, timeout=120)


def plantrail(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "plantrail", *args], env=env, capture_output=True, text=True, timeout=120)


def test_commands_fail_clearly_while_the_database_is_down_and_work_when_it_returns(postgres_url):
    env = {
        **os.environ,
        "PLANTRAIL_DATABASE_URL": postgres_url,
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "file",
        "PLANTRAIL_OUTBOX_DIR": "/tmp/plantrail-outage-outbox",
    }
    assert plantrail(env, "import", str(EXAMPLES)).returncode == 0
    service = subprocess.Popen(
        [sys.executable, "-m", "plantrail", "serve", "--no-web", "--relay-seconds", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)
        cluster("stop")
        try:
            down = plantrail(env, "update", "SS_ICSAP_IMP1", "--progress", "90")
            assert down.returncode == 1 and "database unavailable" in down.stderr and "Traceback" not in down.stderr
            time.sleep(3)  # serve's relay fails meanwhile and must keep going
            assert service.poll() is None
        finally:
            cluster("start")
        time.sleep(2)
        up = plantrail(env, "update", "SS_ICSAP_IMP1", "--progress", "90", "--format", "json")
        assert up.returncode == 0, up.stderr
        time.sleep(3)
        assert service.poll() is None  # still serving after the outage
    finally:
        service.terminate()
        service.communicate(timeout=60)
    assert service.returncode == 0
