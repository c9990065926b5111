"""The database schema comes from Alembic migrations, run on every open: idempotent, safe when two processes
open a new database at once, and matching the tables the code queries."""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from reports_support import run_at_once

from dashboard.reports import NewEncounter, load_rules, open_reports
from dashboard.reports import db as reports_db
from dashboard.reports.tables import metadata

pytestmark = pytest.mark.xdist_group("reports")


def test_opening_creates_the_newest_schema_and_opening_again_changes_nothing(data_dir, database):
    first = open_reports(data_dir)
    try:
        assert reports_db.current_revision(first.engine) == reports_db.head_revision()
        ref = first.file_new(NewEncounter(date_from=date(2025, 1, 2), state="MN", what_happened="x"), client="c")
    finally:
        first.close()
    again = open_reports(data_dir)
    try:
        assert reports_db.current_revision(again.engine) == reports_db.head_revision()
        assert [r.ref for r in again.list()] == [ref]  # nothing dropped or recreated
        reports_db.upgrade(again.engine)  # and upgrading an up-to-date database is a no-op
        assert [r.ref for r in again.list()] == [ref]
    finally:
        again.close()


def test_the_migrations_build_exactly_the_tables_the_code_uses(reports):
    with reports.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_the_database_is_the_data_directory_file_unless_a_postgresql_address_is_set(data_dir, database):
    opened = open_reports(data_dir)
    try:
        if database == "sqlite":
            assert opened.engine.dialect.name == "sqlite"
            assert (data_dir / "reports.sqlite3").is_file()
        else:
            assert opened.engine.dialect.name == "postgresql"
            assert opened.engine.dialect.driver == "psycopg"  # psycopg 3 (postgresql:// alone would mean psycopg2)
            assert not (data_dir / "reports.sqlite3").exists()
    finally:
        opened.close()


def _open_and_file(data_dir, url, barrier, out):
    if url:
        os.environ["ENCOUNTERS_DATABASE_URL"] = url
    barrier.wait()
    reports = open_reports(data_dir)
    ref = reports.file_new(
        NewEncounter(date_from=date(2025, 1, 2), state="MN", what_happened="x"), client=str(os.getpid())
    )
    reports.close()
    out.put(ref)


def test_two_processes_opening_a_new_database_at_once_both_work(data_dir, database):
    url = os.environ.get("ENCOUNTERS_DATABASE_URL", "")
    refs = sorted(run_at_once(_open_and_file, [(data_dir, url), (data_dir, url)]))
    assert refs == ["R-000001", "R-000002"]


def test_every_text_column_has_a_limit_in_the_rules_file():
    limits = load_rules().max_length
    text_columns = {
        c.name
        for table in metadata.tables.values()
        for c in table.columns
        if isinstance(c.type, sa.Text) and c.name not in ("claimed_by", "note", "rejection_reason")
    }
    # claimed_by and note hold a contributor's name (`who`) and what the code writes; rejection_reason is `reason`
    assert text_columns <= set(limits), text_columns - set(limits)
    assert {"who", "reason"} <= set(limits)


def test_an_address_that_is_neither_sqlite_nor_postgresql_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("ENCOUNTERS_DATABASE_URL", "mysql://x@localhost/db")
    with pytest.raises(ValueError, match="sqlite:// or postgresql://"):
        open_reports(tmp_path)
