"""Named domain errors, each carrying its outcome.

Every entry point maps an error by its class and nothing else: the CLI exits with
``exit_code``, the web app answers with ``http_status``. A new error picks its outcome by
choosing its base class, so the two entry points can never disagree about it.

``field`` names the input the error is about (``progress``, ``due_date``), so a web form can
show the message next to that field; the message itself still starts with the field's name
for the CLI's one-line errors.
"""


class DomainError(Exception):
    """A rule of the domain was broken, or something asked for does not exist."""

    exit_code = 1
    http_status = 422
    # Where to look next, said only on the command line (a browser user has no `plantrail`).
    cli_hint: str | None = None
    # What an error page is headed, where its status's heading ("Changed meanwhile") would mislead.
    heading: str | None = None

    def __init__(self, message: str, *, field: str | None = None, cli_hint: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        if cli_hint is not None:
            self.cli_hint = cli_hint


class BadInputError(DomainError):
    """What was typed or supplied has the wrong shape: exit 2, HTTP 400."""

    exit_code = 2
    http_status = 400


class NotFoundError(DomainError):
    """Base for 'no such thing': exit 1, HTTP 404."""

    http_status = 404


class ConflictError(DomainError):
    """The state moved under the request, or the thing already exists: exit 1, HTTP 409."""

    http_status = 409


class ForbiddenError(DomainError):
    """The person may not do this: exit 1, HTTP 403. ``who_can``: who may, in words, where it is
    known (the rules know the roles; the entry points' seam, ``plantrail.services``, names the
    people from the read models); the refusal page and the CLI say it after the reason."""

    http_status = 403
    heading = "You can't do that here"
    who_can: str | None = None


class UnavailableError(DomainError):
    """A service the request needs (the database, the mail server) is down: exit 1, HTTP 503."""

    http_status = 503


class PlanNotFoundError(NotFoundError):
    pass


class ActionNotFoundError(NotFoundError):
    pass


class PersonNotFoundError(NotFoundError):
    pass


class RuleViolation(DomainError):
    """Base for a command that the current state does not allow: exit 1, HTTP 422."""


class InvalidProgressError(BadInputError):
    pass


class ActionCancelledError(RuleViolation):
    pass


class ActionCompletedError(RuleViolation):
    """A change that only an open action takes (a progress figure) asked of a completed one."""


class ActionAlreadyInStateError(RuleViolation):
    pass


class ReasonRequiredError(BadInputError):
    pass


class EvidenceRequiredError(BadInputError):
    """A completion without anything showing it is done."""


class DuplicateCodeError(ConflictError):
    pass


class UnknownPriorityError(RuleViolation):
    pass


class InvalidTextError(BadInputError):
    pass


class ConcurrentChangeError(ConflictError):
    """Someone else changed the same aggregate, and the command no longer applies."""
