"""Sign-off's mail through the real CLI and a real SMTP server, on SQLite and PostgreSQL: `remind`
asks the approver, escalates a claim left waiting once, and tells the owner of a rejection; with
`--notify-rejection immediate`, `reject` itself queues the message and the relay delivers it.

Claims are recorded now (the real clock), so the sweeps are dated from today. Pat Preece (an owner
of SS_ICSAP_ARR1) is made to report to Liam Purdie, who reports to Val DeSouza."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import EXAMPLES
from tests.e2e.test_reminders_cli import plantrail, smtp_env
from tests.integration.sign_off_scenario import ARR1, PLAN
from tests.mail_dates import mail_day

EMAIL = {"Pat Preece": "pat.preece@example.org", "Liam Purdie": "liam.purdie@example.org", "Val DeSouza": "val.desouza@example.org"}


def remind(env: dict[str, str], as_of) -> dict:
    return json.loads(plantrail(env, "remind", "--as-at", as_of.isoformat(), "--format", "json").stdout)


def raised(result: dict, rule: str) -> list[dict]:
    return [d for d in result["due"] if d["rule"] == rule and d["raised_now"]]


def texts_to(smtp_server, person: str, since: int) -> list[str]:
    return [m.text().replace("\r\n", "\n") for m in smtp_server.received[since:] if m.rcpt_tos == [EMAIL[person]]]


def test_remind_asks_the_approver_escalates_once_and_tells_the_owner_of_a_rejection(database_url, smtp_server):
    env = smtp_env(database_url, smtp_server, PLANTRAIL_TIMEZONE="Europe/London")
    plantrail(env, "import", str(EXAMPLES))
    plantrail(env, "person", "edit", "Pat Preece", "--manager", "Liam Purdie", "--reason", "restructure")
    today = datetime.now(ZoneInfo("Europe/London")).date()
    said = plantrail(env, "complete", ARR1, "--by", "Pat Preece", "--evidence", "Audit of 20 plans")
    assert said.stdout.startswith("Submitted for sign-off")

    first = remind(env, today)
    [asked] = raised(first, "sign_off_awaiting")
    assert (asked["action_code"], asked["recipients"]) == (ARR1, [{"name": "Liam Purdie", "role": "manager"}])
    [liam] = texts_to(smtp_server, "Liam Purdie", 0)
    assert "Awaiting your sign-off (1)." in liam and f"* {ARR1} " in liam
    assert f"Claimed by Pat Preece on {mail_day(today.isoformat(), today)} (today)" in liam and "Evidence: Audit of 20 plans" in liam

    seen = len(smtp_server.received)
    day_before = remind(env, today + timedelta(days=6))
    assert raised(day_before, "sign_off_escalation") == []
    on_the_day = remind(env, today + timedelta(days=7))
    [escalated] = raised(on_the_day, "sign_off_escalation")
    assert escalated["recipients"] == [{"name": "Val DeSouza", "role": "manager"}]
    assert any("Waiting too long for sign-off (1)." in text for text in texts_to(smtp_server, "Val DeSouza", seen))
    again = remind(env, today + timedelta(days=7))
    assert (again["raised"], again["messages_queued"]) == (0, 0)

    said = plantrail(env, "reject", ARR1, "--by", "Liam Purdie", "--reason", "Attach the audit's list of plans")
    assert "Pat Preece is told the reason in their next reminder digest." in said.stdout
    seen = len(smtp_server.received)
    told = remind(env, today + timedelta(days=7))
    assert [d["recipients"] for d in raised(told, "sign_off_rejected")] == [[{"name": "Pat Preece", "role": "owner"}]]
    [pat] = texts_to(smtp_server, "Pat Preece", seen)
    assert (
        f"Not accepted by Liam Purdie on {mail_day(today.isoformat(), today + timedelta(days=7))}. Reason given: Attach the audit's list of plans"
        in pat
    )


def test_reject_under_immediate_queues_the_message_itself_and_the_relay_delivers_it(database_url, smtp_server):
    env = smtp_env(database_url, smtp_server, PLANTRAIL_TIMEZONE="Europe/London")
    plantrail(env, "import", str(EXAMPLES))
    plantrail(env, "person", "edit", "Pat Preece", "--manager", "Liam Purdie", "--reason", "restructure")
    plantrail(env, "sign-off", PLAN, "--notify-rejection", "immediate", "--reason", "owners asked to hear at once")
    plantrail(env, "complete", ARR1, "--by", "Pat Preece", "--evidence", "Audit of 20 plans")
    said = plantrail(env, "reject", ARR1, "--by", "Liam Purdie", "--reason", "No evidence given", "--format", "json")
    assert json.loads(said.stdout)["claimant_told"] == {"when": "now", "problem": None}
    [queued] = json.loads(plantrail(env, "outbox", "--status", "pending", "--format", "json").stdout)
    assert (queued["to"], queued["subject"]) == ("Pat Preece", "plantrail: your claim was not accepted")
    assert smtp_server.received == []  # queued, not sent: delivery is the relay's

    today = datetime.now(ZoneInfo("Europe/London")).date()
    swept = remind(env, today)  # its relay pass delivers what the decision queued
    assert raised(swept, "sign_off_rejected") == []  # already raised, by the decision
    [pat] = [text for text in texts_to(smtp_server, "Pat Preece", 0) if "not accepted" in text]
    assert "Reason given: No evidence given" in pat
