"""`encounters`: the contributor's command line (validate, diff, publish, history, rollback, codebook, mapping,
reports)."""

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
    from dashboard.ingest.report import text_report

    for line in text_report(prepared.problems, prepared.source, row_lines=limit):
        say(line)


def cmd_validate(args) -> int:
    from dashboard.ingest.pipeline import accounting_line, prepare
    from dashboard.ingest.report import allowed_values

    prepared = prepare(args.path, mapping=args.mapping, with_records=False)
    counts = prepared.counts()
    if args.format == "json":
        columns = prepared.problems["column"].astype(str).unique().tolist()
        out = {
            "file": prepared.source,
            "read": prepared.report.describe(),
            "notes": prepared.notes,
            "allowed_values": {c: allowed for c in columns if (allowed := allowed_values(c))},
            "problems": [
                {"file": prepared.source, **{k: (int(v) if k == "row" else v) for k, v in p.items()}}
                for p in prepared.problems.to_dict("records")
            ],
            **counts,
        }
        if args.preview:
            out["preview"] = _preview_records(prepared, args.preview)
        print(json.dumps(out, indent=1, default=str))
    else:
        say(prepared.report.describe())
        for note in prepared.notes:
            say(f"note: {note}")
        _print_problems(prepared, None if args.all else 50)
        if args.preview:
            from dashboard.ingest.preview import preview_text

            for line in preview_text(prepared, args.preview):
                say(line)
        if "rows_left_out" in counts or "encounters" in counts:
            print(accounting_line(counts))
        else:
            print(
                f"rows in: {counts['rows_in']:,}, valid: {counts['rows_valid']:,}, invalid: {counts['rows_invalid']:,}"
            )
    return EXIT_OK if counts["rows_invalid"] == 0 else EXIT_INVALID_ROWS


def _preview_records(prepared, n: int) -> list[dict]:
    from dashboard.ingest.preview import preview_pairs

    return [{"row": row, "source": source, "mapped": mapped} for row, source, mapped in preview_pairs(prepared, n)]


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
    if warning := _metadata_warning(datasets_dir(args.data_dir), args.dataset, metadata, args.metadata):
        print(warning, file=sys.stderr)
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


def _metadata_warning(root: Path, name: str, metadata: dict | None, given: str | None) -> str:
    """A new dataset published without metadata (or without a license in it) gets `license: unknown`; say so
    before it happens rather than let the About page show it silently. "" when there is nothing to say."""
    if (store.dataset_dir(root, name) / "metadata.yaml").is_file():
        return ""  # an existing dataset keeps its metadata
    if metadata is None:
        return (
            f"warning: {name} is a new dataset and no --metadata file was given: its license is recorded as "
            f"unknown (the About page shows it as such) and it has no description or sources. Publish with "
            f"--metadata M.yaml (title, description, license, sources, coverage, as_of), or edit "
            f"{store.dataset_dir(root, name) / 'metadata.yaml'} afterwards."
        )
    if str((metadata or {}).get("license") or "").strip().lower() in ("", "unknown"):
        return f"warning: {given} gives no license: {name}'s license is recorded as unknown (the About page says so)."
    return ""


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


def cmd_mapping_draft(args) -> int:
    """Write a starting mapping for a foreign file (stdout, or --out)."""
    from dashboard.ingest.draft import draft_file

    text = draft_file(args.path, state=args.state)
    if args.out:
        out = Path(args.out)
        if out.exists() and not args.force:
            print(f"error: {out} exists; choose another --out or add --force to replace it", file=sys.stderr)
            return EXIT_UNUSABLE
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}: fill in each FILL IN, check the guesses, then run")
        print(f"  encounters validate {args.path} --mapping {out} --preview 5")
    else:
        sys.stdout.write(text)
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


def _state_code(text: str) -> str:
    from dashboard.schema import load_schema

    code = text.strip().upper()
    if code not in load_schema().taxonomies["states"].values:
        raise argparse.ArgumentTypeError(f"{text!r} is not a USPS state code (MN, WA, NY ...)")
    return code


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


