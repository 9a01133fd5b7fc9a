"""Every email template, rendered with hostile text in every field: the HTML parts carry no markup
but the templates' own, the plain-text parts carry the text as typed, and no header can be injected."""

from __future__ import annotations

import email
import email.policy
import os
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.reminder import SIGN_OFF_AWAITING, SIGN_OFF_REJECTED, SIGN_OFF_RULES
from notifications.digest import EARLIER_REJECTION, OWN_CLAIM, Digest, DigestItem, proposal, render_digest
from notifications.render import display_names, environment
from notifications.undeliverable import AboutAction, Undeliverable, render_undeliverable_notice

TEMPLATES = Path(__file__).resolve().parents[2] / "notifications" / "templates"
MAIL_FROM = "plantrail <plantrail@example.org>"
AS_OF = date(2015, 3, 24)
NOW = datetime(2015, 3, 24, 7, tzinfo=UTC)
ENV = environment()
EXAMPLES = int(os.environ.get("PLANTRAIL_PROPERTY_EXAMPLES", "100"))
EXPECTED_HEADERS = {"subject", "from", "to", "date", "message-id", "auto-submitted", "mime-version", "content-type"}

# What people paste, and what an attacker would try.
NASTY = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><h1>",
    "<!-- comment -->",
    "&amp; &lt;b&gt; &#60;i&#62;",
    "{{ 7 * 7 }} {% raw %}",
    "javascript:alert(1)",
    "Name\r\nBcc: eve@example.org",
    "line\u2028separator",
    "O'Brien & Sons <Ltd>",
]
single_line = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=3).map(" ".join),
).filter(lambda s: s.strip())
long_line = st.lists(single_line, min_size=3, max_size=10).map(" ".join).map(lambda s: s[:200].strip()).filter(bool)
multi_line = st.one_of(single_line, st.lists(single_line, min_size=2, max_size=4).map("\n".join))


def the_templates_own_markup() -> tuple[set[str], set[str]]:
    """Tag and attribute names written literally in the HTML templates: the only markup allowed."""
    source = "\n".join(p.read_text() for p in TEMPLATES.glob("*.html.j2"))
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", source))
    attributes = set(re.findall(r"\s([a-z-]+)=\"", source))
    return {t.lower() for t in tags}, attributes


ALLOWED_TAGS, ALLOWED_ATTRIBUTES = the_templates_own_markup()


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def squeeze(text: str) -> str:
    return " ".join(text.split())


def parts(message: EmailMessage) -> tuple[str, str, EmailMessage]:
    reread = email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    return reread.get_body(("plain",)).get_content(), reread.get_body(("html",)).get_content(), reread


def assert_only_template_markup(html: str, links: set[str]) -> Markup:
    parsed = Markup()
    parsed.feed(html)
    parsed.close()
    assert parsed.comments == []
    for tag, attributes in parsed.tags:
        assert tag in ALLOWED_TAGS, tag
        assert set(attributes) <= ALLOWED_ATTRIBUTES, attributes
        if "href" in attributes:
            assert attributes["href"] in links
    return parsed


def assert_headers_are_safe(message: EmailMessage, to_name: str, to_email: str) -> None:
    assert {k.lower() for k in message} == EXPECTED_HEADERS
    assert "\r" not in message["Subject"] and "\n" not in message["Subject"]
    [address] = message["To"].addresses
    assert address.addr_spec == to_email
    # The name as given, or, where the mail library could not carry it whole, without its specials, or none.
    assert address.display_name in display_names(to_name)


@dataclass
class RecordingLinks:
    """A link maker as the web app's would be, with hostile text in its links; some come back unusable."""

    base: str
    unusable: bool = False
    made: set[str] = field(default_factory=set)

    def _link(self, *parts: str) -> str | None:
        if self.unusable:
            return "javascript:alert(1)"
        link = self.base + "/".join("".join("+" if c.isspace() else c for c in p) for p in parts)
        self.made.add(link)
        return link

    def action_link(self, person_name: str, plan_code: str, action_code: str) -> str | None:
        return self._link("update", plan_code, action_code)

    def home_link(self, person_name: str) -> str | None:
        return self._link("mine")

    def sign_off_link(self, person_name: str) -> str | None:
        return self._link("sign-off", person_name)


