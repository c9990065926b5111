"""A record's published history: every version that added, changed or removed it, and why.

Built from the store's changelog (each version's changes.parquet and manifest.json), never from the
records themselves, except to show a short value before and after a change. At a million records a
version's changelog can hold a million rows: only the row groups whose min/max statistics can hold
the id are read, which is one small group when the changelog is sorted by id, as store.publish
writes it (older, unsorted changelogs are scanned whole: slower, still correct).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboard import store
from dashboard.i18n import day, t, term

CHANGE_COLUMNS = ("encounter_id", "change", "fields", "reason")
SHORT_VALUE = 60  # longer values (a summary, the sources) are named as changed, not quoted
REPORT_REASON = re.compile(r"^report (R-\d+)$")


def tr(text: str) -> str:
    """Mark a string for the catalog (tests/test_i18n.py checks it has a Spanish translation)."""
    return text


# What a reader calls each field of the record, in the history's sentences
FIELD_LABELS = {
    "date": tr("date"),
    "date_precision": tr("date precision"),
    "state": tr("state"),
    "county_fips": tr("county"),
    "city": tr("city"),
    "latitude": tr("latitude"),
    "longitude": tr("longitude"),
    "location_precision": tr("place precision"),
    "region": tr("region"),
    "agencies": tr("agencies"),
    "encounter_type": tr("encounter type"),
    "place_type": tr("place type"),
    "operation": tr("operation"),
    "targeted_groups": tr("targeted groups"),
    "force_types": tr("force used"),
    "force_level": tr("most severe force"),
    "people_affected": tr("people affected"),
    "outcome": tr("outcome"),
    "summary": tr("summary"),
    "verification": tr("verification"),
    "official_response": tr("official response"),
    "sources": tr("sources"),
    "citizenship": tr("citizenship"),
    "last_updated": tr("last updated"),
    "district": tr("council district"),
    "possible_duplicate_of": tr("possible duplicate"),
}
# Fields whose old and new values a sentence quotes (short, and meaningful to a reader)
QUOTED = ("verification", "date", "date_precision", "location_precision", "encounter_type", "outcome", "state")


def _matching(path: Path, encounter_id: str, columns: tuple[str, ...]) -> list[dict]:
    """The rows of a parquet file whose encounter_id is the one asked for, reading only the row groups
    whose min/max statistics can hold it (every group of an unsorted file). [] if the file is missing."""
    if not path.is_file():
        return []
    f = pq.ParquetFile(path)
    names = f.schema_arrow.names
    at = names.index("encounter_id")
    meta = f.metadata
    groups = []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(at).statistics
        if stats is None or not stats.has_min_max or stats.min <= encounter_id <= stats.max:
            groups.append(i)
    if not groups:
        return []
    table = f.read_row_groups(groups, columns=[c for c in columns if c in names])
    return table.filter(pc.equal(table["encounter_id"], encounter_id)).to_pylist()


def _values(root: Path, dataset: str, version: int, encounter_id: str, fields: list[str]) -> dict:
    """The record's values of `fields` in one version ({} if it was not there)."""
    path = store.version_dir(root, dataset, version) / "records.parquet"
    rows = _matching(path, encounter_id, ("encounter_id", *fields)) if fields else []
    return {f: rows[0].get(f) for f in fields if f in rows[0]} if rows else {}


def record_history(root: Path, dataset: str, encounter_id: str) -> list[dict]:
    """Every published version (oldest first, up to the current one) that added, changed or removed
    the record: version, published_at, change, fields (schema names), reason (None when the version
    gave none), the version it rolled back to (or None), and before/after values of short fields."""
    root = Path(root)
    out = []
    for manifest in store.history(root, dataset):
        version = int(manifest["version"])
        counts = manifest.get("changes") or {}
        if counts and not any(counts.values()):
            continue  # a version that changed nothing: no need to open its changelog
        folder = store.version_dir(root, dataset, version)
        for row in _matching(folder / "changes.parquet", encounter_id, CHANGE_COLUMNS):
            fields = [f.strip() for f in str(row.get("fields") or "").split(",") if f.strip()]
            entry = {
                "version": version,
                "published_at": str(manifest.get("published_at") or ""),
                "change": row["change"],
                "fields": fields,
                "reason": row.get("reason") or None,
                "rolled_back_to": manifest.get("rolled_back_to"),
                "before": {},
                "after": {},
            }
            out.append(entry)
    _quote_values(root, dataset, encounter_id, out)
    return out


