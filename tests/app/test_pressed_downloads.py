"""A pressed Download CSV survives the other visitors' script runs until the browser fetches it.

Streamlit sweeps unreferenced files after every script run: a deferred download's file was marked by
the first sweep and deleted by the second, so on a busy server the browser's GET could get 404."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard.views import media_files

CSV = b"encounter_id,date\nT-1,2025-01-02\n"


def _press(manager: MediaFileManager) -> str:
    """What a press does: the deferred file is made; returns the id the browser will GET."""
    placeholder = manager.add_deferred(lambda: CSV, "text/csv", "coords", file_name="encounters.csv")
    return manager.execute_deferred(placeholder).rsplit("/", 1)[-1].split(".", 1)[0]


def _other_visitors_runs(manager: MediaFileManager, runs: int = 3) -> None:
    for _ in range(runs):  # what every script run of any session ends with
        manager.remove_orphaned_files()


@pytest.fixture
def storage():
    return MemoryMediaFileStorage("/media")


def test_the_file_is_still_there_after_other_visitors_runs(storage):
    manager = MediaFileManager(storage)
    media_files.keep_pressed_downloads(manager)
    made = _press(manager)
    _other_visitors_runs(manager)
    assert storage.get_file(made).content == CSV


def test_without_it_streamlit_loses_the_file(storage):
    """The behaviour worked around: if Streamlit fixes it, this fails and the module can go."""
    manager = MediaFileManager(storage)
    made = _press(manager)
    _other_visitors_runs(manager)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(made)


def test_after_the_window_the_file_is_swept_as_before(storage, monkeypatch):
    manager = MediaFileManager(storage)
    media_files.keep_pressed_downloads(manager)
    made = _press(manager)
    monkeypatch.setattr(media_files, "FETCH_WINDOW_S", -1.0)  # the window has passed
    _other_visitors_runs(manager)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(made)
    assert manager.made_at == {}


def test_installing_twice_changes_nothing(storage):
    manager = MediaFileManager(storage)
    media_files.keep_pressed_downloads(manager)
    made = _press(manager)
    media_files.keep_pressed_downloads(manager)  # every page run calls it
    assert made in manager.made_at
