"""Integrity decisions and witnesses recorded in the history itself.

A seal (the chain's head at a moment) is witnessed by recording it as an event and sending it
outside the database; a decision to project events that no longer match their chain links is
recorded with who took it and why. Both are part of the audit trail.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from domain.events import RecordedEvent
from domain.ids import PLANTRAIL_NAMESPACE


def seal_record_id(seal: str) -> UUID:
    return uuid5(PLANTRAIL_NAMESPACE, "seal:" + seal)


class SealRecord(Aggregate):
    """One witnessed seal: recording the same seal twice is refused by the store."""

    TOPIC = "plantrail:Seal"

    class Event(RecordedEvent):
        TOPIC = "plantrail:Seal.Event"

    class SealWitnessed(Event, Aggregate.Created):
        """``seal``: ``plantrail-seal:v1:POSITION:LINK``; ``sent_to``: where a copy went (an
        address or a file), so an auditor knows where to look for the witness."""

        TOPIC = "plantrail:Seal.SealWitnessed"
        seal: str
        position: int
        sent_to: str | None

    @classmethod
    def witness(cls, *, seal: str, position: int, sent_to: str | None, actor: str, effective_on: date) -> SealRecord:
        return cls._create(
            cls.SealWitnessed,
            id=seal_record_id(seal),
            seal=seal,
            position=position,
            sent_to=sent_to,
            actor=actor,
            effective_on=effective_on,
            reason=None,
        )

    def __init__(self, seal: str, position: int, sent_to: str | None, actor: str, effective_on: date, reason: str | None) -> None:
        self.seal = seal
        self.position = position


class Integrity(Aggregate):
    """A decision about the integrity of the history, e.g. to project mismatched events anyway."""

    TOPIC = "plantrail:Integrity"

    class Event(RecordedEvent):
        TOPIC = "plantrail:Integrity.Event"

    class MismatchAccepted(Event, Aggregate.Created):
        """``positions``: the events that no longer matched their chain links, projected anyway;
        ``problems``: what was wrong with each, in the same order."""

        TOPIC = "plantrail:Integrity.MismatchAccepted"
        positions: list[int]
        problems: list[str]

    @classmethod
    def accept_mismatch(cls, *, positions: list[int], problems: list[str], actor: str, effective_on: date, reason: str | None) -> Integrity:
        return cls._create(
            cls.MismatchAccepted,
            id=uuid4(),
            positions=list(positions),
            problems=list(problems),
            actor=actor,
            effective_on=effective_on,
            reason=reason,
        )

    def __init__(self, positions: list[int], problems: list[str], actor: str, effective_on: date, reason: str | None) -> None:
        self.positions = list(positions)
