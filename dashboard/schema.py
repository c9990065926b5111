"""The one definition of the encounter record, read from data/reference/{schema,taxonomies}.yaml.

Validation, cleaning, the codebook and error messages all read these objects; nothing else
spells out a column or a taxonomy value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from dashboard.paths import REFERENCE_DIR


@dataclass(frozen=True)
class Term:
    value: str
    description: str = ""
    group: str = ""
    synonyms: tuple[str, ...] = ()
    sensitive: bool = False  # place types: named by the withdrawn "protected areas" policy
    # operations: where, by whom and when, as reported (start/end are ISO dates; end may be empty)
    place: str = ""
    agencies: tuple[str, ...] = ()
    start: str = ""
    end: str = ""
    sources: tuple[str, ...] = ()


TERM_KEYS = frozenset(Term.__dataclass_fields__)


@dataclass(frozen=True)
class Taxonomy:
    name: str
    description: str
    terms: tuple[Term, ...]
    noun: str = "value"  # what one value is called in messages: "force type"
    accept_synonyms: bool = False  # True: a synonym is replaced by its value (state names)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(t.value for t in self.terms)

    def rank(self, value: str) -> int:
        """Position in the declared order (severity, for force types)."""
        return self.values.index(value)

    def term(self, value: str) -> Term:
        return self.terms[self.values.index(value)]

    @property
    def sensitive(self) -> tuple[str, ...]:
        return tuple(t.value for t in self.terms if t.sensitive)

    def groups(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for t in self.terms:
            out.setdefault(t.group or "", []).append(t.value)
        return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    required: bool = False
    nonempty: bool = False
    unique: bool = False
    derived: bool = False
    ordered: bool = False
    taxonomy: str | None = None
    default: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Schema:
    columns: tuple[Column, ...]
    taxonomies: dict[str, Taxonomy] = field(hash=False)
    missing_tokens: frozenset[str] = frozenset()
    multi_separator: str = ";"
    sources_separator: str = " | "

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def input_columns(self) -> tuple[Column, ...]:
        """Columns a contributor may supply (derived ones are computed)."""
        return tuple(c for c in self.columns if not c.derived)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def unique(self) -> tuple[str, ...]:
        """Columns whose values may not repeat in a file (validation refuses the later rows)."""
        return tuple(c.name for c in self.columns if c.unique)

    def of_kind(self, kind: str) -> tuple[str, ...]:
        """The columns of one kind, in schema order: of_kind("multi") -> agencies, targeted_groups, force_types."""
        return tuple(c.name for c in self.columns if c.kind == kind)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def taxonomy_of(self, name: str) -> Taxonomy:
        return self.taxonomies[self.column(name).taxonomy]


def _term_value(v):
    """YAML gives lists, dates and None; a Term holds tuples, ISO strings and ''."""
    if isinstance(v, list):
        return tuple(v)
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else v


def _load_taxonomies(path: Path) -> dict[str, Taxonomy]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for name, body in raw.items():
        if set(body) - TAXONOMY_KEYS:
            raise SchemaError(
                f"{path.name}: {name}: unknown key(s) {sorted(set(body) - TAXONOMY_KEYS)}"
                f" (known: {', '.join(sorted(TAXONOMY_KEYS))})"
            )
        terms = []
        for item in body["values"]:
            if isinstance(item, str):
                item = {"value": item}
            unknown = set(item) - TERM_KEYS
            if unknown:
                raise SchemaError(
                    f"{path.name}: {name}: value {item.get('value')!r} has unknown key(s) {sorted(unknown)}"
                    f" (known: {', '.join(sorted(TERM_KEYS))})"
                )
            terms.append(Term(**{k: _term_value(v) for k, v in item.items()}))
        values = [t.value for t in terms]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise SchemaError(f"{path.name}: {name}: value(s) {twice} listed twice")
        out[name] = Taxonomy(
            name=name,
            description=body.get("description", ""),
            terms=tuple(terms),
            noun=body.get("noun", "value"),
            accept_synonyms=bool(body.get("accept_synonyms", False)),
        )
    return out


KINDS = frozenset({"text", "id", "date", "enum", "multi", "int", "float", "fips", "sources"})
SCHEMA_KEYS = frozenset({"missing_tokens", "multi_separator", "sources_separator", "columns"})
TAXONOMY_KEYS = frozenset({"noun", "description", "values", "accept_synonyms"})
COLUMN_KEYS = frozenset(Column.__dataclass_fields__)


class SchemaError(ValueError):
    """A fault in schema.yaml or taxonomies.yaml: the message names the file, the column or taxonomy, the key."""


def _check_columns(raw: dict, taxonomies: dict[str, Taxonomy]) -> tuple[Column, ...]:
    unknown = set(raw) - SCHEMA_KEYS
    if unknown:
        raise SchemaError(
            f"schema.yaml: unknown top-level key(s) {sorted(unknown)} (known: {', '.join(sorted(SCHEMA_KEYS))})"
        )
    columns, seen = [], set()
    for item in raw.get("columns") or []:
        name = item.get("name", "?")
        where = f"schema.yaml: column {name}"
        if set(item) - COLUMN_KEYS:
            raise SchemaError(
                f"{where}: unknown key(s) {sorted(set(item) - COLUMN_KEYS)} (known: {', '.join(sorted(COLUMN_KEYS))})"
            )
        if name in seen:
            raise SchemaError(f"{where}: the column is defined twice")
        seen.add(name)
        kind = item.get("kind")
        if kind not in KINDS:
            raise SchemaError(f"{where}: key kind: unknown kind {kind!r} (known: {', '.join(sorted(KINDS))})")
        if kind in ("enum", "multi") and not item.get("taxonomy"):
            raise SchemaError(f"{where}: key taxonomy: a column of kind {kind} needs one")
        if item.get("taxonomy") and item["taxonomy"] not in taxonomies:
            raise SchemaError(f"{where}: key taxonomy: {item['taxonomy']!r} is not a taxonomy in taxonomies.yaml")
        if item.get("min") is not None and item.get("max") is not None and item["min"] > item["max"]:
            raise SchemaError(f"{where}: key min ({item['min']}) is above key max ({item['max']})")
        if item.get("ordered") and kind != "multi":
            raise SchemaError(f"{where}: key ordered: only a multi column can be ordered")
        columns.append(Column(**item))
    return tuple(columns)


@lru_cache(maxsize=4)
def load_schema(reference_dir: Path = REFERENCE_DIR) -> Schema:
    raw = yaml.safe_load((reference_dir / "schema.yaml").read_text(encoding="utf-8"))
    taxonomies = _load_taxonomies(reference_dir / "taxonomies.yaml")
    columns = _check_columns(raw, taxonomies)
    return Schema(
        columns=columns,
        taxonomies=taxonomies,
        missing_tokens=frozenset(t.lower() for t in raw["missing_tokens"]),
        multi_separator=raw["multi_separator"],
        sources_separator=raw["sources_separator"],
    )
