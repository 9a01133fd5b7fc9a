"""Email: jinja2 rendering (pure), the outbox, transports and the delivery relay."""