def _quote_values(root: Path, dataset: str, encounter_id: str, entries: list[dict]) -> None:
    """Fill before/after of the short fields each change names. A field keeps its value from the version
    that last set it (the record's changelog says so), so `before` is the `after` of that earlier
    version: one read of the records per version that sets a quoted field (plus the one that added
    the record), not two per change. Each read costs a scan of that version's ids."""
    wanted = sorted({f for e in entries if e["change"] == "changed" for f in e["fields"] if f in QUOTED})
    if not wanted:
        return
    read: dict[int, dict] = {}

    def at(version: int) -> dict:
        if version not in read:
            read[version] = _values(root, dataset, version, encounter_id, wanted)
        return read[version]

    set_in: dict[str, int] = {}  # field -> the version whose value it still has
    for e in entries:
        if e["change"] == "removed":
            set_in = {}
            continue
        quoted = [f for f in e["fields"] if f in QUOTED]
        if e["change"] == "changed" and quoted:
            for f in quoted:
                before = at(set_in[f] if f in set_in else e["version"] - 1)
                if f in before:
                    e["before"][f] = before[f]
                if f in at(e["version"]):
                    e["after"][f] = at(e["version"])[f]
        for f in wanted:
            if e["change"] == "added" or f in quoted:
                set_in[f] = e["version"]


# ---------------------------------------------------------------- in words


def _when(published_at: str, lang: str) -> str:
    try:
        d = date.fromisoformat(published_at[:10])
    except ValueError:
        return published_at
    return d.isoformat() if lang == "en" else day(d, lang, "long")


def _value(value, lang: str) -> str:
    if value is None or value == "":
        return t("empty", lang)
    text = str(value)[:10] if hasattr(value, "isoformat") else str(value)
    return term(text, lang)


def _field_words(entry: dict, lang: str) -> str:
    """ "verification reported → corroborated; summary" (quoted values where short and known)."""
    parts = []
    for f in entry["fields"]:
        label = t(FIELD_LABELS.get(f, f), lang)
        if f in entry["before"] and f in entry["after"]:
            before, after = _value(entry["before"][f], lang), _value(entry["after"][f], lang)
            if len(before) <= SHORT_VALUE and len(after) <= SHORT_VALUE:
                label = f"{label} {before} → {after}"
        parts.append(label)
    return "; ".join(parts)


def reason_words(reason: str | None, lang: str) -> str:
    """ "after report R-000123", or the contributor's own reason quoted; "" without one."""
    if not reason:
        return ""
    found = REPORT_REASON.match(reason.strip())
    if found:
        return t("after report {ref}", lang, ref=found.group(1))
    return t("(reason: {reason})", lang, reason=reason)


def history_line(entry: dict, lang: str = "en") -> str:
    """One entry as a sentence: "Added in version 3 (2026-02-01)"; "Changed in version 6 (2026-03-04)
    after report R-000123: verification reported → corroborated; date". Plain text (shown as text)."""
    values = {"version": entry["version"], "date": _when(entry["published_at"], lang)}
    head = {
        "added": tr("Added in version {version} ({date})"),
        "removed": tr("Removed in version {version} ({date})"),
    }.get(entry["change"], tr("Changed in version {version} ({date})"))
    line = t(head, lang, **values)
    if entry.get("rolled_back_to"):
        line += " " + t("(restoring version {old})", lang, old=entry["rolled_back_to"])
    why = reason_words(entry.get("reason"), lang)
    if why:
        line += " " + why
    if entry["change"] == "changed":
        line += ": " + (_field_words(entry, lang) or t("a field", lang))
    return line
