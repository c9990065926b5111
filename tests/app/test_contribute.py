"""The Contribute page in AppTest: sign-in (and its absence), the report, the preview, publish, rollback.

Each test works on its own copy of the published demo dataset, so publishing here disturbs nobody.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import subprocess
import sys
from functools import partial

import pandas as pd
import pytest
from support import REPO, new_app, page_app, sign_in

from dashboard import auth, store
from dashboard.ingest.pipeline import diff_prepared, prepare

PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD, n=2**10)  # a cheap hash for tests; same format
CONTRIBUTORS = {"alice": {"name": "Alice Example", "password_hash": HASH}}
DEMO_CSV = REPO / "data" / "sources" / "demo" / "encounters.csv"
UPLOADER = "file_uploader"


def demo_source() -> pd.DataFrame:
    return pd.read_csv(DEMO_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def refresh() -> bytes:
    """The demo file with two records removed, one changed and three added: 2,000 - 2 + 3 = 2,001 records."""
    src = demo_source()
    src = src[~src["encounter_id"].isin(["DEMO-00001", "DEMO-00002"])].copy()
    src.loc[src["encounter_id"] == "DEMO-00010", "city"] = "Duluth"
    extra = src.iloc[100:103].copy()
    extra["encounter_id"] = ["DEMO-09001", "DEMO-09002", "DEMO-09003"]
    return pd.concat([src, extra]).to_csv(index=False).encode()


@pytest.fixture(scope="module")
def broken() -> bytes:
    """Five rows: two valid, three with problems in date, state and agencies."""
    src = demo_source().head(5).copy()
    src.loc[0, "date"] = "2025-13-45"
    src.loc[1, "state"] = "XX"
    src.loc[3, "agencies"] = "Space Force"
    return src.to_csv(index=False).encode()


def contribute_app(sign_in: bool = False, **secrets):
    at = page_app("contribute")
    at.secrets["contributors"] = CONTRIBUTORS
    for k, v in secrets.items():
        at.secrets[k] = v
    at.run()
    if sign_in:
        do_sign_in(at)
        assert at.title[0].value == "Contribute", [e.value for e in at.error]
    return at


def do_sign_in(at, username: str = "alice", password: str = PASSWORD):
    return sign_in(at, username, password)


def upload(at, data: bytes, name: str = "refresh.csv"):
    at.get(UPLOADER)[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def problems_table(at) -> pd.DataFrame:
    return next(d.value for d in at.tabs[0].dataframe if list(d.value.columns) == ["row", "column", "value", "reason"])


def expander_table(at, label_start: str) -> pd.DataFrame:
    return next(e for e in at.expander if e.label.startswith(label_start)).dataframe[0].value


def history_table(at) -> pd.DataFrame:
    return at.tabs[1].dataframe[0].value


def audit_table(at) -> pd.DataFrame:
    return at.tabs[2].dataframe[0].value


def open_url_path(at, url_path: str):
    """Open a page of the full app by its URL path, as a browser opening /<url_path> would.

    AppTest.switch_page only knows file-based pages; the app's pages are functions, so this picks the
    page registered under `url_path` by st.navigation (AppTest's own registry) after a first run."""
    if not at._registered_pages:
        at.run()
    hashes = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert hashes, f"no page at /{url_path}: {[i.get('url_pathname') for i in at._registered_pages.values()]}"
    at._page_hash = hashes[0]
    return at.run()


def explore_count() -> str:
    at = page_app("explore").run()
    assert not at.exception, at.exception
    assert at.metric[0].label == "Encounters"
    return at.metric[0].value


# ---------------------------------------------------------------- signed out


def _uploaders_are_only_session_boundaries(at, where: str) -> None:
    for u in at.get(UPLOADER):
        assert "boundary" in u.label.lower(), f"{where}: an uploader a visitor can see: {u.label!r}"


def test_signed_out_no_page_of_the_app_has_a_dataset_uploader(root):
    at = new_app()
    at.secrets["contributors"] = CONTRIBUTORS
    at.run()
    assert not at.exception
    paths = sorted({info.get("url_pathname", "") for info in at._registered_pages.values()})
    assert "contribute" in paths and len(paths) >= 5
    for path in paths:
        open_url_path(at, path)
        assert not at.exception, (path, at.exception)
        _uploaders_are_only_session_boundaries(at, f"/{path}")


@pytest.mark.parametrize("page", ["explore", "briefing", "methodology", "about", "contribute"])
def test_signed_out_each_page_on_its_own_has_no_dataset_uploader(root, page):
    at = page_app(page)
    at.secrets["contributors"] = CONTRIBUTORS
    at.run()
    assert not at.exception
    _uploaders_are_only_session_boundaries(at, page)


def test_briefing_boundary_upload_is_the_only_visitor_uploader(root):
    """The Briefing page's boundary upload (session only, never stored) is the one uploader a visitor sees."""
    at = page_app("briefing", area_type="upload")
    at.run()
    assert not at.exception
    uploaders = at.get(UPLOADER)
    if not uploaders:
        pytest.skip("the Briefing page shows no boundary uploader for ?area_type=upload")
    _uploaders_are_only_session_boundaries(at, "briefing?area_type=upload")


def test_contribute_url_shows_only_the_sign_in(root):
    at = new_app()
    at.secrets["contributors"] = CONTRIBUTORS
    open_url_path(at, "contribute")
    assert [t.value for t in at.title] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [b.label for b in at.button] == ["Sign in"]  # no provider button: no [auth] configured
    assert not at.get(UPLOADER) and not at.tabs and not at.selectbox


def test_sign_in_not_configured(root):
    at = page_app("contribute").run()  # no secrets at all
    assert not at.exception
    assert at.title[0].value == "Sign in"
    assert "not configured" in at.info[0].value
    assert not at.text_input and not at.button and not at.get(UPLOADER)


def test_wrong_password_is_refused_and_five_failures_lock(root):
    at = contribute_app()
    do_sign_in(at, password="wrong password")
    assert at.error[0].value == "Wrong username or password."
    assert at.title[0].value == "Sign in" and not at.get(UPLOADER)
    for _ in range(4):
        do_sign_in(at, password="still wrong")
    assert "Too many failed sign-ins" in at.error[0].value
    do_sign_in(at)  # the right password, but locked
    assert at.title[0].value == "Sign in" and not at.get(UPLOADER)
    assert "Try again in 1 minute" in at.error[0].value
    # The lock holds for another session from the same client (that client on that account is locked, in
    # the data directory).
    other = contribute_app()
    do_sign_in(other)
    assert other.title[0].value == "Sign in" and "Too many failed sign-ins" in other.error[0].value
    assert (root / "_auth" / "sign-in-failures.json").is_file()


def test_unknown_user_gets_the_same_message(root):
    at = contribute_app()
    do_sign_in(at, username="mallory", password=PASSWORD)
    assert at.error[0].value == "Wrong username or password."


def test_sign_in_and_out_in_the_full_app(root):
    at = new_app()
    at.secrets["contributors"] = CONTRIBUTORS
    open_url_path(at, "contribute")
    do_sign_in(at)
    assert not at.exception
    assert at.title[0].value == "Contribute"  # the same URL now holds the Contribute page
    assert at.text[0].value == "Signed in as Alice Example (alice)"
    assert len(at.get(UPLOADER)) == 1
    next(b for b in at.button if b.label == "Sign out").click()
    at.run()
    assert at.title[0].value == "Sign in" and not at.get(UPLOADER)


def test_removing_a_contributor_from_secrets_signs_them_out(root):
    at = contribute_app(sign_in=True)
    at.secrets["contributors"] = {"bob": {"password_hash": HASH}}
    at.run()
    assert at.title[0].value == "Sign in" and not at.get(UPLOADER)


# ---------------------------------------------------------------- provider sign-in (st.login)

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "test-client",
    "client_secret": "test-secret",
    "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
}


