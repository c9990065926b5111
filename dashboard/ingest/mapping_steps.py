"""The steps of a mapping that reach across rows or columns: row rules, flag columns, projected
coordinates, date formats and incident grouping. Plain functions on lists of text, one per source row;
mapping.py calls them in order. A fault of one row is a problem (row, column, value, reason), never
an exception: the rest of the file goes on.
"""

from __future__ import annotations

import fnmatch
import math
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import cache

import numpy as np
import pandas as pd
import yaml

from dashboard.ingest import values as v
from dashboard.paths import REFERENCE_DIR

Problem = dict  # {"row": int, "column": str, "value": str, "reason": str}
Column = Callable[[str], list[str]]  # a source column's cells (squashed text, missing tokens as "")

AREA_MARGIN = 0.05  # degrees (about 5 km) of tolerance around a coordinate system's area of use


def _shown(rows: list[int], limit: int = 10) -> str:
    return ", ".join(map(str, rows[:limit])) + (" ..." if len(rows) > limit else "")


# ---------------------------------------------------------------- row rules (leave_out)


def leave_out(rules, col: Column, rows: list[int], key) -> tuple[dict[str, list[int]], list[bool]]:
    """({rule name: source rows it leaves out}, keep mask). A row is counted under the first rule it matches."""
    left: dict[str, list[int]] = {rule.name: [] for rule in rules}
    keep = [True] * len(rows)
    for rule in rules:
        hit = [True] * len(rows)
        for column, patterns in rule.where:
            memo: dict[str, bool] = {}
            for i, cell in enumerate(col(column)):
                if hit[i]:
                    if cell not in memo:
                        memo[cell] = any(fnmatch.fnmatchcase(key(cell), p) for p in patterns)
                    hit[i] = memo[cell]
        for i, matched in enumerate(hit):
            if matched and keep[i]:
                keep[i] = False
                left[rule.name].append(rows[i])
    return left, keep


# ---------------------------------------------------------------- flag columns


def flags(spec, column_spec, col: Column, rows: list[int], key) -> tuple[list[list[str]], list[Problem]]:
    """Per row, the record values its yes-cells add; a cell neither yes nor no is a problem of its row."""
    added: list[list[str]] = [[] for _ in rows]
    problems: list[Problem] = []
    yes, no = spec.flag_true, spec.flag_false
    where = f"columns.{column_spec.target}.flags"
    for source, values in column_spec.flags:
        cells = col(source)
        codes, uniques = pd.factorize(pd.Series(cells, dtype=object), sort=False)
        meaning = [
            "yes" if (k := key(u)) in yes else "no" if not k or k in no or k in spec.missing else "?" for u in uniques
        ]
        for i in np.flatnonzero(np.isin(codes, [j for j, m in enumerate(meaning) if m != "no"])):
            cell = cells[i]
            if meaning[codes[i]] == "yes":
                added[i] += values
            else:
                problems.append({
                    "row": rows[i], "column": source, "value": cell,
                    "reason": f'"{cell}" is neither yes nor no for the flag column "{source}" ({where}); add it '
                              f"to flag_values.true or flag_values.false in {spec.name}",
                })  # fmt: skip
    return added, problems


# ---------------------------------------------------------------- projected X/Y (State Plane, UTM ...)


@cache
def _transformer(crs: str):
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    return Transformer.from_crs(source, "EPSG:4326", always_xy=True), source.area_of_use, source.name


def projection(crs: str, fail) -> None:
    """Refuse a coordinate system pyproj does not know, naming it."""
    from pyproj.exceptions import CRSError

    try:
        _transformer(crs)
    except CRSError as exc:
        raise fail(
            f'coordinates.crs "{crs}" is not a coordinate system pyproj knows (e.g. "EPSG:2260"): {exc}'
        ) from exc


