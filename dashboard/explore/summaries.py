"""One sentence under each chart saying what it shows, for readers who do not read charts.

Every sentence is one catalog entry with placeholders (data/i18n/es.yaml), chosen whole, so a
translation can order its words freely; the English text is the catalog key.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from babel.dates import format_date

from dashboard import geo
from dashboard.explore import mapgeo
from dashboard.explore.aggregate import APPROXIMATE
from dashboard.explore.filters import LIST_FILTERS, tr
from dashboard.i18n import LOCALES, month, num, t, term

COUNTS = {
    "record": (tr("{n} record"), tr("{n} records")),
    "encounter": (tr("{n} encounter"), tr("{n} encounters")),
    "state": (tr("{n} state"), tr("{n} states")),
    "county": (tr("{n} county"), tr("{n} counties")),
    "council district": (tr("{n} council district"), tr("{n} council districts")),
}


def count(n: int, noun: str = "record", lang: str = "en") -> str:
    """ "1 record", "2,345 records" (or the noun's Spanish forms)."""
    one, many = COUNTS[noun]
    return t(one if n == 1 else many, lang, n=num(n, lang))


def _pick(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _period(ts, freq: str, lang: str = "en") -> str:
    ts = pd.Timestamp(ts)
    if freq == "month":
        return month(ts, lang)
    when = f"{ts.day} {ts:%B %Y}" if lang == "en" else format_date(ts.date(), "long", locale=LOCALES[lang])
    return t("the week of {date}", lang, date=when)


TIMELINE = {
    "month": {
        "empty": tr("No matching record has a date precise enough to draw by month."),
        "shows": tr(
            "The timeline shows {records} by month, from {start} to {end}; the busiest month was {top} with {encounters}."
        ),
        "coarse": (
            tr("{n} record dated only to the year is left out rather than drawn on a date that may be wrong."),
            tr("{n} records dated only to the year are left out rather than drawn on a date that may be wrong."),
        ),
    },
    "week": {
        "empty": tr("No matching record has a date precise enough to draw by week."),
        "shows": tr(
            "The timeline shows {records} by week, from {start} to {end}; the busiest week was {top} with {encounters}."
        ),
        "coarse": (
            tr("{n} record dated only to the month or year is left out rather than drawn on a date that may be wrong."),
            tr(
                "{n} records dated only to the month or year are left out rather than drawn on a date that may be wrong."
            ),
        ),
    },
}


def timeline_sentence(
    tl: pd.DataFrame, freq: str, too_coarse: int, lang: str = "en", operations=(), coverage=None
) -> str:
    words = TIMELINE.get(freq, TIMELINE["month"])
    marks = _operations_sentence(operations, lang) + _coverage_sentence(tl, coverage, lang)
    coarse = " " + t(_pick(too_coarse, *words["coarse"]), lang, n=num(too_coarse, lang)) if too_coarse else ""
    if tl.empty:
        return t(words["empty"], lang) + coarse
    per = tl.groupby("period")["records"].sum()
    top = per.idxmax()
    text = t(
        words["shows"],
        lang,
        records=count(int(per.sum()), "record", lang),
        start=_period(per.index.min(), freq, lang),
        end=_period(per.index.max(), freq, lang),
        top=_period(top, freq, lang),
        encounters=count(int(per.max()), "encounter", lang),
    )
    return text + coarse + marks


def _coverage_sentence(tl: pd.DataFrame, coverage, lang: str) -> str:
    """Where the timeline runs past what the dataset covers, and the breaks in coverage it shows."""
    if coverage is None or tl.empty:
        return ""
    from dashboard.i18n import day

    first, last = tl["period"].min().date(), (tl["period"].max() + pd.offsets.MonthEnd(1)).date()
    out = ""
    gap = coverage.gap(first, last, lang)
    if gap:
        out += " " + t("Grey: {gap}; an empty bar there is not a zero.", lang, gap=gap)
    for when, note in coverage.breaks:
        if first <= when <= last:
            out += " " + t("Coverage changes on {date}: {note}", lang, date=day(when, lang), note=t(note, lang))
    return out


def _operations_sentence(operations, lang: str) -> str:
    if not operations:
        return ""
    from dashboard.i18n import day

    listed = "; ".join(f"{term(name, lang)} ({day(date.fromisoformat(start), lang)})" for start, name in operations)
    return " " + t(
        "Dotted lines mark the start of named operations with at least three records here: {operations}.",
        lang,
        operations=listed,
    )


BREAKDOWN = {
    "targeted group": {
        "empty": tr("No matching record has a targeted group recorded."),
        "top": tr("The most frequent targeted group is {value} ({records} of {total})."),
        "top2": tr("The most frequent targeted group is {value} ({records} of {total}), followed by {second} ({n})."),
        "missing": (
            tr("{n} record has no targeted group recorded."),
            tr("{n} records have no targeted group recorded."),
        ),
    },
    "agency": {
        "empty": tr("No matching record has an agency recorded."),
        "top": tr("The most frequent agency is {value} ({records} of {total})."),
        "top2": tr("The most frequent agency is {value} ({records} of {total}), followed by {second} ({n})."),
        "missing": (tr("{n} record has no agency recorded."), tr("{n} records have no agency recorded.")),
    },
    "encounter type": {
        "empty": tr("No matching record has an encounter type recorded."),
        "top": tr("The most frequent encounter type is {value} ({records} of {total})."),
        "top2": tr("The most frequent encounter type is {value} ({records} of {total}), followed by {second} ({n})."),
        "missing": (
            tr("{n} record has no encounter type recorded."),
            tr("{n} records have no encounter type recorded."),
        ),
    },
    "place type": {
        "empty": tr("No matching record has a place type recorded."),
        "top": tr("The most frequent place type is {value} ({records} of {total})."),
        "top2": tr("The most frequent place type is {value} ({records} of {total}), followed by {second} ({n})."),
        "missing": (
            tr("{n} record does not say what kind of place it was."),
            tr("{n} records do not say what kind of place it was."),
        ),
    },
}


def breakdown_sentence(counts: pd.DataFrame, noun: str, total: int, multi: bool, lang: str = "en") -> str:
    """`noun` is one of BREAKDOWN's keys (any other noun gets the English sentence)."""
    words = BREAKDOWN.get(noun)
    if words is None:  # not a noun the catalog knows: English, with the noun in place
        words = {k: v.replace("targeted group", noun) for k, v in BREAKDOWN["targeted group"].items() if k != "missing"}
        words["missing"] = tuple(v.replace("targeted group", noun) for v in BREAKDOWN["targeted group"]["missing"])
        lang = "en"
    missing = int(counts.attrs.get("not_recorded", 0))
    if counts.empty:
        return t(words["empty"], lang)
    top = counts.iloc[0]
    values = {
        "value": term(str(top["value"]), lang),
        "records": count(int(top["records"]), "record", lang),
        "total": num(total, lang),
    }
    if len(counts) > 1:
        second = counts.iloc[1]
        text = t(
            words["top2"], lang, **values, second=term(str(second["value"]), lang), n=num(int(second["records"]), lang)
        )
    else:
        text = t(words["top"], lang, **values)
    if multi:
        text += " " + t(
            "A record can name several, so the bars can add up to more than {total}.", lang, total=values["total"]
        )
    if missing:
        text += " " + t(_pick(missing, *words["missing"]), lang, n=num(missing, lang))
    return text


POINTS = {
    "none": tr("The map shows {records} of the {total} matching as points."),
    "one": tr(
        "The map shows {records} of the {total} matching as points; {approx} of them is placed only to a city, "
        "county or region (hollow markers)."
    ),
    "many": tr(
        "The map shows {records} of the {total} matching as points; {approx} of them are placed only to a city, "
        "county or region (hollow markers)."
    ),
}
CELLS = {
    ("top", "none"): tr(
        "The map groups the {placed} placed records into {cells} hexagonal cells; the busiest cell, around {where}, "
        "holds {records}."
    ),
    ("top", "one"): tr(
        "The map groups the {placed} placed records into {cells} hexagonal cells; the busiest cell, around {where}, "
        "holds {records}; {approx} of the placed records is located only to a city, county or region (a cell "
        "holding mostly such records has a hollow dot)."
    ),
    ("top", "many"): tr(
        "The map groups the {placed} placed records into {cells} hexagonal cells; the busiest cell, around {where}, "
        "holds {records}; {approx} of the placed records are located only to a city, county or region (a cell "
        "holding mostly such records has a hollow dot)."
    ),
    ("", "none"): tr("The map groups the {placed} placed records into {cells} hexagonal cells."),
    ("", "one"): tr(
        "The map groups the {placed} placed records into {cells} hexagonal cells; {approx} of the placed records is "
        "located only to a city, county or region (a cell holding mostly such records has a hollow dot)."
    ),
    ("", "many"): tr(
        "The map groups the {placed} placed records into {cells} hexagonal cells; {approx} of the placed records are "
        "located only to a city, county or region (a cell holding mostly such records has a hollow dot)."
    ),
}
UNPLACED = (
    tr("{n} record has no coordinates and is not on the map."),
    tr("{n} records have no coordinates and are not on the map."),
)
OUTSIDE = (
    tr("{n} record lies outside this view (Alaska, Hawaii or territories): zoom out to see them."),
    tr("{n} records lie outside this view (Alaska, Hawaii or territories): zoom out to see them."),
)
WEST = {"en": "W", "es": "O"}  # compass letters: oeste


def _how_many(n: int) -> str:
    return "none" if not n else "one" if n == 1 else "many"


def map_sentence(kind: str, frame: pd.DataFrame, total: int, outside: int, lang: str = "en") -> str:
    unplaced = int(frame.attrs.get("unplaced", 0))
    if kind == "points" and not len(frame):
        return t(
            tr("No matching record has coordinates, so the map has nothing to show.")
            if total
            else tr("No record matches these filters."),
            lang,
        )
    if kind == "points":
        approx = int(frame["location_precision"].astype(str).isin(APPROXIMATE).sum())
        text = t(
            POINTS[_how_many(approx)],
            lang,
            records=count(len(frame), "record", lang),
            total=num(total, lang),
            approx=num(approx, lang),
        )
    else:
        top = frame.sort_values("records", ascending=False).iloc[0] if len(frame) else None
        approx = int(frame.attrs.get("approximate", 0))
        values = {"placed": num(total - unplaced, lang), "cells": num(len(frame), lang), "approx": num(approx, lang)}
        if top is not None:
            lat, lon = float(top["latitude"]), float(top["longitude"])
            values["where"] = (
                f"{abs(lat):.1f}°{'N' if lat >= 0 else 'S'} {abs(lon):.1f}°{WEST.get(lang, 'W') if lon < 0 else 'E'}"
            )
            values["records"] = count(int(top["records"]), "record", lang)
        text = t(CELLS[("top" if top is not None else "", _how_many(approx))], lang, **values)
    if unplaced:
        text += " " + t(_pick(unplaced, *UNPLACED), lang, n=num(unplaced, lang))
    if outside:
        text += " " + t(_pick(outside, *OUTSIDE), lang, n=num(outside, lang))
    return text


AREAS = {
    "state": {
        "empty": tr("No matching record has a state."),
        "missing": (tr("{n} record has no state."), tr("{n} records have no state.")),
    },
    "county": {
        "empty": tr("No matching record has a county."),
        "missing": (tr("{n} record has no county."), tr("{n} records have no county.")),
    },
    "district": {
        "empty": tr("No matching record has a council district."),
        "missing": (tr("{n} record has no council district."), tr("{n} records have no council district.")),
    },
}
AREA_TOP = {
    (False, True): tr("{name} has the most records ({n} of {total}); {areas} has at least one."),
    (False, False): tr("{name} has the most records ({n} of {total}); {areas} have at least one."),
    (True, True): tr(
        "{name} has the most records ({n} of {total}), followed by {second} ({n2}); {areas} has at least one."
    ),
    (True, False): tr(
        "{name} has the most records ({n} of {total}), followed by {second} ({n2}); {areas} have at least one."
    ),
}
UNDRAWN = (
    tr("{n} record is in areas with no boundary shipped: counted, not drawn."),
    tr("{n} records are in areas with no boundary shipped: counted, not drawn."),
)


def area_sentence(counts: pd.DataFrame, level: str, total: int, lang: str = "en") -> str:
    column = mapgeo.LEVEL_COLUMN[level]
    noun = {"state": "state", "county": "county", "district": "council district"}[level]
    words = AREAS[level]
    missing = total - int(counts["records"].sum()) if len(counts) else total
    if counts.empty:
        return t(words["empty"], lang)
    top = counts.iloc[0]
    values = {
        "name": mapgeo.area_name(level, top[column]),
        "n": num(int(top["records"]), lang),
        "total": num(total, lang),
        "areas": count(len(counts), noun, lang),
    }
    followed = len(counts) > 1
    if followed:
        second = counts.iloc[1]
        values |= {"second": mapgeo.area_name(level, second[column]), "n2": num(int(second["records"]), lang)}
    text = t(AREA_TOP[(followed, len(counts) == 1)], lang, **values)
    if missing > 0:
        text += " " + t(_pick(missing, *words["missing"]), lang, n=num(missing, lang))
    drawn = set(mapgeo.shapes(level))
    undrawn = int(counts.loc[~counts[column].isin(list(drawn)), "records"].sum())
    if undrawn:
        text += " " + t(_pick(undrawn, *UNDRAWN), lang, n=num(undrawn, lang))
    return text


def _values(values, lang: str) -> str:
    return ", ".join(term(v, lang) for v in values)


FILTER_LABELS = {f.attr: f.label for f in LIST_FILTERS}


def describe_filters(filters, lang: str = "en") -> list[str]:
    """The filters in force, in words: English with the URL's parameter names,
    else with the sidebar's labels, translated values and dates for the language."""
    if lang == "en":  # URL parameter names and values as a link writes them
        out = []
        if filters.date_from or filters.date_to:
            out.append(f"dates {filters.date_from or 'start'} to {filters.date_to or 'latest'}")
        out += [f"{f.param}: {', '.join(getattr(filters, f.attr))}" for f in LIST_FILTERS if getattr(filters, f.attr)]
        return out + ([f"force at least: {filters.min_force}"] if filters.min_force else [])
    from dashboard.i18n import day

    out = []
    if filters.date_from or filters.date_to:
        out.append(
            t(
                "dates {start} to {end}",
                lang,
                start=day(filters.date_from, lang) if filters.date_from else t("start", lang),
                end=day(filters.date_to, lang) if filters.date_to else t("latest", lang),
            )
        )
    names = geo.state_names()
    for attr, label in FILTER_LABELS.items():
        chosen = getattr(filters, attr, ())
        if not chosen:
            continue
        if attr == "states":
            shown = ", ".join(names.get(s, s) for s in chosen)
        elif attr == "counties":
            shown = ", ".join(mapgeo.area_name("county", c) for c in chosen)
        elif attr in ("cities", "districts", "operations"):
            shown = ", ".join(chosen)
        else:
            shown = _values(chosen, lang)
        out.append(f"{t(label, lang)}: {shown}")
    if filters.min_force:
        out.append(t("force at least: {level}", lang, level=term(filters.min_force, lang)))
    return out
