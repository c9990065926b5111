"""Sign-in throttling in a running server, as nginx (or an ingress) forwards visitors: the client is the
address in X-Forwarded-For from a trusted proxy (here: loopback). A stranger's failures lock the
stranger's client, not the contributor who signs in from her own."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
from cluster_support import BASE_PORT, free_block, healthy, launcher, stop_group
from streamlit_session import Session
from support import REPO

from dashboard import auth

pytestmark = pytest.mark.xdist_group("cluster")
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(demo_root, tmp_path_factory):
    """One replica whose working directory holds a contributor in .streamlit/secrets.toml."""
    cwd = tmp_path_factory.mktemp("run")
    (cwd / ".streamlit").mkdir()
    shutil.copy(REPO / ".streamlit" / "config.toml", cwd / ".streamlit" / "config.toml")
    hashed = auth.hash_password(PASSWORD, n=2**10)
    (cwd / ".streamlit" / "secrets.toml").write_text(f'[contributors.alice]\npassword_hash = "{hashed}"\n')
    root = tmp_path_factory.mktemp("throttle") / "datasets"
    shutil.copytree(demo_root, root)
    port = free_block(1, base=BASE_PORT + 30)
    env = launcher.replica_env(root, "test-secret") | {"STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    proc = subprocess.Popen(launcher.replica_command(port), cwd=cwd, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while not healthy(port) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.3)
    assert healthy(port), "the replica did not start"
    yield f"ws://127.0.0.1:{port}", root
    stop_group(proc)


def _sign_in(base: str, client: str, password: str) -> list[str]:
    session = Session(base, headers={"X-Forwarded-For": client})
    try:
        first = session.run("contribute")
        assert "Sign in" in first.texts, first.texts
        done = session.submit("contribute", {"Username": "alice", "Password": password}, "Sign in")
        assert done.finished
        return done.texts
    finally:
        session.close()


def test_a_strangers_failures_lock_the_stranger_and_not_the_contributor(server):
    base, root = server
    stranger = [_sign_in(base, "203.0.113.9", f"guess {i}") for i in range(6)]
    assert "Wrong username or password." in stranger[0]
    assert any(t.startswith("Wrong username or password. Too many failed sign-ins") for t in stranger[4])
    assert any(t.startswith("Too many failed sign-ins. Try again in") for t in stranger[5])
    # The stranger's right guess is refused from the locked client...
    assert any(t.startswith("Too many failed sign-ins") for t in _sign_in(base, "203.0.113.9", PASSWORD))
    # ...and the contributor, from her own address, signs in: the Contribute page opens.
    texts = _sign_in(base, "192.0.2.44", PASSWORD)
    assert "Contribute" in texts and not any(t.startswith("Too many") for t in texts), texts
    assert (root / "_auth" / "sign-in-failures.json").is_file()
