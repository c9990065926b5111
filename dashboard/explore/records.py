"""One page of records as a readable table, and everything the detail view of one record shows.

Record text stays plain text here: the page shows it with st.text / dataframe cells, never as
Markdown or HTML. Only http(s) addresses become links.
"""

from __future__ import annotations

import pandas as pd

from dashboard import geo
from dashboard.explore.export import neutralise

SOURCES_SEPARATOR = " | "
TABLE_COLUMNS = ("date", "place", "type", "force", "agencies", "groups", "verification", "source", "id")

DATE_NOTES = {
    "day": "",
    "week": "The date is known only to the week around the date shown.",
    "month": "The date is known only to the month: it is not drawn on a weekly or daily timeline.",
    "year": "The date is known only to the year: it is left out of the timeline.",
}
PLACE_NOTES = {
    "exact": "",
    "block": "The place is known to the block: the map point is within about 100 metres.",
    "city": "The place is known only to the city: the map point is the city's centre, not where it happened.",
    "county": "The place is known only to the county: the map point, if any, is not where it happened.",
    "region": "The place is known only to a region: the map point is the region's centre, not where it happened.",
    "state": "The place is known only to the state: it is not drawn on the map as a point.",
}


def is_link(text: str) -> bool:
    return str(text).strip().lower().startswith(("http://", "https://"))


def split_sources(sources: object) -> list[str]:
    if sources is None or (isinstance(sources, float) and pd.isna(sources)):
        return []
    return [s.strip() for s in str(sources).split(SOURCES_SEPARATOR.strip()) if s.strip()]


def date_text(date: object, precision: object) -> str:
    d = pd.Timestamp(date)
    if pd.isna(d):
        return ""
    return {
        "week": f"week of {d:%Y-%m-%d}",
        "month": f"{d:%Y-%m}",
        "year": f"{d:%Y}",
    }.get(str(precision), f"{d:%Y-%m-%d}")


def place_text(row) -> str:
    city, state = str(row.get("city") or ""), str(row.get("state") or "")
    if city:
        return f"{city}, {state}" if state else city
    fips = str(row.get("county_fips") or "")
    if fips:
        from dashboard.explore.mapgeo import area_name

        return area_name("county", fips)
    region = str(row.get("region") or "")
    if region:
        return region
    return geo.state_names().get(state, state) or "not recorded"


def _first_link(sources: object) -> str | None:
    return next((s for s in split_sources(sources) if is_link(s)), None)


def table_frame(page: pd.DataFrame) -> pd.DataFrame:
    """The columns a reader scans, one row per record (the page is already in display order).

    Text that a spreadsheet would run as a formula gets a leading apostrophe here too, since the
    table's own toolbar can export the page as CSV."""
    rows = page.to_dict("records")
    frame = pd.DataFrame(
        {
            "date": [date_text(r["date"], r.get("date_precision")) for r in rows],
            "place": [place_text(r) for r in rows],
            "agencies": [str(r.get("agencies") or "") for r in rows],
            "type": [str(r.get("encounter_type") or "") for r in rows],
            "force": [str(r.get("force_types") or "") or "not recorded" for r in rows],
            "groups": [str(r.get("targeted_groups") or "") for r in rows],
            "verification": [str(r.get("verification") or "") for r in rows],
            "source": [_first_link(r.get("sources")) for r in rows],
            "id": [str(r["encounter_id"]) for r in rows],
        },
        columns=list(TABLE_COLUMNS),
    )
    for column in TABLE_COLUMNS:
        if column != "source":
            frame[column] = frame[column].map(neutralise)
    return frame


def detail(record: dict) -> dict:
    """What the detail view shows for one record (a row of the records frame as a dict)."""

    def text(key: str) -> str:
        value = record.get(key)
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    date_precision = text("date_precision") or "day"
    place_precision = text("location_precision")
    notes = [n for n in (DATE_NOTES.get(date_precision, ""), PLACE_NOTES.get(place_precision, "")) if n]
    if not place_precision:
        notes.append("How precisely the place is known was not recorded.")
    if text("possible_duplicate_of"):
        notes.append(f"This record may describe the same encounter as {text('possible_duplicate_of')}.")
    people = record.get("people_affected")
    facts = {
        "Date": date_text(record.get("date"), date_precision),
        "Place": place_text(record),
        "Council district": text("district"),
        "Agencies": text("agencies"),
        "Encounter type": text("encounter_type"),
        "Targeted groups": text("targeted_groups") or "not recorded",
        "Force used": text("force_types") or "not recorded",
        "Most severe force": text("force_level") or "not recorded",
        "People affected": "not recorded" if people is None or pd.isna(people) else f"{int(people):,}",
        "Outcome": text("outcome") or "not recorded",
        "Verification": text("verification"),
        "Last updated": date_text(record.get("last_updated"), "day"),
    }
    return {
        "id": text("encounter_id"),
        "title": f"{text('encounter_type') or 'Encounter'} · {facts['Place']} · {facts['Date']}",
        "summary": text("summary"),
        "facts": {k: v for k, v in facts.items() if v},
        "sources": [(s, is_link(s)) for s in split_sources(record.get("sources"))],
        "official_response": text("official_response"),
        "notes": notes,
    }
