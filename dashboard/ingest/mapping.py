"""Mapping files (data/mappings/*.yaml): how a foreign file becomes canonical encounter records.

Every rule lives in the YAML; this module only applies them. The keys:

    missing: ["NULL", "(B)(6);(B)(7)(C)"]      tokens meaning "no value" in any source column
    missing_by_column: {Lat: ["0"]}            ... or in one source column
    separator: ","                             how the source separates values in a multi-valued cell
    columns:                                   canonical column: source column(s), or a spec
      citizenship: Citizenship                 {from:, template:, format:, separator:, default:, optional:}
      date: {from: [Date, Time], format: ["%m/%d/%Y %H:%M", "%m/%d/%Y"]}
      encounter_id: {template: "ERO-FY2019-{row:06d}"}       {row} = the source row number
      summary: {template: ["Arrest in the {AOR}.", "Arrest."]}  the first whose fields all have a value
    constants: {agencies: ICE ERO}
    values: {force_types: {Gun Point Display: weapon displayed, N/A: ""}}   per canonical column; * = any text
    coordinates: {latitude: Lat, longitude: Lon, precision: block}  or {point: Loc, format: "(lat, lon)"}
    lookups: [{table: reference/geo/ice_aor.csv, match: {AOR: name}, set: {latitude: latitude}, found: {...}}]
    exclude: [Birth Date]                      personal data, never carried
    redact: {names_from: [victim_name], in: [summary]}   those names are blanked out of free text

Values match case-insensitively after trimming and collapsing whitespace. A column the mapping does
not name is never carried into the output, so a personal name cannot leak by accident. A value no
value map covers is left as it is, so that validation reports it (with a hint to extend the map).
"""

from __future__ import annotations

import fnmatch
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
_COLUMN_KEYS = ("from", "template", "format", "separator", "default", "optional")
_POINT_FORMATS = {"(lat, lon)": (0, 1), "POINT (lon lat)": (1, 0)}
_FIELD = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class MappingError(FileUnusable):
    """The mapping cannot be used, or does not fit the file; the message names the mapping file and the fault."""


@dataclass(frozen=True)
class ColumnSpec:
    target: str
    sources: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # strptime formats of a date column
    separator: str | None = None
    default: str = ""
    optional: bool = False  # a source column that may be absent from the file


@dataclass(frozen=True)
class Lookup:
    table: Path
    source: str  # the source column holding the key ...
    key: str  # ... matched against this table column
    set: dict[str, str] = field(hash=False)  # canonical column <- table column
    found: dict[str, str] = field(hash=False)  # canonical column <- constant, where the key was found


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
        """Source columns the file must have (optional, excluded and redacted ones may be absent)."""
        named = [s for c in self.columns if not c.optional for s in c.sources]
        named += [f for c in self.columns for t in c.templates for f, _ in _FIELD.findall(t) if f != "row"]
        named += [self.coordinates[k] for k in ("latitude", "longitude", "point") if k in self.coordinates]
        return list(dict.fromkeys(named + [lk.source for lk in self.lookups]))

    def named_sources(self) -> set[str]:
        optional = [s for c in self.columns if c.optional for s in c.sources]
        return {*self.required_sources(), *optional, *self.exclude, *self.redact.get("names_from", ())}


def _key(value: Any) -> str:
    """How values and column names are matched: YAML's true/1 as the file spells them, trimmed, lower case."""
    return v.squash(str(value).lower() if isinstance(value, bool) else str(value)).lower()


