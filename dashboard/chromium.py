"""The system's Chromium, started offline: one definition for the PDF renderer, tests and benchmarks."""

from __future__ import annotations

import os
import shutil

# No background traffic: this machine's network is closed, and connections would be refused many at a
# time. (Files rendered from disk add NO_HOSTS; a browser test of the local app cannot, since the
# rule also blocks 127.0.0.1.)
OFFLINE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--mute-audio",
)
NO_HOSTS = "--host-resolver-rules=MAP * ~NOTFOUND"  # no host resolves: nothing a page asks for leaves


def find() -> str | None:
    """Path of the Chromium binary ($ENCOUNTERS_CHROMIUM first), or None when none is installed."""
    for candidate in (os.environ.get("ENCOUNTERS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None
