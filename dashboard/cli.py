"""`encounters`: the contributor's command line (validate, diff, publish, history, rollback, codebook, mapping)."""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import sys
from pathlib import Path

import pandas as pd

from dashboard import store
from dashboard.paths import datasets_dir

EXIT_OK, EXIT_INVALID_ROWS, EXIT_UNUSABLE = 0, 1, 2


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def say(text: object) -> None:
    """Print text that may hold a file's values with control characters shown as \\xNN: an escape
    sequence in a cell must not clear or retitle the contributor's terminal."""
    print(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text)))


def _print_problems(prepared, limit: int | None) -> None:
    problems = prepared.problems
    shown = problems if limit is None else problems.head(limit)
    for p in shown.itertuples(index=False):
        say(f"{prepared.source}: row {p.row}, column {p.column}: {p.reason}")
    if limit is not None and len(problems) > limit:
        print(f"... and {len(problems) - limit:,} more problems (use --all to see every one, or --format json)")


def cmd_validate(args) -> int:
    from dashboard.ingest.pipeline import accounting_line, prepare, problem_summary

    prepared = prepare(args.path, mapping=args.mapping, with_records=False)
    counts = prepared.counts()
    if args.format == "json":
        out = {
            "file": prepared.source,
            "read": prepared.report.describe(),
            "notes": prepared.notes,
            "problems": [
                {"file": prepared.source, **{k: (int(v) if k == "row" else v) for k, v in p.items()}}
                for p in prepared.problems.to_dict("records")
            ],
            **counts,
        }
        print(json.dumps(out, indent=1, default=str))
    else:
        say(prepared.report.describe())
        for note in prepared.notes:
            say(f"note: {note}")
        _print_problems(prepared, None if args.all else 200)
        if args.mapping and not prepared.problems.empty:
            print("\nValues to fix in the file or to add to the mapping (value, how many rows, which rows):")
            for s in problem_summary(prepared.problems).head(30).itertuples(index=False):
                rows = f"{s.count:,} row{'s' if s.count != 1 else ''} ({s.rows})"
                print(f'  {s.column} = "{s.value}" in {rows}: {s.reason}')
        if "rows_left_out" in counts or "encounters" in counts:
            print(accounting_line(counts))
        else:
            print(
                f"rows in: {counts['rows_in']:,}, valid: {counts['rows_valid']:,}, invalid: {counts['rows_invalid']:,}"
            )
    return EXIT_OK if counts["rows_invalid"] == 0 else EXIT_INVALID_ROWS


def cmd_publish(args) -> int:
    from dashboard.ingest.pipeline import prepare, publish_prepared, published_line

    prepared = prepare(args.path, mapping=args.mapping)
    say(prepared.report.describe())
    for note in prepared.notes:
        say(f"note: {note}")
    _print_problems(prepared, 20)
    metadata = None
    if args.metadata:
        import yaml

        metadata = yaml.safe_load(Path(args.metadata).read_text(encoding="utf-8"))
    try:
        refusal = _removal_refusal(prepared, datasets_dir(args.data_dir), args.dataset, args.allow_removals)
    except store.DamagedVersion:  # publishing over it is how it is repaired (the manifest's note says so)
        refusal = ""
    if refusal:
        print(refusal, file=sys.stderr)
        return EXIT_UNUSABLE
    manifest = publish_prepared(prepared, datasets_dir(args.data_dir), args.dataset, who=args.who, metadata=metadata)
    ch = manifest["changes"]
    for key in ("note", "warning"):
        if manifest.get(key):
            say(f"{key}: {manifest[key]}")
    print(f"published {args.dataset} version {manifest['version']}: {published_line(manifest)}")
    print(f"changes: {ch['added']:,} added, {ch['changed']:,} changed, {ch['removed']:,} removed")
    if manifest["rows_quarantined"]:
        qpath = store.version_dir(datasets_dir(args.data_dir), args.dataset, manifest["version"]) / "quarantine.csv"
        print(f"quarantined rows and their reasons: {qpath}")
    return EXIT_OK


def cmd_mapping_reference(args) -> int:
    from dashboard.ingest.mapping_format import reference_markdown

    print(reference_markdown(), end="")
    return EXIT_OK


MOST = 0.5  # a publish that removes more than this share of the published records needs --allow-removals


def _removal_refusal(prepared, root: Path, name: str, allowed: bool) -> str:
    """Why a publish is refused without --allow-removals: it would empty the dataset, or remove most of it
    (a header-only file, a file whose rows are all invalid, the wrong file). "" when it may go ahead."""
    if allowed:
        return ""
    published = store.published_ids(root, name)
    if published.empty:
        return ""
    kept = prepared.records["encounter_id"] if prepared.records is not None else pd.Series([], dtype=object)
    removed = int((~published.isin(kept)).sum())
    if removed == 0 or (len(kept) and removed <= MOST * len(published)):
        return ""
    return (
        f"refused: publishing {prepared.source} would remove {removed:,} of the {len(published):,} records "
        f"published in {name} and keep {len(kept):,} valid rows. Check the file (encounters diff shows what "
        f"would change); if removing them is what you mean, publish again with --allow-removals."
    )


