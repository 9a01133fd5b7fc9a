"""Readers that turn files into ``PlanDocument`` values; errors name the file, place and field."""

from __future__ import annotations

from domain.problems import InputProblemsError


class ImportFileError(InputProblemsError, ValueError):
    """The file cannot be read as a plan; each problem names the file, the row or path, and the field."""
