"""The seed plan with sign-off, on a clock the scenario moves: shared by the sign-off tests.

The recorded time of an event is the library's timestamp. To have a manager approve "two days
later" without waiting two days, the ``clock`` fixture moves the clock the library reads (as well
as the application's): every event is then recorded at the scenario's time, in order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

PLAN, ARR1 = "SOS 001", "SS_ICSAP_ARR1"


class ScenarioClock:
    """Now, as the scenario says; each reading moves on a millisecond so events keep their order."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment
