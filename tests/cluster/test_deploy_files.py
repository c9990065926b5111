"""deploy/nginx.conf.template (what `make cluster` runs) and deploy/kubernetes.yaml say the same thing:
the affinity cookie, the websocket timeouts, the upload size, the replicas' settings. Both are parsed;
a change to one without the other fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from cluster_support import launcher
from support import REPO

MANIFEST = REPO / "deploy" / "kubernetes.yaml"
ANNOTATION = "nginx.ingress.kubernetes.io/"


def parse_nginx(text: str) -> list:
    """nginx's configuration as nested lists: a directive is (name, [args]), a block (name, [args], [children])."""
    tokens = shlex.shlex(re.sub(r"#[^\n]*", "", text), posix=True, punctuation_chars=";{}")
    tokens.whitespace_split = True
    tokens.commenters = ""
    stack, current, words = [], [], []
    for token in tokens:
        if token == ";":
            current.append((words[0], words[1:]))
            words = []
        elif token == "{":
            block = (words[0], words[1:], [])
            current.append(block)
            stack.append(current)
            current, words = block[2], []
        elif token == "}":
            current = stack.pop()
        else:
            words.append(token)
    assert not stack and not words, "unbalanced braces or a directive without ;"
    return current


def find(tree: list, name: str, *args: str) -> list:
    """Every directive or block called `name` (with these first arguments) anywhere in the tree."""
    out = []
    for node in tree:
        if node[0] == name and list(node[1][: len(args)]) == list(args):
            out.append(node)
        if len(node) == 3:
            out += find(node[2], name, *args)
    return out


def value(block, name: str) -> list[str]:
    found = [node[1] for node in block[2] if node[0] == name]
    assert len(found) == 1, f"{name} in {block[0]} {block[1]}: {found}"
    return found[0]


@pytest.fixture(scope="module")
def nginx(tmp_path_factory) -> list:
    """The configuration exactly as `make cluster` renders it."""
    run_dir = tmp_path_factory.mktemp("run")
    return parse_nginx(launcher.render_config(Path(run_dir), 8700, 2))


@pytest.fixture(scope="module")
def manifest() -> dict:
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")) if d]
    return {d["kind"]: d for d in docs}


def _document(name: str) -> dict:
    return next(
        d for d in yaml.safe_load_all(MANIFEST.read_text(encoding="utf-8")) if d and d["metadata"]["name"] == name
    )


def _seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    m = re.fullmatch(r"(\d+)([smhd]?)", text)
    return int(m[1]) * units[m[2] or "s"]


def test_the_template_renders_into_a_complete_configuration(nginx):
    new_visitors = find(nginx, "upstream", "streamlit")[0]
    assert value(new_visitors, "least_conn") == []
    assert [n[1][0] for n in new_visitors[2] if n[0] == "server"] == ["127.0.0.1:8701", "127.0.0.1:8702"]
    for port, other in ((8701, 8702), (8702, 8701)):  # a replica of its own for the visitors it holds
        group = find(nginx, "upstream", f"replica_{port}")[0]
        assert [n[1] for n in group[2] if n[0] == "server"] == [
            [f"127.0.0.1:{port}", "max_fails=1", "fail_timeout=5s"],
            [f"127.0.0.1:{other}", "backup"],
        ]
    assert find(nginx, "listen") == [("listen", ["127.0.0.1:8700"])]
    assert {tuple(n[1]) for n in find(nginx, "proxy_pass")} == {("http://$route_upstream",)}


def test_the_affinity_cookie_is_the_same(nginx, manifest):
    ann = manifest["Ingress"]["metadata"]["annotations"]
    assert ann[ANNOTATION + "affinity"] == "cookie"
    cookie = "$cookie_" + ann[ANNOTATION + "session-cookie-name"]
    route_map = find(nginx, "map", cookie, "$route_upstream")
    assert route_map, "nginx does not route by the cookie the ingress sets"
    routes = dict((n[0], n[1][0]) for n in route_map[0][2])
    assert routes == {"default": "streamlit", "8701": "replica_8701", "8702": "replica_8702"}
    set_cookie = find(nginx, "map", cookie + "|$upstream_addr", "$route_cookie")[0]
    header = next(n[1][0] for n in set_cookie[2] if n[1] and n[1][0].startswith("encounters_route="))
    attributes = dict(a.strip().split("=", 1) if "=" in a else (a.strip(), "") for a in header.split(";"))
    assert attributes["Path"] == ann[ANNOTATION + "session-cookie-path"]
    assert attributes["SameSite"] == ann[ANNOTATION + "session-cookie-samesite"]


