"""``plantrail verify``: recompute the chain over every stored event and report every blind spot.

One pass over the store checks three things at once:

- each event against its own link (recomputed from the link stored before it), so an event
  changed after it was chained is named, however many others were changed too;
- that the chain covers the store exactly: an event the projector has seen but with no link
  (links deleted, the chain table emptied), a link whose event is gone, and a store that ends
  before the position the projector had already reached (events deleted from the end);
- every seal given (``--seal``, ``--seals FILE``) and every seal witnessed in the history itself,
  against the chain recomputed from the first event: a forger who rewrote an event *and* every
  link after it fools the per-link check, but not a seal kept somewhere they could not reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Engine, select

from projections import tables as t
from projections.chain import GENESIS, chain, format_seal, link
from projections.decoding import UnreadableEventError, plaintext

SEAL_WITNESSED = "plantrail:Seal.SealWitnessed"
PAGE = 10_000


# What can be wrong, each named by a kind: the first three are about single events (a rebuild
# can be told to project those anyway), the others about the store as a whole.
PROBLEMS = {
    "altered": "a stored event was altered, replaced or moved after it was chained",
    "unreadable": "a stored event no longer decrypts: its stored bytes were changed",
    "unchained": "a stored event has no chain link (links deleted, or an event added outside plantrail)",
    "deleted": "a chained event is missing from the store (deleted)",
    "truncated": "the store ends before events that were already seen (deleted from the end)",
    "witness": "the history differs from a seal witnessed in it",
}
EVENT_PROBLEMS = ("altered", "unreadable", "unchained")


@dataclass
class Problem:
    kind: str
    positions: list[int]

    @property
    def problem(self) -> str:
        return PROBLEMS[self.kind]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "problem": self.problem, "positions": self.positions, "where": spans(self.positions)}


@dataclass
class SealCheck:
    seal: str
    position: int
    ok: bool
    witnessed_at: int | None = None  # the position of the SealWitnessed event, for seals from the history

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Verdict:
    checked: int
    head_position: int
    head_link: str
    problems: list[Problem] = field(default_factory=list)
    seals: list[SealCheck] = field(default_factory=list)
    unsealed: int = 0  # stored after the projector last read: not chained yet
    subject: str | None = None  # what the first problem's event was about
    event_type: str | None = None
    catch_up_failed: str | None = None  # why events stored lately could not be chained first

    @property
    def ok(self) -> bool:
        return not self.problems and all(s.ok for s in self.seals)

    def event_problems(self) -> list[tuple[int, str]]:
        """(position, problem) for each single event that is wrong, in order."""
        return sorted((p, problem.problem) for problem in self.problems if problem.kind in EVENT_PROBLEMS for p in problem.positions)

    def as_dict(self) -> dict[str, Any]:
        first = self.problems[0] if self.problems else None
        return {
            "ok": self.ok,
            "checked": self.checked,
            "head_position": self.head_position,
            "head_link": self.head_link,
            "seal": format_seal(self.head_position, self.head_link),
            "problem": first.problem if first else None,
            "position": first.positions[0] if first else None,
            "subject": self.subject,
            "event_type": self.event_type,
            "problems": [p.as_dict() for p in self.problems],
            "seals": [s.as_dict() for s in self.seals],
            "unsealed": self.unsealed,
            "catch_up_failed": self.catch_up_failed,
        }


def spans(positions: Iterable[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1–3, 7"``."""
    out: list[str] = []
    run: list[int] = []
    for p in sorted(positions):
        if run and p == run[-1] + 1:
            run.append(p)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
        run = [p]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
    return ", ".join(out)


def verify(
    recorder: ApplicationRecorder,
    mapper: Mapper,
    engine: Engine,
    *,
    projected_to: int,
    seals: Iterable[tuple[int, str]] = (),
) -> Verdict:
    """Check the store against its chain, and the given seals; ``projected_to`` is how far the
    projector has read (events beyond it are not chained yet)."""
    with engine.connect() as conn:
        rows = {r.position: (r.link, r.seen_at) for r in conn.execute(select(chain.c.position, chain.c.link, chain.c.seen_at))}
    head_position = max(rows, default=0)
    head_link = rows[head_position][0] if rows else GENESIS
    given = [SealCheck(format_seal(p, value), p, ok=False) for p, value in seals]
    witnessed = _witnessed_seals(recorder, mapper)
    wanted = {s.position for s in given} | {s.position for s in witnessed}
    from_genesis: dict[int, str] = {}

    altered, missing, unreadable = [], [], []
    checked = unsealed = last_stored = 0
    chain_previous = genesis_previous = GENESIS
    for n in _stored(recorder):
        last_stored = n.id
        if n.id > projected_to:
            unsealed += 1
            continue
        kept = rows.pop(n.id, None)
        try:
            content = plaintext(mapper, n)
        except UnreadableEventError:
            unreadable.append(n.id)
            chain_previous = genesis_previous = kept[0] if kept else chain_previous
            continue
        stored_link, seen = kept if kept else (None, None)
        genesis_previous = link(genesis_previous, n, content, seen)
        if n.id in wanted:
            from_genesis[n.id] = genesis_previous
        expected = link(chain_previous, n, content, seen)
        if stored_link is None:
            missing.append(n.id)
        elif stored_link != expected:
            altered.append(n.id)
        checked += 1
        chain_previous = stored_link or expected

    verdict = Verdict(checked, head_position, head_link, unsealed=unsealed)
    _add(verdict, "altered", altered)
    _add(verdict, "unreadable", unreadable)
    _add(verdict, "unchained", missing)
    _add(verdict, "deleted", sorted(p for p in rows if p <= last_stored))
    beyond = sorted(p for p in rows if p > last_stored)
    if beyond or projected_to > last_stored:
        _add(verdict, "truncated", list(range(last_stored + 1, max([projected_to, *beyond]) + 1)))
    for check in [*given, *witnessed]:
        check.ok = format_seal(check.position, from_genesis.get(check.position, "")) == check.seal
    bad_witnesses = [s.witnessed_at for s in witnessed if not s.ok and s.witnessed_at is not None]
    _add(verdict, "witness", bad_witnesses)
    verdict.seals = given + witnessed
    if verdict.problems:
        verdict.subject, verdict.event_type = _about(engine, verdict.problems[0].positions[0])
    return verdict


def _add(verdict: Verdict, kind: str, positions: list[int]) -> None:
    if positions:
        verdict.problems.append(Problem(kind, positions))
    verdict.problems.sort(key=lambda p: p.positions[0])


def _stored(recorder: ApplicationRecorder, *, topics: tuple[str, ...] = ()) -> Iterator[Notification]:
    position = 0
    while page := recorder.select_notifications(start=position, limit=PAGE, inclusive_of_start=False, topics=topics):
        yield from page
        position = page[-1].id


def _witnessed_seals(recorder: ApplicationRecorder, mapper: Mapper) -> list[SealCheck]:
    """The seals recorded in the history itself (the daily witness job records one a day)."""
    found = []
    for n in _stored(recorder, topics=(SEAL_WITNESSED,)):
        try:
            state = orjson.loads(plaintext(mapper, n))
        except (UnreadableEventError, orjson.JSONDecodeError):
            continue  # reported as an unreadable event by the main pass
        found.append(SealCheck(state["seal"], state["position"], ok=False, witnessed_at=n.id))
    return found


def _about(engine: Engine, position: int) -> tuple[str | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(select(t.subject_of(), t.events.c.type).where(t.events.c.position == position)).first()
    return (row.subject, row.type) if row else (None, None)
