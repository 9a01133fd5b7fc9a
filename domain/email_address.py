"""One email address, checked against RFC 5322's ``addr-spec`` (standard library only).

Accepted: ``local-part@domain`` where the local part is a dot-atom (``ann.owner``) or a quoted
string (``"ann owner"``) and the domain a dot-atom (``example.org``) or a domain literal
(``[192.0.2.1]``), and a dot-atom domain needs a dot (``ann@council`` is a typo, not an
address anyone can deliver to). Refused: anything else, in particular two addresses in one
(``a@b.org;c@d.org``, ``a@b.org, c@d.org``), a display name (``Ann <a@b.org>``), comments,
the obsolete syntax RFC 5322 only allows for reading old mail, and non-ASCII text (sending
that needs SMTPUTF8, which plantrail does not negotiate). RFC 5321's limits apply: 64
characters before the ``@``, 254 in all.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
# Inside quotes: printable ASCII and spaces, with " and \ only as a quoted pair.
_QUOTED_STRING = r'"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])+"'
_DOMAIN_LITERAL = r"\[[\x21-\x5a\x5e-\x7e]*\]"
ADDR_SPEC = re.compile(rf"(?:{_DOT_ATOM}|{_QUOTED_STRING})@(?:{_DOT_ATOM}|{_DOMAIN_LITERAL})")

LOCAL_PART_MAX = 64
ADDRESS_MAX = 254


def addr_spec_problem(address: str) -> str | None:
    """Why ``address`` is not exactly one usable addr-spec, or None when it is."""
    if not address:
        return "is empty"
    if not address.isascii():
        return "contains non-ASCII characters"
    if any(c in address for c in ",;") and address.count("@") > 1:
        return "holds more than one address (give one)"
    if not ADDR_SPEC.fullmatch(address):
        return "is not one email address of the form name@example.org"
    local, _, domain = address.rpartition("@")
    if "." not in domain and not domain.startswith("["):
        return "has no dot in its domain, so no mail server on the internet would take it (e.g. name@council.gov.uk)"
    if len(local) > LOCAL_PART_MAX:
        return f"has {len(local)} characters before the @, at most {LOCAL_PART_MAX} allowed"
    if len(address) > ADDRESS_MAX:
        return f"has {len(address)} characters, at most {ADDRESS_MAX} allowed"
    return None


def canonical_addr_spec(address: str) -> str:
    """The address as the mail headers will carry it; raises ValueError naming the problem."""
    problem = addr_spec_problem(address)
    if problem is None:
        # The standard library writes the To header: it must read the address back unchanged
        # (``"abc"@x.org`` becomes ``abc@x.org``, which is the same mailbox).
        try:
            canonical = Address(addr_spec=address).addr_spec
        except (HeaderParseError, ValueError, IndexError):
            canonical = ""
        if canonical != address and addr_spec_problem(canonical) is not None:
            problem = "is not one email address the mail system can carry"
        else:
            return canonical
    raise ValueError(problem)