def cmd_diff(args) -> int:
    from dashboard.ingest.pipeline import diff_prepared, prepare

    prepared = prepare(args.path, mapping=args.mapping)
    changes = diff_prepared(prepared, datasets_dir(args.data_dir), args.dataset)
    s = changes.summary()
    print(f"publishing {prepared.source} to {args.dataset} would change:")
    print(f"  {s['added']:,} added, {s['changed']:,} changed, {s['removed']:,} removed")
    print(f"  ({prepared.counts()['rows_invalid']:,} invalid rows would be quarantined)")
    for i in changes.added[:20]:
        print(f"  + {i}")
    for i, fields in list(changes.changed.items())[:20]:
        print(f"  ~ {i}: {', '.join(fields)}")
    for i in changes.removed[:20]:
        print(f"  - {i}")
    return EXIT_OK


def cmd_history(args) -> int:
    """Every version (* the current one), each damaged one marked with what is wrong, then the attempts
    that published nothing: failed (with the reason) or interrupted (started and never ended).
    Exit 1 when a version is damaged."""
    root = datasets_dir(args.data_dir)
    rows = store.history(root, args.dataset, verify=args.verify)
    if not rows:
        print(f'dataset "{args.dataset}" has no published version')
        return EXIT_UNUSABLE
    for h in rows:
        ch = h.get("changes") or {}
        mark = "*" if h["current"] else " "
        what = h.get("action", "publish") + (f" to {h['rolled_back_to']}" if h.get("rolled_back_to") else "")
        records = f"{h['rows_published']:,} records" if h.get("rows_published") is not None else "? records"
        say(
            f"{mark} v{h['version']}  {h.get('published_at') or '?'}  {what}  {records} "
            f"(+{ch.get('added', 0):,} ~{ch.get('changed', 0):,} -{ch.get('removed', 0):,})"
            f"  {h.get('input_file') or ''}  {h.get('published_by') or ''}"
        )
        if h["damage"]:
            say(f"    DAMAGED: {'; '.join(h['damage'])}")
    unfinished = [e for e in store.read_audit(root, args.dataset) if e.get("result") in ("failed", "interrupted")]
    if unfinished:
        print("attempts that published nothing (newest last):")
        for e in unfinished[-10:]:
            say(
                f"  {e['result']}  {e.get('at') or ''}  {e.get('action', 'publish')}  {e.get('input_file') or ''}  "
                f"{e.get('published_by') or ''}: {e.get('reason') or ''}"
            )
    damaged = [h["version"] for h in rows if h["damage"]]
    if damaged:
        whole = [h["version"] for h in rows if not h["damage"]]
        listed = ", ".join(map(str, damaged))
        if any(h["current"] for h in rows if h["damage"]):
            advice = "publish a file over it"
            if whole:
                advice = f"roll back to a whole version ({', '.join(map(str, whole))}) or publish a file"
            print(f"the current version is damaged (damaged: {listed}); to repair the dataset, {advice}")
        else:
            print(f"damaged version(s) {listed} cannot be restored; the current version is whole")
        return EXIT_INVALID_ROWS
    if args.verify:
        print("every version is whole (each file matches the checksum written when it was published)")
    return EXIT_OK


def cmd_rollback(args) -> int:
    manifest = store.rollback(datasets_dir(args.data_dir), args.dataset, args.to, who=args.who)
    print(f"{args.dataset}: version {args.to} restored as version {manifest['version']}")
    return EXIT_OK


def cmd_codebook(args) -> int:
    from dashboard.codebook import codebook_markdown

    records = None
    if args.dataset:
        records = store.load_records(datasets_dir(args.data_dir), args.dataset)
    print(codebook_markdown(records, args.dataset))
    return EXIT_OK


def cmd_hash_password(args) -> int:
    """Read a password (stdin when piped, else typed twice without echo) and print its scrypt hash."""
    import getpass

    from dashboard.auth import MIN_PASSWORD_LENGTH, hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Same password again: ") != password:
            print("error: the two passwords differ; nothing was printed", file=sys.stderr)
            return EXIT_UNUSABLE
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"error: use a password of at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr)
        return EXIT_UNUSABLE
    encoded = hash_password(password)
    if args.user:
        print(f'[contributors.{args.user}]\npassword_hash = "{encoded}"')
    else:
        print(encoded)
        print(
            'put it in .streamlit/secrets.toml as: [contributors.USERNAME] password_hash = "<the line above>"',
            file=sys.stderr,
        )
    return EXIT_OK


