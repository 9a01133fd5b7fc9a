"""Every model's schema version as this code wants it, without the tables (no SQLAlchemy): what
``plantrail.migrate`` brings a store to and records, and what the quick read path
(``plantrail.reading``) checks the store has recorded before it trusts the read models."""

from __future__ import annotations

from projections.schema_version import VIEWS_SCHEMA_VERSION

# Kept models: rows that cannot be rebuilt from the events, migrated in place step by step
# (raise a version here together with its step in plantrail/migrate.py).
KEPT_VERSIONS = {"integrity_chain": 2, "outbox": 2, "sweeps": 1, "web": 1, "import_cache": 1}
VIEWS = "views"


def wanted_versions() -> dict[str, int]:
    """Each model's version by the name the store records it under (``schema.<name>``)."""
    return KEPT_VERSIONS | {VIEWS: VIEWS_SCHEMA_VERSION}
