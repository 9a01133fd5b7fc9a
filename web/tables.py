"""The web app's own tables: sessions, used-link nonces and sign-in request counts.

None of this is history: a session or a link is a key to the door, not a fact about a plan,
so these are plain rows, never events. Only hashes of secrets are stored.
"""

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table

metadata = MetaData()

sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 of the cookie value
    Column("person_name", String(200), nullable=False, index=True),
    # A session opened from a reminder link is for this one action only.
    Column("plan_code", String(200)),
    Column("action_code", String(200)),
    Column("method", String(20), nullable=False),  # link, reminder, sign-off, sso
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

link_nonces = Table(
    "web_link_nonces",
    metadata,
    Column("nonce_hash", String(64), primary_key=True),  # sha256 of the nonce in the link
    Column("person_name", String(200), nullable=False),
    Column("purpose", String(20), nullable=False),  # signin or action
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

signin_requests = Table(
    "web_signin_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bucket", String(300), nullable=False),  # "address:<sha256>" or "client:<address>"
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_web_signin_requests_bucket_at", "bucket", "at"),
)
