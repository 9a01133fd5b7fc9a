"""The port through which a digest links to where its reader can act (the web app's pages).

The web app implements it with signed, per-person tokens; a sweep without one (``None``, the
default) sends digests that say in words how to get an action updated.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit


class LinkMaker(Protocol):
    """Makes the links a digest carries. Either method may return None: no link for that one."""

    def action_link(self, person_name: str, plan_code: str, action_code: str) -> str | None:
        """Where ``person_name`` can update this action ("Update now")."""
        ...

    def home_link(self, person_name: str) -> str | None:
        """Where ``person_name`` sees all their actions ("My actions")."""
        ...

    def sign_off_link(self, person_name: str) -> str | None:
        """Where ``person_name`` reviews and decides every claim awaiting their sign-off
        ("Review and decide"); each call may make a fresh single-use link."""
        ...


def web_link(url: str | None) -> str | None:
    """Only an absolute http(s) address on one line reaches a message; anything else
    (``javascript:``, a relative path, a value with a line break) is dropped."""
    if not url or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None