def test_provider_button_only_when_auth_is_configured(root):
    at = contribute_app(auth=AUTH, contribute={"allowed_emails": ["ed@example.org"]})
    assert "Sign in with provider" in [b.label for b in at.button]
    plain = contribute_app(contribute={"allowed_emails": ["ed@example.org"]})
    assert "Sign in with provider" not in [b.label for b in plain.button]


def test_provider_account_on_the_list_may_contribute(root):
    at = page_app("contribute")
    at.secrets["auth"] = AUTH
    at.secrets["contribute"] = {"allowed_emails": ["Ed@Example.org"]}
    at.user = {"is_logged_in": True, "email": "ed@example.org", "name": "Ed Itor"}
    at.run()
    assert at.title[0].value == "Contribute"
    assert at.text[0].value == "Signed in as Ed Itor (ed@example.org)"


def test_provider_account_not_on_the_list_may_not(root):
    at = page_app("contribute")
    at.secrets["auth"] = AUTH
    at.secrets["contribute"] = {"allowed_emails": ["ed@example.org"]}
    at.user = {"is_logged_in": True, "email": "someone@example.org"}
    at.run()
    assert at.title[0].value == "Sign in" and not at.get(UPLOADER)
    assert at.text[0].value == "someone@example.org"
    assert "Sign out" in [b.label for b in at.button]


