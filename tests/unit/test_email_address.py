"""People's email addresses: exactly one RFC 5322 addr-spec, or none at all."""

import email
import email.policy
import re
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.email_address import addr_spec_problem, canonical_addr_spec
from domain.errors import InvalidTextError
from domain.person import checked_email

NOT_ONE_ADDRESS = [
    "a@b.org;c@d.org",
    "a@b.org, c@d.org",
    "a@b.org c@d.org",
    "Ann Owner <ann@example.org>",
    "<ann@example.org>",
    "ann@",
    "@example.org",
    "ann",
    "ann@council",
    "ann owner@example.org",
    "ann@example..org",
    ".ann@example.org",
    "ann.@example.org",
    "ann..owner@example.org",
    '""@example.org',
    "(comment)ann@example.org",
    "ann@example.org\r\nBcc: eve@example.org",
    "ann@exämple.org",
    "ännie@example.org",
    "a" * 65 + "@example.org",
]


@pytest.mark.parametrize("value", NOT_ONE_ADDRESS)
def test_anything_but_exactly_one_address_is_refused_naming_the_field(value):
    with pytest.raises(InvalidTextError, match=r"^email: ") as refused:
        checked_email(value)
    assert refused.value.field == "email"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_address_at_all_is_legitimate(value):
    assert checked_email(value) is None


@given(st.emails())
def test_every_rfc_5322_address_is_accepted_and_survives_a_to_header(address):
    if len(address) > 254 or len(address.rpartition("@")[0]) > 64:
        return  # RFC 5321's limits are checked separately
    accepted = checked_email(address)
    assert accepted is not None and Address(addr_spec=accepted).addr_spec == accepted
    message = EmailMessage()
    message["To"] = Address(display_name="Ann Owner", addr_spec=accepted)
    reread = email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    assert [a.addr_spec for a in reread["To"].addresses] == [accepted]


def test_quoted_local_parts_and_domain_literals_are_addresses_too():
    assert checked_email('"ann owner"@example.org') == '"ann owner"@example.org'
    assert checked_email('"ann"@example.org') == "ann@example.org"  # the same mailbox, written plainly
    assert checked_email("ann@[192.0.2.1]") == "ann@[192.0.2.1]"
    assert checked_email("  ann@example.org ") == "ann@example.org"


LOCAL_64 = "a" * 64
PROBLEMS = [
    ("", "is empty"),
    ("zoë@example.org", "contains non-ASCII characters"),
    ("a@b.org;c@d.org", "holds more than one address (give one)"),
    ("a@b.org, c@d.org", "holds more than one address (give one)"),
    ("a,b@example.org", "is not one email address of the form name@example.org"),  # one @: not two addresses
    ("Ann <ann@example.org>", "is not one email address of the form name@example.org"),
    ("ann@council", "has no dot in its domain, so no mail server on the internet would take it (e.g. name@council.gov.uk)"),
    ('"a@b.c"@council', "has no dot in its domain, so no mail server on the internet would take it (e.g. name@council.gov.uk)"),
    ("a" * 65 + "@example.org", "has 65 characters before the @, at most 64 allowed"),
    (LOCAL_64 + "@" + "d" * 177 + ".org", None),
    (LOCAL_64 + "@" + "d" * 185 + ".org", None),
    (LOCAL_64 + "@" + "d" * 186 + ".org", "has 255 characters, at most 254 allowed"),
    ("ann@[192.0.2.1]", None),
    ("ann@[localhost]", None),  # a domain literal needs no dot
    ("Xa@b.org@c.org", "is not one email address of the form name@example.org"),  # two @ but no , or ;
]


@pytest.mark.parametrize(("address", "problem"), PROBLEMS, ids=[re.sub(r"[^A-Za-z0-9]+", "_", p[0][:30]) or "empty" for p in PROBLEMS])
def test_each_problem_with_an_address_is_named_word_for_word_and_limits_hold_to_the_character(address, problem):
    assert addr_spec_problem(address) == problem
    if problem is None:
        assert canonical_addr_spec(address) == address
    else:
        with pytest.raises(ValueError, match=re.escape(problem)):
            canonical_addr_spec(address)


def test_a_quoted_local_part_that_needs_no_quotes_is_carried_without_them():
    assert canonical_addr_spec('"abc"@example.org') == "abc@example.org"


@pytest.mark.parametrize("address", ['"a."@example.org', '"a..b"@example.org', '".a"@example.org'])
def test_a_quoted_local_part_the_mail_headers_would_unquote_into_no_address_is_refused(address):
    # Each is a valid addr-spec, but the standard library's To header drops the quotes, leaving
    # a.@example.org and the like, which no server takes: plantrail refuses it rather than send it.
    assert addr_spec_problem(address) is None
    with pytest.raises(ValueError) as refused:
        canonical_addr_spec(address)
    assert str(refused.value) == "is not one email address the mail system can carry"


@pytest.mark.parametrize(
    ("address", "carried"),
    [('"a b"@example.org', '"a b"@example.org'), ('"\\a"@example.org', "a@example.org"), ('"a\\ b"@example.org', '"a b"@example.org')],
)
def test_a_quoted_local_part_is_carried_as_the_headers_will_write_it(address, carried):
    assert canonical_addr_spec(address) == carried
