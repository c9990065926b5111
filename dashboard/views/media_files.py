"""A pressed download is kept until the browser has had time to fetch it (Streamlit 1.67).

Download CSV and GeoJSON are deferred downloads (`st.download_button` with a callable): the file is
built when the button is pressed and stored as a file that no session references. After every
script run of any visitor, Streamlit sweeps such files: the first sweep marks one, the next deletes
it. On a busy server two other visitors' runs can finish between the press and the browser's GET,
which then gets "file not found": about 1 download in 100 at 24 visitors (benchmarks/RESULTS.md,
the errors of every level). Here a file made for a press is left out of the sweeps for
FETCH_WINDOW_S seconds; after that it is swept as before, so the memory it holds stays bounded.
"""

from __future__ import annotations

import time

from streamlit.runtime import Runtime
from streamlit.runtime.media_file_manager import MediaFileManager

# The browser asks for the file as soon as the press is answered (under a second at the slowest
# level that held); the window covers a slow phone as well. The longer it is, the more files a
# spike's downloads keep in memory at once.
FETCH_WINDOW_S = 30.0


class _KeptUntilFetched(MediaFileManager):
    """The runtime's media file manager, with the files made for presses out of the sweeps for a while.
    `keep_pressed_downloads` switches the live object to this class and gives it `made_at`."""

    made_at: dict[str, float]  # file id -> when a press made it (time.monotonic)

    def execute_deferred(self, file_id: str) -> str:
        url = super().execute_deferred(file_id)
        made = url.rsplit("/", 1)[-1].split(".", 1)[0]  # /media/<file id><extension>
        with self._lock:
            self.made_at[made] = time.monotonic()
        return url

    def _get_inactive_file_ids(self) -> set[str]:
        # Called by the sweep with the lock held: what it may mark or delete.
        inactive = super()._get_inactive_file_ids()
        now = time.monotonic()
        for made, at in list(self.made_at.items()):
            if now - at > FETCH_WINDOW_S:
                del self.made_at[made]
        return inactive - self.made_at.keys()


def keep_pressed_downloads(manager: MediaFileManager | None = None) -> None:
    """Once per server process (later calls do nothing); without a server (AppTest) nothing to do."""
    if manager is None:
        if not Runtime.exists():
            return
        manager = Runtime.instance().media_file_mgr
    if type(manager) is MediaFileManager:  # not another subclass we do not know
        with manager._lock:
            manager.made_at = {}
            manager.__class__ = _KeptUntilFetched
