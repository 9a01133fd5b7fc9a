"""Integrity use cases that need both the application and the projections: a rebuild that may
accept chain mismatches (and records that it did)."""

from __future__ import annotations

from domain.integrity import Integrity
from plantrail.services import Services
from projections import chain
from projections.projector import ProgressCallback


def rebuild(
    services: Services,
    *,
    accept_mismatch: bool = False,
    actor: str,
    reason: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[chain.Mismatch]:
    """Rebuild the read models. Events that no longer match their chain links stop it, unless
    ``accept_mismatch``: then the decision, naming each such event, is recorded first (as
    ``Integrity.MismatchAccepted``) and the rebuild projects those events as they are now."""
    accepted: list[chain.Mismatch] = []
    if accept_mismatch:
        services.projector.catch_up()
        accepted = chain.all_mismatches(services.app.recorder, services.app.mapper, services.engine)
        if accepted:
            services.app.save(
                Integrity.accept_mismatch(
                    positions=[m.position for m in accepted],
                    problems=[m.problem for m in accepted],
                    actor=actor,
                    effective_on=services.today(),
                    reason=reason,
                )
            )
    services.projector.rebuild(on_progress, accepted={m.position for m in accepted})
    return accepted
