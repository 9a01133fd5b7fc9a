"""Readers that turn files into ``PlanDocument`` values; errors name the file, place and field."""

from __future__ import annotations

from domain.errors import BadInputError


class ImportFileError(BadInputError, ValueError):
    """The file cannot be read as a plan; the message names the file, the row or path, and the field."""
