"""Parsers for one distinct cell value of each column kind.

Each parser takes a raw string and returns (clean value, reason or None). Validation calls them
once per distinct value of a column, not once per row, which is what keeps a million rows fast.
The reason is a plain-words sentence naming the value, ready to show a contributor.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from urllib.parse import urlparse

from dashboard.schema import Column, Schema, Taxonomy

Parsed = tuple[object, str | None]

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y")
_MONTH_FORMATS = ("%Y-%m", "%B %Y", "%b %Y")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def squash(raw: str) -> str:
    """Trim and collapse runs of whitespace (including newlines) to one space."""
    return " ".join(raw.split())


def is_missing(raw: str, schema: Schema, taxonomy: Taxonomy | None = None) -> bool:
    token = squash(raw).lower()
    if taxonomy is not None and token in {v.lower() for v in taxonomy.values}:
        return False  # "unknown" is a real outcome, not a missing value
    return token in schema.missing_tokens


FIRST_YEAR, LAST_YEAR = 1900, 2100  # the dates a record can hold (publishing stores nanosecond timestamps)


def parse_date(raw: str) -> tuple[date | None, str | None, str | None]:
    """(date, implied precision, reason). '2025-03' implies month, '2025' implies year. A date outside
    FIRST_YEAR..LAST_YEAR is refused here, for its row alone, so publishing never meets one."""
    found, implied, reason = _parse_date(raw)
    if found is not None and not FIRST_YEAR <= found.year <= LAST_YEAR:
        return None, None, f'"{squash(raw)}" is outside the years {FIRST_YEAR} to {LAST_YEAR} that a record can hold'
    return found, implied, reason


def _parse_date(raw: str) -> tuple[date | None, str | None, str | None]:
    text = squash(raw)
    head = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date(), None, None
        except ValueError:
            pass
    for fmt in _MONTH_FORMATS:
        try:
            return datetime.strptime(text, fmt).date(), "month", None
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1), "year", None
    return None, None, f'"{text}" is not a date; write it as YYYY-MM-DD, e.g. 2025-06-14'


class TermMatcher:
    """Matches a raw value against a taxonomy: case-insensitive, with suggestions for near misses."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self.exact = {v.lower(): v for v in taxonomy.values}
        self.synonyms = {s.lower(): t.value for t in taxonomy.terms for s in t.synonyms}
        self._candidates = {**self.exact, **self.synonyms}

    def match(self, raw: str) -> Parsed:
        text = squash(raw)
        key = text.lower()
        if key in self.exact:
            return self.exact[key], None
        if key in self.synonyms and self.taxonomy.accept_synonyms:
            return self.synonyms[key], None
        return None, self._unknown(text)

    def _unknown(self, text: str) -> str:
        noun = self.taxonomy.noun
        key = text.lower()
        guess = self.synonyms.get(key)
        if guess is None:
            close = difflib.get_close_matches(key, list(self._candidates), n=1, cutoff=0.75)
            guess = self._candidates[close[0]] if close else None
        if guess is not None:
            return f'"{text}" is not a known {noun}; did you mean "{guess}"?'
        # The allowed values are listed once per column by the report (dashboard/ingest/report.py), not in
        # every row's reason: 50,000 rows times the list made reports of hundreds of kilobytes.
        return f'"{text}" is not a known {noun}; see the allowed values of this column'


def parse_multi(raw: str, matcher: TermMatcher, sep: str) -> Parsed:
    """Several taxonomy values: de-duplicated, put in the taxonomy's order, joined with '; '."""
    found, reasons = [], []
    for part in raw.split(sep):
        if not part.strip():
            continue
        value, reason = matcher.match(part)
        if reason:
            reasons.append(reason)
        elif value not in found:
            found.append(value)
    if reasons:
        return None, "; ".join(reasons)
    if "none" in found and len(found) > 1 and matcher.taxonomy.name == "force_types":
        return None, '"none" cannot be combined with other force types'
    order = matcher.taxonomy.values
    return f"{sep} ".join(sorted(found, key=order.index)), None


def parse_number(raw: str, column: Column, integer: bool) -> Parsed:
    text = squash(raw).replace(",", "") if integer else squash(raw)
    try:
        number = float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        return None, f'"{squash(raw)}" is not {kind}'
    if integer and not number.is_integer():
        return None, f'"{squash(raw)}" is not a whole number'
    if (
        number != number
        or (column.min is not None and number < column.min)
        or (column.max is not None and number > column.max)
    ):
        hint = "; are latitude and longitude swapped?" if column.name == "latitude" else ""
        return None, f'"{squash(raw)}" is outside the allowed range {column.min:g} to {column.max:g}{hint}'
    return (int(number) if integer else number), None


def parse_fips(raw: str) -> Parsed:
    text = squash(raw)
    if text.endswith(".0"):
        text = text[:-2]  # spreadsheets turn 27053 into 27053.0
    if text.isdigit() and len(text) in (4, 5):
        return text.zfill(5), None  # leading zero lost by a spreadsheet: 1001 is 01001
    return None, f'"{text}" is not a 5-digit county FIPS code'


# Characters a web address never holds unescaped (RFC 3986): a quote or an angle bracket in one is markup
# trying to get out of an attribute ("https://x.org/a\"><script>"), and a space ends the address.
_NOT_IN_URL = re.compile(r'[\s"<>`{}|\\^]')


def parse_sources(raw: str) -> Parsed:
    """Web addresses or citations separated by ' | ' (or newlines)."""
    parts = [squash(p) for p in re.split(r"\s*\|\s*|\n", raw) if squash(p)]
    if not parts:
        return None, "no source given"
    for part in parts:
        lower = part.lower()
        if lower.startswith(("javascript:", "data:", "vbscript:", "file:")):
            return None, f'"{part}" is not an allowed source address (only http and https)'
        if "://" in part or lower.startswith("www."):
            url = urlparse(part if "://" in part else "https://" + part)
            if url.scheme not in ("http", "https") or not url.netloc or _NOT_IN_URL.search(part):
                return None, f'"{part}" is not a valid web address'
    return " | ".join(parts), None


def parse_text(raw: str, column: Column) -> Parsed:
    text = squash(_CONTROL.sub(" ", raw))
    if column.max_length and len(text) > column.max_length:
        return None, f"is {len(text):,} characters long; at most {column.max_length:,} are allowed"
    return text, None


def parse_id(raw: str) -> Parsed:
    text = raw.strip()
    if len(text) > 120 or _CONTROL.search(text) or any(c.isspace() for c in text):
        return None, f'"{squash(text)[:60]}" is not a usable id (no spaces, at most 120 characters)'
    return text, None
