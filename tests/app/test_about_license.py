"""A dataset published without metadata: the command warns, and the About page shows its license as unknown."""

from __future__ import annotations

import pytest
from support import page_app, rows, write_csv

from dashboard.cli import main


@pytest.fixture
def bare_root(tmp_path, monkeypatch, capsys):
    """One dataset published with no --metadata; the command's warning is returned with the root."""
    path = write_csv(tmp_path / "in.csv", rows({}))
    root = tmp_path / "ds"
    assert main(["--data-dir", str(root), "publish", str(path), "--dataset", "bare"]) == 0
    monkeypatch.setenv("ENCOUNTERS_DATA_DIR", str(root))
    return root, capsys.readouterr().err


def test_publishing_a_new_dataset_without_metadata_warns(bare_root):
    _, err = bare_root
    assert "warning: bare is a new dataset and no --metadata file was given" in err
    assert "license is recorded as unknown" in err


def test_a_second_publish_of_the_same_dataset_does_not_warn_again(bare_root, tmp_path, capsys):
    root, _ = bare_root
    main(["--data-dir", str(root), "publish", str(write_csv(tmp_path / "again.csv", rows({}))), "--dataset", "bare"])
    assert "warning" not in capsys.readouterr().err


def test_a_metadata_file_with_a_license_does_not_warn(tmp_path, capsys):
    meta = tmp_path / "meta.yaml"
    meta.write_text("title: Test\nlicense: CC0-1.0\n")
    path = write_csv(tmp_path / "in.csv", rows({}))
    root = str(tmp_path / "ds")
    assert main(["--data-dir", root, "publish", str(path), "--dataset", "t", "--metadata", str(meta)]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "lang, warning, cell",
    [
        ("en", "License unknown:", "unknown (not stated)"),
        ("es", "Licencia desconocida:", "desconocida (no indicada)"),
    ],
)
def test_the_about_page_warns_that_the_license_is_unknown(bare_root, lang, warning, cell):
    at = page_app("about", lang=lang).run()
    assert not at.exception
    assert any(w.value.startswith(warning) for w in at.warning), [w.value for w in at.warning]
    table = at.dataframe[0].value
    assert cell in table.iloc[:, 1].tolist()
