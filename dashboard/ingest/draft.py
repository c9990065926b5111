"""Draft a mapping for a file the project has never seen: `encounters mapping draft FILE`.

The draft is a starting point a contributor edits, never a finished mapping. It proposes canonical
columns from the headers and, above all, from the contents: dates by how many values each candidate
format reads, coordinates by range and shape, force, targeted groups and outcome by matching distinct
values to the taxonomies' spellings. Value maps list every distinct value with the rows it covers, so
the contributor sees the whole file's vocabulary at once. Personal-looking columns go under `exclude`,
everything else not used under `ignore`, and the constants no file states are marked FILL IN (left
empty, so that validation refuses every row until they are filled in). The text loads as it is.

What is looked for (formats, header words, police codes) is data: data/reference/draft_hints.yaml.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from dashboard.ingest import values as v
from dashboard.ingest.mapping import standard_flag_values
from dashboard.ingest.mapping_steps import common_date_formats
from dashboard.ingest.personal import personal_kind
from dashboard.ingest.read import ERROR_COL, ROW_COL, read_table
from dashboard.paths import REFERENCE_DIR
from dashboard.schema import Schema, load_schema

HINTS_FILE = REFERENCE_DIR / "draft_hints.yaml"
MAX_LISTED = 300  # distinct values listed in one value map; a column with more is not a vocabulary
_TAXONOMY_TARGETS = ("force_types", "targeted_groups", "outcome", "encounter_type")
_MULTI = ("force_types", "targeted_groups")
_POINT_WKT = re.compile(r"POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)", re.IGNORECASE)
_POINT_PAIR = re.compile(r"\(\s*(-?\d{1,3}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)\s*\)")
_US_LAT, _US_LON = (13.0, 72.0), (-180.0, -60.0)
_NEGATIONS = ("not", "no", "non", "without", "never")


@dataclass(frozen=True)
class Hints:
    date_formats: tuple[str, ...]
    headers: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str]]
    flag_yes: frozenset[str]
    flag_no: frozenset[str]
    projected_range: tuple[float, float]
    fill_in: dict[str, str]


@lru_cache(maxsize=1)
def load_hints(path: Path = HINTS_FILE) -> Hints:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    yes, no = standard_flag_values()  # the same words the loader reads in flag columns
    return Hints(
        common_date_formats(),  # the same formats the mapping's date messages propose
        {k: tuple(map(str, x)) for k, x in doc["headers"].items()},
        {k: {str(a).lower(): str(b) for a, b in x.items()} for k, x in doc["values"].items()},
        yes,
        no | {""},
        tuple(doc["projected_range"]),
        dict(doc["fill_in"]),
    )


@dataclass
class Profile:
    """One source column: its distinct squashed values and the rows each covers."""

    name: str
    counts: Counter
    rows: int

    @property
    def filled(self) -> int:
        return sum(c for x, c in self.counts.items() if x)

    @property
    def distinct(self) -> int:
        return len(self.counts) - ("" in self.counts)


def _profiles(raw: pd.DataFrame) -> dict[str, Profile]:
    out = {}
    for name in (c for c in raw.columns if c not in (ROW_COL, ERROR_COL)):
        counts: Counter = Counter()
        for value, n in raw[name].fillna("").astype(str).value_counts(sort=False).items():
            counts[v.squash(value)] += int(n)
        out[name] = Profile(name, counts, len(raw))
    return out


def _words(text: str) -> str:
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()).split()) + " "


def _header_hint(hints: Hints, target: str, header: str) -> bool:
    words = _words(header)
    return any(f" {w} " in words for w in hints.headers.get(target, ()))


@dataclass
class Draft:
    """What the draft found, before it is written out as YAML."""

    source: str
    rows: int
    columns: dict[str, object] = field(default_factory=dict)  # canonical column -> spec (str or dict)
    comments: dict[str, str] = field(default_factory=dict)  # canonical column -> why
    values: dict[str, list[tuple[str, int, list[str]]]] = field(default_factory=dict)  # target -> (value, rows, guess)
    value_sources: dict[str, str] = field(default_factory=dict)
    coordinates: dict[str, str] = field(default_factory=dict)
    coordinates_note: str = ""
    coordinates_commented: bool = False  # a State Plane crs to fill in: the key stays a comment until then
    missing_by_column: dict[str, list[str]] = field(default_factory=dict)
    constants: dict[str, object] = field(default_factory=dict)
    fill_in: dict[str, str] = field(default_factory=dict)
    group_by_note: str = ""
    exclude: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)


def draft_file(path: str | Path, state: str | None = None) -> str:
    """The drafted mapping of a file, as YAML text with comments."""
    path = Path(path)
    raw, _ = read_table(path)
    return draft_mapping(raw, path.name, state)


def draft_mapping(raw: pd.DataFrame, source: str, state: str | None = None) -> str:
    """state: the USPS code of the state the file covers, when known (constants, State Plane zone)."""
    return render(propose(raw, source, state))


def propose(raw: pd.DataFrame, source: str, state: str | None = None) -> Draft:
    hints, schema = load_hints(), load_schema()
    profiles = _profiles(raw)
    draft = Draft(source, len(raw))
    draft.exclude = [name for name in profiles if personal_kind(name)]
    open_ = {n: p for n, p in profiles.items() if n not in draft.exclude}
    _propose_id(draft, open_, hints)
    _propose_date(draft, open_, hints)
    _propose_coordinates(draft, open_, hints, state)
    _propose_place(draft, open_, hints, schema)
    _propose_taxonomies(draft, open_, hints, schema)
    _propose_group_by(draft, profiles, hints)
    _propose_constants(draft, hints, state)
    draft.ignore = [n for n in open_ if n not in draft.used]
    return draft


# ---------------------------------------------------------------- id and dates


def _stem(source: str) -> str:
    name = source.split(".")[0]
    return (re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper() or "RECORD")[:24]


def _propose_id(draft: Draft, profiles: dict[str, Profile], hints: Hints) -> None:
    unique = [p for p in profiles.values() if p.filled == p.rows and p.distinct == p.rows and p.rows]
    unique = [p for p in unique if all(" " not in x and len(x) <= 60 for x in list(p.counts)[:200])]
    unique.sort(key=lambda p: not _header_hint(hints, "encounter_id", p.name))
    prefix = _stem(draft.source)
    if unique:
        p = unique[0]
        draft.columns["encounter_id"] = {"template": f"{prefix}-{{{p.name}}}"}
        draft.comments["encounter_id"] = f"{p.name} is filled in and distinct on every row"
        draft.used.add(p.name)
    else:
        draft.columns["encounter_id"] = {"template": f"{prefix}-{{row:06d}}"}
        draft.comments["encounter_id"] = "no column is distinct on every row: the row number (it changes if rows move)"


def date_format_counts(counts: Counter, formats: tuple[str, ...]) -> list[tuple[str, int]]:
    """(format, rows it reads), each format tried on what the ones before it left, most rows first."""
    values = pd.Series([x for x in counts if x], dtype=object)
    if values.empty:
        return []
    weights = values.map(counts).to_numpy()
    left = pd.Series(True, index=values.index)
    found = []
    scored = []
    for fmt in formats:
        ok = pd.to_datetime(values, format=fmt, errors="coerce").notna()
        scored.append((fmt, ok))
    while True:
        best = max(scored, key=lambda s: int(weights[(s[1] & left).to_numpy()].sum()), default=None)
        if best is None:
            break
        n = int(weights[(best[1] & left).to_numpy()].sum())
        if n == 0:
            break
        found.append((best[0], n))
        left &= ~best[1]
        scored.remove(best)
    return found


def _propose_date(draft: Draft, profiles: dict[str, Profile], hints: Hints) -> None:
    best = None
    for p in profiles.values():
        if p.name in draft.used or not p.filled or not any(ch.isdigit() for x in list(p.counts)[:50] for ch in x):
            continue
        found = date_format_counts(p.counts, hints.date_formats)
        read = sum(n for _, n in found)
        score = (read / p.filled, _header_hint(hints, "date", p.name))
        if read and (best is None or score > best[0]):
            best = (score, p, found)
    if best is None or best[0][0] < 0.5:
        draft.fill_in["date"] = "no column reads as dates: name the date column and its format"
        return
    (_, _), p, found = best
    fmts = [f for f, _ in found]
    draft.columns["date"] = {"from": p.name, "format": fmts if len(fmts) > 1 else fmts[0]}
    read = ", ".join(f"{f} reads {n:,}" for f, n in found)
    draft.comments["date"] = f"of {p.filled:,} filled rows: {read}"
    draft.used.add(p.name)


# ---------------------------------------------------------------- coordinates


def _numbers(p: Profile) -> tuple[pd.Series, pd.Series]:
    """(distinct values as numbers, their row counts) for the values that are numbers."""
    values = pd.Series([x for x in p.counts if x], dtype=object)
    nums = pd.to_numeric(values, errors="coerce")
    ok = nums.notna()
    return nums[ok].reset_index(drop=True), values[ok].map(p.counts).reset_index(drop=True)


def _share_within(p: Profile, low: float, high: float, absolute: bool = False) -> float:
    nums, weights = _numbers(p)
    if not p.filled or nums.empty:
        return 0.0
    zero = nums == 0
    x = nums.abs() if absolute else nums
    inside = weights[x.between(low, high) & ~zero].sum()
    return float(inside / max(1, weights[~zero].sum())) * float(weights.sum() / p.filled)


def _propose_coordinates(draft: Draft, profiles: dict[str, Profile], hints: Hints, state: str | None) -> None:
    open_ = [p for p in profiles.values() if p.name not in draft.used and p.filled]
    by_hint = lambda target: lambda p: (_header_hint(hints, target, p.name), p.filled)  # noqa: E731
    lats = sorted((p for p in open_ if _share_within(p, *_US_LAT) >= 0.9), key=by_hint("latitude"), reverse=True)
    lons = sorted((p for p in open_ if _share_within(p, *_US_LON) >= 0.9), key=by_hint("longitude"), reverse=True)
    if lats and lons:
        lat, lon = lats[0], lons[0]
        draft.coordinates = {"latitude": lat.name, "longitude": lon.name, "precision": "exact"}
        draft.coordinates_note = f"{lat.name} and {lon.name} hold US latitudes and longitudes; confirm the precision"
        draft.used |= {lat.name, lon.name}
        for p in (lat, lon):
            if p.counts.get("0"):
                draft.missing_by_column[p.name] = ["0"]
        return
    for p in open_:
        sample = [x for x, _ in p.counts.most_common(500) if x]
        wkt = sum(bool(_POINT_WKT.search(x)) for x in sample)
        pairs = [m for x in sample if (m := _POINT_PAIR.search(x))]
        if wkt >= 0.5 * len(sample) and sample:
            draft.coordinates = {"point": p.name, "format": "POINT (lon lat)", "precision": "exact"}
            draft.coordinates_note = f"{p.name} holds WKT points (longitude first); confirm the precision"
        elif sample and len(pairs) >= 0.5 * len(sample) and _us_pair(pairs):
            in_text = any(m.span() != (0, len(m.string)) for m in pairs)
            draft.coordinates = {"point": p.name, "format": "(lat, lon)", "precision": "exact"}
            if in_text:
                draft.coordinates["in_text"] = "true"
            where = "after other text in the same cell" if in_text else "alone in the cell"
            draft.coordinates_note = f'{p.name} holds "(lat, lon)" points {where}; confirm the precision'
        else:
            continue
        draft.used.add(p.name)
        return
    low, high = hints.projected_range
    big = [p for p in open_ if _share_within(p, low, high, absolute=True) >= 0.9]
    xs = [p for p in big if re.search(r"(^|[^a-z])(x|east|easting)([^a-z]|$)", p.name.lower())]
    ys = [p for p in big if re.search(r"(^|[^a-z])(y|north|northing)([^a-z]|$)", p.name.lower())]
    if xs and ys:
        x, y = xs[0], ys[0]
        draft.used |= {x.name, y.name}
        name = _state_name(state)
        crs, others = (
            guess_projected_crs(_numbers(x)[0].median(), _numbers(y)[0].median(), name) if name else (None, [])
        )
        what = f"{x.name}/{y.name} look like projected coordinates (State Plane feet or metres)"
        if crs is None:
            draft.coordinates_note = (
                f"{what}. FILL IN the EPSG code of the file's State Plane zone (ask the publisher; "
                f"`encounters mapping draft FILE --state XX` proposes one), then remove the # below:"
            )
            draft.coordinates_commented = True
            crs = "EPSG:????"
        else:
            also = f"; also possible: {', '.join(others[:3])}" if others else ""
            draft.coordinates_note = f"{what}; CONFIRM the EPSG code with the file's publisher{also}"
        draft.coordinates = {"x": x.name, "y": y.name, "crs": crs, "precision": "exact"}


def _state_name(state: str | None) -> str | None:
    if not state:
        return None
    taxonomy = load_schema().taxonomies["states"]
    return taxonomy.term(state).description if state in taxonomy.values else None


def _us_pair(pairs) -> bool:
    first = [float(m.group(1)) for m in pairs]
    second = [float(m.group(2)) for m in pairs]
    lat_ok = sum(_US_LAT[0] <= a <= _US_LAT[1] for a in first)
    lon_ok = sum(_US_LON[0] <= b <= _US_LON[1] for b in second)
    return min(lat_ok, lon_ok) >= 0.8 * len(pairs)


@lru_cache(maxsize=1)
def _state_plane_zones() -> tuple:
    try:
        from pyproj.database import query_crs_info
        from pyproj.enums import PJType
    except ImportError:
        return ()
    infos = query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS)
    return tuple(i for i in infos if i.name.startswith("NAD83 / ") and i.area_of_use is not None)


def guess_projected_crs(x: float, y: float, state: str) -> tuple[str | None, list[str]]:
    """The EPSG code of the state's NAD83 State Plane zone that puts the point (x, y) inside its own area of
    use, nearest the area's middle; then the other zones that also would. A guess the contributor confirms:
    a state's zones share their false eastings, so one point cannot always tell them apart."""
    from pyproj import Transformer

    found = []
    for info in (
        i for i in _state_plane_zones() if i.name.startswith(f"NAD83 / {state} ") or i.name == f"NAD83 / {state}"
    ):
        try:
            lon, lat = Transformer.from_crs(f"EPSG:{info.code}", "EPSG:4326", always_xy=True).transform(x, y)
        except Exception:  # a zone pyproj cannot use is no candidate
            continue
        west, south, east, north = info.area_of_use.bounds
        if west <= lon <= east and south <= lat <= north:
            off = abs(lat - (south + north) / 2) / (north - south) + abs(lon - (west + east) / 2) / (east - west)
            feet = "ft" in info.name  # police files give State Plane in feet far more often than in metres
            found.append((not feet, off, f"EPSG:{info.code} ({info.name})"))
    codes = [f[2] for f in sorted(found)]
    return (codes[0].split()[0] if codes else None), codes[1:]


