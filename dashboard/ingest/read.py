"""Read a contributor's file (delimited text, JSON records or .xlsx) into a table of text.

Nothing here interprets values: every cell comes back as the exact text in the file, so cleaning
and NA handling stay in one place later on. A bad row is kept and described in `_read_error`
rather than dropped, so validation can reject it with a reason. A file that cannot be used at all
raises `FileUnusable` with a message a contributor can act on.
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import json
import re
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from importlib.util import find_spec
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from dashboard.config import max_decompressed_bytes, max_json_bytes

DELIMITERS = (",", "|", ";", "\t")
ROW_COL, ERROR_COL = "_row", "_read_error"
REPEATED_HEADER = "repeated header row"
# Enough for ~50 records of any sane file, yet cheap to parse once per candidate delimiter.
_SAMPLE_CHARS = 200_000
_SAMPLE_RECORDS = 50
# C0 controls except tab/newline/VT/FF/CR, plus DEL and C1 controls: real text has almost none.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".psv")
# Files are read in blocks of this size, never whole: memory stays bounded by the table, not the text.
_CHUNK = 1 << 20
_SAMPLE_BYTES = 4 * _SAMPLE_CHARS  # enough bytes for _SAMPLE_CHARS characters of any UTF-8 text
# A cell longer than this costs its row (the row is reported, the cell cut short); no schema column
# comes near it (summary: 2,000). Past _FIELD_LIMIT the csv module cannot even split the row, and the
# file as a whole is refused, so that one field cannot take the memory of a whole file.
MAX_CELL_CHARS = 1_000_000
_FIELD_LIMIT = 64 * MAX_CELL_CHARS
_CELL_KEPT = 200  # characters of an over-long cell kept for the quarantine, to show which cell it was


class FileUnusable(Exception):
    """The file as a whole cannot be used. str(exc) is a plain-words message naming the file and the reason,
    e.g. 'data.csv: this is not a text file (it contains binary data)'."""


@dataclass(frozen=True)
class SkippedLine:
    row: int  # row number as a spreadsheet user counts it (1-based, counting preamble and header rows)
    reason: str


@dataclass(frozen=True)
class ReadReport:
    path: str
    format: str  # "csv", "json" or "xlsx"
    encoding: str  # e.g. "utf-8", "utf-8-sig", "cp1252"; "" for xlsx
    delimiter: str | None  # None for json/xlsx
    header_row: int  # spreadsheet row number of the header (1 when no preamble); 0 for json
    preamble_rows: int
    rows_read: int  # data rows returned
    skipped: tuple[SkippedLine, ...]  # repeated headers etc.; blank lines are ignored, not listed
    compression: str = ""  # "gzip" when the file was decompressed before reading

    def describe(self) -> str:
        parts = [f"read {Path(self.path).name} as {self.format.upper()}"]
        if self.compression:
            parts[0] += f" ({self.compression}-compressed)"
        if self.encoding:
            parts.append(self.encoding)
        if self.delimiter is not None:
            parts.append("delimiter tab" if self.delimiter == "\t" else f"delimiter '{self.delimiter}'")
        if self.format != "json":
            where = f"header on row {self.header_row}"
            if self.preamble_rows:
                where += f" after {_plural(self.preamble_rows, 'preamble row')}"
            parts.append(where)
        text = ", ".join(parts) + f"; {_plural(self.rows_read, 'record' if self.format == 'json' else 'row')}"
        by_reason: dict[str, list[int]] = {}
        for line in self.skipped:
            by_reason.setdefault(line.reason, []).append(line.row)
        for reason, rows in by_reason.items():
            shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
            text += f"; skipped {_plural(len(rows), reason)} ({'row' if len(rows) == 1 else 'rows'} {shown})"
        return text


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def read_table(path: str | Path) -> tuple[pd.DataFrame, ReadReport]:
    """Every value a str (dtype object), missing values as "" (never NaN) — do not interpret NA tokens here;
    that is the mapping's job. Columns = normalised header names, in file order. Plus a column `_row` (int) with
    the spreadsheet row number of each record (for JSON: the 1-based record index), and `_read_error` (str, "" when fine)."""
    path = Path(path)
    try:
        return _read(path)
    except FileUnusable:
        raise
    except OSError as exc:
        raise _unusable(path, f"the file could not be opened ({exc.strerror or exc})") from exc
    except Exception as exc:  # whatever goes wrong, the user gets words, not a traceback
        raise _unusable(path, f"the file could not be read ({type(exc).__name__}: {exc})") from exc


def _unusable(path: Path, reason: str) -> FileUnusable:
    return FileUnusable(f"{path.name}: {reason}")


def _read(path: Path) -> tuple[pd.DataFrame, ReadReport]:
    if not path.exists():
        raise _unusable(path, "the file does not exist")
    if path.is_dir():
        raise _unusable(path, "this is a folder, not a file")
    suffix = path.suffix.lower()
    compressed = suffix == ".gz"
    if compressed:  # data.csv.gz: decompress to a file, then read it as data.csv
        suffix = Path(path.stem).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if compressed:
            raise _unusable(path, "compressed Excel files are not supported; decompress the .gz file first")
        return _read_xlsx(path)
    if suffix == ".xls":
        raise _unusable(path, "old-style .xls Excel files are not supported; save the sheet as .xlsx or CSV")
    # Decompressed and re-encoded copies go to a folder of our own, removed whatever happens.
    with tempfile.TemporaryDirectory(prefix="encounters-read-") as work:
        source = _gunzip(path, Path(work) / "decompressed", max_decompressed_bytes()) if compressed else path
        source, encoding = _as_utf8(source, path, Path(work) / "utf8")
        sample_text, truncated = _sample_text(source)
        looks_json = sample_text.lstrip()[:1] in ("[", "{") and suffix not in _TEXT_SUFFIXES
        if suffix in (".json", ".geojson") or looks_json:
            _refuse_large_json(path, source.stat().st_size, max_json_bytes())
            frame, report = _read_json(path, source.read_text(encoding="utf-8-sig"), encoding)
        else:
            frame, report = _read_delimited(path, source, sample_text, truncated, encoding)
    return frame, (replace(report, compression="gzip") if compressed else report)


def _gunzip(path: Path, dest: Path, limit: int) -> Path:
    """Decompress block by block into `dest`, refusing as soon as the output passes `limit` bytes: a
    small .gz file can expand to gigabytes, and none of it is ever held in memory."""
    written = 0
    try:
        with gzip.open(path, "rb") as packed, open(dest, "wb") as out:
            while block := packed.read(_CHUNK):
                written += len(block)
                if written > limit:
                    raise _unusable(
                        path,
                        f"this .gz file expands to more than {limit / 1e6:,.0f} MB, the most this deployment "
                        "reads (setting max_decompressed_mb); split it into smaller files",
                    )
                out.write(block)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise _unusable(path, f"this .gz file could not be decompressed ({exc}); is it really gzip data?") from exc
    return dest


def _as_utf8(source: Path, path: Path, spare: Path) -> tuple[Path, str]:
    """(a UTF-8 file with the same text, the encoding found). A file already in UTF-8 is used as it is;
    any other is re-encoded block by block into `spare`. `path` is the name the contributor knows."""
    with open(source, "rb") as f:
        head = f.read(_SAMPLE_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Excel's "Unicode text" export; its NUL bytes are not binary data
    elif _decodes(source, "utf-8"):
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    elif _decodes(source, "cp1252"):
        encoding = "cp1252"
    else:  # cp1252 leaves 5 byte values undefined; latin-1 accepts any bytes
        encoding = "latin-1"
    # latin-1 accepts any bytes, so judge the text instead of the decoding.
    sample = head.decode(encoding, errors="ignore")[:_SAMPLE_CHARS]
    if len(_CONTROL.findall(sample)) > max(1, len(sample) // 100):
        zipped = head[:4] == b"PK\x03\x04"
        hint = " and looks like a zip or Excel file; if it is a spreadsheet, name it .xlsx" if zipped else ""
        raise _unusable(path, f"this is not a text file (it is mostly control characters or binary data{hint})")
    if encoding.startswith("utf-8"):
        if not sample.strip() and _only_whitespace(source):
            raise _unusable(path, "the file is empty")
        return source, encoding
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(source, "rb") as f, open(spare, "w", encoding="utf-8", newline="") as out:
        for block in iter(lambda: f.read(_CHUNK), b""):
            out.write(decoder.decode(block))
        out.write(decoder.decode(b"", final=True))
    if _only_whitespace(spare):
        raise _unusable(path, "the file is empty")
    return spare, encoding


def _decodes(source: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(source, "rb") as f:
            for block in iter(lambda: f.read(_CHUNK), b""):
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _only_whitespace(source: Path) -> bool:
    with open(source, "rb") as f:
        return not any(block.strip().lstrip(codecs.BOM_UTF8).strip() for block in iter(lambda: f.read(_CHUNK), b""))


def _sample_text(source: Path) -> tuple[str, bool]:
    """(the first _SAMPLE_CHARS characters of a UTF-8 file, whether the file holds more)."""
    with open(source, "rb") as f:
        head = f.read(_SAMPLE_BYTES)
        more = bool(f.read(1))
    text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=not more)
    return text[:_SAMPLE_CHARS], more or len(text) > _SAMPLE_CHARS


# ---------------------------------------------------------------- delimited text


def _read_delimited(
    path: Path, source: Path, sample_text: str, truncated: bool, encoding: str
) -> tuple[pd.DataFrame, ReadReport]:
    """`source` is the UTF-8 text of `path` (the file itself, or a decompressed or re-encoded copy)."""
    delimiter = _sniff_delimiter(sample_text)
    # `"a", "b"` (a space after each delimiter, then a quote) is only read right with skipinitialspace.
    lines = [line for line in sample_text.splitlines()[: _SAMPLE_RECORDS * 2] if line.strip()]
    padded = sum(f'{delimiter} "' in line for line in lines) * 2 >= len(lines)
    fmt = {"delimiter": delimiter, "skipinitialspace": padded}
    csv.field_size_limit(_FIELD_LIMIT)  # the default (131,072) would refuse a whole file for one long cell
    try:
        sample = _sample_records(sample_text, truncated, fmt)
        fast = _read_regular(source, sample, fmt, path)
        if fast is not None:
            frame, header_row, skipped = fast
        else:
            # The csv module, not pandas: it keeps ragged rows and lets us count records (spreadsheet
            # rows) rather than physical lines, and is fast enough (~0.7 s for 132k rows).
            with open(source, encoding="utf-8-sig", newline="") as text:
                frame, header_row, skipped = _assemble(csv.reader(text, **fmt), sample, path)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = (
                f"one value is longer than {_FIELD_LIMIT:,} characters, too long to read; is a quote mark left open?"
            )
            raise _unusable(path, reason) from exc
        raise _unusable(path, f"the text could not be split into fields ({exc}); is a quote mark left open?") from exc
    report = ReadReport(str(path), "csv", encoding, delimiter, header_row, header_row - 1, len(frame), skipped)
    return frame, report


def _read_regular(
    source: Path, sample: list[list[str]], fmt: dict[str, Any], path: Path
) -> tuple[pd.DataFrame, int, tuple[SkippedLine, ...]] | None:
    """The usual file in one multi-threaded pass of Arrow's CSV parser: every record after the header
    as wide as the header, no blank line, no repeated header, no cell with a NUL or over MAX_CELL_CHARS.
    Returns None for anything else, and the record-by-record reader (_assemble) then describes each
    irregular row. Same frame either way.

    A million rows: about 6 s of CPU instead of about 11 s with the csv module and a Python loop per row.
    """
    h = _find_header(sample)
    if h is None or fmt["skipinitialspace"] or any("\n" in f for r in sample[: h + 1] for f in r):
        return None
    n = len(sample[h])
    irregular: list[int] = []

    def invalid(row) -> str:  # a row of another width, or a blank line: let the careful reader have it
        irregular.append(row.number)
        return "skip"

    try:
        table = pa_csv.read_csv(
            source,
            read_options=pa_csv.ReadOptions(
                skip_rows=h + 1, column_names=[f"c{i}" for i in range(n)], encoding="utf8", block_size=4 * _CHUNK
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=fmt["delimiter"],
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=invalid,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(n)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeEncodeError):
        return None
    if irregular:
        return None
    words = _norm(sample[h][0]).split()
    pad = r'[\s\x{feff}"]*'
    header_again = pad + r"\s+".join(re.escape(w) for w in words) + pad
    first = table.column(0)
    if pc.any(pc.match_substring_regex(first, f"^{header_again}$")).as_py():  # maybe a repeated header row
        return None
    if pc.any(pc.equal(pc.utf8_trim_whitespace(first), "")).as_py():  # maybe a row of empty cells
        blank = [pc.equal(pc.utf8_trim_whitespace(table.column(i)), "") for i in range(n)]
        if pc.any(functools.reduce(pc.and_, blank)).as_py():  # the careful reader leaves those out
            return None
    for column in table.columns:  # a NUL or a huge cell costs its row: the careful reader says which
        longest = pc.max(pc.utf8_length(column)).as_py() or 0  # None when there are no rows
        if longest > MAX_CELL_CHARS or pc.any(pc.match_substring(column, "\x00")).as_py():
            return None
    names = _column_names(sample[h], path)
    rows = table.num_rows
    columns = {}
    for name in names:  # each column's Arrow buffers are let go once it is converted: one copy at a time
        columns[name] = _python_strings(table.column(0))
        table = table.remove_column(0)
    frame = pd.DataFrame(columns, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)
    del columns
    frame[ROW_COL] = pd.Series(range(h + 2, h + 2 + len(frame)), dtype="int64")
    frame[ERROR_COL] = pd.Series([""] * len(frame), dtype=object)
    return frame, h + 1, ()


def _python_strings(column: pa.ChunkedArray) -> np.ndarray:
    """The column as an object array of str, where equal values are one str object: most columns repeat
    a few values (states, agencies, dates), and a million cells then cost 8 bytes each, not about 70."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    if len(encoded.dictionary) > len(column) // 2:  # mostly distinct (ids, links): nothing to share
        return column.to_numpy(zero_copy_only=False).astype(object)
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
    return distinct[encoded.indices.to_numpy(zero_copy_only=False)]


