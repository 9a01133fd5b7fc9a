"""One rule for people's names, wherever a name is typed: owners, filters, actors, managers.

A name matches a registered person when the two are equal after folding case, trimming and
collapsing spaces (non-breaking ones included, as Excel and Outlook paste them). What is stored
is always the registered spelling, so "david  leng" typed at a prompt can never become a second,
unreachable owner that reminders cannot address.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.errors import PersonNotFoundError
from domain.ids import normalise_key

# How alike two names must be (difflib ratio on their keys) to be offered as "did you mean".
SUGGEST_CUTOFF = 0.6
# How alike an unregistered name must be to a registered one to be taken for a misspelling of
# it ("Liam Purdy" for "Liam Purdie" is 0.86; a login such as "dleng" for "David Leng" is 0.67).
MISSPELT_CUTOFF = 0.85


def name_key(name: str) -> str:
    """The form two spellings of one name share: ``" David\u00a0LENG "`` → ``"david leng"``."""
    return normalise_key(name)


def tidy(name: str) -> str:
    """The name as typed, with surrounding and repeated spaces removed (case kept)."""
    return " ".join(name.split())


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``candidates`` most like ``name``, best first."""
    by_key = {name_key(c): c for c in candidates}
    import difflib  # only when a name is not found: keeps it off every command's start-up

    return [by_key[k] for k in difflib.get_close_matches(name_key(name), list(by_key), n=n, cutoff=SUGGEST_CUTOFF)]


def looks_misspelt(name: str, candidates: Iterable[str]) -> bool:
    """Whether ``name`` is, by its spelling, almost surely one of ``candidates`` typed wrongly."""
    keys = [name_key(c) for c in candidates]
    import difflib

    return bool(difflib.get_close_matches(name_key(name), keys, n=1, cutoff=MISSPELT_CUTOFF))


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'David Leng'?"`` or an empty string."""
    near = closest(name, candidates)
    if not near:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in near) + "?"


class UnknownPersonError(PersonNotFoundError):
    """A name that matches no registered person; the message offers the closest ones."""

    def __init__(self, field: str, name: str, registered: Iterable[str]) -> None:
        registered = list(registered)
        super().__init__(
            f"{field}: {tidy(name)!r} is not a registered person{suggestion(name, registered)}",
            field=field,
            # A new store has nobody: the README's "First administrator" step starts there.
            cli_hint="see `plantrail people`" if registered else "nobody is registered yet: `plantrail person add NAME` first",
        )


class NameIndex:
    """Registered names by key: ``canonical("david leng")`` → ``"David Leng"``."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._by_key: dict[str, str] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        self._by_key.setdefault(name_key(name), name)

    def get(self, name: str) -> str | None:
        return self._by_key.get(name_key(name))

    def canonical(self, name: str, *, field: str) -> str:
        found = self.get(name)
        if found is None:
            raise UnknownPersonError(field, name, self._by_key.values())
        return found

    def names(self) -> list[str]:
        return list(self._by_key.values())
