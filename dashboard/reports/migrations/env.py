"""Alembic's entry point. dashboard.reports.db passes the connection (already in a transaction and holding
a lock, so that two processes never migrate at once); `alembic` run by hand uses ENCOUNTERS_DATABASE_URL."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from dashboard.reports.tables import metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # a maintainer running `alembic revision --autogenerate` against a database of their choice
    url = os.environ.get("ENCOUNTERS_DATABASE_URL") or context.config.get_main_option("sqlalchemy.url")
    with sa.create_engine(url).begin() as conn:
        _run(conn)
