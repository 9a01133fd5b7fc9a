"""Integrity use cases that need both the application and the projections: verify, seals, the
read-model check, and a rebuild that may accept chain mismatches (and records that it did)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from pathlib import Path

from domain.errors import DomainError
from domain.integrity import Integrity
from plantrail.services import Services
from projections.chain import ChainMismatchError, current_seal
from projections.compare import Difference, compare
from projections.projector import ProgressCallback, ProjectionFailedError
from projections.verify import Verdict, verify


def rebuild(
    services: Services,
    *,
    accept_mismatch: bool = False,
    actor: str,
    reason: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[tuple[int, str]]:
    """Rebuild the read models. Events that no longer match their chain links stop it, unless
    ``accept_mismatch``: then the decision, naming each such event, is recorded first (as
    ``Integrity.MismatchAccepted``) and the rebuild projects those events as they are now."""
    accepted: list[tuple[int, str]] = []
    if accept_mismatch:
        services.projector.catch_up()
        accepted = verify_store(services).event_problems()
        if accepted:
            services.app.save(
                Integrity.accept_mismatch(
                    positions=[p for p, _ in accepted],
                    problems=[problem for _, problem in accepted],
                    actor=actor,
                    effective_on=services.today(),
                    reason=reason,
                )
            )
    services.projector.rebuild(on_progress, accepted={p for p, _ in accepted})
    return accepted


def verify_store(services: Services, seals: Iterable[tuple[int, str]] = ()) -> Verdict:
    """The chain and the given seals checked against the whole store, after catching up.

    If catching up fails (a tampered store can break projection), the check still runs over
    what was chained, and says why the rest was not."""
    stopped = None
    try:
        services.projector.catch_up()
    except (ProjectionFailedError, ChainMismatchError) as error:
        stopped = str(error)
    verdict = verify(services.app.recorder, services.app.mapper, services.engine, projected_to=services.projector.position(), seals=seals)
    verdict.catch_up_failed = stopped
    return verdict


def take_seal(services: Services, out_path: Path | None = None) -> str:
    """The seal of the history as it stands; with ``out_path``, also appended to that file with
    the time it was taken (a file kept outside the database is a witness a forger cannot reach)."""
    services.projector.catch_up()
    seal = current_seal(services.engine)
    if out_path is not None:
        taken = services.app.clock().astimezone(UTC).isoformat(timespec="seconds")
        with out_path.open("a", encoding="utf-8") as witness:
            witness.write(f"{taken} {seal}\n")
    return seal


def compare_read_models(services: Services, plan_code: str | None = None) -> Difference | None:
    """The first row where the live views differ from the events folded afresh (or None)."""
    services.projector.catch_up()
    return compare(services.projector, plan_code=plan_code)


class ReadModelsDifferError(DomainError):
    """The views a report would print from do not say what the events say."""


def require_read_models_match(services: Services, plan_code: str) -> None:
    """Before a report prints a seal over a plan: its views must be what its events give."""
    difference = compare_read_models(services, plan_code)
    if difference is not None:
        raise ReadModelsDifferError(
            f"the read models of plan {plan_code!r} differ from its events ({difference.describe()}); "
            "nothing was written: run `plantrail rebuild`, then report again"
        )
