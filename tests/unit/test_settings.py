"""plantrail/settings.py read from a controlled environment: each setting away from its default,
each refusal naming its setting. The values expected are written out here, not read back from
the product (the CLI-level tests of the same settings are in tests/e2e/test_settings_cli.py)."""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.engine import make_url

from plantrail import settings as s
from plantrail.settings import SettingsError

KEY = "k" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PLANTRAIL_* variable from the caller, and a working folder with no plantrail.toml."""
    for name in list(os.environ):
        if name.startswith("PLANTRAIL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refusal(call, *args) -> str:
    with pytest.raises(SettingsError) as raised:
        call(*args)
    return str(raised.value)


# ----- the database ----------------------------------------------------------------------------


def test_no_url_means_plantrail_db_in_the_working_folder(tmp_path: Path):
    config = s.database_config()
    assert (config.kind, config.sqlalchemy_url) == ("sqlite", f"sqlite:///{tmp_path.resolve() / 'plantrail.db'}")
    assert config.eventsourcing_env == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path.resolve() / "plantrail.db"),
        "SQLITE_LOCK_TIMEOUT": "30",
    }
    assert config.sqlalchemy_connect_args == {"timeout": 30}


def test_the_environment_url_is_used_and_an_explicit_url_wins_over_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / "sub").mkdir()
    monkeypatch.setenv("PLANTRAIL_DATABASE_URL", "sqlite:///sub/env.db")
    assert s.database_config().eventsourcing_env["SQLITE_DBNAME"] == str(tmp_path.resolve() / "sub" / "env.db")
    assert s.database_config(str(tmp_path / "given.db")).sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'given.db'}"


def test_a_home_relative_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert s.database_config("~/home.db").eventsourcing_env["SQLITE_DBNAME"] == str(tmp_path.resolve() / "home.db")


def test_a_missing_folder_an_impossible_name_and_another_scheme_are_refused(tmp_path: Path):
    assert (
        refusal(s.database_config, str(tmp_path / "nowhere" / "x.db")) == f"database: folder {str(tmp_path / 'nowhere')!r} does not exist"
    )
    assert (
        refusal(s.database_config, "mysql://db/x") == "database URL: 'mysql://db/x' is neither a file path, sqlite:///… nor postgresql://…"
    )
    long_path = str(tmp_path / ("n" * 300) / "x.db")
    # The path echoed quoted and cut to 80 characters (a 5 MB value must not come back whole).
    assert refusal(s.database_config, long_path) == f"database: {repr(long_path)[:79]}… cannot be a file name (File name too long)"


def test_a_postgresql_url_gives_each_part_to_the_event_store_and_both_drivers():
    config = s.database_config("postgresql://ops%2Fclerk%40council:p%40ss%2Fword@db.example:6543/Xplans?schema=audit")
    assert config.kind == "postgres"
    assert config.eventsourcing_env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "Xplans",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "ops/clerk@council",
        "POSTGRES_PASSWORD": "p@ss/word",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "POSTGRES_SCHEMA": "audit",
    }
    assert config.sqlalchemy_connect_args == {"connect_timeout": 10, "options": "-csearch_path=audit"}
    # SQLAlchemy's engine and the quick reads' plain psycopg connection (plantrail/reading.py) each
    # parse the URL; a "/" or "@" left unquoted in the user or password ends that part early.
    url = make_url(config.sqlalchemy_url)
    assert (url.drivername, url.username, url.password, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "ops/clerk@council",
        "p@ss/word",
        "db.example",
        6543,
        "Xplans",
    )
    libpq = conninfo_to_dict(config.sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://"))
    assert libpq == {"user": "ops/clerk@council", "password": "p@ss/word", "host": "db.example", "port": "6543", "dbname": "Xplans"}


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql+psycopg://"])
def test_a_bare_postgresql_url_takes_the_login_name_the_local_host_and_port_5432(scheme: str):
    config = s.database_config(f"{scheme}/plans")
    env = config.eventsourcing_env
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == (
        getpass.getuser(),
        "",
        "127.0.0.1",
        "5432",
    )
    assert "POSTGRES_SCHEMA" not in env and config.sqlalchemy_connect_args == {"connect_timeout": 10}
    url = make_url(config.sqlalchemy_url)
    assert (url.username, url.password, url.host, url.port, url.database) == (getpass.getuser(), None, "127.0.0.1", 5432, "plans")


def test_a_postgresql_url_without_a_database_is_refused():
    assert refusal(s.database_config, "postgresql://db.example:5432/") == "database URL: 'postgresql://db.example:5432/' names no database"


# ----- keys, zone and who is recording ---------------------------------------------------------


def test_a_cipher_key_is_read_stripped_and_checked_for_size(monkeypatch: pytest.MonkeyPatch):
    assert s.cipher_key() is None
    for size in (16, 24, 32):
        key = base64.b64encode(bytes(range(size))).decode()
        monkeypatch.setenv("PLANTRAIL_CIPHER_KEY", f"  {key}\n")
        assert s.cipher_key() == key
    monkeypatch.setenv("OTHER_KEY", base64.b64encode(b"x" * 20).decode())
    assert refusal(s.cipher_key, "OTHER_KEY") == "OTHER_KEY: the key is 20 bytes; it must be 16, 24 or 32 (`plantrail keygen` makes one)"
    monkeypatch.setenv("OTHER_KEY", "not base64!")
    assert refusal(s.cipher_key, "OTHER_KEY") == "OTHER_KEY: not a valid key (base64 of 16, 24 or 32 bytes; `plantrail keygen` makes one)"


def test_the_cipher_is_configured_only_with_a_key():
    assert s.cipher_env(None) == {} and s.cipher_env("") == {}
    assert s.cipher_env("abc") == {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": "abc"}


def test_the_command_line_zone_and_actor_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    assert (s.local_timezone(), s.default_actor()) == ("Europe/London", getpass.getuser())
    monkeypatch.setenv("PLANTRAIL_TIMEZONE", "Pacific/Auckland")
    monkeypatch.setenv("PLANTRAIL_USER", "Ann Clerk")
    assert (s.local_timezone(), s.default_actor()) == ("Pacific/Auckland", "Ann Clerk")


# ----- mail settings: environment, then plantrail.toml, then the default -------------------------


def test_with_nothing_set_mail_settings_are_the_documented_defaults():
    assert s.mail_settings() == s.default_mail_settings()
    assert s.default_mail_settings(smtp_port=2525).smtp_port == 2525


def test_every_mail_setting_away_from_its_default_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / "templates").mkdir()
    values = {
        "PLANTRAIL_MAIL_TRANSPORT": "smtp",
        "PLANTRAIL_OUTBOX_DIR": "/var/mail/out",
        "PLANTRAIL_MAIL_FROM": "Plans <plans@council.example>",
        "PLANTRAIL_SMTP_HOST": "mail.council.example",
        "PLANTRAIL_SMTP_PORT": "587",
        "PLANTRAIL_SMTP_SECURITY": "starttls",
        "PLANTRAIL_SMTP_USER": "relay",
        "PLANTRAIL_SMTP_PASSWORD": "secret",
        "PLANTRAIL_ADMIN_EMAIL": " Admin@Council.Example ",
        "PLANTRAIL_AUDIT_EMAIL": "audit@council.example",
        "PLANTRAIL_TIMEZONE": "America/New_York",
        "PLANTRAIL_TEMPLATES_DIR": str(tmp_path / "templates"),
        "PLANTRAIL_MAIL_MAX_AGE_HOURS": "12",
        "PLANTRAIL_MAIL_FIRST_RETRY_SECONDS": "5",
        "PLANTRAIL_SWEEP_HOUR": "22",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert s.mail_settings() == s.MailSettings(
        transport="smtp",
        outbox_dir=Path("/var/mail/out"),
        mail_from="Plans <plans@council.example>",
        smtp_host="mail.council.example",
        smtp_port=587,
        smtp_security="starttls",
        smtp_user="relay",
        smtp_password="secret",
        admin_email="Admin@Council.Example",  # stripped, spelled as given
        audit_email="audit@council.example",
        timezone="America/New_York",
        templates_dir=tmp_path / "templates",
        max_age_hours=12,
        first_retry_seconds=5,
        sweep_hour=22,
        reminder_overrides={},
    )


def test_plantrail_toml_supplies_what_the_environment_leaves_unset_or_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / "plantrail.toml").write_text(
        'smtp_host = "file.example"\nsmtp_port = 2525\nsweep_hour = 5\nsmtp_security = "tls"\n'
        '[reminders]\ndue_soon_days = [3]\n[reminders.plans."P1"]\nstale_after_days = 9\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PLANTRAIL_SWEEP_HOUR", "6")
    monkeypatch.setenv("PLANTRAIL_SMTP_HOST", "")  # empty counts as unset
    got = s.mail_settings()
    assert (got.smtp_host, got.smtp_port, got.sweep_hour, got.smtp_security) == ("file.example", 2525, 6, "tls")
    assert got.reminder_overrides == {"due_soon_days": [3], "plans": {"P1": {"stale_after_days": 9}}}


def test_plantrail_config_names_another_file_and_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    other = tmp_path / "elsewhere.toml"
    other.write_text('mail_from = "From File <f@example.org>"\n', encoding="utf-8")
    monkeypatch.setenv("PLANTRAIL_CONFIG", str(other))
    assert s.mail_settings().mail_from == "From File <f@example.org>"
    monkeypatch.setenv("PLANTRAIL_CONFIG", str(tmp_path / "missing.toml"))
    assert refusal(s.mail_settings) == f"PLANTRAIL_CONFIG: {str(tmp_path / 'missing.toml')!r} does not exist"


def test_a_config_file_that_is_not_toml_is_refused_naming_the_file(tmp_path: Path):
    (tmp_path / "plantrail.toml").write_text("smtp_port = = 1\n", encoding="utf-8")
    assert refusal(s.mail_settings).startswith("plantrail.toml: ")
    (tmp_path / "plantrail.toml").write_bytes(b"smtp_host = '\xff'\n")
    assert refusal(s.mail_settings).startswith("plantrail.toml: 'utf-8' codec can't decode byte 0xff")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PLANTRAIL_MAIL_TRANSPORT", "pigeon", "PLANTRAIL_MAIL_TRANSPORT: must be file or smtp, got 'pigeon'"),
        ("PLANTRAIL_SMTP_SECURITY", "ssl", "PLANTRAIL_SMTP_SECURITY: must be none, starttls or tls, got 'ssl'"),
        ("PLANTRAIL_TIMEZONE", "Mars/Olympus", "PLANTRAIL_TIMEZONE: 'Mars/Olympus' is not a time zone (e.g. Europe/London)"),
        ("PLANTRAIL_TIMEZONE", "../etc", "PLANTRAIL_TIMEZONE: '../etc' is not a time zone (e.g. Europe/London)"),
        ("PLANTRAIL_TEMPLATES_DIR", "no-such-folder", "PLANTRAIL_TEMPLATES_DIR: folder 'no-such-folder' does not exist"),
        ("PLANTRAIL_SMTP_PORT", "twenty-five", "PLANTRAIL_SMTP_PORT: must be a whole number, got 'twenty-five'"),
        ("PLANTRAIL_SWEEP_HOUR", "7.5", "PLANTRAIL_SWEEP_HOUR: must be a whole number, got '7.5'"),
        ("PLANTRAIL_MAIL_MAX_AGE_HOURS", "x", "PLANTRAIL_MAIL_MAX_AGE_HOURS: must be a whole number, got 'x'"),
        ("PLANTRAIL_MAIL_FIRST_RETRY_SECONDS", "y", "PLANTRAIL_MAIL_FIRST_RETRY_SECONDS: must be a whole number, got 'y'"),
        (
            "PLANTRAIL_AUDIT_EMAIL",
            "not an address",
            "PLANTRAIL_AUDIT_EMAIL: must be one email address like auditor@council.gov.uk; 'not an address' ",
        ),
    ],
)
def test_a_mail_setting_that_cannot_be_used_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str):
    monkeypatch.setenv(name, value)
    assert refusal(s.mail_settings).startswith(message)


def test_a_whole_number_setting_from_the_file_that_is_not_a_number_is_refused(tmp_path: Path):
    (tmp_path / "plantrail.toml").write_text("smtp_port = [25]\n", encoding="utf-8")
    assert refusal(s.mail_settings) == "PLANTRAIL_SMTP_PORT: must be a whole number, got [25]"


def test_a_blank_address_setting_is_no_address(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    (tmp_path / "plantrail.toml").write_text('admin_email = "   "\n', encoding="utf-8")
    assert s.mail_settings().admin_email is None


# ----- the web app ----------------------------------------------------------------------------


def test_the_web_app_needs_a_long_secret_key_outside_demo_mode(monkeypatch: pytest.MonkeyPatch):
    assert refusal(s.web_settings) == (
        "PLANTRAIL_SECRET_KEY: not set; the web app signs sign-in links and sessions with it (`plantrail keygen` prints one;"
        " to try the app on a demo store, set PLANTRAIL_DEMO=1 instead)"
    )
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", "k" * 31)
    assert refusal(s.web_settings) == "PLANTRAIL_SECRET_KEY: 31 characters; use at least 32 (`plantrail keygen` prints one)"
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", f"  {'k' * 32}  ")
    assert s.web_settings().secret_key == "k" * 32


def test_web_defaults_with_a_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", KEY)
    web = s.web_settings()
    assert (web.base_url, web.demo, web.session_idle_hours, web.oidc, web.secure_cookies) == (
        "http://127.0.0.1:8000",
        False,
        8,
        None,
        False,
    )
    assert web.mail == s.default_mail_settings()


@pytest.mark.parametrize("flag", ["1", "true", "YES"])
def test_demo_mode_derives_its_key_from_the_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flag: str):
    monkeypatch.setenv("PLANTRAIL_DEMO", flag)
    web = s.web_settings(str(tmp_path / "demo.db"))
    expected = hashlib.sha256(f"plantrail demo key|sqlite:///{tmp_path.resolve() / 'demo.db'}".encode()).hexdigest()
    assert (web.demo, web.secret_key) == (True, expected)


def test_demo_off_by_any_other_value(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLANTRAIL_DEMO", "no")
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", KEY)
    assert s.web_settings().demo is False


def test_base_url_idle_hours_and_single_sign_on_away_from_their_defaults(monkeypatch: pytest.MonkeyPatch):
    for name, value in {
        "PLANTRAIL_SECRET_KEY": KEY,
        "PLANTRAIL_BASE_URL": "https://council.example/plans-BOX/",
        "PLANTRAIL_SESSION_IDLE_HOURS": "0.5",
        "PLANTRAIL_OIDC_ISSUER": "https://login.example/tenant/v2.0/",
        "PLANTRAIL_OIDC_CLIENT_ID": "client",
        "PLANTRAIL_OIDC_CLIENT_SECRET": "shh",
        "PLANTRAIL_OIDC_LABEL": "your council account",
    }.items():
        monkeypatch.setenv(name, value)
    web = s.web_settings()
    assert (web.base_url, web.secure_cookies, web.session_idle_hours) == ("https://council.example/plans-BOX", True, 0.5)
    assert web.oidc == s.OidcSettings("https://login.example/tenant/v2.0/", "client", "shh", "your council account")
    assert web.oidc.metadata_url == "https://login.example/tenant/v2.0/.well-known/openid-configuration"
    monkeypatch.delenv("PLANTRAIL_OIDC_LABEL")
    assert s.web_settings().oidc == s.OidcSettings("https://login.example/tenant/v2.0/", "client", "shh", "your organisation's account")


@pytest.mark.parametrize("missing", ["PLANTRAIL_OIDC_CLIENT_ID", "PLANTRAIL_OIDC_CLIENT_SECRET"])
def test_single_sign_on_needs_both_client_settings(monkeypatch: pytest.MonkeyPatch, missing: str):
    for name in ("PLANTRAIL_OIDC_CLIENT_ID", "PLANTRAIL_OIDC_CLIENT_SECRET"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", KEY)
    monkeypatch.setenv("PLANTRAIL_OIDC_ISSUER", "https://login.example")
    monkeypatch.delenv(missing)
    assert (
        refusal(s.web_settings) == "PLANTRAIL_OIDC_ISSUER is set: PLANTRAIL_OIDC_CLIENT_ID and PLANTRAIL_OIDC_CLIENT_SECRET are needed too"
    )


def test_a_base_url_or_idle_hours_that_cannot_be_used_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", KEY)
    monkeypatch.setenv("PLANTRAIL_BASE_URL", "ftp://x")
    assert refusal(s.web_settings) == "PLANTRAIL_BASE_URL: must start with http:// or https://, got 'ftp://x'"
    monkeypatch.setenv("PLANTRAIL_BASE_URL", "http://x")
    monkeypatch.setenv("PLANTRAIL_SESSION_IDLE_HOURS", "a day")
    assert refusal(s.web_settings) == "PLANTRAIL_SESSION_IDLE_HOURS: must be a number of hours"


def test_emailed_links_point_at_the_server_unless_the_base_url_says_otherwise(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLANTRAIL_SECRET_KEY", "k" * 32)
    monkeypatch.delenv("PLANTRAIL_BASE_URL", raising=False)
    assert (s.served_at("127.0.0.1", 8011), s.served_at("0.0.0.0", 80), s.served_at("::1", 8011)) == (
        "http://127.0.0.1:8011",
        "http://127.0.0.1:80",
        "http://[::1]:8011",
    )
    assert s.web_settings(default_base_url=s.served_at("localhost", 8011)).base_url == "http://localhost:8011"
    assert s.web_settings().base_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("PLANTRAIL_BASE_URL", "https://plans.council.gov.uk/")
    assert s.web_settings(default_base_url=s.served_at("127.0.0.1", 8011)).base_url == "https://plans.council.gov.uk"