def project(coords: dict, col: Column, rows: list[int]) -> tuple[list[str], list[str], list[Problem]]:
    """(latitudes, longitudes) as text in WGS84 degrees, and the rows whose X/Y cannot be placed."""
    transformer, area, name = _transformer(coords["crs"])
    xs, ys = col(coords["x"]), col(coords["y"])
    x_num = pd.to_numeric(pd.Series(xs, dtype=object).str.replace(",", ""), errors="coerce").to_numpy(float)
    y_num = pd.to_numeric(pd.Series(ys, dtype=object).str.replace(",", ""), errors="coerce").to_numpy(float)
    lon, lat = transformer.transform(x_num, y_num)
    out_lat, out_lon, problems = [""] * len(rows), [""] * len(rows), []
    where = f'coordinates x "{coords["x"]}" and y "{coords["y"]}"'
    placed = np.isfinite(lat) & np.isfinite(lon)
    if area:
        placed &= (lat >= area.south - AREA_MARGIN) & (lat <= area.north + AREA_MARGIN)
        placed &= (lon >= area.west - AREA_MARGIN) & (lon <= area.east + AREA_MARGIN)
    for i in np.flatnonzero(placed):
        out_lat[i], out_lon[i] = f"{lat[i]:.6f}", f"{lon[i]:.6f}"
    for i in np.flatnonzero(~placed):  # the rows that need a word: no point given, or one that cannot be placed
        row = rows[i]
        if not xs[i] and not ys[i]:
            continue
        value, reason = f"{xs[i]}, {ys[i]}", None
        if math.isnan(x_num[i]) or math.isnan(y_num[i]):
            reason = f"{where}: {value} is not a pair of numbers"
        else:
            bounds = f"{area.west}..{area.east} E, {area.south}..{area.north} N" if area else "its area"
            reason = (f"{where}: {value} lies outside the area of {coords['crs']} ({name}: {bounds}); "
                      "is crs right, or are x and y swapped?")  # fmt: skip
        problems.append({"row": row, "column": coords["x"], "value": value, "reason": reason})
    return out_lat, out_lon, problems


# ---------------------------------------------------------------- date formats


@cache
def common_date_formats() -> tuple[str, ...]:
    return tuple(yaml.safe_load((REFERENCE_DIR / "date_formats.yaml").read_text(encoding="utf-8")))


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
        return True
    except ValueError:
        return False


def propose_date_format(samples: list[str], exclude: tuple[str, ...] = ()) -> tuple[str | None, int]:
    """The common format (data/reference/date_formats.yaml) reading the most samples, and how many it reads."""
    best, best_n = None, 0
    for fmt in common_date_formats():
        if fmt not in exclude and (n := sum(_parses(s, fmt) for s in samples)) > best_n:
            best, best_n = fmt, n
    return best, best_n


def dates(texts: list[str], formats: tuple[str, ...], default: str, where: str, source: str):
    """(ISO dates, note or None). A value no format reads is read as validation would (a full date such as
    2025-06-14 or 6/14/2025), else kept as written, for validation to report; the note says how many values
    each format read and proposes the format to add for the rest."""
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object), sort=False)
    found: list[tuple[str, int]] = []  # (ISO date or the text, index of the format: -1 none, -2 empty, -3 standard)
    for text in uniques:
        hit = next(((d, i) for i, f in enumerate(formats) if (d := _read(text, f))), None) if text else ("", -2)
        if hit is None and (standard := v.parse_date(text)) and standard[0] and standard[1] is None:
            hit = (standard[0].isoformat(), -3)  # one spelling of a date, so grouped rows compare equal
        found.append(hit or (text, -1))
    by_format = Counter(found[c][1] for c in codes)
    out = [found[c][0] or default for c in codes]
    given = len(texts) - by_format[-2]
    matched = "; ".join(f"format {f} matched {by_format[i]:,} of {given:,} values" for i, f in enumerate(formats))
    matched += f"; {by_format[-3]:,} read as plain dates" if by_format[-3] else ""
    if not given or (by_format[-1] == 0 and len(formats) == 1 and not by_format[-3]):
        return out, None
    if by_format[-1] == 0:  # several formats, all values read: say which read how many
        return out, f'column "{source}": {matched}'
    unread = [u for u, (_, i) in zip(uniques, found, strict=True) if i == -1]
    looks = ", ".join(f'"{u}"' for u in unread[:3])
    fmt, n = propose_date_format(unread[:200], formats)
    fix = (f"add the format {fmt} to {where}" + ("" if n == min(len(unread), 200) else f" (it reads {n:,} of "
           f"{min(len(unread), 200):,} such values seen)")) if fmt else f"add their format to {where}"  # fmt: skip
    return out, (f'column "{source}": {matched}; {by_format[-1]:,} values match none, they look like {looks}; {fix}')


