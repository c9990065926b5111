"""Which records belong to a briefing's area: a state, county, city, council district or uploaded polygon."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from dashboard import geo
from dashboard.briefing import BriefingError
from dashboard.explore.data import Dataset
from dashboard.explore.summaries import tr
from dashboard.i18n import t

AREA_TYPES = {  # English labels: t(AREA_TYPES[kind], lang) gives the reader's
    "state": tr("State"),
    "county": tr("County"),
    "city": tr("City"),
    "district": tr("Council district"),
    "upload": tr("Uploaded boundary"),
}
# "no state was given" and "there is no state "ZZ" here": whole sentences, one per kind of area
NOT_GIVEN = {
    "state": tr("no state was given"),
    "county": tr("no county was given"),
    "city": tr("no city was given"),
    "district": tr("no council district was given"),
}
NOT_FOUND = {
    "state": tr('there is no state "{area}" here (for example: {example})'),
    "county": tr('there is no county "{area}" here (for example: {example})'),
    "city": tr('there is no city "{area}" here (for example: {example})'),
    "district": tr('there is no council district "{area}" here (for example: {example})'),
}
POINT_PRECISIONS = ("exact", "block")  # the only locations precise enough for a district or drawn polygon


@dataclass(frozen=True)
class Area:
    kind: str  # one of AREA_TYPES
    id: str  # USPS code, county FIPS, "City, ST", district label, or the id in an uploaded file
    label: str  # what a reader sees: "Minnesota", "Hennepin County, MN", "Chicago Ward 42"
    source: str = ""  # the district layer or uploaded file the area comes from
    wkb: bytes | None = None  # the polygon of an uploaded area (records chosen by point-in-polygon)

    def describe(self, lang: str = "en") -> str:
        """ "Chicago Ward 42 (council district, Chicago wards)"."""
        kind = t(AREA_TYPES.get(self.kind, self.kind), lang).lower()
        return f"{self.label} ({kind}{', ' + self.source if self.source else ''})"


@dataclass(frozen=True)
class Selection:
    """The records in the area (`mask`); `coarse` marks records inside it located too coarsely to count."""

    mask: np.ndarray
    coarse: np.ndarray | None
    note: str


# --------------------------------------------------------------------------- reference lookups


@lru_cache(maxsize=1)
def county_labels() -> dict[str, str]:
    return {
        f["id"]: f"{f['properties']['name']}, {f['properties']['state']}" for f in geo.counties_geojson()["features"]
    }


@lru_cache(maxsize=1)
def shipped_districts() -> dict[str, tuple[str, bytes]]:
    """District label ("Chicago Ward 42") -> (layer description, polygon as WKB), for the shipped layers."""
    from dashboard.config import district_layers, settings

    names = [layer.get("name", "") for layer in settings().get("district_layers", [])]
    out: dict[str, tuple[str, bytes]] = {}
    for (label_format, frame), name in zip(district_layers(), names, strict=False):
        id_column = frame.columns[0]
        for ident, geom in zip(frame[id_column], frame.geometry, strict=True):
            out.setdefault(label_format.format(**{id_column: ident}), (name, shapely.to_wkb(geom)))
    return out


def city_pairs(dataset: Dataset) -> list[tuple[str, str, int]]:
    """(city, state, records) for each distinct city named by the records, most records first."""
    rec = dataset.records
    city, state = rec["city"].astype("category"), rec["state"].astype("category")
    codes = pd.DataFrame({"c": city.cat.codes.to_numpy(), "s": state.cat.codes.to_numpy()})
    out = []
    for (c, s_), n in codes[(codes["c"] >= 0) & (codes["s"] >= 0)].value_counts().items():
        name = str(city.cat.categories[c])
        if name.strip():
            out.append((name, str(state.cat.categories[s_]), int(n)))
    return out


def area_choices(dataset: Dataset, kind: str) -> dict[str, str]:
    """id -> label of the areas of one kind a reader can pick (districts with no record included)."""
    if kind == "state":
        return dict(sorted(geo.state_names().items(), key=lambda kv: kv[1]))
    if kind == "county":
        present = set(dataset.values("county_fips"))
        labels = county_labels()
        return {f: labels[f] for f in sorted(labels, key=lambda f: (f not in present, labels[f]))}
    if kind == "city":
        pairs = sorted(city_pairs(dataset), key=lambda p: (p[0].lower(), p[1]))
        return {f"{c}, {s}": f"{c}, {s}" for c, s, _ in pairs}
    if kind == "district":
        labels = set(shipped_districts()) | set(dataset.values("district"))
        return {d: d for d in sorted(labels, key=_natural)}
    raise BriefingError(f'"{kind}" is not an area type (use one of: {", ".join(AREA_TYPES)})')


def default_area_id(dataset: Dataset, kind: str, choices: dict[str, str]) -> str | None:
    """The area of this kind with the most records (so a briefing opens on something), else the first one."""
    if kind == "city":
        ranked = [f"{c}, {s}" for c, s, _ in city_pairs(dataset)]
    else:
        column = {"state": "state", "county": "county_fips", "district": "district"}[kind]
        ranked = [str(v) for v in dataset.records[column].value_counts().index]
    return next((v for v in ranked if v in choices), next(iter(choices), None))


def _natural(text: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


def resolve_area(dataset: Dataset, kind: str, ident: str, lang: str = "en") -> Area:
    """The Area named by `ident` (case does not matter), or a BriefingError saying what would work."""
    ident = str(ident or "").strip()
    if kind == "upload":
        raise BriefingError(t("an uploaded area comes from its boundary file; upload the file again", lang))
    choices = area_choices(dataset, kind)
    if not ident:
        raise BriefingError(t(NOT_GIVEN[kind], lang))
    by_key = {k.lower(): k for k in choices} | {v.lower(): k for k, v in choices.items()}
    if kind == "county":  # "Hennepin, MN" as well as "Hennepin County, MN"
        by_key |= {v.lower().replace(" county,", ","): k for k, v in choices.items()}
    if kind == "city" and "," not in ident:  # a bare city name, if only one state has it
        matches = [k for k in choices if k.lower().rsplit(",", 1)[0] == ident.lower()]
        if len(matches) == 1:
            ident = matches[0]
        elif len(matches) > 1:
            raise BriefingError(
                t(
                    'several cities are called "{city}": name the state too ({matches})',
                    lang,
                    city=ident,
                    matches="; ".join(matches),
                )
            )
    key = by_key.get(ident.lower()) or by_key.get(" ".join(ident.lower().split()))
    if key is None:
        examples = {"state": "MN", "county": "27053 or Hennepin County, MN", "city": "Minneapolis, MN"}
        example = examples.get(kind) or next(iter(choices), "")
        raise BriefingError(t(NOT_FOUND[kind], lang, area=ident, example=example))
    if kind == "district":
        layer = shipped_districts().get(key, ("", None))[0]
        return Area("district", key, key, source=layer)
    return Area(kind, key, choices[key])


# --------------------------------------------------------------------------- selecting records


def points_in(dataset: Dataset, geometry) -> tuple[np.ndarray, np.ndarray]:
    """(inside and placed to exact/block, inside but placed only to city or coarser)."""
    rec = dataset.records
    lat = rec["latitude"].to_numpy(dtype=float, na_value=np.nan)
    lon = rec["longitude"].to_numpy(dtype=float, na_value=np.nan)
    has = ~np.isnan(lat) & ~np.isnan(lon)
    inside = np.zeros(len(rec), dtype=bool)
    if has.any():
        shapely.prepare(geometry)
        inside[has] = shapely.contains_xy(geometry, lon[has], lat[has])
    precise = dataset.category_lookup("location_precision", tuple(POINT_PRECISIONS))
    return inside & precise, inside & ~precise


CITY_NOTE = tr("A city's records are those naming the city, whatever their location precision.")
POINT_NOTES = {
    "district": tr(
        "Only records located to the exact address or block are placed in a council district: records located "
        "only to a city or coarser cannot be, and are not counted (districts are assigned when a dataset is "
        "published)."
    ),
    "upload": tr(
        "Only records located to the exact address or block are placed in a drawn area: records located only "
        "to a city or coarser cannot be, and are not counted (each record's coordinates are tested against the "
        "uploaded polygon)."
    ),
}


def select(dataset: Dataset, area: Area, lang: str = "en") -> Selection:
    if area.kind == "state":
        return Selection(dataset.rows_equal("state", [area.id]), None, "")
    if area.kind == "county":
        return Selection(dataset.rows_equal("county_fips", [area.id]), None, "")
    if area.kind == "city":
        city, state = (p.strip() for p in area.id.rsplit(",", 1))
        m = dataset.rows_equal("city", [city]) & dataset.rows_equal("state", [state])
        return Selection(m, None, t(CITY_NOTE, lang))
    if area.kind == "district":
        m = dataset.rows_equal("district", [area.id])
        polygon = shipped_districts().get(area.id, ("", None))[1]
        coarse = points_in(dataset, shapely.from_wkb(polygon))[1] if polygon else None
        return Selection(m, coarse, t(POINT_NOTES["district"], lang))
    if area.kind == "upload" and area.wkb:
        m, coarse = points_in(dataset, shapely.from_wkb(area.wkb))
        return Selection(m, coarse, t(POINT_NOTES["upload"], lang))
    raise BriefingError(f"cannot select records for area type {area.kind!r}")


def outline(area: Area, dataset: Dataset | None = None):
    """The area's shape for the map (shapely, EPSG:4326), or the county around a city; None if unknown."""
    if area.kind == "state":
        feats = [f for f in geo.states_geojson()["features"] if f["id"] == area.id]
    elif area.kind == "county":
        feats = [f for f in geo.counties_geojson()["features"] if f["id"] == area.id]
    elif area.kind == "district":
        polygon = shipped_districts().get(area.id, ("", None))[1]
        return shapely.from_wkb(polygon) if polygon else None
    elif area.kind == "upload":
        return shapely.from_wkb(area.wkb) if area.wkb else None
    else:  # a city has no boundary here: show the county its gazetteer point lies in
        city, state = (p.strip() for p in area.id.rsplit(",", 1))
        gaz = geo.places()
        hit = gaz[(gaz["state"] == state) & (gaz["key"] == geo.place_key(pd.Series([city])).iloc[0])]
        if hit.empty:
            return None
        counties = geo.counties_frame()
        point = shapely.Point(float(hit["longitude"].iloc[0]), float(hit["latitude"].iloc[0]))
        inside = counties[counties.geometry.contains(point)]
        return inside.geometry.iloc[0] if len(inside) else None
    return shapely.geometry.shape(feats[0]["geometry"]) if feats else None


def context(area: Area, shape) -> list:
    """Neighbouring shapes drawn in grey around the area: other districts of its layer, nearby counties or states."""
    if shape is None:
        return []
    minx, miny, maxx, maxy = shape.bounds
    pad = max(maxx - minx, maxy - miny) * 0.3
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    if area.kind == "district":
        layer = shipped_districts().get(area.id, ("", None))[0]
        shapes = [shapely.from_wkb(w) for name, w in shipped_districts().values() if name == layer]
    elif area.kind == "state":
        shapes = [shapely.geometry.shape(f["geometry"]) for f in geo.states_geojson()["features"]]
    elif area.kind in ("county", "city"):
        counties = geo.counties_frame()
        shapes = list(counties.geometry.iloc[counties.sindex.query(frame, predicate="intersects")])
    else:
        return []
    return [g for g in shapes if g.intersects(frame) and not g.equals(shape)]
