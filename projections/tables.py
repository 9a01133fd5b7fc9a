"""The read-model tables. All of them can be dropped and rebuilt from the events.

Change a table (or what the projector writes into it) and raise ``VIEWS_SCHEMA_VERSION`` (in
projections/schema_version.py): a store at another version is rebuilt into fresh tables before
it is served (plantrail/migrate.py).
"""

from typing import Any

from sqlalchemy import Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, func

from projections.schema_version import VIEWS_SCHEMA_VERSION

__all__ = ["VIEWS_SCHEMA_VERSION"]

metadata = MetaData()

plans = Table(
    "view_plans",
    metadata,
    Column("code", String(200), primary_key=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("code_key", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("warning_days", Integer, nullable=False),
    Column("sponsor", String(200)),
    Column("created_on", Date, nullable=False),
    # How many actions the plan has, kept by the projector: the plans listing reads it instead of
    # counting every action on every call.
    Column("action_count", Integer, nullable=False, default=0, server_default="0"),
)

priorities = Table(
    "view_priorities",
    metadata,
    Column("plan_code", String(200), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
)

committee_dates = Table(
    "view_committee_dates",
    metadata,
    Column("plan_code", String(200), primary_key=True),
    Column("meets_on", Date, primary_key=True),
    Column("committee", String(500), primary_key=True),
    Column("report_deadline", Date),
)

people = Table(
    "view_people",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("initials", String(20)),
    Column("email", String(200)),
    Column("role", String(200)),
    Column("manager", String(200)),
)

# Roles granted to people (Person.RoleGranted / RoleRevoked): what the web app asks before it acts.
person_roles = Table(
    "view_person_roles",
    metadata,
    Column("person_name", String(200), primary_key=True),
    Column("role", String(20), primary_key=True),
    Column("plan_code", String(200), primary_key=True),  # "" for roles that belong to no plan
)

actions = Table(
    "view_actions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plan_code", String(200), nullable=False),
    Column("code", String(200), nullable=False),
    Column("code_key", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("priority_number", Integer),
    Column("priority", String(10)),
    Column("due_date", Date),
    Column("original_due_date", Date),
    Column("due_date_revisions", Integer, nullable=False),
    Column("progress", Integer, nullable=False),
    Column("lifecycle", String(20), nullable=False),
    Column("added_on", Date, nullable=False),
    # Effective date of the latest progress figure or note: what "stale" reminders look at.
    Column("last_update_on", Date),
    Column("last_recorded_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_view_actions_plan_code", "plan_code", "code_key", unique=True),
    Index("ix_view_actions_code_key", "code_key"),
)

action_owners = Table(
    "view_action_owners",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("person_name", String(200), nullable=False, index=True),
)

sub_actions = Table(
    "view_sub_actions",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("details", Text, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Overall notes have sub_number 0; a sub-action's notes carry its number.
notes = Table(
    "view_notes",
    metadata,
    Column("action_id", String(36), nullable=False),
    Column("sub_number", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # An action's notes, and the note an audit-trail row stands for (its text is kept here only).
    Index("ix_view_notes_action", "action_id", "version"),
)

action_texts = Table(
    "view_action_texts",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# The bitemporal timeline (see projections/timeline.py). Open ends use far-future sentinels
# rather than NULL so that every comparison stays a plain indexed range test.
action_states = Table(
    "view_action_states",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action_id", String(36), nullable=False),
    Column("plan_code", String(200), nullable=False),
    Column("valid_from", Date, nullable=False),  # until the next valid_from believed at the same time
    Column("recorded_from", DateTime(timezone=True), nullable=False),
    Column("recorded_to", DateTime(timezone=True), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("priority_number", Integer),
    Column("priority", String(10)),
    Column("owners", Text, nullable=False),  # JSON list of names
    Column("due_date", Date),
    Column("original_due_date", Date),
    Column("due_date_revisions", Integer, nullable=False),
    Column("progress", Integer, nullable=False),
    Column("lifecycle", String(20), nullable=False),
    # The as-at lookup walks an action's rows back from a date; the row it stops at is read
    # anyway, so the recorded range is checked there rather than copied into the index.
    Index("ix_view_action_states_lookup", "action_id", "valid_from"),
)

# The audit trail: one row per stored event, in notification order.
events = Table(
    "view_events",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("originator_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("aggregate", String(20), nullable=False),  # action, plan, person, reminder, seal or integrity
    Column("plan_code", String(200)),
    Column("action_code", String(200)),
    # What the event is about, for display; NULL where it is "plan/action" (``subject_of``).
    Column("subject", String(200)),
    Column("type", String(50), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("changes", Text, nullable=False),  # JSON {field: [old, new]}
    Column("text", Text),  # NULL for notes: their text is in view_notes (see projections.audit)
    Column("source", String(10)),  # where a progress figure came from (cli, web, import, sheet)
    Column("first_seen_at", DateTime(timezone=True)),  # when the projector first saw it (the chain's record)
    # Why the recorded time is suspect (earlier than the event stored before it, or than when
    # plantrail first saw it: a forged or back-dated timestamp), or NULL.
    Column("time_flag", Text),
    # No index on originator_id: every trail is asked for by plan and action code (reminders
    # raised about an action are in its trail), and that one cost 14 % of this table's size.
    Index("ix_view_events_plan", "plan_code", "action_code", "position"),
    # A plan's history in effective-date order, paged (--limit/--offset) without sorting the
    # whole plan: 50 events from 20,000 on in a 37,706-event plan, 342 → 1.3 ms on SQLite.
    Index("ix_view_events_plan_effective", "plan_code", "effective_on", "position"),
    Index("ix_view_events_actor", "actor"),
    Index("ix_view_events_effective", "effective_on"),
    Index("ix_view_events_recorded", "recorded_at"),
)

# Reminders and escalations raised by the scheduler, one row per reminder key.
reminders = Table(
    "view_reminders",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("rule", String(30), nullable=False),
    Column("plan_code", String(200), nullable=False),
    Column("action_code", String(200), nullable=False),
    Column("about", Date, nullable=False),
    Column("period", Integer, nullable=False),
    Column("recipients", Text, nullable=False),  # JSON [{"name", "role"}]
    Column("details", Text, nullable=False),  # JSON
    Column("sweep_id", String(100), nullable=False, index=True),
    Column("raised_on", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Index("ix_view_reminders_action", "plan_code", "action_code"),
)

# Each plan's sign-off setting; a plan without a row uses the defaults (domain.sign_off).
sign_off_settings = Table(
    "view_sign_off_settings",
    metadata,
    Column("plan_code", String(200), primary_key=True),
    Column("sign_off", String(20), nullable=False),
    Column("sign_off_days", Integer, nullable=False),
    Column("notify_rejection", String(20), nullable=False),
)

# Claims awaiting (or once awaiting) sign-off, one row per ChangeSubmitted. A claim is open
# while closed_at is the far-future sentinel; approval, rejection or a newer claim of the same
# kind closes it at that event's recorded time, so "pending as known at T" is a range test.
claims = Table(
    "view_claims",
    metadata,
    Column("action_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("plan_code", String(200), nullable=False),
    Column("action_code", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("progress", Integer),
    Column("due_date", Date),
    Column("evidence", Text),
    Column("reason", Text),
    Column("claimant", String(200), nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("replaces", Integer),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(10)),  # approved, rejected or replaced; NULL while open
    Column("decided_by", String(200)),
    Column("decision_reason", Text),  # the approver's comment or the reason for rejecting
    Index("ix_view_claims_plan_open", "plan_code", "closed_at"),
    Index("ix_view_claims_claimant", "claimant", "closed_at"),
)

# Not a view: where each projector has got to in the notification log.
projector_positions = Table(
    "projector_positions",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
)

# Everything the projector writes and a rebuild replaces. Listed, not derived from the metadata:
# the integrity chain (projections/chain.py) shares the metadata but is evidence, never rebuilt.
VIEW_TABLES = [
    plans,
    priorities,
    committee_dates,
    people,
    person_roles,
    actions,
    action_owners,
    sub_actions,
    notes,
    action_texts,
    action_states,
    events,
    reminders,
    sign_off_settings,
    claims,
]


def subject_of(table: Table = events) -> Any:
    """The audit-trail row's subject as shown: stored, or "PLAN/ACTION" where left out."""
    return func.coalesce(table.c.subject, table.c.plan_code + "/" + table.c.action_code).label("subject")