RULES = ["due_soon", "overdue", "stale", "committee_round", "committee_escalation"]
CLAIM_RULES = list(SIGN_OFF_RULES)


@st.composite
def digest_items(draw) -> DigestItem:
    rule = draw(st.sampled_from(RULES))
    details = {
        "title": draw(single_line),
        "due_date": draw(st.one_of(st.none(), st.dates().map(date.isoformat), single_line)),
        "progress": draw(st.one_of(st.integers(0, 100), single_line)),
        "owners": draw(st.lists(single_line, max_size=2)),
        "days_left": draw(st.integers(0, 14)),
        "days_overdue": draw(st.integers(1, 400)),
        "days_without_update": draw(st.integers(30, 400)),
        "committee": draw(single_line),
        "meets_on": draw(single_line),
        "report_deadline": draw(single_line),
    }
    note = draw(st.one_of(st.none(), st.fixed_dictionaries({"text": multi_line, "effective_on": single_line})))
    return DigestItem(
        reminder_key=draw(single_line),
        recipient=draw(single_line),
        rule=rule,
        role=draw(st.sampled_from(["owner", "manager", "sponsor"])),
        plan_code=draw(single_line),
        plan_title=draw(single_line),
        action_code=draw(single_line),
        details=details,
        owners=tuple(details["owners"]),
        latest_note=note,
    )


@st.composite
def claim_items(draw, rules=CLAIM_RULES) -> DigestItem:
    """A reminder about a claim: awaiting sign-off, escalated, or not accepted."""
    rule = draw(st.sampled_from(rules))
    details = {
        "title": draw(single_line),
        "kind": draw(st.sampled_from(["completion", "due_date", "progress"])),
        "claim_version": draw(st.integers(1, 50)),
        "proposed": draw(single_line),
        "claimant": draw(single_line),
        "effective_on": draw(single_line),
        "evidence": draw(st.one_of(st.none(), multi_line)),
        "reason": draw(st.one_of(st.none(), multi_line)),
    }
    if rule == SIGN_OFF_REJECTED:
        details |= {"decided_by": draw(single_line), "decided_on": draw(single_line), "decision_reason": draw(multi_line)}
    else:
        details |= {"claimed_on": draw(single_line), "since": draw(single_line), "days_waiting": draw(st.integers(0, 60))}
        details |= {"awaiting": draw(single_line)}
    return DigestItem(
        reminder_key=draw(single_line),
        recipient=draw(single_line),
        rule=rule,
        role=draw(st.sampled_from(["owner", "manager", "clerk", "admin", "sponsor"])),
        plan_code=draw(single_line),
        plan_title=draw(single_line),
        action_code=draw(single_line),
        details=details,
    )


@st.composite
def own_claim_items(draw) -> DigestItem:
    """The reader's own claim still waiting (``claim_details``: the day it was made is ISO)."""
    item = draw(claim_items([SIGN_OFF_AWAITING]))
    details = item.details | {"claimed_on": draw(st.dates()).isoformat()}
    role = draw(st.sampled_from(["claimant", "co-owner"]))
    return DigestItem("", item.recipient, OWN_CLAIM, role, item.plan_code, item.plan_title, item.action_code, details)


@st.composite
def earlier_rejection_items(draw) -> DigestItem:
    """A claim refused before, repeated beside its action (``rejection_notice``'s details: the day
    it was decided is ISO)."""
    item = draw(claim_items([SIGN_OFF_REJECTED]))
    details = item.details | {"decided_on": draw(st.dates()).isoformat()}
    details |= {"proposed_due": draw(st.one_of(st.none(), st.dates().map(date.isoformat), single_line))}
    return replace(item, reminder_key="", rule=EARLIER_REJECTION, details=details)


def own_claim_shown_whole(item: DigestItem) -> list[str]:
    d = item.details
    shown = [item.plan_code, item.plan_title, item.action_code, d["title"], d["awaiting"]]
    shown += [d["claimant"]] if item.role == "co-owner" else []
    return shown + ([d["proposed"]] if d["kind"] != "completion" else [])


def claim_shown_whole(item: DigestItem) -> list[str]:
    """What every part must show of a claim exactly as typed."""
    d = item.details
    shown = [item.plan_code, item.plan_title, item.action_code, d["title"], d["proposed"], d["effective_on"]]
    shown += [d[k] for k in ("evidence", "reason", "decided_by", "decision_reason") if d.get(k)]
    return shown + ([d["claimant"]] if item.rule != SIGN_OFF_REJECTED else [])