# ---------------------------------------------------------------- place, taxonomies, flags


def _propose_place(draft: Draft, profiles: dict[str, Profile], hints: Hints, schema: Schema) -> None:
    matcher = v.TermMatcher(schema.taxonomies["states"])
    for p in profiles.values():
        if p.name in draft.used or not p.filled:
            continue
        if "state" not in draft.columns and _header_hint(hints, "state", p.name):
            ok = sum(n for x, n in p.counts.items() if x and matcher.match(x)[1] is None)
            if ok >= 0.8 * p.filled:
                draft.columns["state"] = p.name
                draft.comments["state"] = f"{ok:,} of {p.filled:,} filled rows are US states"
                draft.used.add(p.name)
        elif (
            "city" not in draft.columns and _header_hint(hints, "city", p.name) and _numbers(p)[1].sum() < p.filled / 2
        ):
            draft.columns["city"] = p.name
            draft.comments["city"] = f"{p.distinct:,} distinct places"
            draft.used.add(p.name)


def _spellings(target: str, schema: Schema, hints: Hints, short: bool) -> dict[str, str]:
    """Lower-case spelling -> canonical value, for one canonical column; short codes only when the header
    says the column is about this (W for White in a race column, not in a sector column)."""
    column = schema.column(target)
    taxonomy = schema.taxonomies[column.taxonomy]
    out = {t.value.lower(): t.value for t in taxonomy.terms}  # first: the taxonomy's order
    out |= {s.lower(): t.value for t in taxonomy.terms for s in t.synonyms}
    out |= hints.values.get(target, {})
    return {k: x for k, x in out.items() if short or len(k) > 2}


