"""`plantrail serve`: the web app and the scheduler in one real process, stopped by SIGTERM;
the refusal to serve the web without a secret key; `signin-link` for first-time set-up."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.cli_runner import invoke
from tests.conftest import EXAMPLES
from tests.e2e.test_reminders_cli import cli_env, smtp_env
from tests.smtp_server import free_port
from tests.web.html import Page

KEY = "serve-test-secret-key-0123456789abcdefghijkl"


def test_serve_refuses_the_web_app_without_a_secret_key_outside_demo_mode(tmp_path: Path):
    env = cli_env(str(tmp_path / "p.db"))
    env.pop("PLANTRAIL_SECRET_KEY", None)
    result = invoke(env, "serve", expect=2)
    assert "PLANTRAIL_SECRET_KEY" in result.stderr and "keygen" in result.stderr


def _serve(env: dict[str, str], *arguments: str) -> subprocess.Popen[str]:
    """`plantrail serve ARGUMENTS` in its own process, its output kept for the test to read."""
    return subprocess.Popen(
        [sys.executable, "-m", "plantrail", "serve", *arguments], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for(url: str, seconds: float = 60) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_runs_web_and_scheduler_in_one_process_and_stops_both_on_sigterm(tmp_path: Path, smtp_server):
    database_url = str(tmp_path / "serve.db")
    invoke(cli_env(database_url), "import", str(EXAMPLES))
    port = free_port()
    env = smtp_env(
        database_url, smtp_server, PLANTRAIL_SWEEP_HOUR="0", PLANTRAIL_SECRET_KEY=KEY, PLANTRAIL_BASE_URL=f"http://127.0.0.1:{port}"
    )
    link = invoke(env, "signin-link", "Liam Purdie").stdout.strip()
    service = _serve(env, "--port", str(port), "--relay-seconds", "0.5")
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/healthz").text == "ok"
        parts = urlsplit(link)
        confirm = httpx.get(f"http://127.0.0.1:{port}{parts.path}?{parts.query}", timeout=10)
        assert Page(confirm.text).title.startswith("Sign in as Liam Purdie")
        deadline = time.monotonic() + 60  # the catch-up sweep and the relay run inside the same process
        while time.monotonic() < deadline and len(smtp_server.received) < 3:
            time.sleep(0.5)
        assert len(smtp_server.received) >= 3
    finally:
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=60)
    assert service.returncode == 0, log
    assert "scheduler started" in log and "stopped" in log
    listing = invoke(cli_env(database_url), "outbox", "--format", "json").stdout
    assert '"status": "sending"' not in listing  # no claim left dangling


def test_serve_with_no_scheduler_serves_the_web_only(tmp_path: Path):
    database_url = str(tmp_path / "web.db")
    invoke(cli_env(database_url), "import", str(EXAMPLES))
    port = free_port()
    env = cli_env(database_url, PLANTRAIL_SECRET_KEY=KEY, PLANTRAIL_SWEEP_HOUR="0")
    service = _serve(env, "--no-scheduler", "--port", str(port))
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/sign-in").status_code == 200
    finally:
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=60)
    assert service.returncode == 0, log
    assert "scheduler started" not in log
    assert "DeprecationWarning" not in log  # a library's notice of its own changes is not the administrator's business


def test_a_sign_in_email_links_to_the_port_served_when_no_base_url_is_set(tmp_path: Path, smtp_server):
    database_url = str(tmp_path / "web.db")
    invoke(cli_env(database_url), "import", str(EXAMPLES))
    port = free_port()
    env = smtp_env(database_url, smtp_server, PLANTRAIL_SECRET_KEY=KEY, PLANTRAIL_SWEEP_HOUR="0")
    env.pop("PLANTRAIL_BASE_URL", None)
    service = _serve(env, "--no-scheduler", "--port", str(port))
    try:
        _wait_for(f"http://127.0.0.1:{port}/sign-in")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:  # keeps the CSRF cookie
            fields = Page(client.get("/sign-in").text).form("/sign-in").fields
            assert client.post("/sign-in", data=fields | {"email": "liam.purdie@example.org"}).status_code == 303
        deadline = time.monotonic() + 30
        while not smtp_server.received and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=60)
    assert service.returncode == 0, log
    [mail] = smtp_server.received
    assert f"http://127.0.0.1:{port}/sign-in/confirm?token=" in mail.text()
    assert f"emailed links point at http://127.0.0.1:{port}" in log


def test_a_short_secret_key_is_refused(tmp_path: Path):
    result = invoke(cli_env(str(tmp_path / "p.db"), PLANTRAIL_SECRET_KEY="short"), "serve", expect=2)
    assert "at least 32" in result.stderr


def test_an_unknown_log_level_is_refused_before_anything_starts(tmp_path: Path):
    env = cli_env(str(tmp_path / "p.db"), PLANTRAIL_SECRET_KEY=KEY, PLANTRAIL_LOG_LEVEL="LOUD")
    result = invoke(env, "serve", expect=2)
    assert result.stderr.strip() == (
        "plantrail: error: PLANTRAIL_LOG_LEVEL: 'LOUD' is not a log level; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    )


def test_demo_mode_gives_sign_in_links_without_a_secret_key_and_only_then(tmp_path: Path):
    db = str(tmp_path / "p.db")
    invoke(cli_env(db), "import", str(EXAMPLES))
    plain = cli_env(db, PLANTRAIL_BASE_URL="http://127.0.0.1:8000")
    plain.pop("PLANTRAIL_SECRET_KEY", None)
    refused = invoke(plain, "signin-link", "Liam Purdie", expect=2)
    assert "PLANTRAIL_SECRET_KEY" in refused.stderr
    link = invoke(plain | {"PLANTRAIL_DEMO": "1"}, "signin-link", "liam purdie").stdout.strip()
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:8000", "/sign-in/confirm")
    assert parts.query.startswith("token=") and len(parts.query) > 40
