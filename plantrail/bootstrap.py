"""The one composition root: builds the application, projector and queries for a database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event

from domain.application import Clock, PlanTrail, utc_now
from notifications.outbox import Outbox
from plantrail import keys
from plantrail.event_table import EventTable
from plantrail.migrate import ProgressFactory, migrate
from plantrail.services import Services
from plantrail.settings import DatabaseConfig, MailSettings, SettingsError, cipher_env, cipher_key, database_config, mail_settings
from projections.projector import Projector
from projections.queries import Queries

if TYPE_CHECKING:  # mail and the scheduler load only in the commands that send or sweep
    from notifications.links import LinkMaker
    from notifications.relay import DeliveryPolicy, RelayContext, UndeliverableHook
    from notifications.transports import Transport
    from scheduler.policy import ReminderPolicy
    from scheduler.service import Runtime
    from scheduler.sweep import SweepContext
    from scheduler.witness import WitnessContext


def policy_for(settings: MailSettings) -> Callable[[str], ReminderPolicy]:
    """Defaults, then ``[reminders]`` in plantrail.toml, then ``[reminders.plans."CODE"]``."""
    from scheduler.policy import ReminderPolicy

    base = {k: v for k, v in settings.reminder_overrides.items() if k != "plans"}
    per_plan = settings.reminder_overrides.get("plans", {})

    def policy(plan_code: str) -> ReminderPolicy:
        values = {**base, **per_plan.get(plan_code, {})}
        if "due_soon_days" in values:
            values["due_soon_days"] = tuple(values["due_soon_days"])
        try:
            return ReminderPolicy(**values)
        except TypeError as error:
            raise SettingsError(f"plantrail.toml [reminders]: {error}") from None

    return policy


def transport_for(settings: MailSettings) -> Transport:
    from notifications.transports import FileTransport, SmtpTransport

    if settings.transport == "smtp":
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
        )
    return FileTransport(settings.outbox_dir)


def sweep_context(services: Services, settings: MailSettings, *, links: LinkMaker | None = None) -> SweepContext:
    """``links``: where digests link to (the web app's link maker); None: no links."""
    from notifications.render import environment
    from scheduler.sweep import SweepContext

    return SweepContext(
        app=services.app,
        engine=services.engine,
        catch_up=services.projector.catch_up,
        outbox=services.outbox,
        templates=environment(settings.templates_dir),
        mail_from=settings.mail_from,
        policy_for=policy_for(settings),
        admin_email=settings.admin_email,
        links=links,
    )


def witness_context(services: Services, settings: MailSettings) -> WitnessContext:
    from scheduler.witness import WitnessContext

    return WitnessContext(
        app=services.app,
        engine=services.engine,
        catch_up=services.projector.catch_up,
        outbox=services.outbox,
        mail_from=settings.mail_from,
        audit_email=settings.audit_email,
    )


def delivery_policy(settings: MailSettings) -> DeliveryPolicy:
    from notifications.relay import DeliveryPolicy

    return DeliveryPolicy(max_age=timedelta(hours=settings.max_age_hours), first_retry=timedelta(seconds=settings.first_retry_seconds))


def undeliverable_hook(services: Services, zone: ZoneInfo) -> UndeliverableHook:
    """When the relay gives up on a message, each reminder it carried records why in its history."""
    from domain.reminder_use_cases import record_undeliverable
    from scheduler.sweep import SCHEDULER_ACTOR

    def record(entries: list[tuple[str, str, str]], when: datetime) -> None:
        if record_undeliverable(services.app, entries, actor=SCHEDULER_ACTOR, effective_on=when.astimezone(zone).date()):
            services.projector.catch_up()  # so `history` shows it straight away

    return record


def relay_context(services: Services, settings: MailSettings, *, clock: Clock = utc_now) -> RelayContext:
    from notifications.relay import RelayContext
    from notifications.render import environment

    return RelayContext(
        outbox=services.outbox,
        transport=transport_for(settings),
        mail_from=settings.mail_from,
        policy=delivery_policy(settings),
        admin_email=settings.admin_email,
        templates=environment(settings.templates_dir),
        clock=clock,
        on_undeliverable=undeliverable_hook(services, ZoneInfo(settings.timezone)),
    )


def scheduler_runtime(
    services: Services, settings: MailSettings, *, relay_seconds: float = 30.0, links: LinkMaker | None = None
) -> Runtime:
    """Everything ``scheduler.service.start`` needs: the sweep, the relay, the daily seal, the zone and the hour."""
    from scheduler.service import Runtime

    return Runtime(
        context=sweep_context(services, settings, links=links),
        relay=relay_context(services, settings),
        zone=ZoneInfo(settings.timezone),
        sweep_hour=settings.sweep_hour,
        relay_seconds=relay_seconds,
        witness=witness_context(services, settings),
    )


def reminder_links(services: Services, database_url: str | None = None) -> LinkMaker | None:
    """When PLANTRAIL_BASE_URL is set, digests carry the web app's links ("Update now" for each
    action, "My actions" at the end), signed with PLANTRAIL_SECRET_KEY; otherwise none."""
    if not os.environ.get("PLANTRAIL_BASE_URL", "").strip():
        return None
    from plantrail.settings import web_settings
    from web.links import reminder_links as web_reminder_links

    return web_reminder_links(services, web_settings(database_url))


# A web process on PostgreSQL answers up to this many requests at once (web.app.REQUEST_THREADS);
# with SQLAlchemy's default pool (5 + 10 overflow) the rest waited for a connection (measured:
# My actions p95 218 → 126 ms under 20 clients with a pool of 25). Connections open as needed,
# so a CLI command still opens one or two.
POSTGRES_POOL_SIZE = 20


def _pool_options(kind: str) -> dict[str, int]:
    return {"pool_size": POSTGRES_POOL_SIZE, "max_overflow": 10} if kind == "postgres" else {}


def _enable_sqlite_wal(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The event store already switched the file to WAL; readers then never block writers.
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")
        # Read models only (the event store keeps its own connection and settings): in WAL mode
        # NORMAL cannot corrupt the file, and a power cut can at worst undo the last pages,
        # whose position rolls back with them, so the projector simply re-applies them.
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")


# Advisory locks are per database: the key names the schema, so stores in other schemas of the
# same database do not queue behind this one.
SCHEMA_LOCK = "hashtextextended('plantrail-schema:' || coalesce(current_schema(), ''), 0)"


@contextmanager
def _schema_creation_lock(engine: Engine, kind: str) -> Iterator[None]:
    """Several processes starting at once on an empty PostgreSQL schema race on CREATE TABLE
    ("tuple concurrently updated", seen in tests); one session lock makes them take turns."""
    if kind != "postgres":
        yield
        return
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")
            conn.commit()


def _checked(engine: Engine, config: DatabaseConfig, recorded: keys.StoreFacts, key: str | None) -> keys.StoreFacts:
    """The store's record, if the key fits it. A store without events yet takes the key given
    (someone who opened a new store without the key, then set it to restore an export, is not
    stuck with a plain store that holds nothing)."""
    try:
        keys.check(recorded, key)
        return recorded
    except keys.StoreKeyError:
        with engine.connect() as conn:
            if EventTable.of(config).has_events(conn):
                raise
        facts = keys.facts_for(key)
        keys.replace(engine, facts)
        return facts


def _record_store_facts(app: PlanTrail, engine: Engine, key: str | None) -> keys.StoreFacts:
    """A new store (or one made before stores kept a record): record what it is, once."""
    first = app.recorder.select_notifications(start=0, limit=1)
    facts = keys.recognise(first[0].state if first else None, app.mapper.cipher, key)
    recorded = keys.record(engine, facts)
    keys.check(recorded, key)  # another process may have recorded first
    return recorded


def bootstrap(
    database_url: str | None = None, *, clock: Clock = utc_now, page_size: int | None = None, progress: ProgressFactory | None = None
) -> Services:
    """Open the store: check the key, then bring every table to the code's schema (rebuilding the
    read models if theirs is older, with ``progress`` showing it) before anything is served."""
    config = database_config(database_url)
    key = cipher_key()
    engine = create_engine(config.sqlalchemy_url, connect_args=config.sqlalchemy_connect_args, **_pool_options(config.kind))
    if config.kind == "sqlite":
        _enable_sqlite_wal(engine)
    try:
        recorded = keys.recorded_facts(engine)
        if recorded is not None:
            recorded = _checked(engine, config, recorded, key)  # before anything reads or writes an event
    except BaseException:
        engine.dispose()
        raise
    with _schema_creation_lock(engine, config.kind):
        app = PlanTrail(env=config.eventsourcing_env | cipher_env(key), clock=clock)
        try:
            facts = recorded if recorded is not None else _record_store_facts(app, engine, key)
            projector = Projector(app.recorder, app.mapper, engine)
            if config.kind == "sqlite":
                projector.write_lock = app.write_lock  # one file, one writer: see PlanTrail.write_lock
            if page_size:
                projector.page_size = page_size
            done = migrate(engine, app.recorder, app.mapper, facts, projector, progress)
        except BaseException:
            app.close()
            engine.dispose()
            raise
    queries = Queries(engine)
    app.people_directory = queries.person_names
    services = Services(
        app=app, projector=projector, queries=queries, engine=engine, database=config, outbox=Outbox(engine), migrations=done
    )
    # Read on first use: a command that sends nothing never trips over a mail setting.
    services.notices = lambda: sweep_context(services, mail_settings(), links=reminder_links(services, database_url))
    return services