def _sample_records(sample_text: str, truncated: bool, fmt: dict[str, Any]) -> list[list[str]]:
    records = list(islice(csv.reader(io.StringIO(sample_text, newline=""), **fmt), _SAMPLE_RECORDS * 2))
    # The last record of a cut-off sample may be cut in half; it would skew the field counts.
    return records[:-1] if truncated and len(records) > 1 else records


def _sniff_delimiter(sample_text: str) -> str:
    """The candidate giving the most consistent field count (above one) across the sample."""
    best, best_score = ",", (0.0, 0)
    for candidate in DELIMITERS:
        try:
            records = _sample_records(sample_text, True, {"delimiter": candidate})
        except csv.Error:
            continue
        widths = Counter(len(r) for r in records if _has_text(r))
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        score = (count / sum(widths.values()), width)
        if width > 1 and score > best_score:
            best, best_score = candidate, score
    return best


def _has_text(fields: list[str]) -> bool:
    # one C-level join and strip instead of a Python generator per field: this runs for every row
    return bool("".join(fields).strip())


def _find_header(sample: list[list[str]]) -> int | None:
    """Index of the header: the first record as wide as most records and mostly filled in.

    Preamble lines are either narrower (a title with no delimiters) or padded with empty
    fields (`"Title"||||||||`), so both tests are needed."""
    widths = Counter(len(r) for r in sample if _has_text(r))
    if not widths:
        return None
    width = widths.most_common(1)[0][0]
    allowed = {width}
    full = [r for r in sample if len(r) == width]
    if width > 1 and sum(not r[-1].strip() for r in full) >= 0.8 * len(full):
        allowed.add(width - 1)  # data rows end with a delimiter that the header line lacks
    for i, fields in enumerate(sample):
        filled = sum(1 for f in fields if f.strip())
        if filled and not fields[0].strip():
            filled += 1  # a blank first cell is the usual unnamed index column, not padding
        if len(fields) in allowed and filled >= max(min(2, len(fields)), len(fields) / 2):
            return i
    return next(i for i, fields in enumerate(sample) if _has_text(fields))