def shown_whole(item: DigestItem) -> list[str]:
    """Fields every part must show exactly as typed (notes are shortened, so they are left out)."""
    return [item.plan_code, item.plan_title, item.action_code, item.details["title"]]


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    name=st.one_of(single_line, long_line),
    items=st.lists(st.one_of(digest_items(), claim_items()), min_size=1, max_size=5),
    also_awaiting=st.lists(claim_items([SIGN_OFF_AWAITING]), max_size=2),
    own=st.lists(own_claim_items(), max_size=2),
    refused=st.lists(earlier_rejection_items(), max_size=2),
    base=st.sampled_from(["https://plantrail.example.org/", 'https://x.example/?a=1&b="<q>"/', "http://h/'&lt;/"]),
    unusable=st.booleans(),
    with_links=st.booleans(),
)
def test_a_digest_with_hostile_text_everywhere_escapes_it_in_html_and_keeps_it_plain_in_text(
    name, items, also_awaiting, own, refused, base, unusable, with_links
):
    links = RecordingLinks(base, unusable) if with_links else None
    # Each refusal beside the first action listed (the sweep lists them only beside listed actions).
    listed = [i for i in items if i.rule not in SIGN_OFF_RULES][:1]
    refused = [replace(r, plan_code=a.plan_code, action_code=a.action_code) for r in refused for a in listed]
    digest = Digest(name, "ann@example.org", "sweep", AS_OF, tuple(items), tuple(also_awaiting), tuple(own), tuple(refused))
    message = render_digest(ENV, digest, mail_from=MAIL_FROM, now=NOW, links=links)
    text, html, reread = parts(message)
    parsed = assert_only_template_markup(html, links.made if links else set())
    assert_headers_are_safe(reread, name, "ann@example.org")
    html_text, plain = squeeze("".join(parsed.text)), squeeze(text)
    first_of_each_action: dict[tuple[str, str], DigestItem] = {}
    for item in items:  # a digest shows an action once, described by its first reminder
        if item.rule not in SIGN_OFF_RULES:
            first_of_each_action.setdefault((item.plan_code, item.action_code), item)
    for item in first_of_each_action.values():
        for value in shown_whole(item):
            assert squeeze(value) in html_text, value
            assert squeeze(value) in plain, value
    claims: dict[tuple, DigestItem] = {}
    for item in [i for i in items if i.rule in SIGN_OFF_RULES] + also_awaiting:  # each claim once
        claims.setdefault((item.rule, item.plan_code, item.action_code, item.details["claim_version"]), item)
    for item in claims.values():
        for value in claim_shown_whole(item):
            assert squeeze(value) in html_text, value
            assert squeeze(value) in plain, value
    for item in own:
        for value in own_claim_shown_whole(item):
            assert squeeze(value) in html_text, value
            assert squeeze(value) in plain, value
    for item in refused:
        # The proposal as the digest words it (a due date kept apart, in words; else as stored).
        for value in (item.details["decided_by"], proposal(item.details, AS_OF), item.details["decision_reason"]):
            assert squeeze(value) in html_text, value
            assert squeeze(value) in plain, value
    assert plain.count("Not accepted earlier") == len(refused)
    update_links = [a for tag, a in parsed.tags if tag == "a" and a.get("href") in links.made] if links else []
    if links and not unusable:
        # "Update now" on each action, a link on each claim, and "My actions"
        assert len(update_links) == len(first_of_each_action) + len(claims) + len(own) + 1
    else:
        assert update_links == [] and "ask your plan's clerk" in plain
    assert "plantrail update" not in plain and "plantrail redate" not in plain


