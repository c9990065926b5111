"""Briefings: what happened in one area and period, compared with the period before.

Pure functions, no Streamlit: the Briefing page and `encounters brief` both call
`compute.compute_briefing` for the numbers, then render them as text, HTML, PDF or PNG.
"""

from __future__ import annotations


class BriefingError(ValueError):
    """A briefing cannot be made as asked (unknown area, bad dates); the message says why, plainly."""
