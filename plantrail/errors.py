"""Infrastructure failures in the domain's terms, so the CLI and the web map one set of classes.

The domain's errors already carry their outcome (``domain.errors``). What the database driver,
the event store or the cipher raise does not; ``as_domain_error`` translates those, and both
entry points call it before they map an error to an exit code or an HTTP status.
"""

from __future__ import annotations

import re

from domain.errors import BadInputError, DomainError, NotFoundError, UnavailableError

# Error messages echo what was typed; a 5 MB value must not come back whole on stderr. One rule
# for every layer: the domain's (it cannot import this package).
from domain.text import ECHO_LIMIT, clipped

__all__ = ["ECHO_LIMIT", "as_domain_error", "clip_message", "clipped"]

_LONG_QUOTED = re.compile(rf"""(['"])([^'"\n]{{{ECHO_LIMIT + 1},}})\1""")
_LONG_WORD = re.compile(rf"\S{{{ECHO_LIMIT * 3},}}")


def clip_message(message: str) -> str:
    """A safety net for messages plantrail did not word itself (click's, a driver's): in a line
    too long to be prose, quoted values and very long unbroken runs are cut as ``clipped``
    would cut them. Ordinary lines are left exactly as they were written."""
    return "\n".join(_clip_line(line) if len(line) > 4 * ECHO_LIMIT else line for line in message.split("\n"))


def _clip_line(line: str) -> str:
    line = _LONG_QUOTED.sub(lambda m: m.group(1) + m.group(2)[: ECHO_LIMIT - 3] + "…" + m.group(1), line)
    return _LONG_WORD.sub(lambda m: m.group(0)[:ECHO_LIMIT] + "…", line)


def as_domain_error(error: BaseException) -> DomainError | None:
    """The domain error an infrastructure failure amounts to, or None if it is not one we know."""
    if isinstance(error, DomainError):
        return error
    from eventsourcing.persistence import ConnectionPoolClosedError, MapperDeserialisationError
    from eventsourcing.persistence import InterfaceError as StoreInterfaceError
    from eventsourcing.persistence import OperationalError as StoreOperationalError
    from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError

    if isinstance(error, MapperDeserialisationError):
        return BadInputError(f"{error} — check PLANTRAIL_CIPHER_KEY")
    missing = _missing_place(error)
    if missing is not None:
        return missing
    if isinstance(error, SQLAlchemyOperationalError):
        return UnavailableError(_unavailable(str(error.orig)))
    from psycopg import OperationalError as PostgresOperationalError  # the quick read path connects without SQLAlchemy

    if isinstance(error, PostgresOperationalError):
        return UnavailableError(_unavailable(str(error)))
    if isinstance(error, StoreOperationalError | StoreInterfaceError | ConnectionPoolClosedError):
        return UnavailableError(_unavailable(str(error) or type(error).__name__))
    return None


class StoreNotFoundError(NotFoundError):
    """The database URL names a PostgreSQL database or schema that does not exist."""


_MISSING = re.compile(r'(database|schema) "([^"]*)" does not exist')


def _missing_place(error: BaseException) -> StoreNotFoundError | None:
    """'database "x" does not exist' or 'schema "x" does not exist', wherever in the chain of
    causes the driver put it: not an outage (retrying will not help) but a wrong URL."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _MISSING.search(str(current))
        if found:
            kind, name = found.groups()
            if kind == "database":
                return StoreNotFoundError(
                    f"database URL: PostgreSQL database {clipped(name)} does not exist; create it (createdb {name[:80]}) or correct the URL"
                )
            return StoreNotFoundError(
                f"database URL: PostgreSQL schema {clipped(name)} does not exist; create it (CREATE SCHEMA {name[:80]}) or correct ?schema="
            )
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return None


def _unavailable(detail: str) -> str:
    first_line = detail.strip().splitlines()[0] if detail.strip() else "no answer"
    return f"database unavailable: {first_line} — nothing was changed; try again when it is back"
