"""read -> map -> validate -> clean/enrich -> publish, as the CLI and the Contribute page both run it.

Rows in = rows published + rows quarantined (+ rows a mapping's leave_out rules left out, counted per rule),
always: a row is never dropped without a reason. Under a mapping's group_by, published and quarantined
count encounters, each built from several rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard import store
from dashboard.config import district_layers
from dashboard.ingest.clean import clean
from dashboard.ingest.read import ReadReport, read_table
from dashboard.ingest.validate import Validation, validate
from dashboard.schema import load_schema


@dataclass
class Prepared:
    source: str
    report: ReadReport
    validation: Validation
    raw: pd.DataFrame  # the rows as read, before mapping (only the invalid ones once prepared with records)
    file_hash: str
    mapping: str | None = None
    mapping_hash: str | None = None
    records: pd.DataFrame | None = None  # cleaned valid rows, once clean() has run
    mapped: pd.DataFrame | None = None  # under a mapping: the canonical text each row became (for a preview)
    notes: list[str] = field(default_factory=list)
    rows_read: int | None = None  # source rows, when a mapping leaves rows out or groups them
    left_out: dict[str, int] = field(default_factory=dict)  # leave_out rule name -> rows it left out
    grouped: bool = False  # group_by: records are encounters built from several rows

    @property
    def problems(self) -> pd.DataFrame:
        return self.validation.problems

    def counts(self) -> dict:
        """rows_in (source rows) = rows_left_out (per rule) + the rows that became records, valid or invalid.
        Under group_by, rows_valid and rows_invalid count encounters, and `encounters` is their sum."""
        counts = self.validation.counts()
        if self.rows_read is None:
            return counts
        counts["rows_in"] = self.rows_read
        if self.left_out:
            counts["rows_left_out"] = dict(self.left_out)
        if self.grouped:
            counts["encounters"] = self.validation.rows_in
        return counts

    def quarantine(self) -> pd.DataFrame:
        """Invalid rows as they were read, with their spreadsheet row number and every reason."""
        reasons = (
            self.problems.assign(text=self.problems["column"] + ": " + self.problems["reason"].astype(str))
            .groupby("row")["text"]
            .agg(" ; ".join)
        )
        every_row = len(self.raw) == self.validation.rows_in  # else prepare() kept only the invalid ones
        rows = (self.raw.loc[self.validation.invalid_rows] if every_row else self.raw).copy()
        rows.insert(0, "problems", rows["_row"].map(reasons).fillna(""))
        rows.insert(0, "row", rows.pop("_row"))
        return rows.drop(columns=[c for c in rows.columns if c == "_read_error"])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def problem_summary(problems: pd.DataFrame, max_rows: int = 10) -> pd.DataFrame:
    """One line per (column, value, reason): how many rows, and the first few of them."""
    if problems.empty:
        return pd.DataFrame(columns=["column", "value", "reason", "count", "rows"])
    grouped = problems.groupby(["column", "value", "reason"], sort=False, dropna=False)["row"]
    out = grouped.agg(
        count="size", rows=lambda r: ", ".join(map(str, r.iloc[:max_rows])) + (" ..." if len(r) > max_rows else "")
    )
    return out.reset_index().sort_values("count", ascending=False, kind="stable")


def accounting_line(counts: dict) -> str:
    """The row accounting in one sentence: rows in = valid + invalid (+ left out by each rule)."""
    records = f"{counts['rows_valid']:,} valid + {counts['rows_invalid']:,} invalid"
    if "encounters" in counts:
        grouped = counts["rows_in"] - sum(counts.get("rows_left_out", {}).values())
        records = f"{grouped:,} rows grouped into {counts['encounters']:,} encounters ({records})"
    left = "".join(f' + {n:,} left out by rule "{name}"' for name, n in counts.get("rows_left_out", {}).items())
    return f"rows in: {counts['rows_in']:,} = {records}{left}"


def published_line(manifest: dict) -> str:
    """rows in = published + quarantined (+ left out by each rule), as a publish's manifest records it."""
    records = f"published {manifest['rows_published']:,} + quarantined {manifest['rows_quarantined']:,}"
    if "rows_grouped" in manifest:
        records = f"{manifest['rows_grouped']:,} rows grouped into encounters: {records}"
    left = manifest.get("rows_left_out") or {}
    return f"rows in {manifest['rows_in']:,} = {records}" + "".join(
        f' + left out by rule "{name}" {n:,}' for name, n in left.items()
    )


