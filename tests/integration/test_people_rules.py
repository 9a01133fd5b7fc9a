"""Rules on people that need more than one Person: the last admin, and managers in a loop."""

from __future__ import annotations

import pytest

from domain.errors import ConflictError


def test_the_only_admin_cannot_revoke_their_admin_role_but_one_of_two_can(seeded):
    app = seeded.app
    app.register_person(name="Ada Admin", actor="setup")
    app.grant_role("Ada Admin", "admin", None, actor="setup", reason="runs plantrail")
    seeded.projector.catch_up()
    with pytest.raises(ConflictError) as refused:
        app.revoke_role("ada admin", "admin", None, actor="Ada Admin", reason="tidying up")
    assert (str(refused.value), refused.value.field, refused.value.http_status) == (
        "role: Ada Admin is the only admin; grant admin to someone else first, or nobody could manage people and roles",
        "role",
        409,
    )
    assert app.roles_of("Ada Admin").admin
    app.grant_role("Liam Purdie", "admin", None, actor="Ada Admin", reason="second admin")
    seeded.projector.catch_up()
    app.revoke_role("Ada Admin", "admin", None, actor="Ada Admin", reason="handing over")
    assert not app.roles_of("Ada Admin").admin and app.roles_of("Liam Purdie").admin
