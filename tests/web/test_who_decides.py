"""A pending claim on the action page names who is asked to decide it, and says plainly when
nobody but the claimant could: a plan's only clerk claiming their own action, with no admin."""

from __future__ import annotations

from tests.web.conftest import CLERK, Browser

VAL = "val.desouza@example.org"
ICSP1 = "/actions/SOS%20001/SS_ICSAP_ICSP1"
NOBODY = (
    "No one else can sign this off yet: nobody decides their own claim, Val DeSouza has no manager here, "
    "SOS 001 has no other clerk, and there is no administrator. "
    "Whoever runs plantrail for the council can make another person a clerk of SOS 001."
)


def test_the_only_clerks_own_claim_says_no_one_else_can_sign_it_off_until_someone_else_may(browser: Browser, staffed):
    app = staffed.app
    app.revoke_role(CLERK, "clerk", "SOS 001", actor="test setup", reason="Val runs the cycle alone")
    app.grant_role("Val DeSouza", "clerk", "SOS 001", actor="test setup", reason="the only clerk")
    staffed.projector.catch_up()
    browser.sign_in(VAL)
    response = browser.submit(browser.get(ICSP1), "/complete", evidence="Strategy approved by the board")
    assert response.headers["location"].endswith("as=submitted")
    assert browser.get(ICSP1).by_id("deciders-completion") == NOBODY

    app.register_person(name="Ada Admin", email="ada.admin@example.org", actor="test setup")
    app.grant_role("Ada Admin", "admin", None, actor="test setup", reason="runs plantrail")
    staffed.projector.catch_up()
    assert browser.get(ICSP1).by_id("deciders-completion") == "Awaiting sign-off by Ada Admin (administrator)."
    app.grant_role(CLERK, "clerk", "SOS 001", actor="Ada Admin", reason="a second clerk for sign-off")
    staffed.projector.catch_up()
    assert browser.get(ICSP1).by_id("deciders-completion") == "Awaiting sign-off by Cara Clerk (clerk of SOS 001)."
