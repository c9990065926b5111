"""Which database, how to lock it, and bringing its schema up to date (Alembic, on every open).

SQLite (the default, a file in the data directory, nothing to install) or PostgreSQL when
ENCOUNTERS_DATABASE_URL is set (what several replicas share). Writers are serialised the way each
database allows: SQLite takes its write lock when a transaction begins (BEGIN IMMEDIATE), PostgreSQL
takes an advisory lock for what must not interleave (the rate limit of one client, a migration).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

DATABASE_URL_ENV = "ENCOUNTERS_DATABASE_URL"
SQLITE_FILE = "reports.sqlite3"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_SECONDS = 30  # how long a writer waits for another one before giving up


def database_url(data_dir: Path | None) -> str:
    """ENCOUNTERS_DATABASE_URL, else the SQLite file in the data directory."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    if data_dir is None:
        raise ValueError(f"no data directory and no {DATABASE_URL_ENV}: nowhere to keep reports")
    return f"sqlite:///{Path(data_dir).resolve() / SQLITE_FILE}"


def make_engine(url: str) -> sa.Engine:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 (SQLAlchemy's default is psycopg2)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_SECONDS})

        # pysqlite begins transactions lazily and only before writes; take the write lock at BEGIN
        # instead, so that "count, then insert" (the rate limit) cannot interleave between processes.
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys = ON")
            # a deleted contact is overwritten in the file, not left in a free page until the file is vacuumed
            dbapi_connection.execute("PRAGMA secure_delete = ON")
            dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"{DATABASE_URL_ENV} must be a sqlite:// or postgresql:// address")
    return sa.create_engine(parsed, pool_pre_ping=True)


def lock(conn: sa.Connection, name: str) -> None:
    """Hold `name` until the transaction ends. On SQLite the whole database is already held (BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine) -> None:
    """Migrate to the newest schema. Idempotent; two processes opening at once migrate once (the lock)."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    cfg = _config()
    with engine.begin() as conn:
        lock(conn, "encounters-reports-migration")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
