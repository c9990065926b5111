"""dashboard.contributor_files: stored uploads, the stepwise prepare, the change tables, safe CSV downloads."""

from __future__ import annotations

import csv
import errno
import gzip
import io
import os

import pandas as pd
import pytest
from support import REPO, rows, write_csv

from dashboard import contributor_files, fsio, store
from dashboard.ingest.pipeline import prepare
from dashboard.ingest.read import FileUnusable
from dashboard.upload_limits import UploadNotStored

DEMO_CSV = REPO / "data" / "sources" / "demo" / "encounters.csv"


@pytest.mark.parametrize(
    ("filename", "suffix"),
    [
        pytest.param("encounters.csv", ".csv", id="csv"),
        pytest.param("ENCOUNTERS.CSV", ".csv", id="upper-case"),
        pytest.param("sheet.xlsx", ".xlsx", id="xlsx"),
        pytest.param("dump.csv.gz", ".csv.gz", id="gzip"),
        pytest.param("../../etc/cron.d/x.csv", ".csv", id="path-in-name"),
        pytest.param("a.json", ".json", id="json"),
    ],
)
def test_upload_suffix_comes_from_a_fixed_list(filename, suffix):
    assert contributor_files.upload_suffix(filename) == suffix


@pytest.mark.parametrize("filename", ["run.sh", "x.csv.exe", "", "noext", "old.xls", "x.py"])
def test_other_files_are_refused(filename):
    with pytest.raises(FileUnusable):
        contributor_files.upload_suffix(filename)


@pytest.mark.parametrize(
    "filename", ["../../escape.csv", "/etc/passwd.csv", "C:\\Windows\\x.csv", "<script>alert(1)</script>.csv"]
)
def test_stored_name_is_generated_never_the_users(tmp_path, filename):
    data = b"encounter_id,date\nT-1,2025-01-01\n"
    path = contributor_files.store_upload(tmp_path, data, filename)
    assert path.parent == tmp_path / "_uploads"
    assert path.name == f"{__import__('hashlib').sha256(data).hexdigest()}.csv"
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]


def test_store_upload_reads_a_stream_and_is_content_addressed(tmp_path):
    a = contributor_files.store_upload(tmp_path, io.BytesIO(b"x,y\n1,2\n"), "one.csv")
    b = contributor_files.store_upload(tmp_path, b"x,y\n1,2\n", "two.csv")
    assert a == b and len(list((tmp_path / "_uploads").iterdir())) == 1


def test_uploads_folder_is_never_a_dataset(tmp_path):
    contributor_files.store_upload(tmp_path, b"x\n1\n", "a.csv")
    assert store.list_datasets(tmp_path) == []
    with pytest.raises(store.StoreError):
        store.check_name(contributor_files.UPLOADS)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        pytest.param("report.csv", "report.csv", id="plain"),
        pytest.param("../../x/report.csv", "report.csv", id="folders-dropped"),
        pytest.param("C:\\Users\\me\\r.csv", "r.csv", id="windows-folders"),
        pytest.param("bad\x00name\n.csv", "badname.csv", id="controls-dropped"),
        pytest.param("", "upload", id="empty"),
    ],
)
def test_display_name(given, shown):
    assert contributor_files.display_name(given) == shown


@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    frame = rows({}, {"date": "2025-13-40"}, {"state": "XX", "agencies": "Space Force"}, {"summary": "=1+1"})
    return write_csv(tmp_path_factory.mktemp("mixed") / "mixed.csv", frame)


def _same(a, b):
    assert a.counts() == b.counts()
    pd.testing.assert_frame_equal(a.problems.reset_index(drop=True), b.problems.reset_index(drop=True))
    pd.testing.assert_frame_equal(a.records, b.records)
    pd.testing.assert_frame_equal(a.quarantine(), b.quarantine())
    assert a.file_hash == b.file_hash and a.notes == b.notes


@pytest.mark.parametrize("which", ["mixed", "demo"])
def test_prepare_in_steps_agrees_with_the_pipeline(which, mixed_csv):
    path = mixed_csv if which == "mixed" else DEMO_CSV
    steps = []
    ours = contributor_files.prepare_in_steps(path, None, "shown name.csv", steps.append)
    _same(ours, prepare(path))
    assert ours.source == "shown name.csv" and ours.report.path == "shown name.csv"
    assert [s.split()[0] for s in steps] == ["Reading", "Cleaning"]


def test_prepare_in_steps_with_a_mapping_agrees_with_the_pipeline(tmp_path):
    """The first 300 rows of the shipped ICE FY2019 file, through its mapping."""
    source = REPO / "data" / "sources" / "ice-ero-fy2019" / "EROArrests_FY2019.csv.gz"
    if not source.is_file():
        pytest.skip("the ICE FY2019 source file is not in the repo")
    with gzip.open(source, "rt", encoding="utf-8", errors="replace", newline="") as f:
        head = "".join(line for _, line in zip(range(301), f, strict=False))
    path = tmp_path / "ice-head.csv"
    path.write_text(head, encoding="utf-8")
    mapping = REPO / "data" / "mappings" / "ice-ero-fy2019.yaml"
    steps = []
    ours = contributor_files.prepare_in_steps(path, mapping, None, steps.append)
    _same(ours, prepare(path, mapping=mapping))
    assert ours.counts()["rows_in"] > 250  # 300 lines less the preamble and header
    assert steps[0].endswith("through the mapping ice-ero-fy2019.yaml")


