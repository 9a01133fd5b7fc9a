"""Child-process work for the robustness tests (importable for 'spawn')."""

from __future__ import annotations

import random


def hammer(database_url: str, writer: int, updates: int, codes: list[str]) -> list[str]:
    """Random notes and progress figures on a few actions; returns the texts acknowledged."""
    from domain.errors import ConcurrentChangeError
    from plantrail.bootstrap import bootstrap

    rng = random.Random(writer)
    services = bootstrap(database_url)
    acknowledged = []
    try:
        for n in range(updates):
            code = rng.choice(codes)
            text = f"w{writer}-{n}"
            try:
                if rng.random() < 0.5:
                    services.app.add_note("SOS 001", code, text, actor=f"writer {writer}")
                else:
                    services.app.update_progress("SOS 001", code, rng.randrange(0, 100), note=text, actor=f"writer {writer}")
            except ConcurrentChangeError:
                continue  # refused with a clear error: not acknowledged, so must not be stored
            acknowledged.append(text)
    finally:
        services.close()
    return acknowledged
