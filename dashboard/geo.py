"""The shipped reference geography (states, counties, gazetteer, ICE areas, district files).

Plain functions, no Streamlit. The loaders are cached: what they return is shared between callers,
so treat it as read-only (copy it before changing it). The files are built by
scripts/build_reference.py; their provenance is in data/reference/SOURCES.md.
"""

from __future__ import annotations

import json
import zipfile
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from dashboard.paths import REFERENCE_DIR

GEO_DIR = REFERENCE_DIR / "geo"
DISTRICTS_DIR = REFERENCE_DIR / "districts"

# Display name -> file, for the district layers that ship with the product.

_POLYGONAL = ("Polygon", "MultiPolygon")


class BoundaryError(ValueError):
    """A district boundary file cannot be used; the message says which file and why, in plain words."""


@lru_cache(maxsize=1)
def states_geojson() -> dict:
    """US states + DC + PR; feature id is the USPS code."""
    return json.loads((GEO_DIR / "states.geojson").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def counties_geojson() -> dict:
    """US counties (2010 Census set, renamed counties re-keyed); feature id is the 5-digit FIPS."""
    return json.loads((GEO_DIR / "counties.geojson").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def counties_frame() -> gpd.GeoDataFrame:
    """The county layer as a GeoDataFrame (fips, name, state, geometry) for spatial joins."""
    return gpd.GeoDataFrame.from_features(counties_geojson()["features"], crs="EPSG:4326")


@lru_cache(maxsize=1)
def state_names() -> dict[str, str]:
    """USPS code -> state name ("MN" -> "Minnesota")."""
    return {f["properties"]["state"]: f["properties"]["name"] for f in states_geojson()["features"]}


@lru_cache(maxsize=1)
def fips_to_state() -> dict[str, str]:
    """2-digit state FIPS -> USPS code ("27" -> "MN")."""
    return {f["properties"]["fips"]: f["properties"]["state"] for f in states_geojson()["features"]}


@lru_cache(maxsize=1)
def places() -> pd.DataFrame:
    """Offline gazetteer: state, city, key (see place_key), latitude, longitude, county.

    One row per (state, key).
    """
    return pd.read_csv(
        GEO_DIR / "places.csv.gz",
        dtype={"state": str, "city": str, "key": str, "county": str},
        keep_default_na=False,
    )


@lru_cache(maxsize=1)
def ice_aor() -> pd.DataFrame:
    """ICE ERO areas of responsibility: aor, name (as ICE writes it), latitude, longitude, states, field_office."""
    return pd.read_csv(
        GEO_DIR / "ice_aor.csv",
        dtype={"aor": str, "name": str, "states": str, "field_office": str},
        keep_default_na=False,
    )


def place_key(values: pd.Series) -> pd.Series:
    """Normalise place names into gazetteer lookup keys: 'St. Paul' and 'Saint Paul' -> 'saint paul'.

    Lower-case, accents stripped, St./Ste./Ft./Mt. spelled out, apostrophes and periods dropped,
    other punctuation turned into spaces, spaces collapsed. Work is done once per distinct value,
    since a million records hold only a few thousand distinct city names.
    """
    text = values.astype("object").where(values.notna(), "").astype(str)
    uniq = pd.Series(pd.unique(text), dtype=str)
    k = uniq.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    # An abbreviation only counts as a whole word followed by '.' or a space ("East St. Louis",
    # "St.Paul"), so "Stanton" and a trailing "St" are left alone.
    for short, full in (("st", "saint"), ("ste", "sainte"), ("ft", "fort"), ("mt", "mount")):
        k = k.str.replace(rf"\b{short}(?:\.\s*|\s+)", f"{full} ", regex=True)
    # Dropping apostrophes keeps "Coeur d'Alene" one word ("coeur dalene"); hyphens become spaces so
    # that "Winston Salem" finds "Winston-Salem".
    k = k.str.replace(r"['.]", "", regex=True).str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()
    return text.map(dict(zip(uniq, k, strict=True))).astype(str)


# --------------------------------------------------------------------------- boundary files


def _read_geojson_head(path: Path) -> dict:
    """Parse a JSON file and check it is GeoJSON, so that a data table saved as .json is refused clearly."""
    try:
        doc = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError(f"{path.name} is not a boundary file: it cannot be read as JSON ({exc}).") from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind not in ("FeatureCollection", "Feature", *_POLYGONAL, "GeometryCollection"):
        what = f"a JSON {type(doc).__name__}" if kind is None else f'JSON of type "{kind}"'
        raise BoundaryError(
            f"{path.name} is not a boundary file: it is {what}, not GeoJSON (a FeatureCollection of polygons)."
        )
    return doc


def _read_any(path: Path) -> tuple[gpd.GeoDataFrame, bool]:
    """Read GeoJSON or a zipped shapefile; also say whether the file itself states a CRS."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".geojson"):
        doc = _read_geojson_head(path)
        # GDAL reports EPSG:4326 for every GeoJSON without a "crs" member (the RFC 7946 default),
        # even when its coordinates are metres; only a "crs" member counts as a stated CRS.
        return gpd.read_file(path), "crs" in doc
    if suffix == ".zip":
        try:
            names = zipfile.ZipFile(path).namelist()
        except zipfile.BadZipFile:
            raise BoundaryError(f"{path.name} is not a boundary file: it is not a readable zip archive.") from None
        shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
        if len(shps) != 1:
            found = "no .shp file" if not shps else f"{len(shps)} shapefiles ({', '.join(shps)})"
            raise BoundaryError(f"{path.name} is not a usable boundary file: the zip holds {found}; it needs one.")
        frame = gpd.read_file(f"zip://{path}!{shps[0]}")
        return frame, frame.crs is not None
    if suffix in (".shp", ".gpkg"):
        frame = gpd.read_file(path)
        return frame, frame.crs is not None
    raise BoundaryError(f"{path.name} is not a boundary file: use GeoJSON (.geojson) or a zipped shapefile (.zip).")


def _polygonal(geom):
    """Keep only the polygon parts (make_valid can return a collection with stray lines or points)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else None


def load_boundaries(path, id_property: str = "district") -> gpd.GeoDataFrame:
    """Read a district boundary file into EPSG:4326 polygons keyed by `id_property` (as text).

    Accepts GeoJSON and zipped shapefiles in any CRS. Invalid polygons are repaired; features that
    are not polygons are dropped. Raises BoundaryError, naming the file and the reason, when the file
    is not a boundary file, has no CRS and coordinates that are not longitude/latitude, has no
    polygons, or lacks the id property.
    """
    path = Path(path)
    if not path.is_file():
        raise BoundaryError(f"{path.name}: no such file.")
    try:
        frame, crs_stated = _read_any(path)
    except BoundaryError:
        raise
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise BoundaryError(f"{path.name} is not a boundary file: it could not be read ({exc}).") from None

    if not crs_stated:
        minx, miny, maxx, maxy = frame.total_bounds if len(frame) else (0, 0, 0, 0)
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryError(
                f"{path.name} does not say which coordinate system it uses, and its coordinates "
                f"(x {minx:.0f} to {maxx:.0f}, y {miny:.0f} to {maxy:.0f}) are not longitude/latitude. "
                "Save it again with its CRS (a .prj file in the zip, or GeoJSON in longitude/latitude)."
            )
        frame = frame.set_crs("EPSG:4326", allow_override=True)
    frame = frame.to_crs("EPSG:4326")

    geoms = frame.geometry.values
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_empty(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    frame = frame.set_geometry(gpd.GeoSeries([_polygonal(g) for g in geoms], index=frame.index, crs="EPSG:4326"))
    frame = frame[frame.geometry.notna()]
    if frame.empty:
        raise BoundaryError(f"{path.name} has no polygons, so it cannot be used as district boundaries.")

    if id_property not in frame.columns:
        others = ", ".join(c for c in frame.columns if c != "geometry") or "none"
        raise BoundaryError(
            f'{path.name} has no "{id_property}" property to name each district (properties found: {others}).'
        )
    ids = frame[id_property]
    if pd.api.types.is_float_dtype(ids) and ids.dropna().mod(1).eq(0).all():
        ids = ids.astype("Int64")  # shapefiles store ward numbers as 1.0, 2.0 ...
    ids = ids.astype("string").str.strip()
    if ids.isna().any() or ids.eq("").any():
        raise BoundaryError(f'{path.name}: {int((ids.isna() | ids.eq("")).sum())} polygons have no "{id_property}".')
    frame = frame.assign(**{id_property: ids.astype(str)})
    return frame[[id_property, *[c for c in frame.columns if c not in (id_property, "geometry")], "geometry"]]