def _norm(name: str) -> str:
    return " ".join(name.strip().strip('\ufeff"').split())


def _column_names(raw: Iterable[str], path: Path) -> list[str]:
    names = [_norm(n) or f"Unnamed: {i}" for i, n in enumerate(raw)]  # pandas' name for a blank header
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        listed = ", ".join(f"'{n}'" for n in dupes)
        raise _unusable(path, f"more than one column is named {listed}; each column needs its own name")
    reserved = [n for n in names if n in (ROW_COL, ERROR_COL)]
    if reserved:
        raise _unusable(path, f"the column name '{reserved[0]}' is reserved for the reader; rename that column")
    return names


def _assemble(
    records: Iterator[list[str]], sample: list[list[str]], path: Path
) -> tuple[pd.DataFrame, int, tuple[SkippedLine, ...]]:
    """Turn records (one per spreadsheet row, blank ones included) into the frame, header row and skips."""
    h = _find_header(sample)
    if h is None:
        raise _unusable(path, "there is no header row (the file holds no text)")
    header_key = [_norm(f) for f in sample[h]]
    names = _column_names(sample[h], path)
    n = len(names)
    rows: list[list[str]] = []
    numbers: list[int] = []
    errors: list[str] = []
    skipped: list[SkippedLine] = []
    for number, fields in enumerate(records, start=1):
        joined = "".join(fields)  # one C-level join per row for the cheap tests below
        if number <= h + 1 or not joined.strip():
            continue  # preamble, header, blank line
        error = ""
        if "\x00" in joined or len(joined) > MAX_CELL_CHARS:
            fields, error = _bad_cells(fields, names)
        if len(fields) == n:
            # Cheap first-cell test before normalising the whole row: this runs for every row.
            if _norm(fields[0]) == header_key[0] and [_norm(f) for f in fields] == header_key:
                skipped.append(SkippedLine(number, REPEATED_HEADER))  # e.g. two exports pasted together
                continue
        elif len(fields) > n and not _has_text(fields[n:]):
            fields = fields[:n]  # a trailing delimiter adds empty fields that hold no data
        else:
            error = "; ".join(filter(None, [_ragged_message(fields, n), error]))
            fields = (fields + [""] * n)[:n]
        rows.append(fields)
        numbers.append(number)
        errors.append(error)
    frame = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)
    frame[ROW_COL] = pd.Series(numbers, dtype="int64")
    frame[ERROR_COL] = pd.Series(errors, dtype=object)
    return frame, h + 1, tuple(skipped)


