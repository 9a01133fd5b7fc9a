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
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE = "./plantrail.db"


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the setting."""


@dataclass(frozen=True)
class DatabaseConfig:
    kind: str  # "sqlite" or "postgres"
    eventsourcing_env: dict[str, str]
    sqlalchemy_url: str
    sqlalchemy_connect_args: dict[str, Any] = field(default_factory=dict)
    display: str = ""


def database_config(url: str | None = None) -> DatabaseConfig:
    value = url or os.environ.get("PLANTRAIL_DATABASE_URL") or DEFAULT_DATABASE
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return _postgres(value)
    if value.startswith("sqlite:///"):
        value = value[len("sqlite:///") :]
    elif "://" in value:
        raise SettingsError(f"database URL: {value!r} is neither a file path, sqlite:///… nor postgresql://…")
    return _sqlite(Path(value))


def _sqlite(path: Path) -> DatabaseConfig:
    path = path.expanduser()
    if not path.parent.is_dir():
        raise SettingsError(f"database: folder {str(path.parent)!r} does not exist")
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
        display=str(path),
    )


def _postgres(url: str) -> DatabaseConfig:
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise SettingsError(f"database URL: {url!r} names no database")
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
    }
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if schema:
        env["POSTGRES_SCHEMA"] = schema
        connect_args["options"] = f"-csearch_path={schema}"
    credentials = user + (":" + password if password else "")
    return DatabaseConfig(
        kind="postgres",
        eventsourcing_env=env,
        sqlalchemy_url=f"postgresql+psycopg://{credentials}@{host}:{port}/{dbname}",
        sqlalchemy_connect_args=connect_args,
        display=f"postgresql://{user}@{host}:{port}/{dbname}" + (f" (schema {schema})" if schema else ""),
    )


def default_actor() -> str:
    """Who is recording, when ``--by`` is not given."""
    return os.environ.get("PLANTRAIL_USER") or getpass.getuser()
