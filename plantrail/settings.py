"""Settings, read from the environment in one place.

One database URL selects both the event store and the read models' database:
a file path or ``sqlite:///path`` selects SQLite (the embedded default, ``./plantrail.db``);
``postgresql://user:password@host:port/dbname[?schema=NAME]`` selects PostgreSQL.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from domain.errors import BadInputError
from domain.text import clipped

DEFAULT_DATABASE = "./plantrail.db"


class SettingsError(BadInputError, ValueError):
    """A setting's value cannot be used; the message names the setting."""


@dataclass(frozen=True)
class DatabaseConfig:
    kind: str  # "sqlite" or "postgres"
    eventsourcing_env: dict[str, str]
    sqlalchemy_url: str
    sqlalchemy_connect_args: dict[str, Any] = field(default_factory=dict)


def database_config(url: str | None = None) -> DatabaseConfig:
    value = url or os.environ.get("PLANTRAIL_DATABASE_URL") or DEFAULT_DATABASE
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _postgres(value)
    if value.startswith("sqlite:///"):
        value = value[len("sqlite:///") :]
    elif "://" in value:
        raise SettingsError(f"database URL: {clipped(value)} is neither a file path, sqlite:///… nor postgresql://…")
    return _sqlite(Path(value))


def _sqlite(path: Path) -> DatabaseConfig:
    path = path.expanduser()
    try:
        folder_exists = path.parent.is_dir()
    except OSError as error:  # e.g. a name longer than the file system allows
        raise SettingsError(f"database: {clipped(str(path))} cannot be a file name ({error.strerror})") from None
    if not folder_exists:
        raise SettingsError(f"database: folder {clipped(str(path.parent))} does not exist")
    absolute = path.resolve()
    return DatabaseConfig(
        kind="sqlite",
        eventsourcing_env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(absolute),
            # Writers queue for the file lock instead of failing at once.
            "SQLITE_LOCK_TIMEOUT": "30",
        },
        sqlalchemy_url=f"sqlite:///{absolute}",
        sqlalchemy_connect_args={"timeout": 30},
    )


def _postgres(url: str) -> DatabaseConfig:
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise SettingsError(f"database URL: {clipped(url)} names no database")
    options = parse_qs(parts.query)
    schema = options.get("schema", [""])[0]
    user = unquote(parts.username) if parts.username else getpass.getuser()
    password = unquote(parts.password) if parts.password else ""
    host = parts.hostname or "127.0.0.1"
    port = str(parts.port or 5432)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": port,
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": password,
        "POSTGRES_CONNECT_TIMEOUT": "10",
        # Insert through the library's database function (one statement with an array of events)
        # instead of a pipelined executemany: large batches in pipeline mode were measured to hang
        # (client waiting in Pipeline.sync, server in ClientRead) at 20,000 events per save.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
    }
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if schema:
        env["POSTGRES_SCHEMA"] = schema
        connect_args["options"] = f"-csearch_path={schema}"
    # Quoted again: a password with "@" or "/" (unquoted above for the event store) would otherwise
    # end the user part of SQLAlchemy's URL early.
    credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return DatabaseConfig(
        kind="postgres",
        eventsourcing_env=env,
        sqlalchemy_url=f"postgresql+psycopg://{credentials}@{host}:{port}/{dbname}",
        sqlalchemy_connect_args=connect_args,
    )


CIPHER_KEY_SETTING = "PLANTRAIL_CIPHER_KEY"


