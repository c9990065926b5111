"""`encounters hash-password`: the hash a deployment puts in .streamlit/secrets.toml."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from support import REPO

from dashboard import auth


def _run(*args, password="correct horse battery"):
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "hash-password", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def test_prints_a_hash_that_verifies():
    done = _run()
    assert done.returncode == 0, done.stderr
    encoded = done.stdout.strip()
    assert encoded.startswith("scrypt$16384$8$1$")
    assert auth.verify_password("correct horse battery", encoded)
    assert "correct horse battery" not in done.stdout + done.stderr
    assert "secrets.toml" in done.stderr


def test_user_option_prints_an_entry_the_app_accepts():
    done = _run("--user", "Alice")
    assert done.returncode == 0, done.stderr
    config = auth.load_config(tomllib.loads(done.stdout))
    assert config.contributor("alice") is not None
    assert auth.verify_password("correct horse battery", config.contributor("alice").password_hash)


def test_short_password_is_refused():
    done = _run(password="short")
    assert done.returncode == 2
    assert done.stdout == "" and "at least 8 characters" in done.stderr


def test_username_that_would_break_the_toml_is_refused():
    done = _run("--user", "a.b")
    assert done.returncode != 0 and done.stdout == ""
