"""Run several Streamlit replicas of the dashboard behind nginx on one shared data directory.

    python scripts/cluster.py --replicas 2 --port 8700 [--data-dir DIR]      (what `make cluster` runs)

Replicas listen on 127.0.0.1:PORT+1 .. PORT+N, nginx on 127.0.0.1:PORT with sticky sessions and
websocket upgrade (deploy/nginx.conf.template, filled into a fresh run directory: nginx runs
unprivileged and writes nothing outside it). Runs in the foreground: Ctrl-C or SIGTERM stops nginx
and every replica; if one of them dies, the rest are stopped too, so nothing is left behind.
Standard library only: it starts the app, it is not part of it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "deploy" / "nginx.conf.template"
STREAMLIT_CONFIG = REPO / ".streamlit" / "config.toml"
HOST = "127.0.0.1"  # replicas and nginx listen on loopback only: put a real front end before it to publish
HEALTH_PATH = "/_stcore/health"
# What every replica gets beyond the caller's environment (deploy/kubernetes.yaml sets the same).
REPLICA_ENV = ("ENCOUNTERS_DATA_DIR", "STREAMLIT_SERVER_COOKIE_SECRET")
NGINX_TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")
PR_SET_PDEATHSIG = 1
NGINX_WORKER_USER = "nobody"  # nginx's workers when it is started as root (named, so the files below agree)


def find_nginx() -> str | None:
    """nginx on PATH, else Debian's /usr/sbin/nginx (not on an ordinary user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def max_upload_mb(config: Path = STREAMLIT_CONFIG) -> int:
    """Streamlit's server.maxUploadSize: nginx must accept the same size, or big uploads get a 413."""
    try:
        return int(tomllib.loads(config.read_text(encoding="utf-8"))["server"]["maxUploadSize"])
    except (OSError, KeyError, ValueError, TypeError):
        return 200  # Streamlit's own default


def replica_ports(port: int, replicas: int) -> list[int]:
    return [port + i for i in range(1, replicas + 1)]


def _upstreams(port: int, replicas: int) -> dict[str, str]:
    """The template's upstream placeholders: every replica for new visitors; one group per replica for
    the visitors its cookie names (the others as backups); the cookie's value -> that group."""
    ports = replica_ports(port, replicas)
    groups = []
    for p in ports:
        backups = "".join(f"        server {HOST}:{o} backup;\n" for o in ports if o != p)
        groups.append(
            f"    upstream replica_{p} {{\n        server {HOST}:{p} max_fails=1 fail_timeout=5s;\n"
            f"{backups}        keepalive 16;\n    }}"
        )
    return {
        "UPSTREAM_SERVERS": "\n".join(f"        server {HOST}:{p} max_fails=1 fail_timeout=5s;" for p in ports),
        "REPLICA_UPSTREAMS": "\n".join(groups),
        "ROUTE_MAP": "\n".join(f"        {p} replica_{p};" for p in ports),
    }


def render_config(run_dir: Path, port: int, replicas: int, template: Path = TEMPLATE) -> str:
    text = template.read_text(encoding="utf-8")
    values = {
        "RUN_DIR": str(run_dir),
        "LISTEN": str(port),
        "MAX_UPLOAD_MB": str(max_upload_mb()),
        **_upstreams(port, replicas),
    }
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if re.search(r"@@[A-Z_]+@@", text):
        raise SystemExit(f"{template}: a placeholder was left unfilled")
    return text


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM if the launcher dies, even by SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def replica_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        HOST,
        "--server.headless",
        "true",
        # A served replica never reloads its own code: no watcher walking the modules after every run
        "--server.fileWatcherType",
        "none",
    ]