def guess_value(value: str, target: str, spellings: dict[str, str], multi: bool) -> list[str]:
    """The canonical value(s) a source value most likely means; [] when nothing matches."""
    key = value.lower()
    if key in spellings:
        return [spellings[key]]
    words = _words(value)
    if any(f" {w} " in words for w in _NEGATIONS):
        return []  # "Not in Custody" is not detained: a word inside a negated value proves nothing
    hits = [(len(s), x) for s, x in spellings.items() if len(s) > 2 and f" {_words(s).strip()} " in words]
    if not hits:
        return []
    if multi:  # in the taxonomy's order, as validation writes them
        found = {x for _, x in hits}
        return [x for x in dict.fromkeys(spellings.values()) if x in found]
    return [max(hits)[1]]


def _propose_taxonomies(draft: Draft, profiles: dict[str, Profile], hints: Hints, schema: Schema) -> None:
    candidates = [p for p in profiles.values() if p.name not in draft.used and 0 < p.distinct <= MAX_LISTED]
    chosen: dict[str, tuple[float, Profile]] = {}
    for target in _TAXONOMY_TARGETS:
        for p in candidates:
            header = _header_hint(hints, target, p.name)
            spellings = _spellings(target, schema, hints, short=header)
            matched = sum(n for x, n in p.counts.items() if x and guess_value(x, target, spellings, target in _MULTI))
            score = matched / p.filled + (0.25 if header else 0)
            if matched and score >= 0.4 and score > chosen.get(target, (0, None))[0]:
                chosen[target] = (score, p)
    if "force_types" not in chosen:  # values that speak of force ("Level 1 - Use of Force") but name no type
        speaks = [(sum(n for x, n in p.counts.items() if " force " in _words(x)) / p.filled, p) for p in candidates]
        share, p = max(speaks, key=lambda sp: sp[0], default=(0, None))
        if share >= 0.5:
            chosen["force_types"] = (share, p)
    flags = _flag_columns(profiles, draft, hints, schema)
    if flags and "force_types" not in chosen:
        draft.columns["force_types"] = {"flags": flags}
        draft.comments["force_types"] = "Yes/No columns whose headers name a force type; each Yes adds its force type"
        draft.used |= set(flags)
    for target, (_, p) in chosen.items():
        spellings = _spellings(target, schema, hints, short=_header_hint(hints, target, p.name))
        taxonomy = schema.taxonomies[schema.column(target).taxonomy]
        listed = []
        for value, n in p.counts.most_common():
            if value and v.is_missing(value, schema, taxonomy):
                listed.append((value, n, None))  # shown as a comment: read as no value
            elif value:
                listed.append((value, n, guess_value(value, target, spellings, target in _MULTI)))
        draft.columns[target] = p.name
        covered = sum(n for _, n, g in listed if g)  # None (missing) and [] (no guess) cover nothing
        draft.comments[target] = f"its values match {covered:,} of {p.filled:,} filled rows"
        draft.values[target] = listed
        draft.value_sources[target] = p.name
        draft.used.add(p.name)


