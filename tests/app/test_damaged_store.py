"""The app over a damaged store or a full disk: a message on the page, never Streamlit's error page.

- a visitor opening a dataset whose current version is damaged reads why (English and Spanish);
- the Contribute page marks the damage in its history, previews a file against nothing, publishes
  over the damaged version and so repairs it;
- a publish on a full disk says the disk is full, and where.
"""

from __future__ import annotations

import errno
import os

from support import new_app
from test_contribute import contribute_app, demo_source, history_table, upload

from dashboard import fsio, store
from dashboard.ingest.pipeline import prepare, publish_prepared


def _damage(root, version: int = 1) -> None:
    path = store.version_dir(root, "demo", version) / "records.parquet"
    path.write_bytes(path.read_bytes()[:200])


def test_a_visitor_reads_why_a_damaged_dataset_is_not_shown(root, tmp_path):
    _damage(root)
    for lang, words in (("en", "The dataset demo cannot be shown"), ("es", "El conjunto de datos demo no se puede")):
        at = new_app(lang=lang).run()
        assert not at.exception, at.exception
        assert any(e.value.startswith(words) for e in at.error), [e.value for e in at.error]
    # once a contributor publishes over it, the page shows the dataset again
    path = tmp_path / "repair.csv"
    demo_source().head(50).to_csv(path, index=False)
    publish_prepared(prepare(path), root, "demo", who="test")
    at = new_app().run()
    assert not at.exception and not at.error
    assert at.metric[0].value == "50"


def test_contribute_marks_the_damage_and_a_publish_repairs_it(root, monkeypatch):
    _damage(root)
    at = contribute_app(sign_in=True)
    assert not at.exception, at.exception
    history = history_table(at)
    assert history.loc[0, "damage"].startswith("records.parquet is truncated")
    assert any(e.value.startswith("The current version is damaged") for e in at.tabs[1].error)

    source = demo_source().head(50).to_csv(index=False).encode()
    upload(at, source, "repair.csv")
    assert any(w.value.startswith("The current version is damaged, so this preview compares") for w in at.warning)
    assert {m.label: m.value for m in at.metric}["Added"] == "50"
    at.button(key="contribute_publish").click().run()
    assert not at.exception, at.exception
    assert "Published version 2 of demo" in at.success[0].value
    assert "compared with nothing: the current version 1 is damaged" in at.success[0].value
    assert len(store.load_records(root, "demo")) == 50


class FullDisk(fsio.FileOps):
    def write(self, handle, data):
        if "audit.jsonl" in handle.name:
            return super().write(handle, data)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), handle.name)


def test_a_full_disk_is_named_on_the_contribute_page(root, monkeypatch):
    at = contribute_app(sign_in=True)
    source = demo_source().to_csv(index=False).encode()
    upload(at, source, "same.csv")
    monkeypatch.setattr(fsio, "ops", FullDisk())
    at.button(key="contribute_publish").click().run()
    assert not at.exception, at.exception
    assert any(e.value == "Not published: the disk is full." for e in at.error), [e.value for e in at.error]
    shown = " ".join(t.value for t in at.text)
    assert f"the disk holding {root / 'demo'} is full" in shown
    assert store.current_version(root, "demo") == 1
    assert not list((root / "demo").glob(".CURRENT.*")) and not list((root / "demo" / "versions").glob(".tmp-*"))