def _open_reports(args):
    from dashboard.reports import open_reports

    return open_reports(datasets_dir(args.data_dir))


def _say_report(report, contact: str | None = None, with_contact: bool = False) -> None:
    """A report as plain lines; every value through say(): a visitor's text may hold escape sequences."""
    say(f"{report.ref}  {report.kind}  {report.status}  filed {report.created_at:%Y-%m-%d %H:%M} UTC")
    if report.kind == "new":
        when = report.date_from.isoformat() + (f" to {report.date_to.isoformat()}" if report.date_to else "")
        place = ", ".join(x for x in (report.city, report.state) if x)
        if report.latitude is not None:  # stored rounded to the grid of reports.yaml
            from dashboard.reports import load_rules

            grid = load_rules().point_grid_m
            place += f" ({report.latitude:.5f}, {report.longitude:.5f}, rounded to about {grid:,.0f} m)"
        say(f"  when: {when}")
        say(f"  where: {place}")
        say(f"  what happened: {report.what_happened}")
        say(f"  force seen: {'; '.join(report.force_seen) or '-'}")
        say(f"  agencies: {'; '.join(report.agencies) or '-'}")
        for link in report.links:
            say(f"  link: {link}")
    else:
        say(f"  record: {report.dataset} / {report.encounter_id}, field {report.field}")
        say(f"  what is wrong: {report.what_is_wrong}")
        say(f"  source: {report.source_url}")
    if with_contact:
        say(f"  contact: {contact if contact is not None else '(none kept)'}")
    if report.resolution:
        say(f"  {'became' if report.status == 'accepted' else 'reason'}: {report.resolution}")
    for e in report.history:
        say(f"  {e.at:%Y-%m-%d %H:%M} {e.who}: {e.action}{' (' + e.note + ')' if e.note else ''}")