def cipher_key(setting: str = CIPHER_KEY_SETTING) -> str | None:
    """The key named by ``setting`` (checked for shape), or None when it is not set."""
    key = os.environ.get(setting, "").strip()
    if not key:
        return None
    import base64
    import binascii

    try:
        size = len(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        raise SettingsError(f"{setting}: not a valid key (base64 of 16, 24 or 32 bytes; `plantrail keygen` makes one)") from None
    if size not in (16, 24, 32):
        raise SettingsError(f"{setting}: the key is {size} bytes; it must be 16, 24 or 32 (`plantrail keygen` makes one)")
    return key


def cipher_env(key: str | None) -> dict[str, str]:
    """Encryption at rest (off by default): the library's AES-GCM cipher over stored event state."""
    if not key:
        return {}
    return {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": key}


def local_timezone() -> str:
    """The zone in which relative dates typed at the command line ("today", "-7d") are read."""
    return os.environ.get("PLANTRAIL_TIMEZONE") or "Europe/London"


def default_actor() -> str:
    """Who is recording, when ``--by`` is not given."""
    return os.environ.get("PLANTRAIL_USER") or getpass.getuser()


# ----- mail, reminders and the service ----------------------------------------------------------

CONFIG_FILE = "plantrail.toml"


def _config_file() -> dict[str, Any]:
    """Optional ``plantrail.toml`` (or the file named by PLANTRAIL_CONFIG); the environment wins."""
    import tomllib

    path = Path(os.environ.get("PLANTRAIL_CONFIG", CONFIG_FILE))
    if not path.is_file():
        if "PLANTRAIL_CONFIG" in os.environ:
            raise SettingsError(f"PLANTRAIL_CONFIG: {clipped(str(path))} does not exist")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: {error}") from None


def _setting(config: dict[str, Any], name: str, default: Any = None) -> Any:
    """``PLANTRAIL_SMTP_HOST`` in the environment, else ``smtp_host`` in the file, else the default."""
    env_value = os.environ.get(name)
    if env_value not in (None, ""):
        return env_value
    return config.get(name.removeprefix("PLANTRAIL_").lower(), default)


def _int_setting(config: dict[str, Any], name: str, default: int) -> int:
    value = _setting(config, name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name}: must be a whole number, got {clipped(value)}") from None


def _address_setting(config: dict[str, Any], name: str) -> str | None:
    """One plain address (``auditor@council.gov.uk``), checked as people's are (``domain.email_address``)."""
    value = _setting(config, name)
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        from domain.email_address import canonical_addr_spec  # the email package: only mail settings need it

        return canonical_addr_spec(text)
    except ValueError as problem:
        raise SettingsError(f"{name}: must be one email address like auditor@council.gov.uk; {clipped(text)} {problem}") from None


@dataclass(frozen=True)
class MailSettings:
    transport: str
    outbox_dir: Path
    mail_from: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str | None
    smtp_password: str | None
    admin_email: str | None
    timezone: str
    templates_dir: Path | None
    max_age_hours: int
    first_retry_seconds: int
    sweep_hour: int
    reminder_overrides: dict[str, Any]
    audit_email: str | None = None  # who receives the daily seal (scheduler/witness.py)


def default_mail_settings(**changes: Any) -> MailSettings:
    """Mail settings with every default, as an empty environment gives (tests, benchmarks)."""
    values: dict[str, Any] = {
        "transport": "file",
        "outbox_dir": Path("./outbox"),
        "mail_from": "plantrail <plantrail@localhost>",
        "smtp_host": "localhost",
        "smtp_port": 25,
        "smtp_security": "none",
        "smtp_user": None,
        "smtp_password": None,
        "admin_email": None,
        "timezone": "Europe/London",
        "templates_dir": None,
        "max_age_hours": 72,
        "first_retry_seconds": 60,
        "sweep_hour": 7,
        "reminder_overrides": {},
    }
    return MailSettings(**(values | changes))


def mail_settings() -> MailSettings:
    config = _config_file()
    transport = _setting(config, "PLANTRAIL_MAIL_TRANSPORT", "file")
    if transport not in ("file", "smtp"):
        raise SettingsError(f"PLANTRAIL_MAIL_TRANSPORT: must be file or smtp, got {clipped(transport)}")
    security = _setting(config, "PLANTRAIL_SMTP_SECURITY", "none")
    if security not in ("none", "starttls", "tls"):
        raise SettingsError(f"PLANTRAIL_SMTP_SECURITY: must be none, starttls or tls, got {clipped(security)}")
    timezone_name = _setting(config, "PLANTRAIL_TIMEZONE", "Europe/London")
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"PLANTRAIL_TIMEZONE: {clipped(timezone_name)} is not a time zone (e.g. Europe/London)") from None
    templates = _setting(config, "PLANTRAIL_TEMPLATES_DIR")
    if templates and not Path(templates).is_dir():
        raise SettingsError(f"PLANTRAIL_TEMPLATES_DIR: folder {clipped(templates)} does not exist")
    return MailSettings(
        transport=transport,
        outbox_dir=Path(_setting(config, "PLANTRAIL_OUTBOX_DIR", "./outbox")),
        mail_from=_setting(config, "PLANTRAIL_MAIL_FROM", "plantrail <plantrail@localhost>"),
        smtp_host=_setting(config, "PLANTRAIL_SMTP_HOST", "localhost"),
        smtp_port=_int_setting(config, "PLANTRAIL_SMTP_PORT", 25),
        smtp_security=security,
        smtp_user=_setting(config, "PLANTRAIL_SMTP_USER"),
        smtp_password=_setting(config, "PLANTRAIL_SMTP_PASSWORD"),
        admin_email=_address_setting(config, "PLANTRAIL_ADMIN_EMAIL"),
        audit_email=_address_setting(config, "PLANTRAIL_AUDIT_EMAIL"),
        timezone=timezone_name,
        templates_dir=Path(templates) if templates else None,
        max_age_hours=_int_setting(config, "PLANTRAIL_MAIL_MAX_AGE_HOURS", 72),
        first_retry_seconds=_int_setting(config, "PLANTRAIL_MAIL_FIRST_RETRY_SECONDS", 60),
        sweep_hour=_int_setting(config, "PLANTRAIL_SWEEP_HOUR", 7),
        reminder_overrides=dict(config.get("reminders", {})),
    )


# ----- the web app ---------------------------------------------------------------------------

SECRET_KEY_SETTING = "PLANTRAIL_SECRET_KEY"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on: the provider's issuer URL (its discovery document is under it), and this
    app's client id and secret there."""

    issuer: str
    client_id: str
    client_secret: str
    label: str = "your organisation's account"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class WebSettings:
    secret_key: str
    base_url: str
    mail: MailSettings
    demo: bool = False
    session_idle_hours: float = 8
    signin_link_minutes: int = 15
    reminder_link_days: int = 14
    # Sign-in requests per address and per client within the window; more are answered the same
    # way (per address) or refused with 429 (per client) and send nothing.
    signin_per_address: int = 5
    signin_per_client: int = 20
    signin_window_minutes: int = 15
    oidc: OidcSettings | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def _demo_key(database_url: str | None) -> str:
    # Demo only: a key every demo process derives alike, so the links `make demo` prints work
    # in the server it starts. Anyone who knows the path could derive it too.
    import hashlib

    return hashlib.sha256(("plantrail demo key|" + str(database_config(database_url).sqlalchemy_url)).encode()).hexdigest()


def served_at(host: str, port: int) -> str:
    """The address of a web app listening on ``host``:``port``, for emailed links when
    PLANTRAIL_BASE_URL is not set (an address listening everywhere is reached as 127.0.0.1 here)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def web_settings(database_url: str | None = None, *, default_base_url: str = DEFAULT_BASE_URL) -> WebSettings:
    """PLANTRAIL_SECRET_KEY (required outside demo mode), PLANTRAIL_BASE_URL (else
    ``default_base_url``: ``serve`` gives its own address), PLANTRAIL_DEMO,
    PLANTRAIL_SESSION_IDLE_HOURS and, for single sign-on, PLANTRAIL_OIDC_ISSUER,
    PLANTRAIL_OIDC_CLIENT_ID, PLANTRAIL_OIDC_CLIENT_SECRET (and PLANTRAIL_OIDC_LABEL)."""
    config = _config_file()
    demo = str(_setting(config, "PLANTRAIL_DEMO", "")).lower() in ("1", "true", "yes")
    secret = str(os.environ.get(SECRET_KEY_SETTING, "")).strip()
    if not secret:
        if not demo:
            raise SettingsError(
                f"{SECRET_KEY_SETTING}: not set; the web app signs sign-in links and sessions with it (`plantrail keygen` prints one;"
                " to try the app on a demo store, set PLANTRAIL_DEMO=1 instead)"
            )
        secret = _demo_key(database_url)
    elif len(secret) < 32:
        raise SettingsError(f"{SECRET_KEY_SETTING}: {len(secret)} characters; use at least 32 (`plantrail keygen` prints one)")
    base_url = str(_setting(config, "PLANTRAIL_BASE_URL", default_base_url)).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise SettingsError(f"PLANTRAIL_BASE_URL: must start with http:// or https://, got {base_url!r}")
    try:
        idle = float(_setting(config, "PLANTRAIL_SESSION_IDLE_HOURS", 8))
    except ValueError:
        raise SettingsError("PLANTRAIL_SESSION_IDLE_HOURS: must be a number of hours") from None
    issuer = _setting(config, "PLANTRAIL_OIDC_ISSUER")
    oidc = None
    if issuer:
        client_id, client_secret = _setting(config, "PLANTRAIL_OIDC_CLIENT_ID"), _setting(config, "PLANTRAIL_OIDC_CLIENT_SECRET")
        if not client_id or not client_secret:
            raise SettingsError("PLANTRAIL_OIDC_ISSUER is set: PLANTRAIL_OIDC_CLIENT_ID and PLANTRAIL_OIDC_CLIENT_SECRET are needed too")
        oidc = OidcSettings(issuer, client_id, client_secret, _setting(config, "PLANTRAIL_OIDC_LABEL", "your organisation's account"))
    return WebSettings(secret_key=secret, base_url=base_url, mail=mail_settings(), demo=demo, session_idle_hours=idle, oidc=oidc)