def prepare(path: str | Path, mapping: str | Path | None = None, with_records: bool = True) -> Prepared:
    """Read, map and validate a file; clean the valid rows unless with_records is False (validate only).

    Raises FileUnusable (from read or map) when the file as a whole cannot be used.
    """
    path = Path(path)
    raw, report = read_table(path)
    frame, notes, mapping_hash, mapped = raw, [], None, None
    if mapping is not None:
        from dashboard.ingest.mapping import load_mapping, map_rows

        spec = load_mapping(mapping)
        mapping_hash = file_sha256(spec.path)
        mapped = map_rows(raw, spec, source=path.name)
        frame, notes = mapped.frame, mapped.notes
        # The quarantine keeps rows as read, for fixing; never with the columns the mapping keeps out,
        # and one line per record: a grouped encounter's first row, with the rows it joins.
        personal = {*spec.exclude, *spec.redact.get("names_from", ())}
        raw = raw.drop(columns=[c for c in raw.columns if c in personal])
        if mapped.left_out or mapped.groups is not None:
            raw = raw.set_index(raw["_row"], drop=False).loc[frame["_row"]].reset_index(drop=True)
        if mapped.groups is not None:
            raw.insert(1, "grouped_rows", [", ".join(map(str, mapped.groups[r])) for r in frame["_row"]])
    validation = validate(frame, source=path.name)
    if mapped is not None:
        from dashboard.ingest.hints import annotate

        notes = notes + _add_mapping_problems(validation, mapped, spec)
        # Under a mapping the fix is a mapping key (values:, format:, constants:), never "edit the file".
        validation.problems = annotate(validation.problems, spec, raw)
    prepared = Prepared(
        source=path.name,
        report=report,
        validation=validation,
        raw=raw,
        file_hash=file_sha256(path),
        mapping=str(mapping) if mapping else None,
        mapping_hash=mapping_hash,
        notes=notes + validation.notes,
        mapped=frame if mapping is not None else None,
    )
    if mapped is not None and (mapped.left_out or mapped.groups is not None):
        prepared.rows_read = mapped.rows_in
        prepared.left_out = {name: len(rows) for name, rows in mapped.left_out.items()}
        prepared.grouped = mapped.groups is not None
    # From here `prepared` holds all that is kept. A local name left on the rows as read would keep
    # them alive through cleaning even after the trim below (issue 14: 500 MB at a million rows).
    del raw, frame, mapped
    if with_records:
        # Publishing needs the rows as read only for the quarantine (previews use with_records=False):
        # keeping just the invalid ones frees a copy of the file's text before cleaning (issue 14: memory).
        prepared.raw = prepared.raw.loc[prepared.validation.invalid_rows]
        clean_valid(prepared)
    return prepared


def _add_mapping_problems(validation, mapped, spec) -> list[str]:
    """The mapping's own row problems join validation's. A date validation cannot read is the mapping's to
    fix (its columns.<column>.format), not the file's: the reason says so, and a column read with no format
    gets one note proposing the format to add."""
    from dashboard.ingest.mapping_steps import propose_date_format

    found, notes = validation.problems, []
    dates = [c for c in spec.columns if c.sources and load_schema().column(c.target).kind == "date"]
    for c in dates:
        at = (found["column"] == c.target) & found["reason"].astype(str).str.contains("write it as YYYY-MM-DD")
        if not at.any():
            continue
        key, values = f"columns.{c.target}.format", found.loc[at, "value"].astype(str)
        if c.formats:
            found.loc[at, "reason"] = (
                '"' + values + f'" matches none of {key} ({", ".join(c.formats)}); add its format there in {spec.name}'
            )
            continue
        found.loc[at, "reason"] = '"' + values + f'" is not a date as written; give its format in {key} in {spec.name}'
        unread = list(dict.fromkeys(values))
        fmt, _ = propose_date_format(unread[:200])
        looks = ", ".join(f'"{u}"' for u in unread[:3])
        source = c.sources[0] if len(c.sources) == 1 else list(c.sources)
        fix = (
            f'write columns.{c.target} as {{from: {source}, format: "{fmt}"}}' if fmt else f"give their format in {key}"
        )
        notes.append(
            f'column "{" + ".join(c.sources)}": {int(at.sum()):,} values are not dates as written, they look like {looks}; {fix}'
        )
    if not mapped.problems.empty:
        found = pd.concat([found, mapped.problems], ignore_index=True)
        found = found.sort_values(["row", "column"], kind="stable").reset_index(drop=True)
    validation.problems = found
    return notes


def clean_valid(prepared: Prepared) -> Prepared:
    """Clean and enrich the rows that passed validation into the records to publish (prepare's last
    step, apart so that a page can show it as a step of its own)."""
    parsed, invalid = prepared.validation.parsed, prepared.validation.invalid_rows
    # Every row valid (the usual large file): no copy of the parsed values; clean() copies on write.
    valid = parsed if not invalid.any() else parsed.loc[~invalid].reset_index(drop=True)
    prepared.records = clean(valid, district_layers=district_layers())
    return prepared


def publish_prepared(prepared: Prepared, root: Path, name: str, who: str = "", metadata: dict | None = None) -> dict:
    quarantine = prepared.quarantine()
    records, counts = prepared.records, prepared.counts()
    assert len(records) + len(quarantine) == prepared.validation.rows_in, "row accounting broke"
    grouped_rows = counts["rows_in"] - sum(prepared.left_out.values())
    assert prepared.grouped or grouped_rows == len(records) + len(quarantine), "row accounting broke"
    info = {
        "action": "publish",
        "published_by": who,
        "input_file": prepared.source,
        "input_sha256": prepared.file_hash,
        "mapping": Path(prepared.mapping).name if prepared.mapping else None,
        "mapping_sha256": prepared.mapping_hash,
        "rows_in": counts["rows_in"],
    }
    if prepared.left_out:  # rows in = published + quarantined + left out by each rule
        info["rows_left_out"] = dict(prepared.left_out)
    if prepared.grouped:  # rows in = left out + rows grouped into the published and quarantined encounters
        info["rows_grouped"] = grouped_rows
    return store.publish(root, name, records, quarantine, info, metadata=metadata)


def diff_prepared(prepared: Prepared, root: Path, name: str) -> store.Changes:
    version = store.current_version(root, name)
    old = store.load_records(root, name, version) if version else None
    return store.diff_records(old, prepared.records)