# ---------------------------------------------------------------- the report


def test_invalid_file_gives_its_report(root, broken):
    at = upload(contribute_app(sign_in=True), broken, "broken.csv")
    assert metrics(at)["Rows in"] == "5" and metrics(at)["Valid"] == "2" and metrics(at)["Invalid"] == "3"
    # The check ran inside a status box with a progress bar (the steps), which ends with the counts.
    assert [s.label for s in at.status] == ["Checked: 5 rows in, 2 valid, 3 invalid"]
    assert at.status[0].get("progress")
    problems = problems_table(at)
    assert list(problems.columns) == ["row", "column", "value", "reason"]
    got = {(r.row, r.column, r.value) for r in problems.itertuples()}
    assert got == {(2, "date", "2025-13-45"), (3, "state", "XX"), (5, "agencies", "Space Force")}
    assert all(problems["reason"].str.len() > 10)
    labels = [d.label for d in at.get("download_button")]
    assert "Download these problems (CSV)" in labels
    assert "Download the invalid rows with their problems (CSV)" in labels

    at.multiselect(key="contribute_problem_columns").select("state").run()
    assert problems_table(at)["column"].tolist() == ["state"]

    # Publishing the two valid rows would quarantine three and remove 1,998: it needs a confirmation.
    publish = at.button(key="contribute_publish")
    assert publish.disabled
    assert "3 invalid rows will not be published" in at.checkbox[0].label
    assert "1,998 published records will be removed" in at.checkbox[0].label


def test_a_file_with_no_valid_row_cannot_be_published(root):
    src = demo_source().head(2).copy()
    src["state"] = "XX"
    at = upload(contribute_app(sign_in=True), src.to_csv(index=False).encode(), "bad.csv")
    assert metrics(at)["Valid"] == "0"
    assert any("nothing to publish" in e.value for e in at.error)
    assert not [b for b in at.button if b.label.startswith("Publish")]


def test_an_unusable_file_says_why_in_plain_text(root):
    at = upload(contribute_app(sign_in=True), b"\x00\x01\x02binary", "<b>odd<b>.csv")
    assert any("cannot be used" in e.value for e in at.error)
    assert any(t.value.startswith("<b>odd<b>.csv: this is not a text file") for t in at.text)
    assert store.current_version(root, "demo") == 1


def test_user_text_is_never_rendered_as_markdown_or_html(root):
    src = demo_source().head(3).copy()
    src.loc[0, "state"] = "<img src=x onerror=alert(1)>"
    src.loc[1, "agencies"] = "[click](javascript:alert(1)) **bold**"
    name = "![pic](javascript:alert(1)) <img src=x onerror=alert(1)>.csv"
    at = upload(contribute_app(sign_in=True), src.to_csv(index=False).encode(), name)
    rendered = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    rendered += [i.value for i in at.info] + [s.value for s in at.success] + [c.value for c in at.caption]
    for text in rendered:
        assert "<img" not in text and "javascript" not in text, text
    assert not at.get("html")
    assert any(name in t.value for t in at.text)  # shown, as plain text
    shown = problems_table(at)
    assert "<img src=x onerror=alert(1)>" in shown["value"].tolist()  # in a table cell, as text


def test_an_excel_sheet_is_read(root):
    buffer = io.BytesIO()
    demo_source().head(4).to_excel(buffer, index=False)
    at = contribute_app(sign_in=True)
    at.get(UPLOADER)[0].set_value(("sheet.xlsx", buffer.getvalue(), "application/vnd.ms-excel"))
    at.run()
    assert not at.exception
    assert at.tabs[0].text[0].value.startswith("read sheet.xlsx as XLSX")
    assert metrics(at)["Rows in"] == "4" and metrics(at)["Invalid"] == "0"


