"""The one composition root: builds the application, projector and queries for a database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine, create_engine, event

from domain.application import Clock, PlanTrail, utc_now
from notifications.outbox import Outbox
from notifications.relay import DeliveryPolicy
from notifications.render import environment
from notifications.transports import FileTransport, SmtpTransport, Transport
from plantrail.services import Services
from plantrail.settings import MailSettings, SettingsError, cipher_env, database_config
from projections.projector import Projector
from projections.queries import Queries
from scheduler import tables as scheduler_tables
from scheduler.policy import ReminderPolicy
from scheduler.sweep import SweepContext
from web import tables as web_tables


def policy_for(settings: MailSettings) -> Callable[[str], ReminderPolicy]:
    """Defaults, then ``[reminders]`` in plantrail.toml, then ``[reminders.plans."CODE"]``."""
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
    if settings.transport == "smtp":
        return SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
        )
    return FileTransport(settings.outbox_dir)


def sweep_context(services: Services, settings: MailSettings) -> SweepContext:
    return SweepContext(
        app=services.app,
        engine=services.engine,
        catch_up=services.projector.catch_up,
        outbox=services.outbox,
        templates=environment(settings.templates_dir),
        mail_from=settings.mail_from,
        policy_for=policy_for(settings),
    )


def delivery_policy(settings: MailSettings) -> DeliveryPolicy:
    return DeliveryPolicy(max_age=timedelta(hours=settings.max_age_hours), first_retry=timedelta(seconds=settings.first_retry_seconds))


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


def bootstrap(database_url: str | None = None, *, clock: Clock = utc_now, page_size: int | None = None) -> Services:
    config = database_config(database_url)
    engine = create_engine(config.sqlalchemy_url, connect_args=config.sqlalchemy_connect_args)
    if config.kind == "sqlite":
        _enable_sqlite_wal(engine)
    with _schema_creation_lock(engine, config.kind):
        app = PlanTrail(env=config.eventsourcing_env | cipher_env(), clock=clock)
        projector = Projector(app.recorder, app.mapper, engine)
        projector.create_tables()
        outbox = Outbox(engine)
        outbox.create_tables()
        scheduler_tables.metadata.create_all(engine)
        # The web app's sessions and link nonces: under the same lock, since several web
        # processes starting at once on a fresh schema race on CREATE TABLE like the rest.
        web_tables.metadata.create_all(engine)
    if page_size:
        projector.page_size = page_size
    queries = Queries(engine)
    app.people_directory = queries.person_names
    return Services(app=app, projector=projector, queries=queries, engine=engine, database=config, outbox=outbox)
