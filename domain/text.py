"""Checks for free text that people type: notes, titles, reasons, names."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from domain.errors import InvalidTextError

NAME_MAX = 200
# Error messages echo what was typed; a 5 MB value must not come back whole (plantrail.errors
# has the same rule for the outer layers; the domain cannot import it).
ECHO_LIMIT = 80
TITLE_MAX = 500
TEXT_MAX = 20_000

# Newlines and tabs are fine inside notes; other control characters only ever arrive by
# accident (pasted from Word, binary junk) and break emails and CSV exports downstream.
_ALLOWED_CONTROLS = {"\n", "\t"}


def checked_text(field: str, value: object, *, max_length: int, multiline: bool = True) -> str:
    """Return ``value`` stripped, or raise ``InvalidTextError`` naming ``field``."""
    if not isinstance(value, str):
        raise InvalidTextError(f"{field}: expected text, got {type(value).__name__}")
    text = value.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidTextError(f"{field}: must not be empty")
    if len(text) > max_length:
        raise InvalidTextError(f"{field}: {len(text)} characters, at most {max_length} allowed")
    allowed = _ALLOWED_CONTROLS if multiline else set()
    for ch in text:
        if unicodedata.category(ch) == "Cc" and ch not in allowed:
            raise InvalidTextError(f"{field}: contains control character U+{ord(ch):04X}")
    return text


def optional_text(field: str, value: object, *, max_length: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return checked_text(field, value, max_length=max_length)


def clipped(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr`` of a value cut to about ``limit`` characters, for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def names_in_words(names: Sequence[str]) -> str:
    """ "Ada", "Ada or Bo", "Ada, Bo or Cy"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
