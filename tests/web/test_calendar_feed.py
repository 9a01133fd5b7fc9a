"""The calendar feed: a secret address per person that a calendar app fetches without cookies."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from icalendar import Calendar

from tests.web.conftest import SECRET, Browser
from web.routes.calendar import feed_path

LIAM = "liam.purdie@example.org"


def _feed_address(browser: Browser, email: str) -> str:
    browser.sign_in(email)
    page = browser.get("/my-actions")
    (address,) = re.findall(r'id="calendar-feed"[^>]*value="([^"]+)"', page.html)
    return unescape(address).removeprefix("http://testserver")


def _due_dates(ics: bytes) -> dict[str, date]:
    return {str(e["summary"]).split(" ")[1]: e.decoded("dtstart") for e in Calendar.from_ical(ics).walk("VEVENT")}


def test_my_actions_gives_a_feed_that_serves_the_owners_open_actions_without_a_session(browser: Browser, client, staffed):
    path = _feed_address(browser, LIAM)
    client.cookies.clear()  # a calendar app has no session
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["referrer-policy"] == "no-referrer"
    owned = staffed.queries.find_actions(as_at=staffed.today(), owner="Liam Purdie", statuses=("alert", "warning", "ok"))
    expected = {a["code"]: date.fromisoformat(a["due_date"]) for a in owned if a["due_date"]}
    assert expected and _due_dates(response.content) == expected


def test_the_feed_follows_a_revised_due_date(browser: Browser, client, staffed):
    path = _feed_address(browser, LIAM)
    staffed.app.revise_due_date("SOS 001", "SS_ICSAP_TRAN3", due_date=date(2015, 9, 30), reason="workshops moved", actor="Val DeSouza")
    staffed.projector.catch_up()
    assert _due_dates(client.get(path).content)["SS_ICSAP_TRAN3"] == date(2015, 9, 30)


def test_a_tampered_or_foreign_key_address_is_a_404_that_names_nobody(client, staffed):
    genuine = feed_path(SECRET, "Liam Purdie")
    token = genuine.removeprefix("/calendar/").removesuffix(".ics")
    name, mac = token.split(".")
    tampered = [
        f"/calendar/{name}.{'0' * len(mac)}.ics",
        feed_path(SECRET, "Liam Purdie").replace(name, feed_path(SECRET, "Val DeSouza").split("/")[2].split(".")[0]),
        feed_path("another-deployment-key-0123456789-abcdef", "Liam Purdie"),
        "/calendar/%%%.ics",
        f"/calendar/{name}.ics",
    ]
    for path in tampered:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Liam" not in response.text and "Val" not in response.text


def test_a_person_no_longer_registered_under_that_name_has_no_feed(client, staffed):
    assert client.get(feed_path(SECRET, "Nobody Registered")).status_code == 404
    assert client.get(feed_path(SECRET, "liam purdie")).status_code == 404  # one exact spelling per address
