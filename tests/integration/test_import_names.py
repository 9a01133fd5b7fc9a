"""Names in imported plan files as people type them into spreadsheets: stored as registered."""

import json
from datetime import date

from domain.importing import import_plans
from plantrail.importers.json_plan import plan_from_data
from tests.conftest import EXAMPLES


def test_an_owner_spelt_with_stray_spaces_is_stored_as_registered(services):
    # A spreadsheet-made plan file: "  Christine   Sutton " in the people list and on an action.
    # The person is registered tidied; the action must name her the same way, or her own
    # actions would not be hers (My actions, reminders and sign-off all go by that name).
    data = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    untidy = "  Christine   Sutton "
    for person in data["people"]:
        if person["name"] == "Christine Sutton":
            person["name"] = untidy
    data["actions"][0]["owners"] = [untidy]
    import_plans(services.app, [plan_from_data(data, "untidy.json")], actor="import")
    services.projector.catch_up()
    code = data["actions"][0]["code"]
    assert services.queries.action("SOS 001", code, as_at=date(2015, 3, 25))["owners"] == ["Christine Sutton"]
    assert services.app.get_person("christine sutton").name == "Christine Sutton"
