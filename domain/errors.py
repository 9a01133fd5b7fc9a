"""Named domain errors. The CLI maps every ``DomainError`` to exit code 1."""


class DomainError(Exception):
    """A rule of the domain was broken, or something asked for does not exist."""


class NotFoundError(DomainError):
    """Base for 'no such thing'."""


class PlanNotFoundError(NotFoundError):
    pass


class ActionNotFoundError(NotFoundError):
    pass


class PersonNotFoundError(NotFoundError):
    pass


class RuleViolation(DomainError):
    """Base for a command that the current state does not allow."""


class InvalidProgressError(RuleViolation):
    pass


class ActionCancelledError(RuleViolation):
    pass


class ActionAlreadyInStateError(RuleViolation):
    pass


class ReasonRequiredError(RuleViolation):
    pass


class DuplicateCodeError(RuleViolation):
    pass


class UnknownPriorityError(RuleViolation):
    pass


class InvalidTextError(RuleViolation):
    pass


class ConcurrentChangeError(DomainError):
    """Someone else changed the same aggregate, and the command no longer applies."""
