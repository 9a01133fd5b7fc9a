"""JSON transcodings for value types that events carry."""

from datetime import date

from eventsourcing.persistence import Transcoding


class DateAsISO(Transcoding):
    """``datetime.date`` as ``YYYY-MM-DD``; the library only knows datetimes."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)