def test_a_foreign_file_through_a_mapping(root):
    source = REPO / "data" / "sources" / "ice-ero-fy2019" / "EROArrests_FY2019.csv.gz"
    if not source.is_file():
        pytest.skip("the ICE FY2019 source file is not in the repo")
    with gzip.open(source, "rt", encoding="utf-8", errors="replace", newline="") as f:
        head = "".join(line for _, line in zip(range(201), f, strict=False)).encode()
    at = contribute_app(sign_in=True)
    at.selectbox(key="contribute_dataset").set_value("+ a new dataset").run()
    at.text_input(key="contribute_new_name").input("ice-sample").run()
    at.selectbox(key="contribute_mapping").set_value("ice-ero-fy2019.yaml").run()
    upload(at, head, "arrests.csv")
    notes = [t.value for t in at.tabs[0].text]
    assert any(n.startswith("Note: columns excluded by ice-ero-fy2019.yaml") for n in notes)
    rows_in = int(metrics(at)["Rows in"].replace(",", ""))
    assert rows_in > 150 and metrics(at)["Added"] == metrics(at)["Valid"]
    for box in [c for c in at.checkbox if c.label.startswith("I have read")]:  # if some rows are invalid
        box.check()
    at.run()
    at.button(key="contribute_publish").click().run()
    assert "Published version 1 of ice-sample" in at.success[0].value
    assert store.read_audit(root, "ice-sample")[-1]["mapping"] == "ice-ero-fy2019.yaml"


# ---------------------------------------------------------------- preview, publish, rollback


def test_valid_file_preview_publish_explore_and_rollback(root, refresh, tmp_path):
    assert explore_count() == "2,000"
    at = upload(contribute_app(sign_in=True), refresh)
    assert metrics(at)["Rows in"] == "2,001" and metrics(at)["Invalid"] == "0"

    # The preview is the pipeline's own diff against the published version.
    path = tmp_path / "refresh.csv"
    path.write_bytes(refresh)
    expected = diff_prepared(prepare(path), root, "demo")
    m = metrics(at)
    assert (m["Added"], m["Removed"]) == ("3", "2")
    assert m["Changed"] == f"{len(expected.changed):,}"
    assert set(expander_table(at, "Records added")["encounter_id"]) == set(expected.added)
    assert set(expander_table(at, "Records removed")["encounter_id"]) == {"DEMO-00001", "DEMO-00002"}
    changed = expander_table(at, "Records changed")
    city = changed[(changed["encounter_id"] == "DEMO-00010") & (changed["field"] == "city")]
    before = store.load_records(root, "demo").set_index("encounter_id").at["DEMO-00010", "city"]
    assert city[["before", "after"]].values.tolist() == [[before, "Duluth"]]
    assert any("2 published records are not in this file" in w.value for w in at.warning)

    # Removals need a confirmation; then publish.
    assert at.button(key="contribute_publish").disabled
    at.checkbox[0].check().run()
    at.button(key="contribute_publish").click().run()
    assert not at.exception, at.exception
    assert "Published version 2 of demo" in at.success[0].value
    assert at.get(UPLOADER)[0].value is None  # a fresh uploader for the next file
    assert explore_count() == "2,001"

    entry = store.read_audit(root, "demo")[-1]
    sha = hashlib.sha256(refresh).hexdigest()
    assert entry["result"] == "published" and entry["published_by"] == "alice"
    assert entry["input_file"] == "refresh.csv" and entry["input_sha256"] == sha
    assert (entry["rows_in"], entry["rows_published"], entry["rows_quarantined"]) == (2001, 2001, 0)
    assert entry["changes"] == {"added": 3, "changed": len(expected.changed), "removed": 2}
    # The upload is kept under a generated name (its content hash), never its own name.
    assert [p.name for p in (root / "_uploads").iterdir()] == [f"{sha}.csv"]

    # History and audit on the page; roll back to version 1.
    history = history_table(at)
    assert history["version"].tolist() == [2, 1] and history.loc[0, "current"] == "current"
    audit = audit_table(at)
    assert audit.loc[0, "published_by"] == "alice" and audit.loc[0, "input_sha256"] == sha
    at.selectbox(key="contribute_rollback_to_demo").set_value(1)
    at.button(key="contribute_rollback").click().run()
    assert not at.exception
    assert "Version 1 of demo restored as version 3" in at.success[0].value
    assert explore_count() == "2,000"
    last = store.read_audit(root, "demo")[-1]
    assert (last["action"], last["rolled_back_to"], last["published_by"]) == ("rollback", 1, "alice")
    assert audit_table(at)["action"].tolist()[:2] == ["rollback", "publish"]