def _flag_columns(profiles: dict[str, Profile], draft: Draft, hints: Hints, schema: Schema) -> dict[str, str]:
    spellings = _spellings("force_types", schema, hints, short=False)
    out = {}
    for p in profiles.values():
        keys = {x.lower() for x in p.counts}
        if p.name in draft.used or not keys <= hints.flag_yes | hints.flag_no or not keys & hints.flag_yes:
            continue
        if guess := guess_value(p.name.replace("_", " "), "force_types", spellings, multi=False):
            out[p.name] = guess[0]
    return out


def _propose_group_by(draft: Draft, profiles: dict[str, Profile], hints: Hints) -> None:
    """A column naming an incident that repeats over rows: one row per officer or subject, so the rows of
    one incident should become one encounter (group_by). Only suggested, as a comment."""
    for p in profiles.values():
        words = _words(p.name)
        if p.name in draft.exclude or not p.filled:
            continue  # a personal column is never proposed as a key
        if not any(f" {w} " in words for w in ("incident", "case", "event", "call")):
            continue
        keyish = any(f" {w} " in words for w in ("id", "num", "no", "nbr", "number", "key")) or p.distinct >= 10
        repeated = p.filled - p.distinct  # rows that repeat an earlier row's value
        if keyish and p.distinct >= 2 and repeated >= max(1, 0.01 * p.filled):
            biggest, n = p.counts.most_common(1)[0]
            subject = next((c for c in draft.exclude if "subject" in _words(c)), None)
            people = f", people_from: {subject}" if subject else ""
            if p.name not in draft.used:  # the source's incident number: same-key records are flagged as duplicates
                draft.columns["incident_key"] = p.name
                draft.comments["incident_key"] = "the source's incident number (it repeats over rows)"
                draft.used.add(p.name)
            draft.group_by_note = (
                f"{p.name} repeats: {p.filled:,} rows hold {p.distinct:,} distinct values (the most, {biggest!r}, "
                f"covers {n:,} rows). If each value is one incident, make one encounter of its rows:\n"
                f"group_by: {{key: [{p.name}]{people}}}\n"
                f'and build encounter_id from it: {{template: "{_stem(draft.source)}-{{{p.name}}}"}}'
                + ("; people_from counts people_affected: remove it from constants" if people else "")
            )
            return


