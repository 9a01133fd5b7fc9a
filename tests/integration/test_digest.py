"""The digest a person can act on: each action once with every reason it is there, most urgent
first, the subject counting actions, and links to update them when the web app provides them."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import quote

from sqlalchemy import select

from notifications import tables as nt
from notifications.digest import RULE_TITLES
from plantrail.bootstrap import sweep_context
from projections import tables as pt
from scheduler.sweep import sweep
from tests.integration.test_reminders import deliver, settings_for

AS_OF = date(2015, 3, 17)
NOW = datetime(2015, 3, 17, 7, tzinfo=UTC)
BASE = "https://plantrail.example.org"


class SignedLinks:
    """Stands in for the web app's link maker (which signs a token per person and action)."""

    def action_link(self, person_name: str, plan_code: str, action_code: str) -> str | None:
        return f"{BASE}/update/{quote(plan_code)}/{quote(action_code)}?for={quote(person_name)}&t=tok"

    def home_link(self, person_name: str) -> str | None:
        return f"{BASE}/mine?for={quote(person_name)}&t=tok"

    def sign_off_link(self, person_name: str) -> str | None:
        return f"{BASE}/sign-off?for={quote(person_name)}&t=tok"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        self._href = dict(attrs).get("href") if tag == "a" else None

    def handle_data(self, data):
        if self._href:
            self.found.append((self._href, data.strip()))
            self._href = None


def raised_for(services, person: str) -> dict[tuple[str, str], set[str]]:
    """From the stored reminders alone: which rules brought each action to this person's digest."""
    i, r = nt.items, pt.reminders
    with services.engine.connect() as conn:
        rows = conn.execute(
            select(r.c.plan_code, r.c.action_code, r.c.rule).join(i, i.c.reminder_key == r.c.key).where(i.c.recipient_name == person)
        ).all()
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for plan_code, action_code, rule in rows:
        found[(plan_code, action_code)].add(rule)
    return found


def numbered_actions(text: str) -> list[str]:
    return re.findall(r"^\d+\. (\S+) ", text, flags=re.M)


def test_each_action_appears_once_with_every_reason_most_urgent_first(seeded, smtp_server):
    settings = settings_for(smtp_server)
    sweep(sweep_context(seeded, settings), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
    deliver(seeded, settings, NOW)
    people = {p["name"]: p["email"] for p in seeded.queries.people()}
    due = {(a["plan"], a["code"]): a["due_date"] for plan in ("SOS 001", "SS SAAP 2014") for a in seeded.queries.actions(plan, as_at=AS_OF)}
    checked = 0
    for message in smtp_server.received:
        person = message.message["To"].addresses[0].display_name
        assert message.rcpt_tos == [people[person]]
        expected = raised_for(seeded, person)
        text = message.text()
        codes = numbered_actions(text)
        assert sorted(codes) == sorted(code for _, code in expected)  # each action once
        count = len(expected)
        overdue = sum(1 for key in expected if due[key] and due[key] < AS_OF.isoformat())
        subject = f"plantrail: {count} action{'s' if count != 1 else ''} need{'' if count != 1 else 's'} your attention"
        assert message.message["Subject"] == subject + (f" ({overdue} overdue)" if overdue else "")
        by_code = {code: key for key in expected for code in [key[1]]}
        order = [(not (due[by_code[c]] and due[by_code[c]] < AS_OF.isoformat()), due[by_code[c]] or "9999") for c in codes]
        assert order == sorted(order)  # overdue first, then soonest due
        for number, code in enumerate(codes, start=1):
            section = text.split(f"\n{number}. {code} ", 1)[1].split(f"\n{number + 1}. ", 1)[0]
            listed = {title for title in RULE_TITLES.values() if f"- {title}:" in section}
            assert listed == {RULE_TITLES[rule] for rule in expected[by_code[code]]}, code
        assert "plantrail update" not in text and "record progress in plantrail or ask your plan's clerk" in text
        checked += len(expected) > 1
    assert checked  # the seed gives several people more than one action


def test_with_a_link_maker_every_action_gets_update_now_and_the_digest_ends_with_my_actions(seeded, smtp_server):
    settings = settings_for(smtp_server)
    sweep(sweep_context(seeded, settings, links=SignedLinks()), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
    deliver(seeded, settings, NOW)
    links = SignedLinks()
    assert smtp_server.received
    for message in smtp_server.received:
        person = message.message["To"].addresses[0].display_name
        codes = numbered_actions(message.text())
        plan_of = {code: plan for plan, code in raised_for(seeded, person)}
        parsed = Links()
        parsed.feed(message.html())
        expected = [(links.action_link(person, plan_of[c], c), "Update now") for c in codes] + [(links.home_link(person), "My actions")]
        assert parsed.found == expected
        text = message.text()
        assert all(f"Update now: {href}" in text for href, label in expected if label == "Update now")
        assert f"My actions (everything you own, most urgent first): {links.home_link(person)}" in text
        assert "ask your plan's clerk" not in text