def test_new_dataset(root, refresh):
    at = contribute_app(sign_in=True)
    at.selectbox(key="contribute_dataset").set_value("+ a new dataset").run()
    at.text_input(key="contribute_new_name").input("../evil").run()
    assert any("cannot be used" in e.value for e in at.error) and not at.get(UPLOADER)
    at.text_input(key="contribute_new_name").input("city-refresh").run()
    upload(at, refresh)
    assert metrics(at)["Added"] == "2,001" and metrics(at)["Removed"] == "0"
    at.checkbox(key="contribute_new_demo").check().run()
    at.button(key="contribute_publish").click().run()
    assert "Published version 1 of city-refresh" in at.success[0].value
    assert store.read_metadata(root, "city-refresh")["demonstration"] is True
    assert store.list_datasets(root) == ["city-refresh", "demo"]


def test_a_preview_made_stale_by_another_publish_is_not_published(root, refresh):
    at = upload(contribute_app(sign_in=True), refresh)
    at.checkbox[0].check().run()
    # Meanwhile someone else publishes (here: a rollback to version 1 makes version 2).
    store.rollback(root, "demo", 1, who="someone else")
    at.button(key="contribute_publish").click().run()
    assert any("changed since the preview you saw" in e.value for e in at.error)
    assert store.current_version(root, "demo") == 2
    assert store.read_audit(root, "demo")[-1]["published_by"] == "someone else"
    # The page now shows the preview against version 2; publishing from it works.
    assert any(c.value.startswith("Compared with version 2 of demo") for c in at.caption)
    at.checkbox[0].check().run()
    at.button(key="contribute_publish").click().run()
    assert "Published version 3 of demo" in at.success[0].value


def test_a_busy_dataset_refuses_with_a_clear_message(root, refresh, monkeypatch):
    monkeypatch.setattr(store, "publish", partial(store.publish, wait_seconds=0.3))
    at = upload(contribute_app(sign_in=True), refresh)
    at.checkbox[0].check().run()
    with store.dataset_lock(root, "demo"):
        at.button(key="contribute_publish").click().run()
    assert not at.exception
    assert any('another publish of "demo" is still running; nothing was changed' in e.value for e in at.error)
    assert store.current_version(root, "demo") == 1
    assert store.read_audit(root, "demo")[-1]["result"] == "refused"
    assert store.read_audit(root, "demo")[-1]["published_by"] == "alice"


def test_a_running_app_shows_a_version_another_process_published(root, refresh, tmp_path):
    """common.get_dataset reads CURRENT on every run: no restart needed after another process publishes."""
    at = page_app("explore").run()
    assert at.metric[0].value == "2,000"
    path = tmp_path / "refresh.csv"
    path.write_bytes(refresh)
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.cli", "--data-dir", str(root), "publish", str(path), "--dataset", "demo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    at.run()
    assert at.metric[0].value == "2,001"


def test_a_full_disk_while_storing_the_upload_is_named_on_the_page(root, monkeypatch, refresh):
    """Before: the OSError reached Streamlit (its redacted error page) and left a .tmp- file behind."""
    import errno
    import os

    from dashboard import fsio

    class FullUploadsDisk(fsio.FileOps):
        def write(self, handle, data):
            if "_uploads" in str(handle.name):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), handle.name)
            super().write(handle, data)

    monkeypatch.setattr(fsio, "ops", FullUploadsDisk())
    at = upload(contribute_app(sign_in=True), refresh)
    assert any(e.value == "The file could not be stored." for e in at.error), [e.value for e in at.error]
    assert any("refresh.csv: The server's disk is full" in t.value for t in at.text)
    assert [p for p in (root / "_uploads").rglob("*") if p.is_file()] == []
    assert store.current_version(root, "demo") == 1


def test_with_the_disk_full_the_uploaders_say_so_instead_of_taking_a_file(root, monkeypatch):
    """Streamlit's uploader can show only a status code for a failed upload: a page offers one only when
    the disk holding uploads has room for a file of its limit, and otherwise says why."""
    import shutil

    from dashboard import upload_limits

    full = shutil._ntuple_diskusage(total=10**9, used=10**9 - 10**6, free=10**6)
    with monkeypatch.context() as disk:
        disk.setattr(upload_limits.shutil, "disk_usage", lambda path: full)
        at = contribute_app(sign_in=True)
        assert not at.exception and not at.get(UPLOADER)
        assert [w.value for w in at.warning if "disk is full" in w.value] == [
            "The server's disk is full, so files cannot be uploaded now. Try again later."
        ]
        at = page_app("briefing", area_type="upload").run()
        assert not at.exception and not at.get(UPLOADER)
        assert any("disk is full" in w.value for w in at.warning)
    assert contribute_app(sign_in=True).get(UPLOADER)  # with room, the uploader is there
