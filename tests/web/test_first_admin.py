"""A new store has no administrator: the People page says so and points to the README's
"First administrator" step, and that step's commands, run as written, make one who can sign in
and manage people."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.cli_runner import invoke
from tests.web.conftest import SECRET, Browser

README = Path(__file__).parents[2] / "README.md"
LIAM = "liam.purdie@example.org"


def _first_admin_commands() -> list[list[str]]:
    """The shell lines of the README's "First administrator" step, as argument lists."""
    section = README.read_text(encoding="utf-8").split("### First administrator", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's First administrator step has no commands"
    lines = [shlex.split(line, comments=True) for line in block.group(1).splitlines() if line.strip()]
    # The step first exports the key `serve` runs with (the test passes its own).
    assert lines[0][0] == "export" and lines[0][1].startswith("PLANTRAIL_SECRET_KEY=")
    return lines[1:]


def test_with_no_admin_the_people_page_refuses_and_points_to_the_first_administrator_step(browser: Browser, staffed):
    assert staffed.admins() == []
    browser.sign_in(LIAM)
    refused = browser.get("/people", expect=403)
    who_can = refused.by_id("who-can")
    assert "Nobody has been made an administrator yet" in who_can
    assert "“First administrator” in plantrail's README" in who_can
    assert "plantrail person" not in who_can and "plantrail grant" not in who_can  # no command line in a browser


def test_the_readmes_first_administrator_commands_make_an_admin_who_manages_people(browser: Browser, staffed, database_url):
    commands = _first_admin_commands()
    assert [c[:2] for c in commands] == [["plantrail", "person"], ["plantrail", "grant"], ["plantrail", "signin-link"]]
    env = {"PLANTRAIL_DATABASE_URL": database_url, "PLANTRAIL_USER": "council IT", "PLANTRAIL_SECRET_KEY": SECRET}
    for command in commands:
        invoke(env, *command[1:])
    name = commands[1][2]
    email = commands[0][commands[0].index("--email") + 1]
    staffed.projector.catch_up()
    assert staffed.admins() == [name]
    browser.sign_in(email)
    people = browser.get("/people")
    assert people.form("/people")  # the registration form: an admin's page
    browser.client.cookies.clear()
    browser.sign_in(LIAM)
    refused = browser.get("/people", expect=403)
    assert refused.by_id("who-can") == f"People and roles are managed by {name} (administrator)."


def test_granting_a_role_on_a_new_store_says_to_register_the_person_first(tmp_path):
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "new.db"), "PLANTRAIL_USER": "council IT"}
    refused = invoke(env, "grant", "Ada Admin", "admin", "--reason", "first admin", expect=1)
    assert refused.stderr.strip() == (
        "plantrail: error: person: 'Ada Admin' is not a registered person (nobody is registered yet: `plantrail person add NAME` first)"
    )