def _listed(value: Any) -> tuple[str, ...]:
    return () if value is None else tuple(map(str, value)) if isinstance(value, list) else (str(value),)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file (a bare name is looked up in data/mappings/); MappingError says what is wrong."""
    path = Path(path)
    path = MAPPINGS_DIR / path.name if not path.exists() and (MAPPINGS_DIR / path.name).exists() else path

    def fail(what: str) -> MappingError:
        return MappingError(f"mapping {path.name}: {what}")

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"the file could not be opened ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise fail(f"this is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(doc, dict):
        raise fail("the file must hold keys such as columns:, constants:, values: (it holds no mapping)")
    if unknown := sorted(map(str, set(doc) - _TOP)):
        raise fail(f"unknown key {', '.join(unknown)}; the keys are: {', '.join(sorted(_TOP))}")
    schema = load_schema()

    def section(key: str, kind: type = dict) -> Any:
        if not isinstance(got := doc.get(key) or kind(), kind):
            raise fail(f"{key} must be a {'list' if kind is list else 'set of key: value lines'}")
        return got

    def target(name: Any, where: str) -> str:
        if name not in schema.names:
            raise fail(f'{where} names "{name}", which is not a column of the record: {", ".join(schema.names)}')
        if schema.column(name).derived:
            raise fail(f'{where} sets "{name}", which is derived when publishing; a mapping cannot set it')
        return name

    def canonical(column: str, value: Any, where: str) -> str:
        """The checked canonical value(s) of a column, joined with '; ' ("" for missing)."""
        out, col = [x for x in _listed(value) if x.strip()], schema.column(column)
        if len(out) > 1 and col.kind != "multi":
            raise fail(f'{where} gives several values for "{column}", which holds one value')
        matcher = v.TermMatcher(schema.taxonomies[col.taxonomy]) if col.taxonomy else None
        if reason := next((r for x in out if matcher and (r := matcher.match(x)[1])), None):
            raise fail(f"{where}: {reason}")
        return "; ".join(out)

    columns = []
    for name, body in section("columns").items():
        body = {"from": body} if isinstance(body, str | list) else body
        if not isinstance(body, dict) or set(body) - set(_COLUMN_KEYS) or ("from" in body) == ("template" in body):
            raise fail(f"columns.{target(name, 'columns')} must be a source column, a list, or keys of {_COLUMN_KEYS}")
        default, sep = canonical(target(name, "columns"), body.get("default"), f"columns.{name}"), body.get("separator")
        parts = [_listed(body.get(k)) for k in _COLUMN_KEYS[:3]]
        columns.append(ColumnSpec(name, *parts, str(sep) if sep else None, default, bool(body.get("optional"))))
    constants = {target(k, "constants"): canonical(k, x, f"constants.{k}") for k, x in section("constants").items()}
    if both := sorted({c.target for c in columns} & set(constants)):
        raise fail(f"{', '.join(both)} set both under columns and constants; keep one")
    values = {}
    for name, pairs in section("values").items():
        if not isinstance(pairs, dict):
            raise fail(f"values.{target(name, 'values')} must list source value: canonical value lines")
        values[target(name, "values")] = {
            _key(k): tuple(filter(None, canonical(name, x, f'values.{name} "{k}"').split("; ")))
            for k, x in pairs.items()
        }
    coords = {str(k): str(x) for k, x in section("coordinates").items()}
    if coords and set(coords) - {"precision", "format"} not in ({"latitude", "longitude"}, {"point"}):
        raise fail("coordinates needs either latitude: and longitude: columns, or point: and format:")
    if "point" in coords and coords.get("format") not in _POINT_FORMATS:
        raise fail(f"coordinates.format must be one of: {', '.join(_POINT_FORMATS)}")
    canonical("location_precision", coords.get("precision"), "coordinates.precision")
    lookups = [_parse_lookup(i, lk, fail, target, canonical) for i, lk in enumerate(section("lookups", list), 1)]
    redact = section("redact")
    for name in redact.get("in", ()):
        target(name, "redact.in")
    missing = {k: frozenset(map(_key, _listed(x))) for k, x in section("missing_by_column").items()}
    spec = Mapping(path, tuple(columns), constants, values, frozenset(map(_key, section("missing", list))), missing,
                   doc.get("separator"), coords, tuple(lookups), _listed(doc.get("exclude")), redact)  # fmt: skip
    if leak := sorted(set(spec.required_sources()) & {*spec.exclude, *redact.get("names_from", ())}):
        raise fail(f"{', '.join(leak)}: excluded or redacted, yet used as a source; it would leak into the records")
    set_by = {c.target for c in columns} | set(constants) | {t for lk in lookups for t in [*lk.set, *lk.found]}
    if lacking := [c for c in schema.required if c not in set_by]:
        raise fail(f"required column {', '.join(lacking)} is not set; set it under columns or constants")
    return spec


def _parse_lookup(i: int, lk: Any, fail, target, canonical) -> Lookup:
    if not isinstance(lk, dict) or set(lk) - {"table", "match", "set", "found"} or len(lk.get("match") or {}) != 1:
        raise fail(f"lookups item {i} needs table:, match: {{source column: table column}}, set: and found:")
    table, sets = REPO_DATA_DIR / str(lk["table"]), lk.get("set") or {}
    if not table.is_file():
        raise fail(f"lookups item {i}: the table {lk['table']} does not exist under data/")
    (source, key), header = next(iter(lk["match"].items())), list(pd.read_csv(table, nrows=0).columns)
    if lacking := [c for c in [key, *sets.values()] if c not in header]:
        raise fail(f"lookups item {i}: {lk['table']} has no column {', '.join(lacking)}; it has {', '.join(header)}")
    found = {target(k, "lookups"): canonical(k, x, f"lookups item {i}") for k, x in (lk.get("found") or {}).items()}
    return Lookup(table, str(source), str(key), {target(k, "lookups"): str(c) for k, c in sets.items()}, found)


def apply_mapping(raw: pd.DataFrame, spec: Mapping, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Canonical columns (text) from the raw frame, with the same rows in the same order, _row and _read_error."""
    schema, n = load_schema(), len(raw)
    by_key = {_key(c): c for c in raw.columns if not c.startswith("_")}
    resolve = {name: name if name in raw else by_key.get(_key(name)) for name in spec.named_sources()}
    if lacking := [name for name in spec.required_sources() if resolve[name] is None]:
        names, theirs = ", ".join(f'"{c}"' for c in lacking), ", ".join(f'"{c}"' for c in by_key.values())
        what = f"column {names}, which {source} does" if len(lacking) == 1 else f"columns {names}, which {source} do"
        raise MappingError(f"mapping {spec.name} names {what} not have; its columns are: {theirs}")
    cache: dict[str, list[str]] = {}

    def col(name: str) -> list[str]:
        """A source column as squashed text, missing tokens as "" (an absent optional column is all "")."""
        if name not in cache and resolve[name] is not None:
            drop = spec.missing | spec.missing_by_column.get(name, frozenset())
            codes, uniques = pd.factorize(raw[resolve[name]].fillna("").astype(str), sort=False)
            clean = ["" if _key(u) in drop else v.squash(u) for u in uniques]
            cache[name] = [clean[c] for c in codes]
        return cache.get(name) or [""] * n

    out: dict[str, list[str]] = {}
    unmapped: dict[str, set[str]] = {}
    rows = raw[ROW_COL].tolist() if ROW_COL in raw else list(range(2, n + 2))
    for c in spec.columns:
        if c.templates:
            try:
                out[c.target] = [x or c.default for x in _fill(c.templates, col, rows)]
            except (ValueError, IndexError) as exc:
                raise MappingError(
                    f"mapping {spec.name}: columns.{c.target}: the template does not fit ({exc})"
                ) from exc
            continue
        convert, memo = _converter(c, spec, schema, unmapped.setdefault(c.target, set())), {}
        out[c.target] = [
            memo[k] if k in memo else memo.setdefault(k, convert(k)) for k in zip(*map(col, c.sources), strict=True)
        ]
    out.update({name: [value] * n for name, value in spec.constants.items()})
    out.update(_coordinates(spec.coordinates, col) if spec.coordinates else {})
    notes = [note for lk in spec.lookups for note in _lookup(lk, col(lk.source), out, n, spec.name)]
    if spec.redact:
        _redact(spec.redact, col, out)
    for target, found in unmapped.items():
        for value in sorted(found):
            at = [str(r) for r, x in zip(rows, out[target], strict=True) if value in x.split("; ")]
            shown = f"{len(at):,} row{'s' * (len(at) != 1)}: " + ", ".join(at[:10]) + (" ..." if len(at) > 10 else "")
            notes.append(
                f'values.{target} does not cover "{value}" ({shown}); add it to values.{target} in {spec.name}'
            )
    named = {resolve[s] for s in spec.named_sources()}
    if unused := [c for c in by_key.values() if c not in named]:
        notes.append(f"columns not used (never carried into the records): {', '.join(unused)}")
    if excluded := [resolve[c] for c in (*spec.exclude, *spec.redact.get("names_from", ())) if resolve[c]]:
        notes.append(f"columns excluded by {spec.name} (never carried): {', '.join(excluded)}")
    frame = pd.DataFrame({c: pd.Series(out[c], index=raw.index, dtype=object) for c in schema.names if c in out})
    for extra in (ROW_COL, ERROR_COL):
        if extra in raw:
            frame[extra] = raw[extra]
    return frame, notes