def test_compression_is_the_proxys_in_both(nginx, manifest):
    """The replicas are asked for plain bytes and the proxy compresses, at the same level, the same types."""
    controller = _document("ingress-nginx-controller")["data"]
    assert find(nginx, "gzip") == [("gzip", ["on"])] and controller["use-gzip"] == "true"
    assert find(nginx, "gzip_comp_level")[0][1] == [controller["gzip-level"]]
    assert find(nginx, "gzip_types")[0][1] == controller["gzip-types"].split()
    assert "text/csv" in controller["gzip-types"].split()  # what Download CSV sends
    server = next(n for n in find(nginx, "server") if len(n) == 3)  # the block, not an upstream line
    headers = {n[1][0]: n[1][1] for n in server[2] if n[0] == "proxy_set_header"}
    assert headers["Accept-Encoding"] == ""
    namespace, name = controller["proxy-set-headers"].split("/")
    sent = _document(name)
    assert sent["metadata"]["namespace"] == namespace and sent["data"] == {"Accept-Encoding": ""}


def test_websocket_and_upload_settings_are_the_same(nginx, manifest):
    ann = manifest["Ingress"]["metadata"]["annotations"]
    stream = find(nginx, "location", "/_stcore/stream")[0]
    headers = {n[1][0]: n[1][1] for n in stream[2] if n[0] == "proxy_set_header"}
    assert headers.get("Upgrade") == "$http_upgrade" and headers.get("Connection") == "$connection_upgrade"
    assert _seconds(value(stream, "proxy_read_timeout")[0]) == int(ann[ANNOTATION + "proxy-read-timeout"])
    assert _seconds(value(stream, "proxy_send_timeout")[0]) == int(ann[ANNOTATION + "proxy-send-timeout"])
    body = find(nginx, "client_max_body_size")[0][1][0]
    assert body.lower() == ann[ANNOTATION + "proxy-body-size"].lower() == f"{launcher.max_upload_mb()}m"
    upload = find(nginx, "location", "/_stcore/upload_file")[0]
    assert value(upload, "proxy_request_buffering") == [ann[ANNOTATION + "proxy-request-buffering"]]
    # Every path nginx forwards reaches the same Service through the ingress's one prefix rule.
    paths = manifest["Ingress"]["spec"]["rules"][0]["http"]["paths"]
    assert [(p["path"], p["pathType"]) for p in paths] == [("/", "Prefix")]
    assert {n[1][0] for n in find(nginx, "location")} <= {
        "/",
        "/_stcore/stream",
        "/_stcore/upload_file",
        "/media/",
        "/static/",
    }


def test_downloads_are_taken_from_the_replica_at_once_in_both(nginx, manifest):
    """A download is read from the replica into large buffers (then a temporary file), not a few kB at a
    time at the visitor's pace, which held a busy replica's event loop for seconds."""
    ann = manifest["Ingress"]["metadata"]["annotations"]
    media = find(nginx, "location", "/media/")[0]
    assert value(media, "proxy_buffering") == [ann[ANNOTATION + "proxy-buffering"]] == ["on"]
    assert value(media, "proxy_buffer_size") == [ann[ANNOTATION + "proxy-buffer-size"]]
    count, size = value(media, "proxy_buffers")
    assert (count, size) == (ann[ANNOTATION + "proxy-buffers-number"], ann[ANNOTATION + "proxy-buffer-size"])
    assert value(media, "proxy_max_temp_file_size") == [ann[ANNOTATION + "proxy-max-temp-file-size"]]
    assert int(count) * int(size.rstrip("m")) >= 16, "less than 16 MB of buffers: most of a download goes to disk"


def test_the_replicas_run_alike(manifest):
    """Container, probes and Service agree on one port; the replicas get what the launcher gives its own."""
    pod = manifest["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    args = container["command"] + container["args"]
    port = int(args[args.index("--server.port") + 1])
    assert container["ports"][0] == {"name": "http", "containerPort": port}
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": launcher.HEALTH_PATH, "port": "http"}
    assert manifest["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    assert manifest["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] == {"name": "http"}
    launched = launcher.replica_command(port)
    assert args[args.index("run") + 1] == "dashboard/app.py" and launched[launched.index("run") + 1].endswith(
        "dashboard/app.py"
    )
    assert args[args.index("--server.headless") + 1] == launched[launched.index("--server.headless") + 1]
    env = {e["name"] for e in container["env"]}
    assert set(launcher.REPLICA_ENV) <= env, "the manifest lacks a setting every replica of `make cluster` gets"
    data_dir = next(e["value"] for e in container["env"] if e["name"] == "ENCOUNTERS_DATA_DIR")
    mounts = [m["mountPath"] for m in container["volumeMounts"]]
    assert any(data_dir.startswith(m + "/") for m in mounts), "the data directory is not on the shared volume"
    claim = next(v for v in pod["volumes"] if v["name"] == "data")["persistentVolumeClaim"]["claimName"]
    assert manifest["PersistentVolumeClaim"]["metadata"]["name"] == claim
    assert manifest["PersistentVolumeClaim"]["spec"]["accessModes"] == ["ReadWriteMany"]
