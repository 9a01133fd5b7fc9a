"""Signing in without passwords: signed single-use links, server-side sessions, and who is asking.

A link carries ``{kind, person, action?, nonce, issued}`` signed with PLANTRAIL_SECRET_KEY
(itsdangerous). Its nonce is stored hashed when the link is made and marked used by the POST
that signs in, in one compare-and-set, so a link signs in once. Opening a link (GET) only shows
a "Sign in as …" page: mail scanners that fetch links sign nobody in.

A session is a random cookie value whose hash is a row in ``web_sessions``; it ends when it is
idle longer than the limit, when the person signs out, or when they sign out everywhere.
Whoever a session belongs to is the actor of every event recorded through it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Engine, bindparam, delete, func, insert, literal, null, select, union_all, update
from starlette.requests import Request

from domain.access import COMMITTEE_REASON, ONE_LINK_ONLY, ActionRef, Principal, may_run_committee, require, who_runs_committee
from domain.errors import BadInputError
from projections.owner_queries import access_fact_queries, access_facts_of
from projections.queries import Queries, utc
from web import tables as t

log = logging.getLogger("plantrail.web")

SESSION_COOKIE = "pt_session"
SIGNIN = "signin"
ACTION = "action"
SIGN_OFF = "sign-off"  # from a digest's "Review and decide": a session for deciding claims only
# What a link's signature is bound to, beside the secret key.
LINK_SALT = "plantrail-link"
# Refresh last-seen at most this often: a page view should not cost a write every time.
TOUCH_EVERY = timedelta(minutes=1)


class LinkRefusedError(BadInputError):
    """A sign-in or reminder link that is tampered with, expired or already used. ``person``:
    whom a genuine link (its signature checks) was for, so the page can offer them a fresh one;
    None for a link that fails its signature, which must reveal nothing."""

    def __init__(self, message: str, *, person: str | None = None) -> None:
        super().__init__(message)
        self.person = person


class NotSignedIn(Exception):
    """The page needs someone signed in; the app answers with the sign-in page."""


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class LinkClaim:
    kind: str  # signin, action or sign-off
    person: str
    nonce: str
    action: ActionRef | None


class Links:
    """Makes and checks signed links; stores their nonces hashed."""

    def __init__(self, engine: Engine, secret_key: str, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.serializer = URLSafeSerializer(secret_key, salt=LINK_SALT)
        self.clock = clock

    def make(self, kind: str, person: str, action: ActionRef | None = None) -> str:
        nonce = secrets.token_urlsafe(18)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(insert(t.link_nonces).values(nonce_hash=_sha256(nonce), person_name=person, purpose=kind, created_at=now))
        payload = {"k": kind, "p": person, "n": nonce, "t": int(now.timestamp())}
        if action is not None:
            payload["a"] = [action.plan_code, action.code]
        return self.serializer.dumps(payload)

    def check(self, token: str, max_age: dict[str, timedelta]) -> LinkClaim:
        """The link's claim, if it is genuine, fresh and unused; else ``LinkRefusedError`` saying which."""
        try:
            payload = self.serializer.loads(token)
            kind, person, nonce, issued = payload["k"], payload["p"], payload["n"], int(payload["t"])
            action = ActionRef(*payload["a"]) if "a" in payload else None
        except (BadSignature, KeyError, TypeError, ValueError):
            raise LinkRefusedError("this link is not valid (it may have been cut short or altered)") from None
        if kind not in (SIGNIN, ACTION, SIGN_OFF) or (kind == ACTION) != (action is not None):
            raise LinkRefusedError("this link is not valid")
        if self.clock().timestamp() - issued > max_age[kind].total_seconds():
            raise LinkRefusedError("this link has expired", person=person)
        with self.engine.connect() as conn:
            row = conn.execute(select(t.link_nonces).where(t.link_nonces.c.nonce_hash == _sha256(nonce))).mappings().first()
        if row is None or row["person_name"] != person:
            raise LinkRefusedError("this link is not valid")
        if row["used_at"] is not None:
            raise LinkRefusedError("this link has already been used", person=person)
        return LinkClaim(kind, person, nonce, action)

    def use(self, claim: LinkClaim) -> None:
        """Mark the nonce used; exactly one of two racing POSTs wins."""
        n = t.link_nonces
        with self.engine.begin() as conn:
            won = conn.execute(
                update(n).where(n.c.nonce_hash == _sha256(claim.nonce), n.c.used_at.is_(None)).values(used_at=self.clock())
            ).rowcount
        if won != 1:
            raise LinkRefusedError("this link has already been used", person=claim.person)


