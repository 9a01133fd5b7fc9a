"""Exactly-once delivery in practice: a slow but healthy mail server, two relays at once, and a
SIGTERM or SIGKILL in the middle of a send, against real processes on SQLite and PostgreSQL.

Modest by default (a few seconds per message); ``make check-robustness`` runs the full case
from issue 8: 25 seconds per message, 16 digests, two relays.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select

from notifications import tables as nt
from plantrail.settings import database_config
from tests.cli_runner import invoke

SLOW_SECONDS = float(os.environ.get("PLANTRAIL_RELAY_SLOW_SECONDS", "2"))
DIGESTS = int(os.environ.get("PLANTRAIL_RELAY_DIGESTS", "4"))


def owners_plan(path: Path, owners: int) -> None:
    """One plan whose every action has its own owner: one digest per owner per sweep."""
    people = [{"name": f"Owner {n:02d}", "email": f"owner{n:02d}@example.org"} for n in range(owners)]
    actions = [
        {"code": f"A{n:02d}", "title": f"Action {n}", "owners": [f"Owner {n:02d}"], "due_date": "2015-03-31", "added_on": "2015-01-05"}
        for n in range(owners)
    ]
    document = {
        "format": "plantrail-plan/1",
        "plan": {"code": "R 1", "title": "Relay plan", "created_on": "2015-01-05"},
        "people": people,
        "actions": actions,
    }
    path.write_text(json.dumps(document))


def env_for(database_url: str, server, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PLANTRAIL_DATABASE_URL": database_url,
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "smtp",
        "PLANTRAIL_SMTP_HOST": "127.0.0.1",
        "PLANTRAIL_SMTP_PORT": str(server.port),
        "PLANTRAIL_MAIL_FROM": "plantrail <plantrail@example.org>",
        "PLANTRAIL_MAIL_FIRST_RETRY_SECONDS": "0",
        **extra,
    }


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "plantrail", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outbox(env: dict[str, str]) -> list[dict]:
    return json.loads(invoke(env, "outbox", "--format", "json").stdout)


def counts(server, listing: list[dict]) -> dict[str, int]:
    accepted = Counter(m.message_id for m in server.received)
    digests = {m["message_id"] for m in listing if m["kind"] == "digest"}
    return {
        "messages": len(digests),
        "accepted": len(set(accepted) & digests),
        "duplicates": sum(n - 1 for n in accepted.values()),
        "lost": len(digests - set(accepted)),
    }


def report(case: str, figures: dict[str, int]) -> None:
    print(
        f"\n{case}: messages accepted {figures['accepted']} of {figures['messages']}, duplicates {figures['duplicates']}, lost {figures['lost']}"
    )


def queue_digests(tmp_path: Path, database_url: str, server) -> dict[str, str]:
    """Import the plan and run one sweep while the mail server is down: every digest waits."""
    plan = tmp_path / "relay.plan.json"
    owners_plan(plan, DIGESTS)
    env = env_for(database_url, server)
    invoke(env, "import", str(plan))
    server.stop()
    result = json.loads(invoke(env, "remind", "--as-at", "2015-03-24", "--format", "json").stdout)
    assert result["messages_queued"] == DIGESTS and result["delivery"]["retrying"] == DIGESTS
    server.start()
    return env


def test_two_relays_and_a_slow_server_deliver_every_message_exactly_once(tmp_path: Path, database_url: str, smtp_server):
    env = queue_digests(tmp_path, database_url, smtp_server)
    smtp_server.handler.delay_seconds = SLOW_SECONDS
    relays = [start(env, "remind", "--as-at", "2015-03-24", "--format", "json") for _ in range(2)]
    outcomes = [json.loads(r.communicate(timeout=120 + 2 * DIGESTS * SLOW_SECONDS)[0]) for r in relays]
    listing = outbox(env)
    figures = counts(smtp_server, listing)
    report(f"two relays, {SLOW_SECONDS:g} s per message", figures)
    assert (figures["accepted"], figures["duplicates"], figures["lost"]) == (DIGESTS, 0, 0)
    sent_by_relay = [o["delivery"]["sent"] for o in outcomes]
    assert sum(sent_by_relay) == DIGESTS and min(sent_by_relay) > 0  # one claim at a time: both relays shared the work
    assert {m["status"] for m in listing} == {"sent"}
    # Each attempt records its own time: a relay's sends are at least one server delay apart.
    sent_at = sorted(datetime.fromisoformat(a["at"]) for m in listing for a in m["attempt_log"] if a["outcome"] == "sent")
    assert len(set(sent_at)) == DIGESTS
    assert sent_at[-1] - sent_at[0] >= timedelta(seconds=SLOW_SECONDS * (DIGESTS // 2 - 1))


def test_sigterm_mid_send_finishes_and_records_the_message_in_hand_and_sends_the_rest_later(tmp_path: Path, database_url: str, smtp_server):
    env = queue_digests(tmp_path, database_url, smtp_server)
    smtp_server.handler.delay_seconds = SLOW_SECONDS
    service = start(env, "serve", "--no-web", "--relay-seconds", "0.5")
    try:
        assert smtp_server.handler.data_started.wait(timeout=60), "serve never started sending"
        service.send_signal(signal.SIGTERM)
        _, log = service.communicate(timeout=60 + 2 * SLOW_SECONDS)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, log
    listing = outbox(env)
    statuses = Counter(m["status"] for m in listing if m["kind"] == "digest")
    assert statuses["sending"] == 0  # nothing left claimed
    assert statuses["sent"] == len(smtp_server.received) >= 1  # the message in hand was finished and recorded
    smtp_server.handler.delay_seconds = 0
    invoke(env, "remind", "--as-at", "2015-03-24")
    listing = outbox(env)
    figures = counts(smtp_server, listing)
    report(f"SIGTERM mid-send ({SLOW_SECONDS:g} s per message)", figures)
    # serve's own catch-up sweep (for today, after the sweep hour) may have added digests: all count.
    assert figures["messages"] >= DIGESTS
    assert (figures["accepted"], figures["duplicates"], figures["lost"]) == (figures["messages"], 0, 0)


def test_after_sigkill_mid_send_the_claim_lapses_within_a_minute(tmp_path: Path, sqlite_url: str, smtp_server):
    env = queue_digests(tmp_path, sqlite_url, smtp_server)
    smtp_server.handler.delay_seconds = SLOW_SECONDS
    relay = start(env, "remind", "--as-at", "2015-03-24")
    assert smtp_server.handler.data_started.wait(timeout=60)
    killed_at = datetime.now(UTC)
    relay.send_signal(signal.SIGKILL)
    relay.communicate(timeout=30)
    engine = create_engine(database_config(sqlite_url).sqlalchemy_url)
    with engine.connect() as conn:
        claims = conn.execute(select(nt.messages.c.claimed_until).where(nt.messages.c.status == "sending")).scalars().all()
    engine.dispose()
    assert len(claims) == 1  # one message in hand, nothing else held
    lapses_at = claims[0].replace(tzinfo=UTC)
    assert lapses_at <= killed_at + timedelta(seconds=60)
