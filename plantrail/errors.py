"""Infrastructure failures in the domain's terms, so the CLI and the web map one set of classes.

The domain's errors already carry their outcome (``domain.errors``). What the database driver,
the event store or the cipher raise does not; ``as_domain_error`` translates those, and both
entry points call it before they map an error to an exit code or an HTTP status.
"""

from __future__ import annotations

from domain.errors import BadInputError, DomainError, UnavailableError

# Error messages echo what was typed; a 5 MB value must not come back whole on stderr. One rule
# for every layer: the domain's (it cannot import this package).
from domain.text import ECHO_LIMIT, clipped

__all__ = ["ECHO_LIMIT", "as_domain_error", "clipped"]


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
    if isinstance(error, SQLAlchemyOperationalError):
        return UnavailableError(_unavailable(str(error.orig)))
    if isinstance(error, StoreOperationalError | StoreInterfaceError | ConnectionPoolClosedError):
        return UnavailableError(_unavailable(str(error) or type(error).__name__))
    return None


def _unavailable(detail: str) -> str:
    first_line = detail.strip().splitlines()[0] if detail.strip() else "no answer"
    return f"database unavailable: {first_line} — nothing was changed; try again when it is back"
