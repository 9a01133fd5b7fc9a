"""Hostile people and plan data thrown at a real sweep (a real SQLite file, the PostgreSQL server,
a real SMTP server): the sweep always finishes, and every raised reminder ends up, for each of
its recipients, sent, or undeliverable or failed with its reason, recorded in the action's history
and in the administrator's digest. Some actions carry a claim awaiting sign-off, made two weeks
before by someone named however they like, so the sign-off requests and escalations are held to
the same account."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest import mock

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.commands import ChangeLifecycle
from domain.ids import normalise_key
from domain.person import Person
from notifications import tables as nt
from notifications.relay import relay_once
from plantrail.bootstrap import bootstrap, relay_context, sweep_context
from projections import tables as pt
from projections.audit import history
from scheduler.enqueue import NOBODY_REASONS
from scheduler.sweep import sweep
from tests.conftest import _postgres_schema_url
from tests.integration.legacy import legacy_person, legacy_plan
from tests.integration.test_reminders import settings_for
from tests.smtp_server import SmtpServer

AS_OF = date(2015, 3, 24)
NOW = datetime(2015, 3, 24, 7, tzinfo=UTC)
EXAMPLES = int(os.environ.get("PLANTRAIL_PROPERTY_EXAMPLES", "20"))
EXPLOSIVE = "\N{COLLISION SYMBOL}"  # an action whose title holds this breaks the deployment's own template
CLAIMED_AT = datetime(2015, 3, 10, 9, tzinfo=UTC)  # 14 days before the sweep: requested and escalated

NASTY = ["<script>alert('x')</script>", '"quoted", with comma; <angle>', "O'Brien & Sons", "Zoë Ünal", "a\u2028b", "{{ x }}"]
name_text = (
    st.one_of(
        st.sampled_from(NASTY),
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
    )
    .map(str.strip)
    .filter(bool)
)
free_text = st.one_of(name_text, st.lists(name_text, min_size=2, max_size=3).map("\n".join))
LEGACY_ADDRESSES = ["a@b.org;c@d.org", "a@b.org, c@d.org", "Ann <ann@example.org>", "ann", "ann owner@example.org", "ännie@example.org"]
valid_address = st.emails().filter(lambda a: len(a) <= 200 and len(a.rpartition("@")[0]) <= 64)


@dataclass
class PersonSpec:
    name: str
    email: str | None
    legacy: bool  # stored the way an older plantrail could (its check let bad addresses through)
    manager: str | None


@dataclass
class ActionSpec:
    code: str
    title: str
    owners: list[str]
    due: date | None
    progress: int
    note: str | None
    claimed_by: str | None = None  # a completion claimed by this name, awaiting sign-off (never on an explosive action)


@dataclass
class World:
    people: list[PersonSpec]
    sponsor: str | None
    plan_title: str
    committees: list[tuple[str, date, date]]
    actions: list[ActionSpec]
    refused: set[str]  # addresses the mail server answers 550 to
    override_template: bool


def variants(name: str) -> list[str]:
    """The name as typed by someone else: other case, other spacing; only spellings that name the same person."""
    found = [name, name.upper(), name.lower(), name.swapcase(), "  " + name.replace(" ", "  ") + " "]
    return [v for v in found if v.strip() and normalise_key(v) == normalise_key(name)]


@st.composite
def worlds(draw) -> World:
    names = draw(st.lists(name_text, min_size=1, max_size=5, unique_by=normalise_key))
    people = []
    for name in names:
        kind = draw(st.sampled_from(["valid", "valid", "valid", "none", "legacy"]))
        email = draw(valid_address) if kind == "valid" else draw(st.sampled_from(LEGACY_ADDRESSES)) if kind == "legacy" else None
        manager = draw(st.one_of(st.none(), st.sampled_from(names).flatmap(lambda n: st.sampled_from(variants(n))), name_text))
        people.append(PersonSpec(name, email, kind == "legacy", manager))
    someone = st.sampled_from(names).flatmap(lambda n: st.sampled_from(variants(n)))
    actions = []
    for n in range(draw(st.integers(1, 5))):
        explosive = draw(st.booleans())
        actions.append(
            ActionSpec(
                code=f"A{n}",
                title=draw(name_text) + (f" {EXPLOSIVE}" if explosive else ""),
                owners=draw(st.sampled_from([0, 1, 1, 1]).flatmap(lambda least: st.lists(someone, min_size=least, max_size=2))),
                due=draw(st.one_of(st.none(), st.integers(-60, 20).map(lambda d: AS_OF + timedelta(days=d)))),
                progress=draw(st.integers(0, 99)),
                note=draw(st.one_of(st.none(), free_text)),
                claimed_by=None if explosive else draw(st.one_of(st.none(), someone, name_text)),
            )
        )
    committees = [
        (draw(name_text), AS_OF + timedelta(days=meets), AS_OF + timedelta(days=meets - draw(st.integers(0, 8))))
        for meets in draw(st.lists(st.integers(-5, 15), max_size=2, unique=True))
    ]
    valid = [p.email for p in people if p.email and not p.legacy]
    return World(
        people=people,
        sponsor=draw(st.one_of(st.none(), someone, name_text)),
        plan_title=draw(free_text),
        committees=committees,
        actions=actions,
        refused=set(draw(st.lists(st.sampled_from(valid), max_size=1))) if valid else set(),
        override_template=draw(st.booleans()),
    )


def build(services, world: World) -> None:
    """People and the plan are stored as aggregates directly, as older versions (and other
    writers) could leave them: managers and sponsors need not be registered people."""
    app, on = services.app, date(2015, 1, 1)
    for p in world.people:
        if p.legacy:
            person = legacy_person(p.name, p.email, p.manager)
        else:
            person = Person.register(name=p.name, email=p.email, manager=p.manager, actor="t", effective_on=on)
        app.save(person)
    plan = legacy_plan("P 1", world.plan_title, world.sponsor)
    for committee, meets_on, deadline in world.committees:
        plan.schedule_committee(meets_on, committee, deadline, actor="t", effective_on=on)
    app.save(plan)
    for a in world.actions:
        app.add_action(plan_code="P 1", code=a.code, title=a.title, owners=a.owners, due_date=a.due, actor="t", effective_on=on)
        if a.progress:
            app.update_progress("P 1", a.code, a.progress, actor="t", effective_on=date(2015, 2, 1))
        if a.note:
            app.add_note("P 1", a.code, a.note, actor="t", effective_on=date(2015, 3, 1))
        if a.claimed_by:  # recorded on 10 March, as the event store's clock says
            with mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", lambda: CLAIMED_AT):
                app.handle("P 1", a.code, ChangeLifecycle("complete", None, CLAIMED_AT.date(), "Audit of 20 plans"), actor=a.claimed_by)
    services.projector.catch_up()


def override_folder(folder: Path) -> Path:
    """A deployment's own digest template, with a bug that bites on some actions."""
    builtin = (Path(__file__).resolve().parents[2] / "notifications" / "templates" / "digest.txt.j2").read_text()
    trap = f'{{% if "{EXPLOSIVE}" in a.title %}}{{{{ a.no_such_field }}}}{{% endif %}}\n'
    folder.mkdir()
    (folder / "digest.txt.j2").write_text(builtin.replace("{% for a in actions %}\n", "{% for a in actions %}\n" + trap, 1))
    return folder


