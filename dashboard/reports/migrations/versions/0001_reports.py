"""Reports of new encounters and corrections, their contacts, their history, the rate limit's log.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
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
        sa.Column("dataset", sa.Text),
        sa.Column("encounter_id", sa.Text),
        sa.Column("field", sa.Text),
        sa.Column("what_is_wrong", sa.Text),
        sa.Column("source_url", sa.Text),
        sa.Column("published_version", sa.Integer),
        sa.Column("rejection_reason", sa.Text),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_at", sa.DateTime),
    )
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_table(
        "report_contacts",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contact", sa.Text, nullable=False),
    )
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_report_events_report", "report_events", ["report_id"])
    op.create_table(
        "filing_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_filing_log_client_at", "filing_log", ["client", "at"])


def downgrade() -> None:
    op.drop_table("filing_log")
    op.drop_table("report_events")
    op.drop_table("report_contacts")
    op.drop_table("reports")
