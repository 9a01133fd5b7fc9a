"""Read models: SQL tables kept exactly-once from the event store, and the queries over them."""