def _converter(c: ColumnSpec, spec: Mapping, schema: Schema, unmapped: set[str]):
    """A function from one row's source values to canonical text; it collects values no value map covers."""
    column, mapped = schema.column(c.target), spec.values.get(c.target)
    taxonomy = schema.taxonomies[column.taxonomy] if column.taxonomy else None
    matcher = v.TermMatcher(taxonomy) if taxonomy else None
    sep = c.separator or (spec.separator if column.kind == "multi" else None)
    patterns = [(k, x) for k, x in (mapped or {}).items() if "*" in k]

    def lookup(part: str) -> tuple[str, ...] | None:
        key = _key(part)
        if mapped is not None and key in mapped:
            return mapped[key]
        return next((x for k, x in patterns if fnmatch.fnmatchcase(key, k)), None)

    def convert(parts: tuple[str, ...]) -> str:
        if c.formats:
            return _date(" ".join(p for p in parts if p), c.formats) or c.default
        found: list[str] = []
        for part in (v.squash(x) for p in parts for x in (p.split(sep) if sep else [p])):
            if (to := lookup(part)) is not None:
                found += to
            elif part and _key(part) not in spec.missing and not (taxonomy and v.is_missing(part, schema, taxonomy)):
                value, reason = matcher.match(part) if matcher else (part, None)
                if reason and mapped is not None:
                    unmapped.add(part)
                found.append(part if reason else value)  # not canonical: kept as it is, for validation to report
        return "; ".join(dict.fromkeys(found)) or c.default

    return convert


