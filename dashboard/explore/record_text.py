"""One page of records as a readable table, and everything the detail view of one record shows.

Record text stays plain text here: the page shows it with st.text / dataframe cells, never as
Markdown or HTML. Only http(s) addresses become links.
"""

from __future__ import annotations

import pandas as pd
from babel.dates import format_date

from dashboard import geo
from dashboard.explore.export import neutralise
from dashboard.i18n import LOCALES, num, t, term


def tr(text: str) -> str:
    """Mark a string for the catalog without translating it here (tests/test_i18n.py checks it has one)."""
    return text


SOURCES_SEPARATOR = " | "
TABLE_COLUMNS = ("date", "place", "type", "force", "agencies", "groups", "verification", "source", "id")
# What a reader sees above each column (the frame keeps the English names; the page shows these)
COLUMN_LABELS = {
    "date": tr("date"),
    "place": tr("place"),
    "type": tr("type"),
    "force": tr("force"),
    "agencies": tr("agencies"),
    "groups": tr("groups"),
    "verification": tr("verification"),
    "source": tr("first source"),
    "id": "id",
}
NOT_RECORDED = "not recorded"

DATE_NOTES = {
    "day": "",
    "week": tr("The date is known only to the week around the date shown."),
    "month": tr("The date is known only to the month: it is not drawn on a weekly or daily timeline."),
    "year": tr("The date is known only to the year: it is left out of the timeline."),
}
PLACE_NOTES = {
    "exact": "",
    "block": tr("The place is known to the block: the map point is within about 100 metres."),
    "city": tr("The place is known only to the city: the map point is the city's centre, not where it happened."),
    "county": tr("The place is known only to the county: the map point, if any, is not where it happened."),
    "region": tr("The place is known only to a region: the map point is the region's centre, not where it happened."),
    "state": tr("The place is known only to the state: it is not drawn on the map as a point."),
}
# The facts of one record, in the order shown; the English labels are the keys of detail()["facts"]
FACT_LABELS = (
    tr("Date"),
    tr("Place"),
    tr("Council district"),
    tr("Agencies"),
    tr("Encounter type"),
    tr("Place type"),
    tr("Operation"),
    tr("Targeted groups"),
    tr("Force used"),
    tr("Most severe force"),
    tr("People affected"),
    tr("Outcome"),
    tr("Verification"),
    tr("Last updated"),
)


def is_link(text: str) -> bool:
    return str(text).strip().lower().startswith(("http://", "https://"))


def split_sources(sources: object) -> list[str]:
    if sources is None or (isinstance(sources, float) and pd.isna(sources)):
        return []
    return [s.strip() for s in str(sources).split(SOURCES_SEPARATOR.strip()) if s.strip()]


def terms(value: object, lang: str = "en") -> str:
    """A cell of taxonomy values ("ICE ERO; Border Patrol") with each value's label in the language."""
    text = str(value or "")
    if lang == "en" or not text:
        return text
    return "; ".join(term(v.strip(), lang) for v in text.split(";"))


def column_label(column: str, lang: str = "en") -> str:
    """What a reader sees above a column of table_frame()."""
    label = COLUMN_LABELS.get(column, column)
    return label if label == "id" else t(label, lang)


def date_text(date: object, precision: object, lang: str = "en") -> str:
    d = pd.Timestamp(date)
    if pd.isna(d):
        return ""
    precision = str(precision)
    if precision == "week":
        return t("week of {date}", lang, date=f"{d:%Y-%m-%d}")
    return f"{d:%Y-%m}" if precision == "month" else f"{d:%Y}" if precision == "year" else f"{d:%Y-%m-%d}"


def date_words(date: object, precision: object, lang: str = "en") -> str:
    """A date for a sentence or a fact, as precise as it is known: ISO in English (as date_text),
    "17 de julio de 2026", "semana del 13 de julio de 2026", "julio de 2026" or "2026" in Spanish."""
    if lang == "en":
        return date_text(date, precision, lang)
    d = pd.Timestamp(date)
    if pd.isna(d):
        return ""
    locale = LOCALES[lang]
    if str(precision) == "week":
        return t("week of {date}", lang, date=format_date(d.date(), "long", locale=locale))
    if str(precision) == "month":
        return format_date(d.date(), "LLLL 'de' y", locale=locale)
    if str(precision) == "year":
        return f"{d:%Y}"
    return format_date(d.date(), "long", locale=locale)