def test_unusable_file_names_the_uploaded_name_not_the_stored_one(tmp_path):
    stored = contributor_files.store_upload(tmp_path, b"\x00\x01\x02 binary", "my data.csv")
    with pytest.raises(FileUnusable) as err:
        contributor_files.prepare_in_steps(stored, None, "my data.csv")
    assert "my data.csv" in str(err.value) and stored.name not in str(err.value)


def test_change_tables():
    old = pd.DataFrame(
        {
            "encounter_id": ["A", "B", "C"],
            "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]),
            "city": ["Austin", "Boise", "Chico"],
            "people_affected": pd.array([1, None, 3], dtype="Int32"),
        }
    )
    new = pd.DataFrame(
        {
            "encounter_id": ["B", "C", "D"],
            "date": pd.to_datetime(["2025-01-02", "2025-02-03", "2025-01-04"]),
            "city": ["Boise", "Chico", "Dayton"],
            "people_affected": pd.array([2, 3, 4], dtype="Int32"),
        }
    )
    changes = store.diff_records(old, new)
    details = contributor_files.change_details(old, new, changes)
    assert details.to_dict("records") == [
        {"encounter_id": "B", "field": "people_affected", "before": "", "after": "2"},
        {"encounter_id": "C", "field": "date", "before": "2025-01-03", "after": "2025-02-03"},
    ]
    assert contributor_files.added_rows(new, changes).to_dict("records") == [
        {"encounter_id": "D", "date": "2025-01-04", "city": "Dayton"}
    ]
    assert list(contributor_files.removed_rows(old, changes)["encounter_id"]) == ["A"]
    assert contributor_files.change_details(None, new, store.diff_records(None, new)).empty
    assert list(contributor_files.change_details(old, new, changes, limit=1)["encounter_id"]) == ["B"]


def test_safe_csv_neutralises_formulas_in_cells_and_headers():
    frame = pd.DataFrame(
        {
            "value": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", None],
            "=cmd": pd.Categorical(["=a", "b", "c", "d", "e", "f", "g", "h"]),
            "row": range(8),
        }
    )
    text = contributor_files.safe_csv(frame).decode()
    header, *body = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["value", "'=cmd", "row"]
    values = [r[0] for r in body]
    assert values[:6] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx"]
    assert values[6] == "plain" and body[0][1] == "'=a"
    assert [r[2] for r in body] == [str(i) for i in range(8)]  # numbers are not touched


def test_audit_and_history_tables():
    entries = [
        {
            "action": "publish",
            "result": "published",
            "version": 1,
            "published_by": "alice",
            "at": "t1",
            "changes": {"added": 3, "changed": 0, "removed": 0},
            "rows_in": 3,
            "input_file": "a.csv",
        },
        {"action": "publish", "result": "refused", "published_by": "bob", "at": "t2", "reason": "busy"},
        {
            "action": "rollback",
            "result": "published",
            "version": 2,
            "rolled_back_to": 1,
            "at": "t3",
            "published_by": "alice",
            "changes": {"added": 0, "changed": 0, "removed": 0},
        },
    ]
    audit = contributor_files.audit_frame(entries)
    assert list(audit["at"]) == ["t3", "t2", "t1"]
    assert list(audit["result"]) == ["published", "refused", "published"]
    assert audit.loc[1, "reason"] == "busy" and pd.isna(audit.loc[1, "version"])
    assert contributor_files.audit_frame([]).empty
    history = contributor_files.history_frame(
        [
            {"version": 1, "current": False, "changes": {"added": 3}},
            {"version": 2, "current": True, "action": "rollback", "rolled_back_to": 1},
        ]
    )
    assert list(history["version"]) == [2, 1]
    assert history.loc[0, "what"] == "rollback to version 1" and history.loc[0, "current"] == "current"


def test_missing_values_in_category_columns_show_as_empty():
    new = pd.DataFrame(
        {"encounter_id": ["A"], "date": pd.to_datetime(["2025-01-01"]), "city": pd.Categorical([None], ["Boise"])}
    )
    added = contributor_files.added_rows(new, store.diff_records(None, new))
    assert added.to_dict("records") == [{"encounter_id": "A", "date": "2025-01-01", "city": ""}]


class _FullUploadsDisk(fsio.FileOps):
    """No space left for uploads: a write under _uploads fails with ENOSPC after putting part of it on disk."""

    def write(self, handle, data):
        if "_uploads" in str(handle.name):
            super().write(handle, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), handle.name)
        super().write(handle, data)


@pytest.mark.parametrize("data", [pytest.param(b"x,y\n1,2\n" * 1000, id="bytes"), pytest.param(None, id="stream")])
def test_a_full_disk_while_storing_an_upload_says_so_and_leaves_nothing(tmp_path, monkeypatch, data):
    earlier = contributor_files.store_upload(tmp_path, b"a,b\n1,2\n", "earlier.csv")
    monkeypatch.setattr(fsio, "ops", _FullUploadsDisk())
    with pytest.raises(UploadNotStored, match="disk is full.*nothing of it was kept") as refused:
        contributor_files.store_upload(tmp_path, data if data is not None else io.BytesIO(b"x" * 3_000_000), "in.csv")
    assert refused.value.disk_full
    assert sorted(p for p in contributor_files.uploads_dir(tmp_path).rglob("*") if p.is_file()) == [earlier]