def outcome_of_every_reminder(services) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(reminder key, recipient) -> (message status, reason) for every raised reminder and recipient."""
    m, i, r = nt.messages, nt.items, pt.reminders
    with services.engine.connect() as conn:
        held = {
            (key, recipient): (status, error)
            for key, recipient, status, error in conn.execute(
                select(i.c.reminder_key, i.c.recipient_name, m.c.status, m.c.last_error).join(m, m.c.message_id == i.c.message_id)
            )
        }
        raised = [(key, orjson.loads(recipients)) for key, recipients in conn.execute(select(r.c.key, r.c.recipients))]
    wanted = [(key, person["name"]) for key, recipients in raised for person in recipients or [{"name": ""}]]
    return {pair: held.get(pair, ("missing", None)) for pair in wanted}


def expected_outcome(world: World, key: str, recipient: str) -> tuple[str, str, str]:
    """What must have become of one reminder for one recipient, worked out from the world alone:
    (status, how the reason starts, which case this is)."""
    person = next((p for p in world.people if recipient and normalise_key(p.name) == normalise_key(recipient)), None)
    action = next(a for a in world.actions if key.split("|")[2] == a.code)
    if not recipient:
        rule = key.split("|")[0]
        return (
            "undeliverable",
            NOBODY_REASONS.get(rule, "nobody to send it to: the action has no owner, and no manager"),
            "nobody to send to",
        )
    if person is None:
        return "undeliverable", f"{recipient} is not a registered person, so plantrail has no email address for them", "not registered"
    if person.email is None:
        return "undeliverable", f"no email address recorded for {person.name}", "no address"
    if person.legacy:
        return "undeliverable", f"the email address recorded for {person.name}, {person.email!r}, ", "not one address"
    if world.override_template and EXPLOSIVE in action.title:
        return "undeliverable", "the message could not be rendered: UndefinedError: ", "template fails"
    if person.email in world.refused:
        return "failed", f"{person.email}: 550 ", "refused by the server"  # the mail server's own answer
    return "sent", "", "sent"


def check_world(database_url: str, world: World, server: SmtpServer, workdir: Path) -> None:
    server.handler.received.clear()
    server.handler.refuse = set(world.refused)
    services = bootstrap(database_url)
    try:
        build(services, world)
        settings = settings_for(server, templates_dir=override_folder(workdir / "templates") if world.override_template else None)
        first = sweep(sweep_context(services, settings), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
        asyncio.run(relay_once(relay_context(services, settings, clock=lambda: NOW)))
        services.projector.catch_up()
        outcomes = outcome_of_every_reminder(services)
        assert len(outcomes) >= len(first.raised)
        for (key, recipient), (status, reason) in outcomes.items():
            expected_status, reason_starts, case = expected_outcome(world, key, recipient)
            event(case)
            event(f"rule: {key.split('|')[0]}")
            assert status == expected_status and (reason or "").startswith(reason_starts), (key, recipient, status, reason)
        # Every one that did not go out is in its action's history, with its reason, and the administrator heard.
        events = {
            # A reminder with nobody to go to names no recipient (no change is listed for it).
            (e["changes"]["undeliverable"][1] if e["changes"] else "", e["reason"])
            for e in history(services.engine, plan_code="P 1")
            if e["type"] == "ReminderUndeliverable"
        }
        admin = " ".join(" ".join(m.text().split()) for m in server.received if m.rcpt_tos == ["admin@example.org"])
        for (_key, recipient), (status, reason) in outcomes.items():
            if status != "sent":
                assert (recipient, reason) in events, (recipient, reason)
                assert " ".join((recipient or "nobody").split()) in admin
        sent = Counter(m.message_id for m in server.received)
        assert max(sent.values(), default=1) == 1
        received = len(server.received)
        # A second sweep raises, sends and records nothing more.
        again = sweep(sweep_context(services, settings), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
        asyncio.run(relay_once(relay_context(services, settings, clock=lambda: NOW + timedelta(seconds=1))))
        assert (again.raised, again.messages, again.undeliverable) == ([], 0, 0)
        assert len(server.received) == received
    finally:
        services.close()


@pytest.fixture(scope="module")
def shared_smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_a_sweep_over_hostile_data_on_sqlite_always_finishes_and_accounts_for_every_reminder(world, shared_smtp_server):
    with tempfile.TemporaryDirectory() as folder:
        check_world(str(Path(folder) / "plantrail.db"), world, shared_smtp_server, Path(folder))


@pytest.mark.postgres
@settings(
    max_examples=max(3, EXAMPLES // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(world=worlds())
def test_a_sweep_over_hostile_data_on_postgresql_always_finishes_and_accounts_for_every_reminder(world, shared_smtp_server):
    with tempfile.TemporaryDirectory() as folder, contextlib.contextmanager(_postgres_schema_url)() as url:
        check_world(url, world, shared_smtp_server, Path(folder))
