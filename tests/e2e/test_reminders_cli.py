"""remind, outbox and serve through the real CLI, with a real SMTP server."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.cli_runner import CliResult, invoke
from tests.conftest import EXAMPLES


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "PLANTRAIL_DATABASE_URL": database_url, "PLANTRAIL_USER": "clerk", **extra}


def smtp_env(database_url: str, server, **extra: str) -> dict[str, str]:
    return cli_env(
        database_url,
        PLANTRAIL_MAIL_TRANSPORT="smtp",
        PLANTRAIL_SMTP_HOST="127.0.0.1",
        PLANTRAIL_SMTP_PORT=str(server.port),
        PLANTRAIL_MAIL_FROM="plantrail <plantrail@example.org>",
        PLANTRAIL_MAIL_FIRST_RETRY_SECONDS="0",
        **extra,
    )


def plantrail(env: dict[str, str], *args: str, expect: int = 0) -> CliResult:
    return invoke(env, *args, expect=expect)


def test_remind_writes_eml_files_once(tmp_path: Path):
    env = cli_env(str(tmp_path / "p.db"), PLANTRAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    plantrail(env, "import", str(EXAMPLES))
    first = json.loads(plantrail(env, "remind", "--as-at", "2015-03-17", "--format", "json").stdout)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert first["messages_queued"] == len(files) == first["delivery"]["sent"] > 0
    second = json.loads(plantrail(env, "remind", "--as-at", "2015-03-17", "--format", "json").stdout)
    assert (second["raised"], second["messages_queued"], second["already_raised"]) == (0, 0, first["raised"])
    assert sorted((tmp_path / "outbox").glob("*.eml")) == files
    listing = json.loads(plantrail(env, "outbox", "--format", "json").stdout)
    assert {m["status"] for m in listing} == {"sent"} and all(m["attempt_log"][0]["outcome"] == "sent" for m in listing)


def test_three_processes_sweeping_and_relaying_at_once_deliver_every_reminder_exactly_once(database_url, smtp_server):
    plantrail(cli_env(database_url), "import", str(EXAMPLES))
    expected = json.loads(plantrail(cli_env(database_url), "remind", "--as-at", "2015-03-17", "--dry-run", "--format", "json").stdout)
    recipients = {r["name"] for d in expected["due"] for r in d["recipients"]}
    # Round one: the server is down, so every message is left pending for the relays to race over.
    smtp_server.stop()
    env = smtp_env(database_url, smtp_server)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "plantrail", "remind", "--as-at", "2015-03-17", "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [json.loads(p.communicate(timeout=300)[0]) for p in processes]
    assert sum(o["raised"] for o in outcomes) == len(expected["due"])
    # Round two: the server is back and three relays run at once.
    smtp_server.start()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "plantrail", "remind", "--as-at", "2015-03-17", "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [json.loads(p.communicate(timeout=300)[0]) for p in processes]
    assert sum(o["raised"] for o in outcomes) == 0
    ids = Counter(m.message_id for m in smtp_server.received)
    assert ids and max(ids.values()) == 1
    names = Counter(m.message["To"].addresses[0].display_name for m in smtp_server.received)
    assert set(names) == recipients and max(names.values()) == 1  # one digest per person: every reminder exactly once
    listing = json.loads(plantrail(cli_env(database_url), "outbox", "--format", "json").stdout)
    assert {m["status"] for m in listing} == {"sent"} and len(listing) == len(smtp_server.received)


def test_serve_catches_up_delivers_and_stops_cleanly_on_sigterm(tmp_path: Path, smtp_server):
    database_url = str(tmp_path / "serve.db")
    plantrail(cli_env(database_url), "import", str(EXAMPLES))
    env = smtp_env(database_url, smtp_server, PLANTRAIL_SWEEP_HOUR="0")
    service = subprocess.Popen(
        [sys.executable, "-m", "plantrail", "serve", "--no-web", "--relay-seconds", "0.5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(smtp_server.received) < 5:
            time.sleep(0.5)
        time.sleep(2)  # let the relay finish the batch it is on
    finally:
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=60)
    assert service.returncode == 0, log
    assert "sweep" in log and "stopping" in log
    listing = json.loads(plantrail(cli_env(database_url), "outbox", "--format", "json").stdout)
    sent = [m for m in listing if m["status"] == "sent"]
    assert len(sent) == len(smtp_server.received) >= 5
    assert not [m for m in listing if m["status"] == "sending"]  # no claim left dangling


def test_an_owner_registered_without_an_email_does_not_stop_remind(tmp_path: Path, smtp_server):
    database_url = str(tmp_path / "p.db")
    plantrail(cli_env(database_url), "import", str(EXAMPLES))
    sheet = tmp_path / "workforce.csv"
    sheet.write_text(
        "Code & Title,Description,Covalent Owner,Due Date,Progress,Priority Area,Priority\n"
        "HR1 Recruit,Recruit two social workers,Ann Newcomer,30-Mar-2015,20%,Workforce,High\n"
    )
    plantrail(
        cli_env(database_url),
        "import",
        str(sheet),
        "--plan",
        "WF 1",
        "--create-plan",
        "--plan-title",
        "Workforce",
        "--register-owners",
        "--on",
        "2015-03-01",
    )
    env = smtp_env(database_url, smtp_server, PLANTRAIL_ADMIN_EMAIL="admin@example.org")
    result = json.loads(plantrail(env, "remind", "--as-at", "2015-03-17", "--format", "json").stdout)
    assert result["undeliverable"] == 1 and result["delivery"]["failed"] == 0
    received = Counter(m.rcpt_tos[0] for m in smtp_server.received)
    owners = {p["name"]: p["email"] for p in json.loads(plantrail(cli_env(database_url), "people", "--format", "json").stdout)}
    recipients = {r["name"] for d in result["due"] for r in d["recipients"]}
    assert set(received) == {owners[n] for n in recipients if owners.get(n)} | {"admin@example.org"}
    assert max(received.values()) == 1
    [held] = json.loads(plantrail(cli_env(database_url), "outbox", "--status", "undeliverable", "--format", "json").stdout)
    assert (held["to"], held["email"]) == ("Ann Newcomer", None) and "no email address" in held["last_error"]
    trail = json.loads(plantrail(cli_env(database_url), "history", "WF 1/HR1", "--format", "json").stdout)
    [event] = [e for e in trail if e["type"] == "ReminderUndeliverable"]
    assert "no email address" in event["reason"] and event["text"] == "reminder could not reach Ann Newcomer"


def test_an_administrator_address_that_is_not_one_address_is_refused_before_anything_runs(tmp_path: Path):
    env = cli_env(str(tmp_path / "p.db"), PLANTRAIL_ADMIN_EMAIL="admin@example.org; boss@example.org")
    refused = plantrail(env, "remind", "--as-at", "2015-03-17", expect=2)
    assert "PLANTRAIL_ADMIN_EMAIL" in refused.stderr and "more than one address" in refused.stderr
    assert not (tmp_path / "outbox").exists()


def test_remind_says_how_many_reminders_were_undeliverable_and_outbox_lists_them_with_the_reason(tmp_path: Path):
    env = cli_env(str(tmp_path / "p.db"), PLANTRAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    plantrail(env, "import", str(EXAMPLES))
    plantrail(env, "person", "edit", "Liam Purdie", "--email", "", "--reason", "left the council")
    summary = plantrail(env, "remind", "--as-at", "2015-03-17").stdout
    expected = json.loads(plantrail(env, "outbox", "--status", "undeliverable", "--format", "json").stdout)
    assert [m["to"] for m in expected] == ["Liam Purdie"]
    pairs = len(json.loads(plantrail(env, "history", "--type", "ReminderUndeliverable", "--format", "json").stdout))
    assert pairs > 0 and f"{pairs} reminder(s) could not be addressed or rendered" in " ".join(summary.split())
    listing = " ".join(plantrail(env, "outbox", "--status", "undeliverable").stdout.split())
    assert "undeliverable" in listing and "no email address recorded for Liam Purdie" in listing
