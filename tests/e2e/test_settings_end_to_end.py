"""Settings away from their defaults through the real CLI (in-process): the reminder rules of
plantrail.toml, the plan's and the user's time zones, who is recording, the sender, the
templates folder and the delivery limits. Expected values are worked out here from the rule
or the clock, never read back from plantrail. tests/SETTINGS.md lists every setting and its test."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.cli_runner import invoke
from tests.e2e.test_settings_cli import write_plan
from tests.smtp_server import SmtpServer, free_port, self_signed_certificate

AS_AT = date(2015, 3, 30)
ADDED = "2015-01-05"


def day(offset: int) -> str:
    return (AS_AT + timedelta(days=offset)).isoformat()


def rules_plan() -> dict:
    """Actions placed either side of each rule's threshold under the plantrail.toml below."""
    actions = {
        # code: (due in days from AS_AT, last note in days from AS_AT)
        "OVER6": (-6, -1),
        "OVER5": (-5, -1),
        "OVER4": (-4, -1),
        "SOON2": (2, -1),
        "SOON3": (3, -1),
        "STALE10": (60, -10),
        "STALE9": (60, -9),
    }
    return {
        "format": "plantrail-plan/1",
        "plan": {"code": "RULES", "title": "Rules", "sponsor": "Sue Sponsor", "created_on": ADDED},
        "priorities": [{"number": 1, "name": "Only priority"}],
        "committees": [
            {"committee": "Audit", "meets_on": day(10), "report_deadline": day(4)},
            {"committee": "Scrutiny", "meets_on": day(12), "report_deadline": day(5)},
        ],
        "people": [
            {"name": "Sue Sponsor", "email": "sue@example.org"},
            {"name": "Mo Manager", "email": "mo@example.org"},
            {"name": "Ann Owner", "email": "ann@example.org", "manager": "Mo Manager"},
        ],
        "actions": [
            {
                "code": code,
                "title": f"Action {code}",
                "owners": ["Ann Owner"],
                "due_date": day(due),
                "priority_area": 1,
                "added_on": ADDED,
                "notes": [{"text": "under way", "author": "Ann Owner", "on": day(noted)}],
            }
            for code, (due, noted) in actions.items()
        ],
    }


def test_every_reminder_rule_of_plantrail_toml_moves_its_threshold_on_both_sides(tmp_path: Path):
    config = tmp_path / "plantrail.toml"
    config.write_text(
        "[reminders]\n"
        "due_soon_days = [2]\n"
        "overdue_repeat_days = 3\n"
        "overdue_sponsor_after_days = 5\n"
        "stale_after_days = 10\n"
        "committee_round_days = 4\n",
        encoding="utf-8",
    )
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "r.db"), "PLANTRAIL_USER": "clerk", "PLANTRAIL_CONFIG": str(config)}
    invoke(env, "import", str(write_plan(tmp_path, rules_plan())))
    due = json.loads(invoke(env, "remind", "--as-at", AS_AT.isoformat(), "--dry-run", "--format", "json").stdout)["due"]

    def found(rule: str) -> dict[str, tuple[int, set[str]]]:
        return {d["action_code"]: (d["period"], {r["role"] for r in d["recipients"]}) for d in due if d["rule"] == rule}

    # Overdue: period (days over - 1) // 3, all three at 1 (the default 7 gives 0); the sponsor
    # from 5 days over (the default is 28).
    assert found("overdue") == {
        "OVER6": (1, {"owner", "manager", "sponsor"}),
        "OVER5": (1, {"owner", "manager", "sponsor"}),
        "OVER4": (1, {"owner", "manager"}),
    }
    # Due soon at 2 days only (the default [14, 7] would take SOON3 and both STALE ones' neighbours).
    assert found("due_soon") == {"SOON2": (2, {"owner"})}
    # Stale after 10 silent days (the default is 30): 10 is, 9 is not.
    assert found("stale") == {"STALE10": (1, {"owner"})}
    # The committee round opens 4 days before a report deadline (the default 10 would open both).
    rounds = {(d["action_code"], d["details"]["committee"]) for d in due if d["rule"] == "committee_round"}
    assert rounds == {(code, "Audit") for code in ("OVER6", "OVER5", "OVER4", "SOON2", "SOON3", "STALE10", "STALE9")}


