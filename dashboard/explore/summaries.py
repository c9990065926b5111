"""One sentence under each chart saying what it shows, for readers who do not read charts."""

from __future__ import annotations

import pandas as pd

from dashboard.explore import mapgeo
from dashboard.explore.aggregate import APPROXIMATE


def _n(n: int, noun: str = "record") -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _v(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _period(ts, freq: str) -> str:
    ts = pd.Timestamp(ts)
    return f"{ts:%B %Y}" if freq == "month" else f"the week of {ts.day} {ts:%B %Y}"


def timeline_sentence(tl: pd.DataFrame, freq: str, too_coarse: int) -> str:
    coarse = (
        f" {_n(too_coarse)} dated only to the {'month or year' if freq == 'week' else 'year'} "
        f"{'is' if too_coarse == 1 else 'are'} left out rather than drawn on a date that may be wrong."
        if too_coarse
        else ""
    )
    if tl.empty:
        return f"No matching record has a date precise enough to draw by {freq}.{coarse}"
    per = tl.groupby("period")["records"].sum()
    top = per.idxmax()
    span = f"from {_period(per.index.min(), freq)} to {_period(per.index.max(), freq)}"
    return (
        f"The timeline shows {_n(int(per.sum()))} by {freq}, {span}; the busiest {freq} was "
        f"{_period(top, freq)} with {_n(int(per.max()), 'encounter')}.{coarse}"
    )


def breakdown_sentence(counts: pd.DataFrame, noun: str, total: int, multi: bool) -> str:
    missing = int(counts.attrs.get("not_recorded", 0))
    if counts.empty:
        return f"No matching record has a {noun} recorded."
    top = counts.iloc[0]
    text = f"The most frequent {noun} is {top['value']} ({_n(int(top['records']))} of {total:,})"
    if len(counts) > 1:
        second = counts.iloc[1]
        text += f", followed by {second['value']} ({int(second['records']):,})"
    text += "."
    if multi:
        text += f" A record can name several, so the bars can add up to more than {total:,}."
    if missing:
        text += f" {_n(missing)} {_v(missing, 'has', 'have')} no {noun} recorded."
    return text


def map_sentence(kind: str, frame: pd.DataFrame, total: int, outside: int) -> str:
    unplaced = int(frame.attrs.get("unplaced", 0))
    if kind == "points" and not len(frame):
        return (
            "No matching record has coordinates, so the map has nothing to show."
            if total
            else ("No record matches these filters.")
        )
    if kind == "points":
        approx = int(frame["location_precision"].astype(str).isin(APPROXIMATE).sum())
        text = f"The map shows {_n(len(frame))} of the {total:,} matching as points"
        if approx:
            text += f"; {approx:,} of them {_v(approx, 'is', 'are')} placed only to a city, county or region (hollow markers)"
    else:
        top = frame.sort_values("records", ascending=False).iloc[0] if len(frame) else None
        text = f"The map groups the {total - unplaced:,} placed records into {len(frame):,} hexagonal cells"
        if top is not None:
            text += (
                f"; the busiest cell, around {abs(top['latitude']):.1f}°{'N' if top['latitude'] >= 0 else 'S'} "
                f"{abs(top['longitude']):.1f}°{'W' if top['longitude'] < 0 else 'E'}, holds {_n(int(top['records']))}"
            )
        approx = int(frame.attrs.get("approximate", 0))
        if approx:
            text += (
                f"; {approx:,} of the placed records {_v(approx, 'is', 'are')} located only to a city, county or "
                "region (a cell holding mostly such records has a hollow dot)"
            )
    text += "."
    if unplaced:
        text += f" {_n(unplaced)} {_v(unplaced, 'has', 'have')} no coordinates and {_v(unplaced, 'is', 'are')} not on the map."
    if outside:
        text += f" {_n(outside)} {_v(outside, 'lies', 'lie')} outside this view (Alaska, Hawaii or territories): zoom out to see them."
    return text


def area_sentence(counts: pd.DataFrame, level: str, total: int) -> str:
    column = mapgeo.LEVEL_COLUMN[level]
    noun = {"state": "state", "county": "county", "district": "council district"}[level]
    missing = total - int(counts["records"].sum()) if len(counts) else total
    if counts.empty:
        return f"No matching record has a {noun}."
    top = counts.iloc[0]
    text = f"{mapgeo.area_name(level, top[column])} has the most records ({int(top['records']):,} of {total:,})"
    if len(counts) > 1:
        second = counts.iloc[1]
        text += f", followed by {mapgeo.area_name(level, second[column])} ({int(second['records']):,})"
    areas = _n(len(counts), noun) if noun != "county" else f"{len(counts):,} count{_v(len(counts), 'y', 'ies')}"
    text += f"; {areas} {_v(len(counts), 'has', 'have')} at least one."
    if missing > 0:
        text += f" {_n(missing)} {_v(missing, 'has', 'have')} no {noun}."
    drawn = set(mapgeo.shapes(level))
    undrawn = int(counts.loc[~counts[column].isin(list(drawn)), "records"].sum())
    if undrawn:
        text += f" {_n(undrawn)} {_v(undrawn, 'is', 'are')} in areas with no boundary shipped: counted, not drawn."
    return text