def _session_with_access() -> Any:
    """The session row ("session") and its person's access facts (``access_fact_queries``) in
    one statement: both are asked on every request that carries a session cookie."""
    s = t.sessions
    by_hash = s.c.id_hash == bindparam("id_hash")
    rest = (s.c.action_code, s.c.method, s.c.last_seen_at, s.c.revoked_at)
    session = select(literal("session").label("kind"), s.c.person_name.label("name"), s.c.plan_code, *rest).where(by_hash)
    person = select(s.c.person_name).where(by_hash).scalar_subquery()
    facts = [query.add_columns(*(null().label(column.name) for column in rest)) for query in access_fact_queries(person)]
    return union_all(session, *facts)


# Built once: looked up on every request that carries a session cookie.
SESSION_WITH_ACCESS = _session_with_access()


class Sessions:
    def __init__(self, engine: Engine, queries: Queries, idle: timedelta, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.queries = queries
        self.idle = idle
        self.clock = clock

    def open(self, person: str, method: str, action: ActionRef | None = None) -> str:
        """A new session; returns the cookie value (only its hash is stored)."""
        value = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.sessions).values(
                    id_hash=_sha256(value),
                    person_name=person,
                    plan_code=action.plan_code if action else None,
                    action_code=action.code if action else None,
                    method=method,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        return value

    def principal(self, cookie: str | None) -> Principal | None:
        """Who the cookie belongs to, or None when it is unknown, revoked or idle too long."""
        if not cookie or len(cookie) > 100:
            return None
        s = t.sessions
        now = self.clock()
        id_hash = _sha256(cookie)
        with self.queries.engine.connect() as conn:  # the read models' reading engine: no transaction around one SELECT
            rows = conn.execute(SESSION_WITH_ACCESS, {"id_hash": id_hash}).all()
        row = next((r for r in rows if r.kind == "session"), None)
        if row is None or row.revoked_at is not None:
            return None
        last_seen = utc(row.last_seen_at)
        if now - last_seen > self.idle:
            return None
        if now - last_seen > TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(s).where(s.c.id_hash == id_hash).values(last_seen_at=now))
        grants, reports = access_facts_of(rows)
        scope = ActionRef(row.plan_code, row.action_code) if row.plan_code else None
        return Principal(row.name, grants, reports, scope, sign_off_only=row.method == SIGN_OFF)

    def close(self, cookie: str | None) -> None:
        if cookie:
            with self.engine.begin() as conn:
                conn.execute(update(t.sessions).where(t.sessions.c.id_hash == _sha256(cookie)).values(revoked_at=self.clock()))

    def close_all(self, person: str) -> int:
        """Sign out everywhere: every open session of the person ends now."""
        s = t.sessions
        with self.engine.begin() as conn:
            return conn.execute(
                update(s).where(s.c.person_name == person, s.c.revoked_at.is_(None)).values(revoked_at=self.clock())
            ).rowcount

    def forget_stale(self) -> None:
        """Drop sessions idle for more than a week past the limit (housekeeping, not security)."""
        cutoff = self.clock() - self.idle - timedelta(days=7)
        with self.engine.begin() as conn:
            conn.execute(delete(t.sessions).where(t.sessions.c.last_seen_at < cutoff))


class RateLimiter:
    """Counts sign-in requests per bucket inside a sliding window, in the database, so several
    web processes share the count."""

    def __init__(self, engine: Engine, window: timedelta, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.window = window
        self.clock = clock

    def allow(self, bucket: str, limit: int) -> bool:
        r = t.signin_requests
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(r).where(r.c.bucket == bucket, r.c.at < now - self.window))
            used = conn.execute(select(func.count()).select_from(r).where(r.c.bucket == bucket)).scalar_one()
            if used >= limit:
                return False
            conn.execute(insert(r).values(bucket=bucket, at=now))
        return True


def address_bucket(email: str) -> str:
    return "address:" + _sha256(email.strip().casefold())


def client_bucket(request: Request) -> str:
    return "client:" + (request.client.host if request.client else "unknown")


def current_principal(request: Request) -> Principal | None:
    """Who is signed in on this request (looked up once per request)."""
    if not hasattr(request.state, "principal"):
        sessions: Sessions = request.app.state.web.sessions
        request.state.principal = sessions.principal(request.cookies.get(SESSION_COOKIE))
    return request.state.principal


def signed_in(request: Request) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise NotSignedIn()
    return principal


def require_clerk(request: Request, who: Principal, plan_code: str) -> None:
    """The plan's committee cycle is its clerks' (``may_run_committee``): refused, a 403 naming
    them (or who can make one)."""
    if may_run_committee(who, plan_code):
        return
    if who.scoped:
        require(False, ONE_LINK_ONLY)
    services = request.app.state.web.services
    require(
        False,
        COMMITTEE_REASON.format(plan=plan_code),
        who_can=who_runs_committee(plan_code, services.clerks_of(plan_code), services.admins()),
    )
