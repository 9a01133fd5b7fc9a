"""The read models' schema version, apart from the tables so that it can be read without
SQLAlchemy (the CLI's quick read path compares it with the store's before trusting the views).

Change a table in ``projections.tables`` (or what the projector writes into it) and raise this:
a store at another version is rebuilt into fresh tables before it is served (plantrail/migrate.py).
"""

# 1: the first tables (and, unversioned, the sign-off ones). 2: view_events records each
# event's source, first-seen time and recorded-time flag; the aggregate column is wider.
# 3: view_person_roles (roles granted as Person events). 4: a state event that changes nothing
# (met in effective-date order) still starts its own view_action_states row (projections/timeline.py).
# 5: view_action_states keeps one row per change (no valid_to: a row holds until the next one
# believed at the same time) and its lookup index leaves out the recorded range; view_plans
# counts its actions; view_events has no index on originator_id (no query used it) and no note
# texts (the trail reads them from view_notes, indexed by action and version) nor "plan/action"
# subjects (derived when read).
# 6: a progress figure dated after a completion leaves a completed action at 100 % (the fold).
# 7: a progress figure restating the one before it is in view_events as {"progress": [N, N]}
# (its changes were empty, and the trail could not say which figure was confirmed).
# 8: a claim that replaces a pending one says which in view_events by what it claimed and when,
# not by the replaced claim's version.
# 9: a reminder with nobody to go to reads "reminder had nobody to go to", with no empty change.
VIEWS_SCHEMA_VERSION = 9
