"""The reports tests run twice: on SQLite (a file in the data directory) and on PostgreSQL (a throwaway
server this file starts from Debian's `postgresql` package, in a temporary folder, listening only on a
unix socket there, so it needs no port). Where the package is absent the PostgreSQL half is skipped.

Every test module here carries pytest.mark.xdist_group("reports"): under `pytest -n 2 --dist loadgroup`
they share one worker, and so one server per session.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from reports_support import DATASET
from support import rows, write_csv

from dashboard import store
from dashboard.ingest.pipeline import prepare, publish_prepared


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _run(cmd: list[str], as_postgres: bool) -> subprocess.CompletedProcess:
    # initdb refuses to run as root (CI runs as root): then the server belongs to the `postgres` user
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    return subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def postgres_server():
    """The socket folder of a PostgreSQL server that lives for the test session."""
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql): the reports tests ran on SQLite only")
    as_postgres = os.geteuid() == 0
    # short path: a unix socket's path must fit in 107 bytes
    base = Path(tempfile.mkdtemp(prefix="enc-pg-", dir="/tmp"))
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    base.chmod(0o700)
    data = base / "data"
    init = _run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        as_postgres,
    )
    if init.returncode:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"initdb failed: {init.stderr or init.stdout}")
    options = f"-k {base} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=50"
    started = _run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"], as_postgres
    )
    if started.returncode:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log}")
    yield base
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], as_postgres)
    shutil.rmtree(base, ignore_errors=True)


def _new_database(socket_dir: Path) -> str:
    """A fresh, empty database on the session's server; its SQLAlchemy address."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"postgresql+psycopg://postgres@/postgres?host={socket_dir}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return f"postgresql://postgres@/{name}?host={socket_dir}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, monkeypatch, tmp_path) -> str:
    """Which database the reports go to: "sqlite" (the data directory's file) or "postgresql"
    (ENCOUNTERS_DATABASE_URL set to a fresh database). Returns the kind."""
    if request.param == "postgresql":
        url = _new_database(request.getfixturevalue("postgres_server"))
        monkeypatch.setenv("ENCOUNTERS_DATABASE_URL", url)
    else:
        monkeypatch.delenv("ENCOUNTERS_DATABASE_URL", raising=False)
    return request.param


@pytest.fixture(scope="session")
def published_template(tmp_path_factory) -> Path:
    """A small published dataset (three records), built once; tests copy it."""
    root = tmp_path_factory.mktemp("reports-datasets")
    frame = rows({}, {"city": "Chicago", "state": "IL", "date": "2025-09-12"}, {"date": "2025-10-01"})
    path = write_csv(tmp_path_factory.mktemp("reports-input") / "encounters.csv", frame)
    publish_prepared(prepare(path), root, DATASET, who="test")
    return root


@pytest.fixture
def data_dir(published_template, tmp_path, database) -> Path:
    """A data directory holding the published dataset (and, on SQLite, the reports database)."""
    root = tmp_path / "datasets"
    shutil.copytree(published_template, root)
    assert store.current_version(root, DATASET) == 1
    return root


@pytest.fixture
def reports(data_dir):
    from dashboard.reports import open_reports

    opened = open_reports(data_dir)
    yield opened
    opened.close()
