"""The read models' schema version, apart from the tables so that it can be read without
SQLAlchemy (the CLI's quick read path compares it with the store's before trusting the views).

Change a table in ``projections.tables`` (or what the projector writes into it) and raise this:
a store at another version is rebuilt into fresh tables before it is served (plantrail/migrate.py).
"""

# 1: the first tables (and, unversioned, the sign-off ones). 2: view_events records each
# event's source, first-seen time and recorded-time flag; the aggregate column is wider.
# 3: view_person_roles (roles granted as Person events). 4: a state event that changes nothing
# (met in effective-date order) still starts its own view_action_states row (projections/timeline.py).
VIEWS_SCHEMA_VERSION = 4
