"""The reports database, as SQLAlchemy tables (the migrations in migrations/versions create them).

reports          one row per report; the public's fields as given, never interpreted
report_contacts  the optional contact, apart: only contributors read it; deleted when the report closes
report_events    every status change (and every reading of a contact): who, when, what
filing_log       (client, time) of recent filings, for the rate limit; rows older than the window are deleted
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),  # new | correction
    sa.Column("status", sa.String(20), nullable=False),  # new | in_review | accepted | rejected
    sa.Column("created_at", sa.DateTime, nullable=False),  # UTC, naive (the same on SQLite and PostgreSQL)
    # a new encounter
    sa.Column("date_from", sa.Date),
    sa.Column("date_to", sa.Date),
    sa.Column("city", sa.Text),
    sa.Column("state", sa.String(2)),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("what_happened", sa.Text),
    sa.Column("force_seen", sa.JSON),
    sa.Column("agencies", sa.JSON),
    sa.Column("links", sa.JSON),
    # a correction (dataset and encounter_id are also where an accepted new report went)
    sa.Column("dataset", sa.Text),
    sa.Column("encounter_id", sa.Text),
    sa.Column("field", sa.Text),
    sa.Column("what_is_wrong", sa.Text),
    sa.Column("source_url", sa.Text),
    # the outcome
    sa.Column("published_version", sa.Integer),
    sa.Column("rejection_reason", sa.Text),
    # a contributor accepting it now (so that two cannot publish the same report twice)
    sa.Column("claimed_by", sa.Text),
    sa.Column("claimed_at", sa.DateTime),
    sa.Index("ix_reports_status", "status"),
)

report_contacts = sa.Table(
    "report_contacts",
    metadata,
    sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("contact", sa.Text, nullable=False),
)

report_events = sa.Table(
    "report_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("action", sa.String(30), nullable=False),  # filed | in_review | accepted | rejected | contact_read
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_report_events_report", "report_id"),
)

filing_log = sa.Table(
    "filing_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index("ix_filing_log_client_at", "client", "at"),
)
