"""TEMPORARY until issue15-features lands its person-like column patterns: which headers look personal."""

from __future__ import annotations

import re

_PATTERNS = (
    r"name", r"badge", r"employee", r"officer.?id", r"serial", r"subject.?id", r"\bage\b", r"age$", r"birth",
    r"\bdob\b", r"\bsex\b", r"gender", r"hire", r"phone", r"address", r"ssn",
)


def personal_columns(headers: list[str]) -> list[str]:
    return [h for h in headers if any(re.search(p, h, re.IGNORECASE) for p in _PATTERNS)]
