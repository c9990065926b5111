"""`encounters brief`: the Briefing page's numbers and exports, from the command line."""

from __future__ import annotations

import time
from pathlib import Path

from dashboard.briefing import BriefingError
from dashboard.briefing import area as areas
from dashboard.briefing.boundary_file import read_boundary_upload
from dashboard.briefing.compute import Briefing, compute_briefing
from dashboard.briefing.period import make_periods
from dashboard.explore import filters as flt
from dashboard.explore.data import load_dataset
from dashboard.i18n import num, t

FORMATS = (".pdf", ".txt", ".html", ".json")
CLI_MAX_MB = 200  # a file on the contributor's own disk may be larger than an upload


def parse_filters(pairs: list[str], dataset) -> flt.Filters:
    """--filter PARAM=VALUE (the URL's parameter names: group, agency, type, verification, min_force ...)."""
    query: dict[str, list[str]] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not value.strip():
            raise BriefingError(f'--filter "{pair}" is not PARAM=VALUE (for example --filter group=Black)')
        if key.strip() not in (*flt.LIST_PARAMS, "min_force"):
            raise BriefingError(
                f'--filter "{key}" is not a filter (use one of: {", ".join([*flt.LIST_PARAMS, "min_force"])})'
            )
        query.setdefault(key.strip(), []).append(value.strip())
    filters, notes = flt.from_query(query, dataset)
    if notes:
        raise BriefingError("; ".join(n.replace(" and was ignored", "") for n in notes))
    return filters


def briefing_from_args(args) -> Briefing:
    """The same computation as the page, from parsed command-line arguments."""
    from dashboard.paths import datasets_dir

    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        raise BriefingError(f"--out must end in one of {', '.join(FORMATS)} (got {out.name})")
    period, compare = make_periods(args.date_from, args.date_to, args.compare_from, args.compare_to)
    dataset = load_dataset(datasets_dir(getattr(args, "data_dir", None)), args.dataset)
    lang = getattr(args, "lang", None) or "en"
    if args.boundaries:
        if args.area_type != "district":
            raise BriefingError("--boundaries gives district boundaries: use it with --area-type district")
        path = Path(args.boundaries)
        if not path.is_file():
            raise BriefingError(f"the boundary file {path} does not exist")
        uploaded = read_boundary_upload(path.name, path.read_bytes(), args.id_property, max_mb=CLI_MAX_MB, lang=lang)
        area = uploaded.area(args.area, lang)
        extra_notes = uploaded.notes
    else:
        area = areas.resolve_area(dataset, args.area_type, args.area, lang)
        extra_notes = ()
    b = compute_briefing(dataset, area, period, compare, parse_filters(args.filter, dataset), lang=lang)
    if extra_notes:
        from dataclasses import replace

        b = replace(b, notes=(*extra_notes, *b.notes))
    return b


def write_briefing(b: Briefing, out: Path, base_url: str = "") -> None:
    from dashboard.briefing.output import briefing_html, briefing_pdf
    from dashboard.briefing.text import to_text

    suffix = out.suffix.lower()
    if suffix == ".pdf":
        data = briefing_pdf(b, base_url)
    elif suffix == ".html":
        data = briefing_html(b, base_url).encode("utf-8")
    elif suffix == ".txt":
        data = to_text(b, base_url).encode("utf-8")
    else:
        import json

        data = json.dumps(b.as_dict(), indent=1, default=str).encode("utf-8")
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_bytes(data)
    tmp.replace(out)  # never a half-written briefing under the final name


def run(args) -> list[str]:
    """Make the briefing file; returns lines to print. Raises BriefingError, BoundaryError or RenderError."""
    started = time.perf_counter()
    b = briefing_from_args(args)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise BriefingError(f"the folder {out.parent} does not exist")
    write_briefing(b, out, args.base_url or "")
    enc = b.figure("Encounters")
    lines = [
        t(
            "{area}: {now} encounters {period}, {before} {compare} (change: {change})",
            b.lang,
            area=b.area.describe(b.lang),
            now=num(enc.now, b.lang),
            period=b.period.label(b.lang),
            before=enc.before_text(b.lang),
            compare=b.compare.label(b.lang),
            change=enc.change_text(b.lang),
        ),
        f"wrote {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - started:.1f} s",
    ]
    if b.demonstration:
        lines.insert(0, "note: this is demonstration data (fictional records); the file says so")
    return lines
