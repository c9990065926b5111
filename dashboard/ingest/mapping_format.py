"""The mapping format, key by key: the one table the loader checks keys against and the reference prints.

`encounters mapping reference` prints `reference_markdown()`; data/mappings/REFERENCE.md is its output
(a test regenerates it and fails when it is stale). A key missing here is a key the loader refuses, so
the reference cannot fall behind the loader.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    section: str  # where the key may appear: one of SECTIONS
    name: str
    what: str  # one or two sentences: what it does
    example: str  # one example, as YAML written at the place the section says


# section -> (title, where the keys of that section are written)
SECTIONS = {
    "top": ("Top-level keys", "at the top of the mapping file"),
    "column": ("A column's keys", "under `columns: {<record column>: {...}}`"),
    "coordinates": ("Coordinates", "under `coordinates:`"),
    "lookup": ("Lookups", "in each item of `lookups:`"),
    "group_by": ("Incident grouping", "under `group_by:`"),
    "leave_out": ("Row rules", "in each item of `leave_out:`"),
    "flag_values": ("Flag values", "under `flag_values:`"),
    "redact": ("Redaction", "under `redact:`"),
}

KEYS = (
    # ------------------------------------------------------------------ top level
    Key("top", "description", "One line saying what file this mapping is for.",
        "description: Seattle police use of force, one row per officer per subject"),
    Key("top", "columns", "Each record column and where its values come from: a source column, a list of "
        "source columns (their values joined), or a set of the column keys below.",
        "columns:\n  city: Town\n  targeted_groups: [Race, Role]\n  date: {from: Date, format: \"%m/%d/%Y\"}"),
    Key("top", "constants", "A value every record gets (a file-wide fact: the agency, the source...). "
        "A column is set under columns or under constants, not both.",
        "constants: {agencies: ICE ERO, verification: documented}"),
    Key("top", "values", "Per record column, source value: record value. Matched case-insensitively after "
        "trimming; `*` matches any text; a list gives several values; \"\" means no value.",
        "values:\n  force_types: {Gun Point Display: weapon displayed, \"Taser*\": taser, N/A: \"\"}"),
    Key("top", "missing", "Source values meaning \"no value\" in any column (redaction codes, placeholders).",
        "missing: [\"NULL\", \"(B)(6);(B)(7)(C)\", \"--\"]"),
    Key("top", "missing_by_column", "Source values meaning \"no value\" in one source column only.",
        "missing_by_column: {Latitude: [\"0\"]}"),
    Key("top", "separator", "How the source separates several values in one cell of a multi-valued column "
        "(a column's own `separator` wins).", "separator: \",\""),
    Key("top", "coordinates", "Where the point comes from: latitude and longitude columns, a point column "
        "(also inside longer text), or projected X/Y with their coordinate system. See Coordinates.",
        "coordinates: {latitude: Lat, longitude: Lon, precision: block}"),
    Key("top", "lookups", "Join a reference table shipped under data/: a source column's value is looked up "
        "in a table column, and record columns are set from the row found. See Lookups.",
        "lookups:\n  - {table: reference/geo/ice_aor.csv, match: {AOR: name}, "
        "set: {latitude: latitude, longitude: longitude}, found: {location_precision: region}}"),
    Key("top", "flag_values", "Which cell values of flag columns (`flags:`) mean yes and which mean no, "
        "replacing the standard lists (data/reference/flag_values.yaml) for this mapping.",
        "flag_values: {true: [\"Y\", \"Used\"], false: [\"N\", \"Not used\"]}"),
    Key("top", "group_by", "Rows sharing the key become one encounter (one row per officer, per subject or "
        "per force type). See Incident grouping.",
        "group_by: {key: [IncidentNum], people_from: SubjectID}\ncolumns: {encounter_id: {template: \"UOF-{IncidentNum}\"}}"),
    Key("top", "leave_out", "Rows that are not encounters, left out by named rules and counted apart: "
        "rows in = published + quarantined + left out by each rule. See Row rules.",
        "leave_out:\n  - {name: shots at animals, where: {Type: [Animal, \"Dog*\"]}}"),
    Key("top", "exclude", "Personal source columns, never carried into the records and dropped from the "
        "quarantine; a mapping may not use them anywhere.", "exclude: [Birth Date, Officer Name]"),
    Key("top", "ignore", "Source columns not needed (case numbers, internal codes): never carried, and no "
        "longer listed as unaccounted for; `*` matches any text.", "ignore: [OBJECTID, Precinct, \"Total*\"]"),
    Key("top", "allow_personal", "Columns that look personal (names, badge numbers, subject ids, ages, dates "
        "of birth, sex, hire dates) which the mapping may use anyway, each with the reason. Without it the "
        "mapping is refused.", "allow_personal: {Subject_Age: \"the file is about minors; the age group goes into the summary\"}"),
    Key("top", "redact", "Names to blank out of free text: every value of the names_from columns is "
        "replaced in the listed record columns. See Redaction.",
        "redact: {names_from: [victim_name], in: [summary]}"),
    # ------------------------------------------------------------------ inside columns.<column>
    Key("column", "from", "The source column, or a list of source columns whose values are joined "
        "(a date and a time; race and role).", "date: {from: [Date, Time], format: \"%m/%d/%Y %H:%M\"}"),
    Key("column", "template", "Text built from source columns: `{Column}` is a cell, `{row}` the source row "
        "number (`{row:06d}` padded). A list is tried in order: the first whose fields all have a value.",
        "summary: {template: [\"Use of force ({Type}) in {Precinct}.\", \"Use of force.\"]}"),
    Key("column", "format", "Date formats (Python strptime), tried in order on each value. The validation "
        "report says how many values each matched and proposes the format to add for the rest.",
        "date: {from: Occured_date_time, format: [\"%m/%d/%Y %I:%M:%S %p\", \"%m/%d/%Y\"]}"),
    Key("column", "separator", "How this source column separates several values in one cell.",
        "targeted_groups: {from: Groups, separator: \"/\"}"),
    Key("column", "default", "The value when the source gives none.",
        "agencies: {from: Agency, default: unknown federal}"),
    Key("column", "optional", "The source column may be absent from the file (then the default applies).",
        "agencies: {from: Agency, optional: true, default: unknown federal}"),
    Key("column", "flags", "Yes/No columns, one per value: each source column whose cell means yes adds its "
        "value. Yes/no spellings come from flag_values; any other cell is a problem of that row.",
        "force_types: {flags: {\"Taser Used\": taser, \"OC Spray\": chemical agent, \"Firearm\": firearm discharged}}"),
    # ------------------------------------------------------------------ coordinates
    Key("coordinates", "latitude", "The source column of latitudes (WGS84 degrees); with longitude.",
        "coordinates: {latitude: Lat, longitude: Lon}"),
    Key("coordinates", "longitude", "The source column of longitudes (WGS84 degrees); with latitude.",
        "coordinates: {latitude: Lat, longitude: Lon}"),
    Key("coordinates", "point", "One source column holding both numbers, written as `format` says.",
        "coordinates: {point: Location, format: \"(lat, lon)\"}"),
    Key("coordinates", "format", "How a point is written: \"(lat, lon)\" or \"POINT (lon lat)\" (WKT).",
        "coordinates: {point: geometry, format: \"POINT (lon lat)\"}"),
    Key("coordinates", "in_text", "The point is inside longer text (an address before it); a cell without "
        "one gets no coordinates.",
        "coordinates: {point: Address, format: \"(lat, lon)\", in_text: true}"),
    Key("coordinates", "x", "The source column of projected X (easting), in the units of `crs`; with y and crs.",
        "coordinates: {x: X_COORD, y: Y_COORD, crs: \"EPSG:3435\"}"),
    Key("coordinates", "y", "The source column of projected Y (northing); with x and crs.",
        "coordinates: {x: X_COORD, y: Y_COORD, crs: \"EPSG:3435\"}"),
    Key("coordinates", "crs", "The coordinate system of x and y (State Plane, UTM, Web Mercator...) as an "
        "EPSG code; units (feet or metres) come from it. Points outside its area of use are row problems.",
        "coordinates: {x: X, y: Y, crs: \"EPSG:2260\", precision: block}"),
    Key("coordinates", "precision", "The location_precision of every row that has a point.",
        "coordinates: {latitude: Lat, longitude: Lon, precision: block}"),
    # ------------------------------------------------------------------ lookups
    Key("lookup", "table", "A CSV file under data/.", "lookups: [{table: reference/geo/ice_aor.csv, match: {AOR: name}, set: {latitude: latitude, longitude: longitude}}]"),
    Key("lookup", "match", "{source column: table column}: which values are looked up where.",
        "lookups: [{table: reference/geo/ice_aor.csv, match: {Area of Responsibility: name}, set: {region: name}}]"),
    Key("lookup", "set", "{record column: table column}: what the row found sets.",
        "lookups: [{table: reference/geo/ice_aor.csv, match: {AOR: name}, set: {latitude: latitude, longitude: longitude}}]"),
    Key("lookup", "found", "{record column: value}: set where the key was found.",
        "lookups: [{table: reference/geo/ice_aor.csv, match: {AOR: name}, found: {location_precision: region}}]"),
    # ------------------------------------------------------------------ group_by
    Key("group_by", "key", "The source column(s) naming an incident. Rows with the same key become one "
        "encounter: multi-valued columns joined (distinct, in order), other columns take the first non-empty "
        "value (rows that disagree are reported). encounter_id must be built from the key columns only. "
        "Rows with an empty key stay encounters of their own.",
        "group_by: {key: [IncidentNum]}\ncolumns: {encounter_id: {template: \"SPD-{IncidentNum}\"}}"),
    Key("group_by", "people_from", "The source column identifying each person (a subject id): people_affected "
        "is the number of distinct values in the incident. It is only counted, never carried, so a subject id "
        "needs no allow_personal here. Without it, people_affected is the number of rows.",
        "group_by: {key: Incident_Num, people_from: Subject_ID}\ncolumns: {encounter_id: {template: \"SPD-{Incident_Num}\"}}"),
    # ------------------------------------------------------------------ leave_out
    Key("leave_out", "name", "The rule's name, as the accounting shows it.", "leave_out: [{name: shots at animals, where: {Type: Animal}}]"),
    Key("leave_out", "where", "{source column: value or list of values}: a row matching every column is left "
        "out. Case-insensitive; `*` and `?` are wildcards. Matching never carries the value, so any column may "
        "be used here.", "leave_out: [{name: accidental discharges, where: {Type: [Firearm, \"Gun*\"], Discharge: Accidental}}]"),
    # ------------------------------------------------------------------ flag_values
    Key("flag_values", "true", "Cell values meaning yes (this replaces the standard list).",
        "flag_values: {true: [\"Y\", \"Yes\", \"1\"]}"),
    Key("flag_values", "false", "Cell values meaning no; an empty cell always means no.",
        "flag_values: {false: [\"N\", \"No\", \"0\"]}"),
    # ------------------------------------------------------------------ redact
    Key("redact", "names_from", "Source columns whose values are names (never carried themselves).",
        "redact: {names_from: [victim_name, agent_name], in: [summary]}"),
    Key("redact", "in", "Record columns of free text the names are blanked out of.",
        "redact: {names_from: [victim_name], in: [summary, city]}"),
    Key("redact", "replacement", "What a name becomes (default \"[name withheld]\").",
        "redact: {names_from: [victim_name], in: [summary], replacement: \"[withheld]\"}"),
)  # fmt: skip


def keys_of(section: str) -> tuple[str, ...]:
    return tuple(k.name for k in KEYS if k.section == section)


def unknown_key_message(section: str, given) -> str | None:
    """A sentence naming the first unknown key of a section and the closest known one, or None."""
    known = keys_of(section)
    unknown = sorted(str(k) for k in given if str(k) not in known)
    if not unknown:
        return None
    bad = unknown[0]
    swapped = [k for k in known if sorted(k) == sorted(bad.lower())]  # "form" is "from" with letters swapped
    close = swapped or difflib.get_close_matches(bad.lower(), known, n=1, cutoff=0.5)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    where = SECTIONS[section][1].replace("`", "")
    return f"unknown key {bad}{hint}; the keys {where} are: {', '.join(known)}"


def reference_markdown() -> str:
    """The whole mapping format as Markdown: every key, where it goes, what it does, one example."""
    lines = [
        "# The mapping format",
        "",
        "A mapping file (YAML, in `data/mappings/`) says how a foreign file (a FOIA release, police open "
        "data) becomes encounter records. Check one with `encounters validate FILE --mapping M.yaml`.",
        "This page is printed by `encounters mapping reference` from the table the loader checks keys "
        "against (`dashboard/ingest/mapping_format.py`): every key the loader accepts is here.",
        "",
        "Record columns are those of `data/reference/schema.yaml`; record values are those of "
        '`data/reference/taxonomies.yaml`. Write yes/no words in quotes ("Yes"): only true and false '
        "are read as booleans.",
    ]
    for section, (title, where) in SECTIONS.items():
        lines += ["", f"## {title}", "", f"Written {where}.", ""]
        for key in (k for k in KEYS if k.section == section):
            lines += [f"### `{key.name}`", "", key.what, "", "```yaml", key.example, "```", ""]
        while lines[-1] == "":
            lines.pop()
    return "\n".join(lines) + "\n"
