"""Rules on people that need more than one Person: the last admin, and managers in a loop."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import BadInputError, ConflictError
from domain.importing import InvalidImportError, import_plans
from tests.integration.snapshots import stored_event_count
from tests.integration.test_import_store import small_plan


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


def test_a_manager_change_that_closes_a_loop_is_refused_naming_the_chain(seeded):
    app = seeded.app
    # Liam Purdie is managed by Val DeSouza in the seed plans.
    app.edit_person("David Leng", changes={"manager": "Liam Purdie"}, reason="new team", actor="Ada Admin")
    with pytest.raises(BadInputError) as refused:
        app.edit_person("val desouza", changes={"manager": "david leng"}, reason="restructure", actor="Ada Admin")
    assert (str(refused.value), refused.value.field) == (
        "manager: David Leng is managed by Liam Purdie who is managed by Val DeSouza, "
        "so Val DeSouza cannot be managed by David Leng (they would sign off each other's claims)",
        "manager",
    )
    with pytest.raises(BadInputError, match=r"^manager: Liam Purdie is managed by Val DeSouza, so Val DeSouza cannot"):
        app.edit_person("Val DeSouza", changes={"manager": "Liam Purdie"}, reason="swap", actor="Ada Admin")
    assert app.get_person("Val DeSouza").manager is None
    app.edit_person("Val DeSouza", changes={"manager": "Jane Menzies"}, reason="a chain, not a loop", actor="Ada Admin")
    assert app.get_person("Val DeSouza").manager == "Jane Menzies"


def test_an_import_that_closes_a_manager_loop_is_refused_at_the_row_that_closes_it(services):
    from domain.plan_document import PersonSpec

    plan = small_plan()  # Ann Owner is managed by Sue Sponsor
    looped = replace(plan, people=[*plan.people, PersonSpec("sue  sponsor", manager="ann owner", source="t.json: people[2]")])
    with pytest.raises(InvalidImportError) as refused:
        import_plans(services.app, [looped], actor="clerk")
    assert refused.value.problems == [
        "t.json: people[2]: manager: Ann Owner is managed by Sue Sponsor, "
        "so Sue Sponsor cannot be managed by Ann Owner (they would sign off each other's claims)"
    ]
    assert stored_event_count(services.app) == 0
