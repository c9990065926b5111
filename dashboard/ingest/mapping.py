"""Mapping files (data/mappings/*.yaml): how a foreign file becomes canonical encounter records.

Every rule lives in the YAML; this module only applies them. Every key, where it goes and one example
are in data/mappings/REFERENCE.md (`encounters mapping reference`), printed from the table in
mapping_format.py that this loader checks keys against. In short:

    columns: {date: {from: Date, format: [...]}, force_types: {flags: {Taser Used: taser}}, ...}
    constants: {agencies: ICE ERO}          values: {force_types: {Gun Point Display: weapon displayed}}
    coordinates: {latitude:, longitude:} | {point:, format:, in_text:} | {x:, y:, crs: "EPSG:2260"}
    group_by: {key: [IncidentNum], people_from: SubjectID}      rows sharing the key are one encounter
    leave_out: [{name: shots at animals, where: {Type: [Animal]}}]   rows that are not encounters
    exclude: [...]  ignore: [...]  allow_personal: {Column: reason}   every source column accounted for

Values match case-insensitively after trimming and collapsing whitespace. A column the mapping does
not name is never carried into the output, so a personal name cannot leak by accident; a column that
looks personal (data/reference/personal_columns.yaml) cannot be used without allow_personal. A value
no value map covers is left as it is, so that validation reports it (with a hint to extend the map).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from dashboard.ingest import mapping_steps as steps
from dashboard.ingest import values as v
from dashboard.ingest.mapping_format import keys_of, unknown_key_message
from dashboard.ingest.personal import personal_kind
from dashboard.ingest.read import ERROR_COL, ROW_COL, FileUnusable
from dashboard.paths import MAPPINGS_DIR, REFERENCE_DIR, REPO_DATA_DIR
from dashboard.schema import Schema, load_schema

_POINT_FORMATS = {"(lat, lon)": (0, 1), "POINT (lon lat)": (1, 0)}
_FIELD = re.compile(r"\{([^{}:]+)(?::([^{}]*))?\}")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NUM = r"\s*([-+]?(?:\d+\.?\d*|\.\d+))\s*"
_PAIR_IN_TEXT = re.compile(rf"\({_NUM},{_NUM}\)")
_WKT_IN_TEXT = re.compile(rf"POINT\s*\({_NUM}\s{_NUM}\)", re.IGNORECASE)


class MappingError(FileUnusable):
    """The mapping cannot be used, or does not fit the file; the message names the mapping file and the fault."""


class _Loader(yaml.SafeLoader):
    """YAML as version 1.2 reads booleans: only true and false. A source value Yes, No, On or Off stays text,
    so `values: {force_types: {Yes: ...}}` matches the file's "Yes"."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class ColumnSpec:
    target: str
    sources: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # strptime formats of a date column
    separator: str | None = None
    default: str = ""
    optional: bool = False  # a source column that may be absent from the file
    flags: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (source column, record values it adds when "yes")


@dataclass(frozen=True)
class Lookup:
    table: Path
    source: str  # the source column holding the key ...
    key: str  # ... matched against this table column
    set: dict[str, str] = field(hash=False)  # canonical column <- table column
    found: dict[str, str] = field(hash=False)  # canonical column <- constant, where the key was found


@dataclass(frozen=True)
class Rule:
    """A leave_out rule: rows whose every named column matches one of its patterns are not encounters."""

    name: str
    where: tuple[tuple[str, tuple[str, ...]], ...]  # (source column, lower-case fnmatch patterns)


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
    flag_true: frozenset[str] = frozenset()
    flag_false: frozenset[str] = frozenset()
    group_key: tuple[str, ...] = ()  # group_by.key: rows sharing it become one encounter
    people_from: str | None = None  # group_by.people_from: people_affected = distinct values in the group
    leave_out: tuple[Rule, ...] = ()
    ignore: tuple[str, ...] = ()
    allow_personal: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def name(self) -> str:
        return self.path.name

    def uses(self) -> list[tuple[str, str]]:
        """(mapping key, source column) for every use that can carry a source value into the records."""
        out = [(f"columns.{c.target}.from", s) for c in self.columns for s in c.sources]
        out += [(f"columns.{c.target}.flags", s) for c in self.columns for s, _ in c.flags]
        out += [
            (f"columns.{c.target}.template", f)
            for c in self.columns
            for t in c.templates
            for f, _ in _FIELD.findall(t)
            if f != "row"
        ]
        out += [(f"coordinates.{k}", self.coordinates.get(k)) for k in ("latitude", "longitude", "point", "x", "y")]
        out += [("lookups.match", lk.source) for lk in self.lookups] + [("group_by.key", k) for k in self.group_key]
        return [(key, column) for key, column in out if column]

    def required_sources(self) -> list[str]:
        """Source columns the file must have (optional, excluded, ignored and redacted ones may be absent)."""
        optional = {s for c in self.columns if c.optional for s in [*c.sources, *(f for f, _ in c.flags)]}
        named = [column for _, column in self.uses() if column not in optional]
        named += [self.people_from] if self.people_from else []
        return list(dict.fromkeys(named + [column for rule in self.leave_out for column, _ in rule.where]))

    def named_sources(self) -> set[str]:
        optional = [s for c in self.columns if c.optional for s in [*c.sources, *(f for f, _ in c.flags)]]
        names_from = self.redact.get("names_from", ())
        return {*self.required_sources(), *optional, *self.exclude, *names_from, *self.ignore}


