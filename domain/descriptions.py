"""The descriptive commands of an action: a new title or description, a success measure, evidence.

A mixin of ``Action`` (as ``domain.claims`` and ``domain.lifecycle`` are): the events and their
state changes live on ``Action``; here are the commands, which check the text and trigger them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

from domain.errors import ActionAlreadyInStateError
from domain.text import TEXT_MAX, TITLE_MAX, checked_text, optional_text

if TYPE_CHECKING:
    from domain.action import Action


class DescriptionCommands:
    """Revise the title or description; add a success measure or a piece of evidence."""

    def revise_description(self, *, title: str | None, description: str | None, reason: str | None, actor: str, effective_on: date) -> None:
        action = cast("Action", self)
        new_title = checked_text("title", title, max_length=TITLE_MAX) if title is not None else action.title
        new_description = checked_text("description", description, max_length=TEXT_MAX) if description is not None else action.description
        if (new_title, new_description) == (action.title, action.description):
            raise ActionAlreadyInStateError(f"{action.code}: title and description are unchanged")
        action._description_revised(
            title=new_title,
            description=new_description,
            reason=optional_text("reason", reason, max_length=TEXT_MAX),
            actor=actor,
            effective_on=effective_on,
        )

    def add_success_measure(self, text: str, *, actor: str, effective_on: date) -> None:
        action = cast("Action", self)
        action._success_measure_added(
            text=checked_text("success measure", text, max_length=TEXT_MAX), actor=actor, effective_on=effective_on, reason=None
        )

    def add_evidence(self, text: str, *, actor: str, effective_on: date) -> None:
        action = cast("Action", self)
        action._evidence_added(
            text=checked_text("evidence", text, max_length=TEXT_MAX), actor=actor, effective_on=effective_on, reason=None
        )