def _date(text: str, formats: tuple[str, ...]) -> str:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    return text  # left as it is: validation says why it is not a date


def _fill(templates: tuple[str, ...], col, rows: list[int]) -> list[str]:
    """Each row from the first template whose fields ({row} or source columns) all have a value."""
    out, todo = [""] * len(rows), range(len(rows))
    for t in templates:
        names = list(dict.fromkeys(f for f, _ in _FIELD.findall(t)))
        fmt = _FIELD.sub(lambda m, names=names: f"{{{names.index(m[1])}{':' + m[2] if m[2] else ''}}}", t)
        data, left, memo = [rows if f == "row" else col(f) for f in names], [], {}
        for i in todo:
            values = tuple(d[i] for d in data)
            if "" in values:
                left.append(i)
            elif "row" in names:
                out[i] = fmt.format(*values)
            else:  # few distinct texts: format each once
                out[i] = memo[values] if values in memo else memo.setdefault(values, fmt.format(*values))
        todo = left
    return out


def _coordinates(spec: dict[str, str], col) -> dict[str, list[str]]:
    lat, lon = (col(spec["latitude"]), col(spec["longitude"])) if "latitude" in spec else ([], [])
    if "point" in spec:
        lat_at, lon_at = _POINT_FORMATS[spec["format"]]
        for text in col(spec["point"]):
            nums = _NUMBER.findall(text)
            ok = len(nums) == 2 and (not spec["format"].startswith("POINT") or text.upper().startswith("POINT"))
            lat.append(nums[lat_at] if ok else text)  # not a point: kept whole in latitude, so validation reports it
            lon.append(nums[lon_at] if ok else "")
    out = {"latitude": lat, "longitude": lon}
    if "precision" in spec:
        out["location_precision"] = [spec["precision"] if a and b else "" for a, b in zip(lat, lon, strict=True)]
    return out


def _lookup(lk: Lookup, keys: list[str], out: dict[str, list[str]], n: int, mapping: str) -> list[str]:
    table = pd.read_csv(lk.table, dtype=str, keep_default_na=False)
    index = {_key(k): i for i, k in enumerate(table[lk.key])}
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    found = [index.get(_key(k), -1) if k else -1 for k in uniques]
    at = [found[c] for c in codes]
    for name, column in lk.set.items():
        given, values = out.get(name, [""] * n), table[column].tolist()
        out[name] = [values[i] if i >= 0 else g for i, g in zip(at, given, strict=True)]
    for name, value in lk.found.items():
        out[name] = [value if i >= 0 else g for i, g in zip(at, out.get(name, [""] * n), strict=True)]
    if not (missed := Counter(k for k, i in zip(keys, at, strict=True) if k and i < 0)):
        return []
    listed, what = ", ".join(f'"{k}" ({c:,})' for k, c in missed.most_common(10)), ", ".join([*lk.set, *lk.found])
    return [f"{missed.total():,} rows have a {lk.source} that {lk.table.name} does not list ({listed}); they get no "
            f"{what} from it: add them to {lk.table.name} or correct them through {mapping}"]  # fmt: skip


def _redact(spec: dict[str, Any], col, out: dict[str, list[str]]) -> None:
    """Blank out of free text every name in the names_from columns (the whole value, and each person it lists)."""
    names = set()
    for source in spec.get("names_from", ()):
        for value in set(col(source)) - {""}:
            pieces = re.split(r",|\+|&|/|\band\b", re.sub(r"\([^)]*\)", " ", value), flags=re.IGNORECASE)
            names |= {value} | {p for p in map(v.squash, pieces) if len(p.split()) >= 2}
    if names:
        pattern = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))), re.IGNORECASE)
        replacement, memo = str(spec.get("replacement", "[name withheld]")), {}
        for target in spec.get("in", ()):
            out[target] = [
                memo[t] if t in memo else memo.setdefault(t, pattern.sub(replacement, t)) for t in out[target]
            ]