def zone_plan(code: str, zone: str) -> dict:
    return {
        "format": "plantrail-plan/1",
        "plan": {"code": code, "title": f"Plan in {zone}", "timezone": zone, "created_on": ADDED},
        "priorities": [{"number": 1, "name": "Only priority"}],
        "people": [{"name": "Ann Owner", "email": "ann@example.org"}],
        "actions": [
            {"code": "A1", "title": "One", "owners": ["Ann Owner"], "due_date": "2030-01-01", "priority_area": 1, "added_on": ADDED}
        ],
    }


def notes_on(env: dict[str, str], ref: str) -> list[tuple[str, str]]:
    events = json.loads(invoke(env, "history", ref, "--format", "json").stdout)
    return [(e["effective_on"], e["actor"]) for e in events if e["type"] == "NoteAdded"]


def test_a_plans_time_zone_dates_an_undated_change_and_plantrail_timezone_reads_today_typed_at_the_prompt(tmp_path: Path):
    # Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart: their dates always differ.
    east, west = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "z.db"), "PLANTRAIL_USER": "Cal Clerk", "PLANTRAIL_TIMEZONE": east}
    invoke(env, "import", str(write_plan(tmp_path, zone_plan("EAST", east))))
    invoke(env, "import", str(write_plan(tmp_path, zone_plan("WEST", west))))

    def today_in(zone: str) -> set[str]:  # either side of a midnight passing during the test
        return {datetime.now(ZoneInfo(zone)).date().isoformat()}

    east_day, west_day = today_in(east), today_in(west)
    invoke(env, "note", "EAST/A1", "undated in the east")
    invoke(env, "note", "WEST/A1", "undated in the west")
    invoke(env, "note", "WEST/A1", "typed today", "--on", "today", "--by", "Ann Owner")
    east_day |= today_in(east)
    west_day |= today_in(west)
    [(east_note, east_actor)] = notes_on(env, "EAST/A1")
    (west_note, west_actor), (typed, typed_actor) = notes_on(env, "WEST/A1")
    assert east_note in east_day and west_note in west_day and east_day.isdisjoint(west_day)
    assert typed in east_day  # "today" is read in PLANTRAIL_TIMEZONE, whatever the plan's zone
    assert (east_actor, west_actor, typed_actor) == ("Cal Clerk", "Cal Clerk", "Ann Owner")  # $PLANTRAIL_USER unless --by


def test_the_sender_and_a_templates_folder_shape_every_message_written(tmp_path: Path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "digest.subject.txt.j2").write_text("Council plans: {{ count }} to look at\n", encoding="utf-8")
    env = {
        "PLANTRAIL_DATABASE_URL": str(tmp_path / "m.db"),
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "PLANTRAIL_MAIL_FROM": "Council Plans <plans@council.example>",
        "PLANTRAIL_TEMPLATES_DIR": str(templates),
    }
    invoke(env, "import", str(write_plan(tmp_path, rules_plan())))
    due = json.loads(invoke(env, "remind", "--as-at", AS_AT.isoformat(), "--format", "json").stdout)["due"]
    per_person: dict[str, set[str]] = {}
    for d in due:
        for r in d["recipients"]:
            per_person.setdefault(r["name"], set()).add(d["action_code"])
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in sorted((tmp_path / "outbox").glob("*.eml"))
    ]
    assert len(messages) == len(per_person) == 2  # the default rules: the sponsor hears at 28 days overdue
    emails = {"ann@example.org": "Ann Owner", "mo@example.org": "Mo Manager"}
    for message in messages:
        assert message["From"].addresses[0].addr_spec == "plans@council.example"
        assert message["From"].addresses[0].display_name == "Council Plans"
        name = emails[message["To"].addresses[0].addr_spec]
        assert message["Subject"] == f"Council plans: {len(per_person[name])} to look at"
        assert message["Message-ID"].endswith("@council.example>")  # made under the sender's domain


