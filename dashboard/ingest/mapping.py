"""Mapping files: how a foreign file (police open data, a FOIA release) becomes canonical records.

A mapping is a YAML file in data/mappings/. Every rule lives there; this module only applies them:

    missing: ["NULL", ".", "(B)(6);(B)(7)(C)"]  # tokens meaning "no value" in any source column
    missing_by_column: {CenterLatitude: ["0"]}  # ... or in one source column only
    separator: ","                    # how the source separates several values in one cell
    columns:                          # canonical column <- source column(s) or a template
      citizenship: Citizenship
      date: {from: [Date, Time], format: ["%m/%d/%Y %H:%M", "%m/%d/%Y"]}
      targeted_groups: {from: [Race, Role], separator: ";"}   # several columns into one multi column
      agencies: {from: agency, optional: true, default: unknown federal}
      encounter_id: {template: "ERO-FY2019-{row:06d}"}     # {row}: the source row number
      summary: {template: ["Arrest in the {AOR}.", "Arrest."]}  # first one whose fields are all given
    constants: {agencies: ICE ERO, verification: documented}
    values:                           # per canonical column: source value -> canonical value(s)
      force_types: {Gun Point Display: weapon displayed, Not Applicable: ""}
    coordinates: {latitude: Lat, longitude: Lon, precision: block}   # or {point: Location,
                                      # format: "(lat, lon)" or "POINT (lon lat)", precision: ...}
    lookups:                          # join a table from data/ (path relative to data/)
      - {table: reference/geo/ice_aor.csv, match: {AOR: name},
         set: {latitude: latitude, longitude: longitude}, found: {location_precision: region}}
    exclude: [Birth Date]             # never carried (personal data)
    redact: {names_from: [victim_name], in: [summary]}   # blank these names out of free text

Values are matched case-insensitively after trimming and collapsing whitespace. A column the
mapping does not name is never carried into the output, so a personal name cannot leak by accident.
A value that a value map does not cover is left as it is, so validation reports it with a hint.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dashboard.ingest import values as v
from dashboard.ingest.read import ERROR_COL, ROW_COL, FileUnusable
from dashboard.paths import MAPPINGS_DIR, REPO_DATA_DIR
from dashboard.schema import Schema, load_schema

_TOP = {"description", "missing", "missing_by_column", "separator", "columns", "constants", "values"}
_TOP |= {"coordinates", "lookups", "exclude", "redact"}
_COLUMN_KEYS = {"from", "template", "format", "separator", "default", "optional"}
_POINT_FORMATS = {"(lat, lon)": (0, 1), "POINT (lon lat)": (1, 0)}
_FIELD = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class MappingError(FileUnusable):
    """The mapping file cannot be used, or does not fit the file; the message names the mapping and the fault."""


@dataclass(frozen=True)
class ColumnSpec:
    target: str
    sources: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # strptime formats of a date column
    separator: str | None = None
    default: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Lookup:
    table: Path
    source: str  # the source column holding the key
    key: str  # the table column it matches
    set: dict[str, str] = field(hash=False)  # canonical column -> table column
    found: dict[str, str] = field(hash=False)  # canonical column -> constant, where the key was found


@dataclass(frozen=True)
class Mapping:
    path: Path
    columns: tuple[ColumnSpec, ...] = ()
    constants: dict[str, str] = field(default_factory=dict, hash=False)
    values: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, hash=False)
    missing: frozenset[str] = frozenset()
    missing_by_column: dict[str, frozenset[str]] = field(default_factory=dict, hash=False)
    separator: str | None = None
    coordinates: dict[str, str] = field(default_factory=dict, hash=False)
    lookups: tuple[Lookup, ...] = ()
    exclude: tuple[str, ...] = ()
    redact: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def name(self) -> str:
        return self.path.name

    def required_sources(self) -> list[str]:
        """Source columns the file must have (excluded, redacted and optional ones may be absent)."""
        named = [s for c in self.columns if not c.optional for s in c.sources]
        named += [f for c in self.columns for t in c.templates for f, _ in _FIELD.findall(t) if f != "row"]
        named += [self.coordinates[k] for k in ("latitude", "longitude", "point") if k in self.coordinates]
        return list(dict.fromkeys(named + [lk.source for lk in self.lookups]))

    def named_sources(self) -> set[str]:
        optional = [s for c in self.columns if c.optional for s in c.sources]
        return {*self.required_sources(), *optional, *self.exclude, *self.redact.get("names_from", ())}


def _key(value: Any) -> str:
    return v.squash(str(value).lower() if isinstance(value, bool) else str(value)).lower()


def _listed(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(x) for x in value) if isinstance(value, list) else (str(value),)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; a bare name is looked up in data/mappings/."""
    path = Path(path)
    if not path.exists() and (MAPPINGS_DIR / path.name).exists():
        path = MAPPINGS_DIR / path.name

    def fail(what: str) -> MappingError:
        return MappingError(f"mapping {path.name}: {what}")

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"the file could not be opened ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        raise fail(f"this is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(doc, dict):
        raise fail("the file must hold keys such as columns:, constants:, values: (it holds no mapping)")
    if unknown := sorted(set(doc) - _TOP):
        raise fail(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; allowed: {', '.join(sorted(_TOP))}"
        )
    schema = load_schema()

    def section(key: str, kind: type = dict) -> Any:
        got = doc.get(key) or kind()
        if not isinstance(got, kind):
            raise fail(f"{key} must be a {'list' if kind is list else 'set of key: value lines'}")
        return got

    def target(name: Any, where: str) -> str:
        if name not in schema.names:
            raise fail(
                f'{where} names "{name}", which is not a column of the encounter record ({", ".join(schema.names)})'
            )
        if schema.column(name).derived:
            raise fail(f'{where} sets "{name}", which is derived when publishing; a mapping cannot set it')
        return name

    def canonical(column: str, value: Any, where: str) -> tuple[str, ...]:
        out = _listed(value)
        col = schema.column(column)
        if len(out) > 1 and col.kind != "multi":
            raise fail(f'{where} gives several values for "{column}", which holds one value')
        for item in out if col.taxonomy else ():
            if (reason := v.TermMatcher(schema.taxonomies[col.taxonomy]).match(item)[1]) and item:
                raise fail(f"{where}: {reason}")
        return tuple(x for x in out if x.strip())

    columns = []
    for name, body in section("columns").items():
        target(name, "columns")
        body = {"from": body} if isinstance(body, str | list) else body
        if not isinstance(body, dict) or (bad := set(body) - _COLUMN_KEYS) or ("from" in body) == ("template" in body):
            why = f"unknown key(s) {', '.join(sorted(bad))}; " if isinstance(body, dict) and bad else ""
            raise fail(f"columns.{name}: {why}give a source column, a list of them, or {{from: ..., template: ...}}")
        default = "; ".join(canonical(name, body.get("default"), f"columns.{name}.default"))
        sep = body.get("separator")
        columns.append(
            ColumnSpec(
                name,
                _listed(body.get("from")),
                _listed(body.get("template")),
                _listed(body.get("format")),
                str(sep) if sep else None,
                default,
                bool(body.get("optional")),
            )
        )
    constants = {}
    for name, value in section("constants").items():
        constants[target(name, "constants")] = "; ".join(canonical(name, value, f"constants.{name}"))
    if both := sorted({c.target for c in columns} & set(constants)):
        raise fail(f"{', '.join(both)} set both under columns and constants; keep one")
    values = {}
    for name, pairs in section("values").items():
        if not isinstance(pairs, dict):
            raise fail(f"values.{name} must list source value: canonical value lines")
        target(name, "values")
        values[name] = {_key(k): canonical(name, x, f'values.{name} "{k}"') for k, x in pairs.items()}
    coords = {str(k): str(x) for k, x in section("coordinates").items()}
    if coords and set(coords) - {"precision", "format"} not in ({"latitude", "longitude"}, {"point"}):
        raise fail("coordinates needs either latitude: and longitude: columns, or point: and format:")
    if "point" in coords and coords.get("format") not in _POINT_FORMATS:
        raise fail(f"coordinates.format must be one of {', '.join(_POINT_FORMATS)}")
    if "precision" in coords:
        canonical("location_precision", coords["precision"], "coordinates.precision")
    lookups = []
    for i, lk in enumerate(section("lookups", list)):
        where = f"lookups[{i + 1}]"
        if not isinstance(lk, dict) or set(lk) - {"table", "match", "set", "found"} or len(lk.get("match") or {}) != 1:
            raise fail(f"{where} needs table:, match: {{source column: table column}}, set: and optionally found:")
        table = REPO_DATA_DIR / str(lk["table"])
        if not table.is_file():
            raise fail(f"{where}: the table {lk['table']} does not exist under data/")
        (source, key), sets = next(iter(lk["match"].items())), lk.get("set") or {}
        header = pd.read_csv(table, nrows=0).columns
        if lacking := [c for c in [key, *sets.values()] if c not in header]:
            raise fail(
                f"{where}: {lk['table']} has no column {', '.join(lacking)}; its columns are: {', '.join(header)}"
            )
        found = {target(k, where): "; ".join(canonical(k, x, where)) for k, x in (lk.get("found") or {}).items()}
        lookups.append(Lookup(table, str(source), str(key), {target(k, where): str(c) for k, c in sets.items()}, found))
    redact = section("redact")
    for name in redact.get("in", ()):
        target(name, "redact.in")
    spec = Mapping(
        path,
        tuple(columns),
        constants,
        values,
        frozenset(_key(t) for t in section("missing", list)),
        {k: frozenset(_key(t) for t in _listed(x)) for k, x in section("missing_by_column").items()},
        doc.get("separator"),
        coords,
        tuple(lookups),
        _listed(doc.get("exclude")),
        redact,
    )
    if leak := sorted(set(spec.required_sources()) & {*spec.exclude, *redact.get("names_from", ())}):
        raise fail(
            f"{', '.join(leak)} is excluded or redacted but also used as a source; it would leak into the records"
        )
    set_by = {c.target for c in columns} | set(constants) | {t for lk in lookups for t in [*lk.set, *lk.found]}
    set_by |= {"latitude", "longitude", "location_precision"} if coords else set()
    if lacking := [c for c in schema.required if c not in set_by]:
        raise fail(
            f"required column{'s' if len(lacking) > 1 else ''} {', '.join(lacking)} not set; set under columns or constants"
        )
    return spec


