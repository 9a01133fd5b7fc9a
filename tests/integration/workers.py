"""Functions run in child processes by the concurrency tests (importable for 'spawn')."""

from __future__ import annotations


def add_notes(database_url: str, plan_code: str, code: str, writer: int, count: int) -> int:
    from plantrail.bootstrap import bootstrap

    services = bootstrap(database_url)
    try:
        for n in range(count):
            services.app.add_note(plan_code, code, f"note {n} from writer {writer}", actor=f"writer {writer}")
    finally:
        services.close()
    return count