def _bad_cells(fields: list[str], names: list[str]) -> tuple[list[str], str]:
    """(the fields with NULs and over-long cells made harmless, what was wrong with which column).
    One bad cell costs its row, not the file: the row is kept, with the reason, for the quarantine."""
    reasons, out = [], []
    for i, value in enumerate(fields):
        column = names[i] if i < len(names) else f"extra value {i + 1 - len(names)}"
        if len(value) > MAX_CELL_CHARS:
            reasons.append(
                f'the value in column "{column}" is {len(value):,} characters long, more than the '
                f"{MAX_CELL_CHARS:,} a cell may hold (only its first {_CELL_KEPT} are kept)"
            )
            value = value[:_CELL_KEPT] + "..."
        if "\x00" in value:
            reasons.append(f'the value in column "{column}" holds a NUL character (binary data), shown as \ufffd')
            value = value.replace("\x00", "\ufffd")
        out.append(value)
    return out, "; ".join(reasons)


def _ragged_message(fields: list[str], n: int) -> str:
    message = f"this row has {_plural(len(fields), 'value')} but the header has {n} columns"
    message += ", so the values may be in the wrong columns"
    if len(fields) > n:
        message += f" (extra values left out: {', '.join(repr(f) for f in fields[n:])})"
    if any("\n" in f for f in fields):  # an unclosed quote swallows the following lines into one value
        message += "; one value runs over several lines, so a quote mark may be missing"
    return message


