"""Every problem in an input at once, instead of one per run.

A reader or the import use case notes each problem it finds (a bad row, an unknown owner) and
carries on; at the end, if there were any, one error lists them all (the first 50, then how many
more), and nothing has been saved. One line per problem, each naming its file, row or path, and
field, so a clerk can fix a whole sheet in one go.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from domain.errors import BadInputError, DomainError

MAX_LISTED = 50


class InputProblemsError(BadInputError):
    """One or more problems in an input; ``problems`` holds each one's message."""

    def __init__(self, problems: str | list[str], *, what: str = "nothing was imported") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(problems_message(self.problems, what))


def problems_message(problems: list[str], what: str) -> str:
    if len(problems) == 1:
        return problems[0]
    listed = problems[:MAX_LISTED]
    more = len(problems) - len(listed)
    lines = [f"{len(problems)} problems; {what}:", *(f"  {p}" for p in listed)]
    if more:
        lines.append(f"  … and {more} more")
    return "\n".join(lines)


class Problems:
    """A collector: ``with problems.noted(): ...`` records a domain error and carries on."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.hints: list[str] = []  # what the CLI adds after the list (each once), e.g. an option that helps

    def add(self, message: str) -> None:
        self.items.append(message)

    def hint(self, text: str | None) -> None:
        if text and text not in self.hints:
            self.hints.append(text)

    @contextmanager
    def noted(self, where: str = "") -> Iterator[None]:
        try:
            yield
        except InputProblemsError as error:
            self.items.extend(error.problems)
            self.hint(error.cli_hint)
        except DomainError as error:
            text = str(error)
            self.items.append(f"{where}: {text}" if where and not text.startswith(where) else text)
            self.hint(error.cli_hint)

    def raise_if_any(self, error: type[InputProblemsError] = InputProblemsError) -> None:
        if self.items:
            refused = error(self.items)
            if self.hints:
                refused.cli_hint = "; ".join(self.hints)
            raise refused

    def __bool__(self) -> bool:
        return bool(self.items)