def refused_delivery(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A store whose reminders are raised and tried once against a port nobody listens on."""
    tmp_path.mkdir()
    env = {
        "PLANTRAIL_DATABASE_URL": str(tmp_path / "d.db"),
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "smtp",
        "PLANTRAIL_SMTP_HOST": "127.0.0.1",
        "PLANTRAIL_SMTP_PORT": str(free_port()),  # nobody listens there: every attempt is refused
        **settings,
    }
    invoke(env, "import", str(write_plan(tmp_path, rules_plan())))
    invoke(env, "remind", "--as-at", AS_AT.isoformat(), "--format", "json")
    return env


def attempts(env: dict[str, str]) -> dict[str, tuple[str, int]]:
    return {m["to"]: (m["status"], m["attempts"]) for m in json.loads(invoke(env, "outbox", "--format", "json").stdout)}


def test_the_first_retry_interval_decides_whether_the_next_run_tries_again(tmp_path: Path):
    soon = refused_delivery(tmp_path / "soon", PLANTRAIL_MAIL_FIRST_RETRY_SECONDS="0")
    later = refused_delivery(tmp_path / "later", PLANTRAIL_MAIL_FIRST_RETRY_SECONDS="3600")
    tried_once = {"Ann Owner": ("pending", 1), "Mo Manager": ("pending", 1)}
    assert attempts(soon) == attempts(later) == tried_once
    for env in (soon, later):
        invoke(env, "remind", "--as-at", AS_AT.isoformat())
    assert attempts(soon) == {"Ann Owner": ("pending", 2), "Mo Manager": ("pending", 2)}  # no wait: tried again
    assert attempts(later) == tried_once  # an hour to wait: not yet


def test_a_zero_hour_age_limit_gives_up_on_the_first_refusal_where_the_default_keeps_trying(tmp_path: Path):
    limited = refused_delivery(tmp_path / "limited", PLANTRAIL_MAIL_MAX_AGE_HOURS="0")
    default = refused_delivery(tmp_path / "default")
    assert attempts(limited) == {"Ann Owner": ("failed", 1), "Mo Manager": ("failed", 1)}
    assert attempts(default) == {"Ann Owner": ("pending", 1), "Mo Manager": ("pending", 1)}


def secured_delivery(tmp_path: Path, server: SmtpServer, cert: Path, **settings: str) -> dict[str, tuple[str, int]]:
    """Import, remind once against ``server`` with these SMTP settings, and say what became of each message."""
    env = {
        "PLANTRAIL_DATABASE_URL": str(tmp_path / f"s{free_port()}.db"),
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "smtp",
        "PLANTRAIL_SMTP_HOST": "127.0.0.1",
        "PLANTRAIL_SMTP_PORT": str(server.port),
        "SSL_CERT_FILE": str(cert),  # the test's own certificate authority, as an operator would install one
        **settings,
    }
    invoke(env, "import", str(write_plan(tmp_path, rules_plan())))
    invoke(env, "remind", "--as-at", AS_AT.isoformat())
    return attempts(env)


def test_starttls_with_a_login_delivers_and_a_login_without_starttls_waits_for_the_settings_to_be_fixed(tmp_path: Path):
    cert, key = self_signed_certificate(tmp_path)
    server = SmtpServer(users={"relay": "s3cret"}, certificate=(cert, key), security="starttls")
    server.start()
    try:
        login = {"PLANTRAIL_SMTP_USER": "relay", "PLANTRAIL_SMTP_PASSWORD": "s3cret"}
        assert secured_delivery(tmp_path, server, cert, PLANTRAIL_SMTP_SECURITY="starttls", **login) == {
            "Ann Owner": ("sent", 1),
            "Mo Manager": ("sent", 1),
        }
        # The server accepts only relay / s3cret: each message went out under that login.
        assert server.logins == ["relay", "relay"] and len(server.received) == 2
        # Security left at none: the server offers no AUTH before STARTTLS, so the login cannot be
        # sent; the messages wait for the settings to be put right.
        plain = secured_delivery(tmp_path, server, cert, **login)
        assert plain == {"Ann Owner": ("pending", 1), "Mo Manager": ("pending", 1)}
        assert server.logins == ["relay", "relay"] and len(server.received) == 2
    finally:
        server.stop()


def test_tls_from_the_start_delivers(tmp_path: Path):
    cert, key = self_signed_certificate(tmp_path)
    server = SmtpServer(certificate=(cert, key), security="tls")
    server.start()
    try:
        assert secured_delivery(tmp_path, server, cert, PLANTRAIL_SMTP_SECURITY="tls") == {
            "Ann Owner": ("sent", 1),
            "Mo Manager": ("sent", 1),
        }
        assert len(server.received) == 2
    finally:
        server.stop()
