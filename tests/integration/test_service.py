"""The scheduler started and stopped from another asyncio program, as the web app's lifespan
does: ``start`` runs the catch-up sweep and the relay; ``stop`` lets the message in hand finish."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from plantrail.bootstrap import scheduler_runtime
from scheduler.service import RUNTIMES, start, stop
from tests.integration.test_reminders import settings_for


def test_start_sweeps_and_relays_and_stop_finishes_the_message_in_hand(seeded, smtp_server):
    smtp_server.handler.delay_seconds = 1.0
    settings = settings_for(smtp_server, sweep_hour=0)
    runtime = scheduler_runtime(seeded, settings, relay_seconds=0.2)
    runtime.clock = lambda: datetime(2015, 3, 17, 9, tzinfo=UTC)  # a sweep day with plenty due

    async def lifespan() -> bool:
        scheduler = start(runtime)
        while not smtp_server.handler.data_started.is_set():
            await asyncio.sleep(0.05)
        await stop(runtime, scheduler)
        return scheduler.running

    still_running = asyncio.run(lifespan())
    assert not still_running and runtime.id not in RUNTIMES
    listing = seeded.outbox.listing()
    statuses = {m["status"] for m in listing}
    assert "sending" not in statuses and len(listing) > len(smtp_server.received)  # stopped before the rest
    assert [m["message_id"] for m in listing if m["status"] == "sent"] == [m.message_id for m in smtp_server.received]


def test_the_sweep_hour_and_time_zone_from_the_environment_schedule_the_daily_sweep_and_seal(services, monkeypatch, tmp_path):
    from zoneinfo import ZoneInfo

    from plantrail.settings import mail_settings
    from scheduler.service import scheduled_jobs

    monkeypatch.chdir(tmp_path)  # no plantrail.toml
    monkeypatch.setenv("PLANTRAIL_SWEEP_HOUR", "22")
    monkeypatch.setenv("PLANTRAIL_TIMEZONE", "America/New_York")
    runtime = scheduler_runtime(services, mail_settings())
    jobs = {job.id: job.trigger for job in scheduled_jobs(runtime)}
    now = datetime(2015, 7, 1, 12, tzinfo=UTC)  # 08:00 in New York (summer time, UTC-4)
    sweep_at = jobs["daily-sweep"].get_next_fire_time(None, now)
    seal_at = jobs["daily-seal"].get_next_fire_time(None, now)
    new_york = ZoneInfo("America/New_York")
    assert sweep_at == datetime(2015, 7, 1, 22, 0, tzinfo=new_york) == datetime(2015, 7, 2, 2, 0, tzinfo=UTC)
    assert seal_at == datetime(2015, 7, 1, 22, 30, tzinfo=new_york)
