"""Reminders and escalations: the policy (pure), the sweep, and the APScheduler service."""