def _propose_constants(draft: Draft, hints: Hints, state: str | None) -> None:
    if state and "state" not in draft.columns:
        draft.constants["state"] = state
    if "date" in draft.columns:
        draft.constants["date_precision"] = "day"
    draft.constants["people_affected"] = 1
    for name, why in hints.fill_in.items():
        if name not in draft.columns:
            draft.fill_in[name] = why


# ---------------------------------------------------------------- the YAML text


def _q(value: object) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML and keep "yes", "1" and ":" as text."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def _flow(spec: object) -> str:
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in spec.items()) + "}"
    if isinstance(spec, list):
        return "[" + ", ".join(_flow(x) for x in spec) + "]"
    return _q(spec)


def _comment(lines: str) -> list[str]:
    return [f"# {line}".rstrip() for line in lines.splitlines()]


def render(draft: Draft) -> str:
    out = _comment(
        f"Drafted by `encounters mapping draft` from {draft.source} ({draft.rows:,} rows).\n"
        "A starting point: read every line, fill in each FILL IN, check the guessed values, then run\n"
        f"  encounters validate {draft.source} --mapping THIS-FILE.yaml --preview 5\n"
        "`encounters mapping reference` describes every key."
    )
    out += [f"description: {_q(f'Drafted mapping for {draft.source}; describe the file here.')}", ""]
    if draft.missing_by_column:
        out += ["missing_by_column:", *(f"  {_q(k)}: {_flow(x)}   # (0, 0) is no place" for k, x in draft.missing_by_column.items()), ""]  # fmt: skip
    out.append("columns:")
    for name, spec in draft.columns.items():
        why = f"   # {draft.comments[name]}" if name in draft.comments else ""
        if isinstance(spec, dict) and "flags" in spec:
            out.append(f"  {name}:{why}")
            out.append("    flags:")
            out += [f"      {_q(col)}: {_q(value)}" for col, value in spec["flags"].items()]
        else:
            out.append(f"  {name}: {_flow(spec)}{why}")
    for name, why in draft.fill_in.items():
        if name == "date":
            out.append(f"  # date: FILL IN: {why}")
    out.append("")
    if draft.group_by_note:
        out += [*_comment(draft.group_by_note), ""]
    if draft.coordinates:
        out += _comment(draft.coordinates_note)
        line = f"coordinates: {_flow({k: (x if k != 'in_text' else True) for k, x in draft.coordinates.items()})}"
        out += [("# " if draft.coordinates_commented else "") + line, ""]
    else:
        out += ["# No column holds coordinates: records are placed by city and state (geocoded) where given.", ""]
    out.append("constants:")
    for name, value in draft.constants.items():
        out.append(f"  {name}: {_q(value)}")
    for name, why in draft.fill_in.items():
        if name != "date":
            out.append(f'  {name}: ""   # FILL IN: {why}')
    out += ["  # city: FILL IN if the whole file is one city (and state: its USPS code)", ""]
    if draft.values:
        out.append('values:   # every distinct value, with the rows it covers; "" = no value (left out)')
        for target, listed in draft.values.items():
            out.append(f"  {target}:   # from {draft.value_sources[target]}")
            for value, n, guess in listed[:MAX_LISTED]:
                rows = f"{n:,} row{'s' * (n != 1)}"
                if guess is None:
                    out.append(f"    # {_q(value)}: {rows}, read as no value (a missing-value word of the schema)")
                elif guess:
                    out.append(f"    {_q(value)}: {_flow(guess if len(guess) > 1 else guess[0])}   # {rows}")
                else:
                    out.append(f'    {_q(value)}: ""   # {rows}; not matched: FILL IN a value, or leave ""')
        out.append("")
    out.append("# Personal data (names, ids, ages, sex, dates of birth...): never carried into the records.")
    out.append(f"exclude: {_flow(draft.exclude)}")
    out.append("# Not used by this mapping (never carried); move a column into columns: to use it.")
    out.append(f"ignore: {_flow(draft.ignore)}")
    return "\n".join(out) + "\n"