def _read(text: str, fmt: str) -> str | None:
    try:
        return datetime.strptime(text, fmt).date().isoformat()
    except ValueError:
        return None


# ---------------------------------------------------------------- incident grouping


def group(out: dict[str, list[str]], rows: list[int], keys: list[tuple[str, ...]], people: list[str] | None,
          multi: dict[str, str], count_people: bool):  # fmt: skip
    """Rows sharing a key as one record: multi-valued columns (multi: column -> separator) joined, distinct
    and in order; others the first non-empty value. Returns (columns, first source row of each record,
    {first row: its source rows}, {column: [(first row, distinct values)]} where rows disagree). A row with
    an empty key stays alone. Whole-column operations where they can: an export has 100,000s of rows."""
    labels = ["\x1f".join(k) if all(k) else f"\0{i}" for i, k in enumerate(keys)]
    gid, _ = pd.factorize(pd.Series(labels, dtype=object), sort=False)  # numbered in order of first row
    order = np.argsort(gid, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(gid[order]) != 0])
    members = np.split(order, starts[1:])
    firsts = [rows[idx[0]] for idx in members]
    grouped: dict[str, list[str]] = {}
    conflicts: dict[str, tuple[int, int, list[str]]] = {}  # column -> (encounters, first one's row, its values)
    for name, cells in out.items():
        given = pd.Series(cells, dtype=object).replace("", None)
        differ = np.flatnonzero(given.groupby(gid, sort=True).nunique().reindex(range(len(members))).to_numpy() > 1)
        column = given.groupby(gid, sort=True).first().reindex(range(len(members))).fillna("").tolist()
        if sep := multi.get(name):  # several values (or sources): all of them, each once, in order
            for j in differ:
                parts = [p.strip() for i in members[j] for p in cells[i].split(sep.strip()) if p.strip()]
                column[j] = sep.join(dict.fromkeys(parts))
        elif len(differ):  # one value: the first non-empty; say where rows disagree
            distinct = list(dict.fromkeys(cells[i] for i in members[differ[0]] if cells[i]))
            conflicts[name] = (len(differ), firsts[differ[0]], distinct)
        grouped[name] = column
    if count_people:
        if people is None:
            counts = [len(idx) for idx in members]
        else:
            subjects = pd.Series(people, dtype=object)
            counts = subjects.where(subjects != "").groupby(gid, sort=True).nunique().clip(lower=1).tolist()
        grouped["people_affected"] = [str(c) for c in counts]
    return grouped, firsts, {firsts[j]: [rows[i] for i in idx] for j, idx in enumerate(members)}, conflicts


def conflict_notes(conflicts: dict[str, tuple[int, int, list[str]]], mapping: str) -> list[str]:
    notes = []
    for column, (n, first, values) in conflicts.items():
        shown = ", ".join(f'"{x}"' for x in values[:3])
        notes.append(
            f"group_by: {n:,} encounter{'s' * (n != 1)} have rows that disagree on {column} "
            f"(e.g. the encounter of row {first}: {shown}); each keeps its first non-empty value. If {column} "
            f"differs within an incident, check group_by.key in {mapping}"
        )
    return notes
