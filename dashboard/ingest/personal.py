"""Which source columns describe a person, by their header (data/reference/personal_columns.yaml).

A mapping may not use such a column unless it lists it under allow_personal with a reason; a drafted
mapping puts it under exclude.
"""

from __future__ import annotations

import re
from functools import cache

import yaml

from dashboard.paths import REFERENCE_DIR


def header_words(header: str) -> str:
    """'Officer Badge #' -> 'officer_badge', 'SubjectID' -> 'subject_id', 'EventAge' -> 'event_age'."""
    split = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", str(header)))
    return re.sub(r"[^a-z0-9]+", "_", split.lower()).strip("_")


@cache
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    doc = yaml.safe_load((REFERENCE_DIR / "personal_columns.yaml").read_text(encoding="utf-8"))
    return tuple((kind, re.compile(p)) for kind, patterns in doc["kinds"].items() for p in patterns)


def personal_kind(header: str) -> str | None:
    """What personal data a header suggests ("a badge or employee number"...), or None."""
    words = header_words(header)
    return next((kind for kind, pattern in _patterns() if pattern.search(words)), None)