def apply_mapping(raw: pd.DataFrame, spec: Mapping, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Canonical columns (strings) built from the raw frame: same rows, same order, plus _row and _read_error."""
    schema, n = load_schema(), len(raw)
    by_key = {_key(c): c for c in raw.columns if not c.startswith("_")}
    resolve = {name: name if name in raw else by_key.get(_key(name)) for name in spec.named_sources()}
    if lacking := [name for name in spec.required_sources() if resolve[name] is None]:
        names, has = ", ".join(f'"{c}"' for c in lacking), "does" if len(lacking) == 1 else "do"
        theirs = ", ".join(f'"{c}"' for c in raw.columns if not c.startswith("_"))
        raise MappingError(
            f"mapping {spec.name} names column{'s' * (len(lacking) > 1)} {names}, which {source} {has} not have; its columns are: {theirs}"
        )
    cache: dict[str, list[str]] = {}

    def col(name: str) -> list[str]:
        """A source column as squashed text, missing tokens as "" (absent optional columns are all "")."""
        if name not in cache:
            real = resolve[name]
            if real is None:
                return [""] * n
            drop = spec.missing | spec.missing_by_column.get(name, frozenset())
            codes, uniques = pd.factorize(raw[real].fillna("").astype(str), sort=False)
            clean = ["" if _key(u) in drop else v.squash(u) for u in uniques]
            cache[name] = [clean[c] for c in codes]
        return cache[name]

    out: dict[str, list[str]] = {}
    unmapped: dict[str, set[str]] = {}
    rows = raw[ROW_COL].tolist() if ROW_COL in raw else list(range(2, n + 2))
    for c in spec.columns:
        if c.templates:
            fields = {f for t in c.templates for f, _ in _FIELD.findall(t) if f != "row"}
            data = {f: col(f) for f in fields}
            try:
                out[c.target] = [
                    _fill(c.templates, {f: data[f][i] for f in fields}, rows[i]) or c.default for i in range(n)
                ]
            except ValueError as exc:
                raise MappingError(
                    f"mapping {spec.name}: the template of columns.{c.target} cannot be filled ({exc})"
                ) from exc
            continue
        convert = _converter(c, spec, schema, unmapped.setdefault(c.target, set()))
        memo: dict[tuple, str] = {}
        out[c.target] = [
            memo[k] if k in memo else memo.setdefault(k, convert(k)) for k in zip(*map(col, c.sources), strict=True)
        ]
    for name, value in spec.constants.items():
        out[name] = [value] * n
    if spec.coordinates:
        out.update(_coordinates(spec.coordinates, col))
    notes = []
    for lk in spec.lookups:
        notes += _lookup(lk, col(lk.source), out, n, spec.name)
    if spec.redact:
        _redact(spec.redact, col, out)
    for target, found in unmapped.items():
        for value in sorted(found):
            at = [str(r) for r, x in zip(rows, out[target], strict=True) if value in x.split("; ")]
            notes.append(
                f'values.{target} in {spec.name} does not cover "{value}" ({len(at):,} row{"s" * (len(at) > 1)}: '
                f"{', '.join(at[:10])}{' ...' * (len(at) > 10)}); add it to values.{target} in {spec.name}"
            )
    named = {resolve[s] for s in spec.named_sources()}
    if unused := [c for c in raw.columns if not c.startswith("_") and c not in named]:
        notes.append(f"columns not used (never carried into the records): {', '.join(unused)}")
    if excluded := [resolve[c] for c in (*spec.exclude, *spec.redact.get("names_from", ())) if resolve[c]]:
        notes.append(f"columns excluded by {spec.name}: {', '.join(excluded)}")
    frame = pd.DataFrame({c: pd.Series(out[c], index=raw.index, dtype=object) for c in schema.names if c in out})
    for extra in (ROW_COL, ERROR_COL):
        if extra in raw:
            frame[extra] = raw[extra]
    return frame, notes


def _converter(c: ColumnSpec, spec: Mapping, schema: Schema, unmapped: set[str]):
    """A function from one row's source values to the canonical text, counting values no map covers."""
    column, mapped = schema.column(c.target), spec.values.get(c.target)
    taxonomy = schema.taxonomies.get(column.taxonomy) if column.taxonomy else None
    matcher = v.TermMatcher(taxonomy) if taxonomy else None
    sep = c.separator or (spec.separator if column.kind == "multi" else None)

    def convert(parts: tuple[str, ...]) -> str:
        if c.formats:
            return _date(" ".join(p for p in parts if p), c.formats) or c.default
        found: list[str] = []
        for part in (x for p in parts for x in (p.split(sep) if sep else [p])):
            part = v.squash(part)
            if _key(part) in spec.missing:
                continue
            if mapped is not None and _key(part) in mapped:
                found += mapped[_key(part)]
            elif part and not (taxonomy and v.is_missing(part, schema, taxonomy)):
                if mapped is not None and matcher and matcher.match(part)[1]:
                    unmapped.add(part)
                found.append(part)
        return "; ".join(dict.fromkeys(found)) or c.default

    return convert


def _date(text: str, formats: tuple[str, ...]) -> str:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    return text  # left as it is: validation says why it is not a date


def _fill(templates: tuple[str, ...], data: dict[str, str], row: int) -> str:
    for t in templates:
        if all(data.get(f) for f, _ in _FIELD.findall(t) if f != "row"):
            return _FIELD.sub(lambda m: format(row if m[1] == "row" else data[m[1]], m[2] or ""), t)
    return ""


def _coordinates(spec: dict[str, str], col) -> dict[str, list[str]]:
    if "point" in spec:
        lat_at, lon_at = _POINT_FORMATS[spec["format"]]
        lat, lon = [], []
        for text in col(spec["point"]):
            nums = _NUMBER.findall(text)
            ok = len(nums) == 2 and (not spec["format"].startswith("POINT") or text.upper().startswith("POINT"))
            lat.append(nums[lat_at] if ok else text)  # not a point: kept whole in latitude, so validation reports it
            lon.append(nums[lon_at] if ok else "")
    else:
        lat, lon = col(spec["latitude"]), col(spec["longitude"])
    out = {"latitude": lat, "longitude": lon}
    if "precision" in spec:
        out["location_precision"] = [spec["precision"] if a and b else "" for a, b in zip(lat, lon, strict=True)]
    return out


def _lookup(lk: Lookup, keys: list[str], out: dict[str, list[str]], n: int, mapping: str) -> list[str]:
    table = pd.read_csv(lk.table, dtype=str, keep_default_na=False)
    index = {_key(k): i for i, k in enumerate(table[lk.key])}
    at = [index.get(_key(k), -1) if k else -1 for k in keys]
    for name, column in lk.set.items():
        given, values = out.get(name, [""] * n), table[column].tolist()
        out[name] = [values[i] if i >= 0 else g for i, g in zip(at, given, strict=True)]
    for name, value in lk.found.items():
        given = out.get(name, [""] * n)
        out[name] = [value if i >= 0 else g for i, g in zip(at, given, strict=True)]
    missed = Counter(k for k, i in zip(keys, at, strict=True) if k and i < 0)
    if not missed:
        return []
    listed = ", ".join(f'"{k}" ({c:,})' for k, c in missed.most_common(10))
    return [
        f"{sum(missed.values()):,} rows have a {lk.source} that {lk.table.name} does not list ({listed}); "
        f"they get no {', '.join([*lk.set, *lk.found])} from it: add them to {lk.table.name} or fix them in {mapping}"
    ]


def _redact(spec: dict[str, Any], col, out: dict[str, list[str]]) -> None:
    """Blank out every name found in the names_from columns (whole values, and each named person in a list)."""
    names = set()
    for source in spec.get("names_from", ()):
        for value in set(col(source)):
            pieces = re.split(r",|\+|&|/|\band\b", re.sub(r"\([^)]*\)", " ", value), flags=re.IGNORECASE)
            names |= {value} | {p for p in map(v.squash, pieces) if len(p.split()) >= 2}
    names.discard("")
    if not names:
        return
    pattern = re.compile("|".join(re.escape(x) for x in sorted(names, key=len, reverse=True)), re.IGNORECASE)
    replacement = str(spec.get("replacement", "[name withheld]"))
    for target in spec.get("in", ()):
        memo: dict[str, str] = {}
        out[target] = [
            memo.setdefault(t, pattern.sub(replacement, t)) if t not in memo else memo[t] for t in out.get(target, [])
        ]
