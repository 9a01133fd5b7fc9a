"""The scheduler's own record: which days have been swept."""

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table

metadata = MetaData()

sweep_runs = Table(
    "sweep_runs",
    metadata,
    Column("sweep_id", String(100), primary_key=True),
    Column("as_of", Date, nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("due", Integer, nullable=False),
    Column("raised", Integer, nullable=False),
    Column("messages", Integer, nullable=False),
)