def cmd_reports(args) -> int:
    from dashboard.reports import DraftInvalid, ReportError

    try:
        reports = _open_reports(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        return REPORT_COMMANDS[args.reports_command](reports, args)
    except DraftInvalid as exc:
        print(f"error: {exc.ref} cannot be published as it stands; nothing was published:", file=sys.stderr)
        for column, value, reason in exc.problems:
            say(f"  {column}{' = ' + repr(value) if value else ''}: {reason}")
        print("set a value with --set COLUMN=VALUE (repeatable) and accept again", file=sys.stderr)
        return EXIT_INVALID_ROWS
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        reports.close()


def _reports_list(reports, args) -> int:
    found = reports.list(args.status)
    for report in found:
        what = (
            report.what_happened
            if report.kind == "new"
            else f"{report.encounter_id} {report.field}: {report.what_is_wrong}"
        )
        what = " ".join(what.split())
        say(f"{report.ref}  {report.kind:<10}  {report.status:<9}  {report.created_at:%Y-%m-%d}  {what[:70]}")
    counts = reports.counts()
    print(
        f"{len(found):,} shown; {counts['received']:,} received, {counts['open']:,} open, "
        f"{counts['accepted']:,} accepted, {counts['rejected']:,} rejected"
    )
    return EXIT_OK


def _reports_show(reports, args) -> int:
    report = reports.get(args.ref)
    contact = reports.contact(args.ref, args.who) if args.with_contact else None
    _say_report(report, contact, args.with_contact)
    if report.kind == "correction" and report.is_open:
        say(f"  published now: {report.field} = {_published_value(args, report)}")
    return EXIT_OK


def _published_value(args, report) -> str:
    """The value a correction is about, as published now (what the contributor compares with the source)."""
    try:
        records = store.load_records(datasets_dir(args.data_dir), report.dataset)
    except store.StoreError as exc:
        return f"(unknown: {exc})"
    found = records.loc[records["encounter_id"] == report.encounter_id, report.field]
    if found.empty:
        return "(the record is no longer published)"
    value = found.iloc[0]
    return "(empty)" if pd.isna(value) or value == "" else str(value)


def _reports_review(reports, args) -> int:
    report = reports.start_review(args.ref, args.who)
    say(f"{report.ref} is in review by {args.who}")
    return EXIT_OK


def _reports_accept(reports, args) -> int:
    overrides = {}
    for item in args.set:
        column, sep, value = item.partition("=")
        if not sep:
            print(f"error: --set {item}: write COLUMN=VALUE", file=sys.stderr)
            return EXIT_UNUSABLE
        overrides[column.strip()] = value
    done = reports.accept(args.ref, args.who, datasets_dir(args.data_dir), args.dataset, overrides)
    what = "added" if done.fields == ("added",) else f"changed ({', '.join(done.fields) or 'no field'})"
    say(f"{done.ref} accepted: {done.dataset} / {done.encounter_id} {what}, published as version {done.version}")
    return EXIT_OK


def _reports_reject(reports, args) -> int:
    report = reports.reject(args.ref, args.who, args.reason)
    say(f"{report.ref} rejected: {report.rejection_reason}")
    return EXIT_OK


def _reports_migrate(reports, args) -> int:
    from dashboard.reports.db import current_revision

    # open_reports has already brought the schema up to date: say where and to which revision
    say(
        f"reports database {reports.engine.url.render_as_string(hide_password=True)} at revision {current_revision(reports.engine)}"
    )
    return EXIT_OK


REPORT_COMMANDS = {
    "migrate": _reports_migrate,
    "list": _reports_list,
    "show": _reports_show,
    "review": _reports_review,
    "accept": _reports_accept,
    "reject": _reports_reject,
}


def _add_report_commands(sub, add) -> None:
    p = add("reports", cmd_reports, "visitors' reports: list, show, review, accept (publish) or reject them")
    rsub = p.add_subparsers(dest="reports_command", required=True)

    def radd(name, help_text):
        q = rsub.add_parser(name, help=help_text)
        q.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return q

    radd("migrate", "create or update the reports database's tables (every command and the app do it too)")
    q = radd("list", "the queue, oldest first")
    q.add_argument("--status", choices=["new", "in_review", "accepted", "rejected"])
    q = radd("show", "one report and its history")
    q.add_argument("ref", metavar="REF", help="R-000123")
    q.add_argument("--with-contact", action="store_true", help="also the reporter's contact (the reading is recorded)")
    q.add_argument("--who", default="command line", help="who reads the contact (recorded in the report's history)")
    q = radd("review", "mark a report as in review")
    q.add_argument("ref", metavar="REF")
    q.add_argument("--who", required=True)
    q = radd("accept", "publish a report: a new record (verification reported), or the correction of a record")
    q.add_argument("ref", metavar="REF")
    q.add_argument("--dataset", help="where a new encounter is published (a correction goes to its own dataset)")
    q.add_argument("--who", required=True, help="who accepts (recorded in the audit log)")
    q.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="COLUMN=VALUE",
        help="a column of the record (repeatable); a correction needs its field's corrected value",
    )
    q = radd("reject", "close a report without publishing; the reason is kept, the contact deleted")
    q.add_argument("ref", metavar="REF")
    q.add_argument("--reason", required=True)
    q.add_argument("--who", required=True)


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
    p.add_argument("--all", action="store_true", help="print every problem row by row (text format)")
    p.add_argument("--preview", type=int, default=0, metavar="N", help="show N mapped records beside their source rows")

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
    p = add_mapping("draft", cmd_mapping_draft, "draft a starting mapping from a file's headers and contents")
    p.add_argument("path", help="the foreign file (CSV, JSON or .xlsx)")
    p.add_argument("--out", metavar="M.yaml", help="write the draft here (default: print it)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument(
        "--state", type=_state_code, help="USPS code of the state the file covers (sets it; picks a State Plane zone)"
    )
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
    _add_report_commands(sub, add)
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