def _key(value: Any) -> str:
    """How values and column names are matched: YAML's true/1 as the file spells them, trimmed, lower case."""
    return v.squash(str(value).lower() if isinstance(value, bool) else str(value)).lower()


def _listed(value: Any) -> tuple[str, ...]:
    return () if value is None else tuple(map(str, value)) if isinstance(value, list) else (str(value),)


@cache
def standard_flag_values() -> tuple[frozenset[str], frozenset[str]]:
    doc = yaml.load((REFERENCE_DIR / "flag_values.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    doc = {str(k).lower(): x for k, x in doc.items()}  # `true:` is read as a boolean key
    return frozenset(map(_key, doc["true"])), frozenset(map(_key, doc["false"]))


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file (a bare name is looked up in data/mappings/); MappingError says what is wrong."""
    path = Path(path)
    path = MAPPINGS_DIR / path.name if not path.exists() and (MAPPINGS_DIR / path.name).exists() else path

    def fail(what: str) -> MappingError:
        return MappingError(f"mapping {path.name}: {what}")

    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise fail(f"the file could not be opened ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise fail(f"this is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(doc, dict):
        raise fail("the file must hold keys such as columns:, constants:, values: (it holds no mapping)")
    schema = load_schema()

    def keys(section: str, given: dict, where: str) -> None:
        if message := unknown_key_message(section, given):
            raise fail(f"{where}{': ' if where else ''}{message}")

    keys("top", doc, "")

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

    columns = [_parse_column(name, body, fail, target, canonical) for name, body in section("columns").items()]
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
    coords = _parse_coordinates(section("coordinates"), fail, keys, canonical)
    lookups = [_parse_lookup(i, lk, fail, target, canonical) for i, lk in enumerate(section("lookups", list), 1)]
    redact = section("redact")
    keys("redact", redact, "redact")
    for name in redact.get("in", ()):
        target(name, "redact.in")
    flag_true, flag_false = _parse_flag_values(section("flag_values"), fail, keys)
    group = section("group_by")
    keys("group_by", group, "group_by")
    if group and not group.get("key"):
        raise fail("group_by needs key: the source column(s) naming an incident, e.g. group_by: {key: [IncidentNum]}")
    allow = {str(k): str(x or "").strip() for k, x in section("allow_personal").items()}
    if unexplained := [k for k, x in allow.items() if not x]:
        raise fail(f'allow_personal.{unexplained[0]} needs the reason it may be used, e.g. {{{unexplained[0]}: "..."}}')
    missing = {k: frozenset(map(_key, _listed(x))) for k, x in section("missing_by_column").items()}
    spec = Mapping(
        path, tuple(columns), constants, values, frozenset(map(_key, section("missing", list))), missing,
        doc.get("separator"), coords, tuple(lookups), _listed(doc.get("exclude")), redact, flag_true, flag_false,
        _listed(group.get("key")), str(group["people_from"]) if group.get("people_from") else None,
        tuple(_parse_rule(i, r, fail, keys) for i, r in enumerate(section("leave_out", list), 1)),
        _listed(doc.get("ignore")), allow,
    )  # fmt: skip
    _check(spec, schema, fail)
    return spec


def _check(spec: Mapping, schema: Schema, fail) -> None:
    """Checks across keys: nothing excluded is used, no personal column without a reason, required columns set."""
    kept_out = {*spec.exclude, *spec.redact.get("names_from", ())}
    if leak := sorted({column for _, column in spec.uses()} & kept_out):
        raise fail(f"{', '.join(leak)}: excluded or redacted, yet used as a source; it would leak into the records")
    for key, column in spec.uses():
        if column not in spec.allow_personal and (kind := personal_kind(column)):
            raise fail(
                f'{key} uses "{column}", which looks like {kind} (personal data). Leave it out (list it under '
                f"exclude), or if the records truly need it, list it under allow_personal with the reason: "
                f'allow_personal: {{{column}: "why it is needed"}}'
            )
    set_by = {c.target for c in spec.columns} | set(spec.constants)
    set_by |= {t for lk in spec.lookups for t in [*lk.set, *lk.found]}
    if spec.group_key:
        _check_grouping(spec, fail)
        set_by.add("people_affected")
    if lacking := [c for c in schema.required if c not in set_by]:
        raise fail(f"required column {', '.join(lacking)} is not set; set it under columns or constants")


def _check_grouping(spec: Mapping, fail) -> None:
    """The id of a grouped encounter must come from its key alone, or it would change with the rows' order."""
    if "people_affected" in spec.constants:
        raise fail("people_affected is counted by group_by (people_from); remove it from constants")
    ids = next((c for c in spec.columns if c.target == "encounter_id"), None)
    fields = [f for t in (ids.templates if ids else ()) for f, _ in _FIELD.findall(t)] + list(
        ids.sources if ids else ()
    )
    if ids is None or (others := [f for f in fields if f not in spec.group_key]):
        named = f" ({', '.join(others)} is not a key column)" if ids and others else ""
        raise fail(
            f"under group_by, columns.encounter_id must be built from the key columns only{named}, so that an "
            f'encounter keeps its id: e.g. encounter_id: {{template: "X-{{{spec.group_key[0]}}}"}}'
        )


def _parse_column(name, body, fail, target, canonical) -> ColumnSpec:
    name, body = target(name, "columns"), {"from": body} if isinstance(body, str | list) else body
    if not isinstance(body, dict):
        raise fail(f"columns.{target(name, 'columns')} must be a source column, a list, or keys of {keys_of('column')}")
    if message := unknown_key_message("column", body):
        raise fail(f"columns.{target(name, 'columns')} must be a source column, a list, or column keys: {message}")
    given = [k for k in ("from", "template", "flags") if k in body]
    if not given or ("template" in given and len(given) > 1):
        raise fail(
            f"columns.{target(name, 'columns')} needs one of from:, template: or flags: (from: and flags: may go together)"
        )
    flags = body.get("flags") or {}
    if not isinstance(flags, dict):
        raise fail(f'columns.{name}.flags must list source column: value lines, e.g. {{"Taser Used": taser}}')
    if flags and schema_kind(name) != "multi" and len(flags) > 1:
        raise fail(f"columns.{name}.flags: {name} holds one value, so it can take one flag column, not {len(flags)}")
    flag_pairs = tuple(
        (str(src), tuple(filter(None, canonical(name, x, f'columns.{name}.flags "{src}"').split("; "))))
        for src, x in flags.items()
    )
    default, sep = canonical(name, body.get("default"), f"columns.{name}"), body.get("separator")
    parts = [_listed(body.get(k)) for k in ("from", "template", "format")]
    return ColumnSpec(name, *parts, str(sep) if sep else None, default, bool(body.get("optional")), flag_pairs)


def schema_kind(column: str) -> str:
    return load_schema().column(column).kind


def _parse_coordinates(coords: dict, fail, keys, canonical) -> dict[str, Any]:
    keys("coordinates", coords, "coordinates")
    out = {str(k): x if isinstance(x, bool) else str(x) for k, x in coords.items()}
    shape = set(out) - {"precision", "format", "in_text", "crs"}
    if out and shape not in ({"latitude", "longitude"}, {"point"}, {"x", "y"}):
        raise fail("coordinates needs latitude: and longitude: columns, or point: and format:, or x:, y: and crs:")
    if "point" in out and out.get("format") not in _POINT_FORMATS:
        raise fail(f"coordinates.format must be one of: {', '.join(_POINT_FORMATS)}")
    if ("x" in out) != ("crs" in out):
        raise fail('coordinates x: and y: need crs: (their coordinate system, e.g. crs: "EPSG:2260")')
    if "in_text" in out and not isinstance(out["in_text"], bool):
        raise fail("coordinates.in_text must be true or false")
    if "crs" in out:
        steps.projection(out["crs"], fail)  # refuses an unknown coordinate system now, not at the first row
    canonical("location_precision", out.get("precision"), "coordinates.precision")
    return out


def _parse_flag_values(given: dict, fail, keys) -> tuple[frozenset[str], frozenset[str]]:
    given = {str(k).lower(): x for k, x in given.items()}  # `true:` is read as a boolean key
    keys("flag_values", given, "flag_values")
    true, false = standard_flag_values()
    true = frozenset(map(_key, _listed(given["true"]))) if "true" in given else true
    false = frozenset(map(_key, _listed(given["false"]))) if "false" in given else false
    if both := sorted(true & false):
        raise fail(f'flag_values: "{both[0]}" is listed both as true and as false')
    return true, false


def _parse_rule(i: int, rule: Any, fail, keys) -> Rule:
    if not isinstance(rule, dict):
        raise fail(f"leave_out item {i} needs name: and where: {{source column: value(s)}}")
    keys("leave_out", rule, f"leave_out item {i}")
    where = rule.get("where")
    if not rule.get("name") or not isinstance(where, dict) or not where:
        raise fail(f"leave_out item {i} needs name: and where: {{source column: value(s)}}")
    return Rule(str(rule["name"]), tuple((str(c), tuple(map(_key, _listed(x)))) for c, x in where.items()))


def _parse_lookup(i: int, lk: Any, fail, target, canonical) -> Lookup:
    if isinstance(lk, dict) and (message := unknown_key_message("lookup", lk)):
        raise fail(f"lookups item {i}: {message}")
    if not isinstance(lk, dict) or len(lk.get("match") or {}) != 1:
        raise fail(f"lookups item {i} needs table:, match: {{source column: table column}}, set: and found:")
    table, sets = REPO_DATA_DIR / str(lk["table"]), lk.get("set") or {}
    if not table.is_file():
        raise fail(f"lookups item {i}: the table {lk['table']} does not exist under data/")
    (source, key), header = next(iter(lk["match"].items())), list(pd.read_csv(table, nrows=0).columns)
    if lacking := [c for c in [key, *sets.values()] if c not in header]:
        raise fail(f"lookups item {i}: {lk['table']} has no column {', '.join(lacking)}; it has {', '.join(header)}")
    found = {target(k, "lookups"): canonical(k, x, f"lookups item {i}") for k, x in (lk.get("found") or {}).items()}
    return Lookup(table, str(source), str(key), {target(k, "lookups"): str(c) for k, c in sets.items()}, found)


@dataclass
class Mapped:
    """A file through its mapping: the records to validate and the row accounting of the way there."""

    frame: pd.DataFrame  # canonical columns (text), one row per record, _row = its (first) source row
    notes: list[str]
    problems: pd.DataFrame  # row, column, value, reason: faults found while mapping (a flag neither yes nor no...)
    rows_in: int  # source rows read
    left_out: dict[str, list[int]] = field(default_factory=dict)  # leave_out rule name -> source rows
    groups: dict[int, list[int]] | None = None  # under group_by: a record's _row -> the source rows it joins


def apply_mapping(raw: pd.DataFrame, spec: Mapping, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Canonical columns (text) and notes; map_rows also gives the mapping's problems and row accounting."""
    mapped = map_rows(raw, spec, source)
    return mapped.frame, mapped.notes


def _reader(raw: pd.DataFrame, spec: Mapping, resolve: dict[str, str | None]):
    cache: dict[str, list[str]] = {}

    def col(name: str) -> list[str]:
        """A source column as squashed text, missing tokens as "" (an absent optional column is all "")."""
        if name not in cache and resolve.get(name) is not None:
            drop = spec.missing | spec.missing_by_column.get(name, frozenset())
            codes, uniques = pd.factorize(raw[resolve[name]].fillna("").astype(str), sort=False)
            clean = ["" if _key(u) in drop else v.squash(u) for u in np.asarray(uniques, dtype=object)]
            cache[name] = np.asarray(clean, dtype=object)[codes].tolist() if clean else [""] * len(codes)
        return cache.get(name) or [""] * len(raw)

    return col


def map_rows(raw: pd.DataFrame, spec: Mapping, source: str) -> Mapped:
    """The file's rows as records: rows left out by rule, the rest mapped, then grouped under group_by."""
    schema, rows_in = load_schema(), len(raw)
    by_key = {_key(c): c for c in raw.columns if not c.startswith("_")}
    resolve = {name: name if name in raw else by_key.get(_key(name)) for name in spec.named_sources()}
    if lacking := [name for name in spec.required_sources() if resolve[name] is None]:
        names, theirs = ", ".join(f'"{c}"' for c in lacking), ", ".join(f'"{c}"' for c in by_key.values())
        what = f"column {names}, which {source} does" if len(lacking) == 1 else f"columns {names}, which {source} do"
        raise MappingError(f"mapping {spec.name} names {what} not have; its columns are: {theirs}")
    rows = raw[ROW_COL].tolist() if ROW_COL in raw else list(range(2, rows_in + 2))
    left_out: dict[str, list[int]] = {}
    if spec.leave_out:
        left_out, keep = steps.leave_out(spec.leave_out, _reader(raw, spec, resolve), rows, _key)
        raw, rows = raw.loc[keep], [r for r, k in zip(rows, keep, strict=True) if k]
    col = _reader(raw, spec, resolve)
    out, problems, notes = _map_columns(spec, schema, col, rows)
    if spec.group_key:
        multi = {
            c.name: {"multi": "; ", "sources": " | "}[c.kind] for c in schema.columns if c.kind in ("multi", "sources")
        }
        keys = list(zip(*map(col, spec.group_key), strict=True))
        people = col(spec.people_from) if spec.people_from else None
        count = "people_affected" not in {c.target for c in spec.columns}
        out, firsts, groups, conflicts = steps.group(out, rows, keys, people, multi, count)
        notes += steps.conflict_notes(conflicts, spec.name)
        if alone := [r for r, k in zip(rows, keys, strict=True) if not all(k)]:
            notes.append(
                f"group_by: {len(alone):,} rows have no {' or '.join(spec.group_key)} (rows {steps._shown(alone)}); "
                "each stays an encounter of its own"
            )
        first_of = {r: first for first, members in groups.items() for r in members}
        for p in problems:  # a problem of a grouped row belongs to its encounter, which names that row
            if (first := first_of[p["row"]]) != p["row"]:
                p["reason"] += f" (source row {p['row']}, grouped into the encounter of row {first})"
                p["row"] = first
    else:
        firsts, groups = rows, None
    notes += _accounting_notes(spec, by_key, resolve, left_out, groups)
    frame = pd.DataFrame({c: pd.Series(out[c], dtype=object) for c in schema.names if c in out})
    frame[ROW_COL] = firsts
    if ERROR_COL in raw:
        errors = dict(zip(rows, raw[ERROR_COL].fillna("").astype(str), strict=True))
        members = groups or {r: [r] for r in rows}
        frame[ERROR_COL] = ["; ".join(filter(None, (errors[r] for r in members[f]))) for f in firsts]
    found = pd.DataFrame(problems, columns=["row", "column", "value", "reason"]).astype({"row": "int64"})
    return Mapped(frame, notes, found, rows_in, left_out, groups)


def _map_columns(spec: Mapping, schema: Schema, col, rows: list[int]):
    """Every canonical column, one value per (kept) source row; the problems and notes found on the way."""
    n, out, problems, notes = len(rows), {}, [], []
    unmapped: dict[str, set[str]] = {}
    for c in spec.columns:
        if c.templates:
            try:
                out[c.target] = [x or c.default for x in _fill(c.templates, col, rows)]
            except (ValueError, IndexError) as exc:
                raise MappingError(
                    f"mapping {spec.name}: columns.{c.target}: the template does not fit ({exc})"
                ) from exc
            continue
        if c.formats:
            texts = [" ".join(p for p in parts if p) for parts in zip(*map(col, c.sources), strict=True)]
            source = " + ".join(c.sources)
            out[c.target], note = steps.dates(texts, c.formats, c.default, f"columns.{c.target}.format", source)
            notes += [note] if note else []
            continue
        plain = replace(c, default="") if c.flags else c  # the default applies once the flags are in
        convert, memo = _converter(plain, spec, schema, unmapped.setdefault(c.target, set())), {}
        values = [
            memo[k] if k in memo else memo.setdefault(k, convert(k)) for k in zip(*map(col, c.sources), strict=True)
        ] if c.sources else [""] * n  # fmt: skip
        if c.flags:
            added, found = steps.flags(spec, c, col, rows, _key)
            problems += found
            values = [
                "; ".join(dict.fromkeys([*filter(None, x.split("; ")), *a])) or c.default
                for x, a in zip(values, added, strict=True)
            ]
        out[c.target] = values
    out.update({name: [value] * n for name, value in spec.constants.items()})
    if spec.coordinates:
        coords, found, more = _coordinates(spec.coordinates, col, rows)
        out.update(coords)
        problems += found
        notes += more
    notes += [note for lk in spec.lookups for note in _lookup(lk, col(lk.source), out, n, spec.name)]
    if spec.redact:
        _redact(spec.redact, col, out)
    for target, found in unmapped.items():
        for value in sorted(found):
            at = [str(r) for r, x in zip(rows, out[target], strict=True) if value in x.split("; ")]
            shown = f"{len(at):,} row{'s' * (len(at) != 1)}: " + ", ".join(at[:10]) + (" ..." if len(at) > 10 else "")
            notes.append(
                f'values.{target} does not cover "{value}" ({shown}); add it to values.{target} in {spec.name}'
            )
    return out, problems, notes


def _accounting_notes(spec: Mapping, by_key, resolve, left_out, groups) -> list[str]:
    notes = []
    named = {resolve[s] for s in spec.named_sources()}
    patterns = [_key(p) for p in spec.ignore if "*" in p]
    if unused := [
        c for c in by_key.values() if c not in named and not any(fnmatch.fnmatchcase(_key(c), p) for p in patterns)
    ]:
        personal = [f"{c} ({kind})" for c in unused if (kind := personal_kind(c))]
        notes.append(
            f"columns not used (never carried into the records): {', '.join(unused)}; account for each in "
            f"{spec.name} under ignore: (not needed) or exclude: (personal data)"
            + (f"; these look personal: {', '.join(personal)}" if personal else "")
        )
    if excluded := [resolve[c] for c in (*spec.exclude, *spec.redact.get("names_from", ())) if resolve[c]]:
        notes.append(f"columns excluded by {spec.name} (never carried): {', '.join(excluded)}")
    for name, at in left_out.items():
        shown = ", ".join(map(str, at[:10])) + (" ..." if len(at) > 10 else "")
        notes.append(
            f'leave_out "{name}": {len(at):,} row{"s" * (len(at) != 1)} left out' + (f" ({shown})" if at else "")
        )
    if groups is not None:
        kept = sum(map(len, groups.values()))
        biggest = max(groups.items(), key=lambda g: len(g[1]), default=(None, []))
        notes.append(
            f"group_by {', '.join(spec.group_key)}: {kept:,} rows in, {len(groups):,} encounters out"
            + (f" (the largest joins {len(biggest[1]):,} rows, from row {biggest[0]})" if len(biggest[1]) > 1 else "")
        )
    return notes


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


def _coordinates(spec: dict, col, rows: list[int]) -> tuple[dict[str, list[str]], list, list[str]]:
    """latitude, longitude (and location_precision) from two columns, a point column or projected X/Y."""
    problems, notes = [], []
    if "x" in spec:
        lat, lon, problems = steps.project(spec, col, rows)
    elif "point" in spec:
        lat, lon, without = _points(spec, col(spec["point"]))
        if without:
            notes.append(
                f'coordinates.point: {len(without):,} rows of "{spec["point"]}" hold no {spec["format"]} point '
                f"and get no coordinates (rows {steps._shown([rows[i] for i in without])})"
            )
    else:
        lat, lon = col(spec["latitude"]), col(spec["longitude"])
    out = {"latitude": lat, "longitude": lon}
    if "precision" in spec:
        out["location_precision"] = [spec["precision"] if a and b else "" for a, b in zip(lat, lon, strict=True)]
    return out, problems, notes


def _points(spec: dict, cells: list[str]) -> tuple[list[str], list[str], list[int]]:
    """Two numbers from each cell; in_text finds the point inside longer text (an address, then the point)."""
    lat_at, lon_at = _POINT_FORMATS[spec["format"]]
    wkt = spec["format"].startswith("POINT")
    inside = _WKT_IN_TEXT if wkt else _PAIR_IN_TEXT
    lat, lon, without = [], [], []
    for i, text in enumerate(cells):
        if spec.get("in_text") is True:
            found = inside.search(text)
            nums = list(found.groups()) if found else []
            if text and not found:
                without.append(i)
        else:
            nums = _NUMBER.findall(text)
            nums = nums if len(nums) == 2 and (not wkt or text.upper().startswith("POINT")) else []
        ok = len(nums) == 2
        lat.append(nums[lat_at] if ok else "" if spec.get("in_text") is True else text)  # not a point: kept whole
        lon.append(nums[lon_at] if ok else "")  # in latitude, so that validation reports it
    return lat, lon, without


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