@st.composite
def undeliverables(draw) -> Undeliverable:
    return Undeliverable(
        recipient_name=draw(st.one_of(single_line, long_line)),
        recipient_email=draw(st.one_of(st.none(), single_line)),
        reason=draw(multi_line),
        about=tuple(
            AboutAction(draw(single_line), draw(single_line), draw(single_line), draw(single_line)) for _ in range(draw(st.integers(0, 3)))
        ),
        subject=draw(st.one_of(st.none(), single_line)),
        message_id=draw(st.one_of(st.none(), single_line)),
        attempts=draw(st.integers(0, 5)),
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(undeliverables(), min_size=1, max_size=4))
def test_the_administrators_digest_with_hostile_text_everywhere_escapes_it_in_html(entries):
    message = render_undeliverable_notice(ENV, entries, mail_from=MAIL_FROM, admin_email="admin@example.org", now=NOW)
    text, html, reread = parts(message)
    parsed = assert_only_template_markup(html, set())
    assert_headers_are_safe(reread, "plantrail administrator", "admin@example.org")
    html_text, plain = squeeze("".join(parsed.text)), squeeze(text)
    for entry in entries:
        for value in [entry.recipient_name, entry.reason, *(a.title for a in entry.about)]:
            assert squeeze(value) in html_text and squeeze(value) in plain, value


def test_no_html_template_marks_a_value_safe_or_includes_another_template():
    for path in TEMPLATES.glob("*.html.j2"):
        source = path.read_text()
        assert "|safe" not in source.replace(" ", "") and "{% include" not in source and "autoescape false" not in source, path.name


def test_an_own_claim_says_the_day_it_was_made_with_the_year_only_when_it_is_not_the_digests():
    def said(claimed_on: str, kind: str = "completion", proposed: str = "complete") -> str:
        details = {"title": "Training", "kind": kind, "claim_version": 3, "proposed": proposed, "claimant": "Liam Purdie"}
        details |= {"effective_on": claimed_on, "claimed_on": claimed_on, "since": claimed_on, "awaiting": "Val DeSouza (manager)"}
        item = DigestItem("", "Liam Purdie", OWN_CLAIM, "claimant", "SOS 001", "Plan", "SS_ICSAP_TRAN3", details)
        text, _, _ = parts(
            render_digest(ENV, Digest("Liam Purdie", "liam@example.org", "sweep", AS_OF, (), (), (item,)), mail_from=MAIL_FROM, now=NOW)
        )
        return next(line.strip() for line in text.splitlines() if line.strip().startswith("Your ") and "(claimed" in line)

    assert AS_OF.isoformat() == "2015-03-24"
    assert said("2015-01-01") == "Your completion (claimed 1 Jan) is waiting for sign-off by Val DeSouza (manager)."
    assert said("2014-12-31") == "Your completion (claimed 31 Dec 2014) is waiting for sign-off by Val DeSouza (manager)."
    assert said("2015-03-20", "due_date", "due date 2015-06-30").startswith("Your due date 2015-06-30 (claimed 20 Mar) is waiting")


def test_a_digest_writes_dates_in_words_and_leaves_anything_else_as_it_is():
    from notifications.digest import in_words

    assert AS_OF.year == 2015
    assert in_words("2015-03-31", AS_OF) == "31 Mar" and in_words("2016-01-04", AS_OF) == "4 Jan 2016"
    assert in_words("2015-03-25T16:00:00+00:00", AS_OF) == "2015-03-25T16:00:00+00:00"  # a time: not a day to word
    assert in_words("2015-03-31 (provisional)", AS_OF) == "2015-03-31 (provisional)"  # nothing dropped
    assert in_words("2015-3-31", AS_OF) == "2015-3-31" and in_words("2015-02-30", AS_OF) == "2015-02-30"
    assert in_words("next Tuesday", AS_OF) == "next Tuesday" and in_words(None, AS_OF) is None and in_words("", AS_OF) == ""


def test_a_due_date_claim_is_worded_from_the_date_it_keeps_apart_else_as_the_reminder_stored_it():
    from notifications.digest import proposal

    claim = {"kind": "due_date", "proposed": "due date 2016-04-30", "proposed_due": "2016-04-30"}
    assert proposal(claim, AS_OF) == "due date 30 Apr 2016" and proposal(claim | {"proposed_due": "2015-04-30"}, AS_OF) == "due date 30 Apr"
    assert proposal({"kind": "due_date", "proposed": "due date 2015-04-30"}, AS_OF) == "due date 2015-04-30"  # raised before
    assert proposal(claim | {"proposed_due": "soon"}, AS_OF) == "due date 2016-04-30"
    assert proposal({"kind": "progress", "proposed": "progress 80%", "proposed_due": None}, AS_OF) == "progress 80%"
