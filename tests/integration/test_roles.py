"""Roles granted as Person events are the roles the sign-off rules and the web app see."""

from __future__ import annotations

import pytest

from domain.commands import ChangeLifecycle
from domain.errors import ForbiddenError


def test_a_granted_clerk_may_decide_a_claim_and_a_revoked_one_may_not(seeded):
    app = seeded.app
    app.register_person(name="Cara Clerk", email="cara@example.org", actor="setup")
    seeded.record("SOS 001/SS_ICSAP_RISK1", ChangeLifecycle("complete", None, None, "Signed register"), actor="Liam Purdie")
    with pytest.raises(ForbiddenError):
        seeded.approve("SOS 001/SS_ICSAP_RISK1", actor="Cara Clerk")
    app.grant_role("Cara Clerk", "clerk", "SOS 001", actor="Ada Admin", reason="committee cycle")
    seeded.projector.catch_up()
    assert app.roles_of("Cara Clerk").is_clerk_of("SOS 001")
    assert seeded.queries.access_facts("Cara Clerk")[0] == frozenset({("clerk", "SOS 001")})
    assert seeded.approve("SOS 001/SS_ICSAP_RISK1", actor="Cara Clerk")["lifecycle"] == "completed"
    app.revoke_role("Cara Clerk", "clerk", "SOS 001", actor="Ada Admin", reason="moved on")
    seeded.projector.catch_up()
    assert not app.roles_of("Cara Clerk").is_clerk_of("SOS 001")
    assert seeded.queries.access_facts("Cara Clerk")[0] == frozenset()