def place_text(row, lang: str = "en") -> str:
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
    return geo.state_names().get(state, state) or term(NOT_RECORDED, lang)


def _first_link(sources: object) -> str | None:
    return next((s for s in split_sources(sources) if is_link(s)), None)


# The record columns table_frame reads (converting only these to Python objects: the others are long texts)
TABLE_SOURCE_COLUMNS = (
    "date",
    "date_precision",
    "city",
    "state",
    "county_fips",
    "region",
    "agencies",
    "encounter_type",
    "force_types",
    "targeted_groups",
    "verification",
    "sources",
    "encounter_id",
)


def table_frame(page: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The columns a reader scans, one row per record (the page is already in display order).

    Column names stay English (column_label() gives what the reader sees); taxonomy values are
    shown with their labels in the language. Text that a spreadsheet would run as a formula gets a
    leading apostrophe here too, since the table's own toolbar can export the page as CSV."""
    present = [c for c in TABLE_SOURCE_COLUMNS if c in page.columns]
    # Plain lists, not DataFrame.to_dict and Series.map: a page is 50 rows, and pandas' per-call
    # overhead was most of the ~6 ms this took
    rows = [
        dict(zip(present, values, strict=True)) for values in zip(*(page[c].tolist() for c in present), strict=True)
    ]
    columns = {
        "date": [date_text(r["date"], r.get("date_precision"), lang) for r in rows],
        "place": [place_text(r, lang) for r in rows],
        "agencies": [terms(r.get("agencies"), lang) for r in rows],
        "type": [terms(r.get("encounter_type"), lang) for r in rows],
        "force": [terms(r.get("force_types"), lang) or term(NOT_RECORDED, lang) for r in rows],
        "groups": [terms(r.get("targeted_groups"), lang) for r in rows],
        "verification": [terms(r.get("verification"), lang) for r in rows],
        "source": [_first_link(r.get("sources")) for r in rows],
        "id": [str(r["encounter_id"]) for r in rows],
    }
    safe = {c: v if c == "source" else [neutralise(x) for x in v] for c, v in columns.items()}
    return pd.DataFrame(safe, columns=list(TABLE_COLUMNS), dtype=object)


def detail(record: dict, lang: str = "en") -> dict:
    """What the detail view shows for one record (a row of the records frame as a dict).

    The facts' keys are the English labels of FACT_LABELS; the page shows them with t()."""

    def text(key: str) -> str:
        value = record.get(key)
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    date_precision = text("date_precision") or "day"
    place_precision = text("location_precision")
    notes = [t(n, lang) for n in (DATE_NOTES.get(date_precision, ""), PLACE_NOTES.get(place_precision, "")) if n]
    if not place_precision:
        notes.append(t("How precisely the place is known was not recorded.", lang))
    if text("possible_duplicate_of"):
        notes.append(t("This record may describe the same encounter as {id}.", lang, id=text("possible_duplicate_of")))
    people = record.get("people_affected")
    missing = term(NOT_RECORDED, lang)
    facts = {
        "Date": date_words(record.get("date"), date_precision, lang),
        "Place": place_text(record, lang),
        "Council district": text("district"),
        "Agencies": terms(text("agencies"), lang),
        "Encounter type": terms(text("encounter_type"), lang),
        "Place type": terms(text("place_type"), lang),
        "Operation": terms(text("operation"), lang),
        "Targeted groups": terms(text("targeted_groups"), lang) or missing,
        "Force used": terms(text("force_types"), lang) or missing,
        "Most severe force": terms(text("force_level"), lang) or missing,
        "People affected": missing if people is None or pd.isna(people) else num(int(people), lang),
        "Outcome": terms(text("outcome"), lang) or missing,
        "Verification": terms(text("verification"), lang),
        "Last updated": date_words(record.get("last_updated"), "day", lang),
    }
    kind = terms(text("encounter_type"), lang) or t("Encounter", lang)
    return {
        "id": text("encounter_id"),
        "title": f"{kind} · {facts['Place']} · {facts['Date']}",
        "summary": text("summary"),
        "facts": {k: v for k, v in facts.items() if v},
        "sources": [(s, is_link(s)) for s in split_sources(record.get("sources"))],
        "official_response": text("official_response"),
        "notes": notes,
    }