# ---------------------------------------------------------------- JSON


def _refuse_large_json(path: Path, size: int, limit: int) -> None:
    """JSON is parsed whole (its records take about seven times the text in memory): past the setting
    max_json_mb the file is refused before any of it is read."""
    if size > limit:
        raise _unusable(
            path,
            f"this JSON holds {size / 1e6:,.0f} MB of text, more than the {limit / 1e6:,.0f} MB of JSON this "
            "deployment reads (setting max_json_mb: JSON is read whole); save the records as CSV, which takes "
            "far less memory, or split them into smaller files",
        )


def _read_json(path: Path, text: str, encoding: str) -> tuple[pd.DataFrame, ReadReport]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _unusable(path, f"this is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    records = _json_records(doc, path)
    flat = [_flatten(r, "", {}) if isinstance(r, dict) else None for r in records]
    raw_keys: dict[str, None] = {}  # union of keys, in first-seen order
    for record in flat:
        raw_keys.update(dict.fromkeys(record or ()))
    names = _column_names(raw_keys, path)
    columns = {
        name: [rec.get(key, "") if rec else "" for rec in flat] for name, key in zip(names, raw_keys, strict=True)
    }
    frame = pd.DataFrame(columns, dtype=object) if names else pd.DataFrame(index=range(len(flat)))
    frame[ROW_COL] = pd.Series(range(1, len(flat) + 1), dtype="int64")
    errors = [
        "" if rec is not None else f"this item is {_preview(r)}, not a record with named fields"
        for r, rec in zip(records, flat, strict=True)
    ]
    frame[ERROR_COL] = pd.Series(errors, dtype=object)
    return frame, ReadReport(str(path), "json", encoding, None, 0, 0, len(frame), ())


def _json_records(doc: Any, path: Path) -> list[Any]:
    def is_records(value: Any) -> bool:
        return isinstance(value, list) and any(isinstance(v, dict) for v in value)

    if is_records(doc):
        return doc
    if isinstance(doc, dict):
        keys = [k for k, v in doc.items() if is_records(v)]
        if len(keys) == 1:
            return doc[keys[0]]
        if keys:
            listed = ", ".join(f"'{k}'" for k in keys)
            raise _unusable(path, f"the JSON holds several lists of records ({listed}); send one list per file")
    if doc == []:
        raise _unusable(path, "the JSON list is empty; there are no records")
    reason = "the JSON holds no list of records (expected a list of objects, or an object holding one such list)"
    raise _unusable(path, reason)


def _flatten(record: dict[str, Any], prefix: str, out: dict[str, str]) -> dict[str, str]:
    for key, value in record.items():
        if isinstance(value, dict) and value:
            _flatten(value, f"{prefix}{key}.", out)  # {"a": {"b": 1}} becomes column "a.b"
        else:
            out[f"{prefix}{key}"] = _json_text(value)
    return out


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        items = (json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else _json_text(v) for v in value)
        return "; ".join(items)
    return json.dumps(value, ensure_ascii=False)  # numbers and true/false spelled as in the file


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return f"the value {text[:40]}{'...' if len(text) > 40 else ''}"


# ---------------------------------------------------------------- Excel


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, ReadReport]:
    if find_spec("openpyxl") is None:
        reason = "reading .xlsx files needs the 'openpyxl' package, which is not installed; save the sheet as CSV"
        raise _unusable(path, reason)
    try:  # first sheet only; header=None so that preamble and header detection work as for text
        sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=str, keep_default_na=False, na_filter=False)
    except Exception as exc:
        raise _unusable(path, f"this Excel file could not be opened ({exc})") from exc
    rows = [["" if v is None else str(v) for v in row] for row in sheet.itertuples(index=False, name=None)]
    frame, header_row, skipped = _assemble(iter(rows), rows[: _SAMPLE_RECORDS * 2], path)
    return frame, ReadReport(str(path), "xlsx", "", None, header_row, header_row - 1, len(frame), skipped)
