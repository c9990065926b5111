"""An accepted report becomes a published change through the usual path: validate -> clean -> diff -> publish.

The dataset's published records are written back as canonical text, the report's record is added (a new
encounter) or edited (a correction), and the whole is validated, cleaned and published as a new version,
exactly as a contributor's file would be. Nothing is published when the draft has a problem (the
contributor is told which, column by column) or when the change would touch any record but its own.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import store
from dashboard.config import district_layers
from dashboard.ingest.clean import clean
from dashboard.ingest.validate import validate
from dashboard.reports.model import Draft, Report
from dashboard.reports.rules import DraftInvalid, ReportError, Rules, correctable_fields, date_precision
from dashboard.schema import Schema, load_schema


def records_as_text(records: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Published records back as the canonical text a contributor's file would hold (input columns)."""
    out = {}
    for c in schema.input_columns:
        col = records[c.name] if c.name in records else pd.Series("", index=records.index)
        if c.kind == "date":
            out[c.name] = pd.to_datetime(col).dt.strftime("%Y-%m-%d").fillna("")
        elif c.kind == "float":
            out[c.name] = [("" if pd.isna(x) else repr(float(x))) for x in col]
        elif c.kind == "int":
            out[c.name] = [("" if pd.isna(x) else str(int(x))) for x in col]
        else:
            out[c.name] = col.astype(object).fillna("").astype(str)
    frame = pd.DataFrame(out, index=records.index).reset_index(drop=True)
    frame.insert(0, "_row", np.arange(2, len(frame) + 2))
    return frame


def draft_new(report: Report, rules: Rules, today: date) -> dict[str, str]:
    """The record a new-encounter report proposes (before the contributor's own values)."""
    defaults = rules.draft
    point = report.latitude is not None and report.longitude is not None
    return {
        "encounter_id": report.ref,
        "date": report.date_from.isoformat(),
        "date_precision": date_precision(report.date_from, report.date_to, rules),
        "state": report.state,
        "city": report.city,
        "latitude": repr(report.latitude) if point else "",
        "longitude": repr(report.longitude) if point else "",
        "location_precision": defaults["location_precision_of_point"] if point else "",
        "agencies": "; ".join(report.agencies) or defaults["agencies"],
        "encounter_type": defaults["encounter_type"],
        "force_types": "; ".join(report.force_seen),
        "summary": report.what_happened,
        "verification": defaults["verification"],
        "sources": " | ".join(report.links),
        "last_updated": today.isoformat(),
    }


def edit_for_correction(row: dict[str, str], report: Report, today: date) -> dict[str, str]:
    """A correction cites a source: it joins the record's sources. The new value comes from the contributor."""
    out = dict(row)
    sources = [s for s in out.get("sources", "").split(" | ") if s]
    if report.source_url and report.source_url not in sources:
        sources.append(report.source_url)
    out["sources"] = " | ".join(sources)
    out["last_updated"] = today.isoformat()
    return out


def apply_overrides(row: dict[str, str], overrides: dict | None, rules: Rules) -> dict[str, str]:
    allowed = correctable_fields(rules)
    unknown = [k for k in (overrides or {}) if k not in allowed]
    if unknown:
        raise ReportError(f"{', '.join(unknown)}: not a column that can be set; these can: {', '.join(allowed)}")
    return {**row, **{k: "" if v is None else str(v) for k, v in (overrides or {}).items()}}


def _problems_of(frame: pd.DataFrame, row_number: int | None, schema: Schema) -> list[tuple[str, str, str]]:
    validation = validate(frame, source="report", schema=schema)
    found = validation.problems
    if row_number is not None:
        found = found[found["row"] == row_number]
    return [(p.column, str(p.value), str(p.reason)) for p in found.itertuples(index=False)]


def check_draft(dataset: str, row: dict[str, str], schema: Schema | None = None) -> Draft:
    """Validate one drafted row alone (quick: for showing a contributor what accepting would publish)."""
    schema = schema or load_schema()
    frame = pd.DataFrame([{"_row": 2, **row}])
    return Draft(dataset, row["encounter_id"], dict(row), tuple(_problems_of(frame, 2, schema)))


def publish_record(
    root: Path, dataset: str, row: dict[str, str], ref: str, who: str, action: str, schema: Schema | None = None
) -> dict:
    """Add (or replace, by encounter_id) one record in the dataset and publish it as a new version.

    Raises DraftInvalid when the record has a problem, ReportError when the change would reach other
    records (the published ones do not survive being written back unchanged: a bug, not a contributor's).
    A publish that comes in between (another contributor's) is kept: the change is made again on top of it.
    """
    schema = schema or load_schema()
    for attempt in range(5):
        try:
            return _publish_on_current(root, dataset, row, ref, who, action, schema)
        except store.VersionMoved:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _publish_on_current(root: Path, dataset: str, row: dict, ref: str, who: str, action: str, schema: Schema) -> dict:
    current = store.current_version(root, dataset)
    if current is None:
        raise ReportError(f'dataset "{dataset}" has no published version in {root}')
    published = store.load_records(root, dataset, current)
    text = records_as_text(published, schema)
    at = text.index[text["encounter_id"] == row["encounter_id"]]
    if len(at):
        for column, value in row.items():
            text.at[at[0], column] = value
        row_number = int(text.at[at[0], "_row"])
    else:
        row_number = len(text) + 2
        text = pd.concat([text, pd.DataFrame([{**row, "_row": row_number}])], ignore_index=True).fillna("")
    validation = validate(text, source=f"report {ref}", schema=schema)
    problems = validation.problems
    mine = problems[problems["row"] == row_number]
    if not mine.empty:
        raise DraftInvalid(ref, [(p.column, str(p.value), str(p.reason)) for p in mine.itertuples()], row)
    if not problems.empty:
        first = problems.iloc[0]
        raise ReportError(
            f"{dataset} version {current} does not pass validation when written back "
            f"({len(problems):,} problems; first: row {first.row}, {first.column}: {first.reason}); nothing was published"
        )
    records = clean(validation.parsed, schema=schema, district_layers=district_layers())
    changes = store.diff_records(published, records)
    touched = set(changes.added) | set(changes.removed) | set(changes.changed)
    if not touched:
        raise ReportError(
            f"accepting {ref} would change nothing: {dataset} already publishes {row['encounter_id']} so; "
            "give another value, or reject the report"
        )
    stray = sorted(touched - {row["encounter_id"]})
    if stray:
        raise ReportError(
            f"publishing {ref} would also change {len(stray):,} other records ({', '.join(stray[:5])}); "
            "nothing was published. Please report this as a bug."
        )
    quarantine = pd.read_csv(store.version_dir(root, dataset, current) / "quarantine.csv", dtype=str)
    info = {
        "action": action,
        "published_by": who,
        "report": ref,
        "record_reasons": {row["encounter_id"]: f"report {ref}"},
        "rows_in": len(records) + len(quarantine),
    }
    return store.publish(root, dataset, records, quarantine, info, if_current=current)