def _username(text: str) -> str:
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise argparse.ArgumentTypeError("a username is letters, digits, '-' and '_'")
    return text.casefold()


def cmd_brief(args) -> int:
    from dashboard.briefing import BriefingError
    from dashboard.briefing.command import run
    from dashboard.briefing.output import RenderError
    from dashboard.geo import BoundaryError

    try:
        for line in run(args):
            print(line)
    except (BriefingError, BoundaryError, RenderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="encounters", description=__doc__)
    parser.add_argument(
        "--data-dir", help="directory of published datasets (default: $ENCOUNTERS_DATA_DIR or data/datasets)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.set_defaults(func=func)
        return p

    p = add("validate", cmd_validate, "check a file and report every problem by row and column")
    p.add_argument("path")
    p.add_argument("--dataset", help="the dataset the file is meant for (for context only)")
    p.add_argument("--mapping", help="a mapping file (data/mappings/*.yaml) for a file in a foreign format")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--all", action="store_true", help="print every problem (text format)")

    for name, func, text in (
        ("publish", cmd_publish, "validate, clean and publish a file as the new version of a dataset"),
        ("diff", cmd_diff, "what publishing a file would change, without publishing"),
    ):
        p = add(name, func, text)
        p.add_argument("path")
        p.add_argument("--dataset", required=True)
        p.add_argument("--mapping")
        if name == "publish":
            p.add_argument("--who", default="", help="who publishes (recorded in the audit log)")
            p.add_argument("--metadata", help="a YAML file of dataset metadata, used when the dataset is new")
            p.add_argument(
                "--allow-removals",
                action="store_true",
                help="publish even if the file removes most (or all) of the published records",
            )

    mapping = sub.add_parser("mapping", help="mapping files: how a foreign file becomes encounter records")
    mapping_sub = mapping.add_subparsers(dest="mapping_command", required=True)

    def add_mapping(name, func, help_text):  # `encounters mapping NAME`
        p = mapping_sub.add_parser(name, help=help_text)
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.set_defaults(func=func)
        return p

    add_mapping(
        "reference", cmd_mapping_reference, "print the whole mapping format (Markdown), every key with an example"
    )

    p = add("history", cmd_history, "list the versions of a dataset, marking damaged ones")
    p.add_argument("--dataset", required=True)
    p.add_argument("--verify", action="store_true", help="also compare every file with its checksum (reads them all)")
    p = add("rollback", cmd_rollback, "restore an earlier version (as a new version)")
    p.add_argument("--dataset", required=True)
    p.add_argument("--to", type=int, required=True, metavar="VERSION")
    p.add_argument("--who", default="")
    p = add("codebook", cmd_codebook, "print the codebook as Markdown")
    p.add_argument("--dataset", help="include the share of missing values per column for this dataset")
    p = add("hash-password", cmd_hash_password, "hash a contributor's password for .streamlit/secrets.toml")
    p.add_argument("--user", type=_username, help="print a whole [contributors.USER] entry, not just the hash")
    p = add("brief", cmd_brief, "a briefing for one area and period (PDF, text, HTML or JSON), as on the Briefing page")
    p.add_argument("--dataset", required=True)
    p.add_argument("--area-type", required=True, choices=["state", "county", "city", "district"])
    p.add_argument(
        "--area", required=True, help='MN; 27053 or "Hennepin County, MN"; "Minneapolis, MN"; "Chicago Ward 42"'
    )
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("--compare-from", metavar="DATE", help="default: the same length immediately before")
    p.add_argument("--compare-to", metavar="DATE")
    p.add_argument(
        "--boundaries", metavar="FILE", help="a district file (GeoJSON or zipped shapefile); --area is its id"
    )
    p.add_argument("--id-property", help="the property naming each area in --boundaries (default: guessed)")
    p.add_argument("--filter", action="append", default=[], metavar="PARAM=VALUE", help="e.g. group=Black (repeatable)")
    p.add_argument("--base-url", default=os.environ.get("ENCOUNTERS_PUBLIC_URL", ""), help="the dashboard's address")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.pdf, .txt, .html or .json")
    p.add_argument("--lang", choices=["en", "es"], default="en", help="language of the briefing (default: en)")
    return parser


def main(argv: list[str] | None = None) -> int:
    from dashboard.ingest.read import FileUnusable

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FileUnusable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (store.StoreError, store.PublishBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = os.path.dirname(exc.filename) if exc.filename else "the output"
            print(f"error: the disk is full: could not write to {where} ({exc.strerror})", file=sys.stderr)
        else:
            print(f"error: could not read or write {exc.filename or 'a file'} ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # never a traceback for a contributor: say what failed, plainly
        print(f"error: could not process the input ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