def start_replica(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(replica_command(port), cwd=REPO, env=env, preexec_fn=_die_with_parent)


def make_run_dir(run_dir: Path) -> None:
    """The directories nginx writes. Started as root, nginx's workers run as `nobody` (Debian's build):
    they must reach the run directory and own the cache and temporary files (large responses, uploads)."""
    writable = [run_dir / "cache", *(run_dir / "tmp" / d for d in NGINX_TEMP_DIRS)]
    for d in (run_dir / "logs", *writable):
        d.mkdir(parents=True)
    if os.geteuid() == 0:
        worker = pwd.getpwnam(NGINX_WORKER_USER)
        run_dir.chmod(0o711)  # traversable, not listable
        (run_dir / "tmp").chmod(0o711)
        for d in writable:
            os.chown(d, worker.pw_uid, worker.pw_gid)


def _worker_user() -> str:
    worker = pwd.getpwnam(NGINX_WORKER_USER)
    return f"{worker.pw_name} {grp.getgrgid(worker.pw_gid).gr_name}"  # Debian: nobody nogroup


def start_nginx(nginx: str, run_dir: Path) -> subprocess.Popen:
    # -e: the log nginx writes before it reads the configuration (else /var/log/nginx, not writable
    # by an ordinary user)
    cmd = [nginx, "-p", str(run_dir), "-e", str(run_dir / "logs" / "error.log"), "-c", str(run_dir / "nginx.conf")]
    cmd += ["-g", "daemon off;" + (f" user {_worker_user()};" if os.geteuid() == 0 else "")]
    check = subprocess.run([*cmd[:-2], "-t", "-q"], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"nginx refused the generated configuration:\n{check.stderr}")
    return subprocess.Popen(cmd, preexec_fn=_die_with_parent)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{HEALTH_PATH}", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def replica_env(data_dir: Path, cookie_secret: str) -> dict:
    # One cookie secret for every replica: a cookie signed by one (st.login's) is valid on the others.
    values = dict(zip(REPLICA_ENV, (str(data_dir), cookie_secret), strict=True))
    return {**os.environ, **values}


class Stop(Exception):
    pass


def _on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def stop_all(procs: dict[str, subprocess.Popen], grace: float = 10.0) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()  # nginx: fast shutdown; Streamlit: closes its sessions and exits
    deadline = time.monotonic() + grace
    for proc in procs.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.1, deadline - time.monotonic()))
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run(replicas: int, port: int, data_dir: Path, startup_timeout: float = 180.0) -> int:
    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed: `apt-get install nginx` (Debian's package) and run again.", file=sys.stderr)
        return 2
    run_dir = Path(tempfile.mkdtemp(prefix="encounters-cluster-"))
    try:
        make_run_dir(run_dir)
        (run_dir / "nginx.conf").write_text(render_config(run_dir, port, replicas), encoding="utf-8")
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    env = replica_env(data_dir, os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32))

    procs: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        for p in replica_ports(port, replicas):
            procs[f"replica on port {p}"] = start_replica(p, env)
        procs["nginx"] = start_nginx(nginx, run_dir)
        deadline = time.monotonic() + startup_timeout
        waiting = set(replica_ports(port, replicas)) | {port}
        while waiting:
            _check_alive(procs)
            waiting = {p for p in waiting if not healthy(p)}
            if time.monotonic() > deadline:
                print(f"not healthy after {startup_timeout:.0f} s: ports {sorted(waiting)}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        ports = ", ".join(str(p) for p in replica_ports(port, replicas))
        print(
            f"Serving http://{HOST}:{port} through nginx: {replicas} replicas (ports {ports}) on {data_dir}. "
            f"nginx configuration and logs: {run_dir}. Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            _check_alive(procs)
            time.sleep(1)
    except Stop as why:
        print(f"{why}: stopping nginx and the replicas", file=sys.stderr, flush=True)
        return 0
    except ChildDied as died:
        print(f"{died}: stopping the others", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_all(procs)
        shutil.rmtree(run_dir, ignore_errors=True)


class ChildDied(Exception):
    pass


def _check_alive(procs: dict[str, subprocess.Popen]) -> None:
    for name, proc in procs.items():
        if proc.poll() is not None:
            raise ChildDied(f"the {name} exited with status {proc.returncode}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="Streamlit processes (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="nginx's port; replicas use the next N ports")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("ENCOUNTERS_DATA_DIR") or str(REPO / "data" / "datasets"),
        help="the published datasets every replica serves (default: $ENCOUNTERS_DATA_DIR or data/datasets)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 32:
        parser.error("--replicas must be between 1 and 32")
    if not (args.port >= 1024 and args.port + args.replicas <= 65535):
        parser.error("--port must leave room for the replicas' ports, above 1023")
    return run(args.replicas, args.port, Path(args.data_dir).resolve())


if __name__ == "__main__":
    sys.exit(main())
