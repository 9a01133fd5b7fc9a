"""plantrail's domain: aggregates, their events, rules and the use cases.

Imports only the standard library and ``eventsourcing``; everything else depends on this.
"""
