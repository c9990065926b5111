"""Build the reference layers shipped under data/reference/ (geo/ and districts/) from the shared data.

    .venv/bin/python scripts/build_reference.py [--shared PATH]

Deterministic: the same inputs give byte-identical outputs (features sorted, coordinates rounded,
gzip without a timestamp). Provenance of every output is in data/reference/SOURCES.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from dashboard.geo import place_key  # noqa: E402  (one definition of the lookup key, shared with ingest)

OUT = REPO / "data" / "reference"

# fmt: off
STATE_USPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE", "11": "DC",
    "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA", "20": "KS", "21": "KY",
    "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT",
    "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND", "39": "OH",
    "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT",
    "50": "VT", "51": "VA", "53": "WA", "54": "WV", "55": "WI", "56": "WY", "72": "PR",
}
# fmt: on
# The Census file abbreviates the legal/statistical area description; spelled out as in Census names.
LSAD = {
    "County": "County",
    "Parish": "Parish",
    "Borough": "Borough",
    "city": "city",
    "CA": "Census Area",
    "Cty&Bor": "City and Borough",
    "Muno": "Municipio",
    "Muny": "Municipality",
    "": "",
}  # fmt: skip
# The polygons are the 2010 county set. Where a county was only renamed (same land) it is re-keyed to
# today's FIPS, so it joins to current tables (the AOR crosswalk, 2019 population). Bedford city VA
# was absorbed by Bedford County in 2013. The CT planning regions (2022) have no polygons here, so
# the 8 old CT counties stay.
COUNTY_RECODE = {
    "46113": ("46102", "Oglala Lakota County"),
    "02270": ("02158", "Kusilvak Census Area"),
    "51515": ("51019", "Bedford County"),
}
# ICE writes AOR names in full; UWCHR uses 3-letter codes. Resolved by hand (SNA/SND/SPM/NOL/NEW are
# not guessable); build_ice_aor() asserts every distinct non-blank name in the FY2019 arrests file is covered.
ERO_AOR_CODES = {
    "Atlanta": "ATL", "Baltimore": "BAL", "Boston": "BOS", "Buffalo": "BUF", "Chicago": "CHI", "Dallas": "DAL",
    "Denver": "DEN", "Detroit": "DET", "El Paso": "ELP", "Houston": "HOU", "Los Angeles": "LOS", "Miami": "MIA",
    "Newark": "NEW", "New Orleans": "NOL", "New York City": "NYC", "Philadelphia": "PHI", "Phoenix": "PHO",
    "Seattle": "SEA", "San Francisco": "SFR", "Salt Lake City": "SLC", "San Antonio": "SNA", "San Diego": "SND",
    "St. Paul": "SPM", "Washington": "WAS", "HQ": "HQ",
}  # fmt: skip

# Cities whose own county is less populous than one they spill into, and not named after the city
# (checked by hand against the 125 duplicated names in the gazetteer).
PREFERRED_COUNTY = {("MN", "saint paul"): "Ramsey", ("LA", "new orleans"): "Orleans", ("IL", "aurora"): "Kane"}

COUNTY_TOLERANCE = 0.005  # degrees: shared borders move at most ~550 m N-S (~400 m E-W at 45N)
STATE_TOLERANCE = 0.02  # states are only drawn (the join uses counties), so they can be coarser
GRID = 0.001  # ~110 m: coordinates written with 3 decimals


def topo_simplify(geoms: np.ndarray, tolerance: float, grid: float) -> np.ndarray:
    """Douglas-Peucker on the shared borders of a polygon coverage, so neighbours stay gap- and overlap-free.

    Simplifying each polygon on its own opens slivers along every shared border, where a point would
    fall in no county (and overlaps where it would fall in two). Instead the borders are cut into arcs
    between junctions, each arc is simplified once, the arcs are re-polygonised and every face is given
    to the polygon that held its interior point in the original. (shapely.coverage_simplify keeps
    topology too but, being Visvalingam-Whyatt, bounds area, not distance: its worst borders moved km.)
    """
    snapped = shapely.set_precision(geoms, grid)
    arcs = shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.boundary(snapped))))
    arcs = shapely.simplify(arcs, tolerance, preserve_topology=True)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(arcs))))
    faces = faces[shapely.area(faces) > 0]
    face_idx, owner = shapely.STRtree(snapped).query(shapely.point_on_surface(faces), predicate="within")
    face_idx, first = np.unique(face_idx, return_index=True)  # overlapping input: first polygon wins
    owner = owner[first]
    out = np.array([shapely.Polygon()] * len(geoms), dtype=object)
    for k in np.unique(owner):
        out[k] = shapely.coverage_union_all(faces[face_idx[owner == k]])
    out = shapely.set_precision(out, grid)
    # A polygon small enough to vanish (none at the default tolerances) keeps its original shape.
    lost = shapely.is_empty(out)
    out[lost] = snapped[lost]
    return out


def _round(coords, ndigits):
    if isinstance(coords, float):
        return round(coords, ndigits)
    return [_round(c, ndigits) for c in coords]


def write_geojson(path: Path, ids, props: list[dict], geoms, ndigits: int) -> int:
    """Write compact GeoJSON (no whitespace, rounded coordinates); return its size in bytes."""
    features = []
    for fid, prop, geom in zip(ids, props, geoms, strict=True):
        gj = shapely.geometry.mapping(geom)
        feature = {"type": "Feature", "id": fid, "properties": prop}
        feature["geometry"] = {"type": gj["type"], "coordinates": _round(gj["coordinates"], ndigits)}
        features.append(feature)
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"), ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path.stat().st_size


def build_states(shared: Path) -> int:
    states = gpd.read_file(shared / "geo-us-states/gz_2010_us_040_00_20m.json").sort_values("STATE")
    assert set(states.STATE) == set(STATE_USPS), "states file no longer matches the FIPS table"
    usps = states.STATE.map(STATE_USPS)
    props = [{"state": u, "name": n, "fips": f} for u, n, f in zip(usps, states.NAME, states.STATE, strict=True)]
    geoms = topo_simplify(states.geometry.values, STATE_TOLERANCE, GRID)
    return write_geojson(OUT / "geo/states.geojson", usps, props, geoms, 3)


def load_counties(shared: Path) -> gpd.GeoDataFrame:
    """The source county polygons with today's keys: fips, name, state, geometry (unsimplified)."""
    # The Census file is Latin-1 ('Doña Ana'). It is used rather than plotly's geojson-counties-fips.json
    # (same geometry) because that one adds a non-FIPS 'New York City' feature over the five boroughs.
    raw = gpd.read_file(shared / "geo-us-counties/gz_2010_us_050_00_20m.json", encoding="latin-1")
    frame = gpd.GeoDataFrame(
        {
            "fips": raw.STATE + raw.COUNTY,
            "name": (raw.NAME + " " + raw.LSAD.map(LSAD)).str.strip(),
            "state": raw.STATE.map(STATE_USPS),
        },
        geometry=raw.geometry.values,
        crs="EPSG:4326",
    )
    assert frame.state.notna().all() and frame.fips.str.fullmatch(r"\d{5}").all()
    for old, (new, name) in COUNTY_RECODE.items():
        frame.loc[frame.fips == old, "fips"] = new
        frame.loc[frame.fips == new, "name"] = name
    frame = frame.dissolve(by="fips", as_index=False, sort=True)  # only Bedford has two parts
    return frame[["fips", "name", "state", "geometry"]]


def build_counties(counties: gpd.GeoDataFrame) -> int:
    geoms = topo_simplify(counties.geometry.values, COUNTY_TOLERANCE, GRID)
    props = counties[["fips", "name", "state"]].to_dict("records")
    return write_geojson(OUT / "geo/counties.geojson", counties.fips, props, geoms, 3)


def metro_places(shared: Path, counties: gpd.GeoDataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Twin Cities suburbs missing from the gazetteer (Brooklyn Park, Crystal, Columbia Heights,
    Richfield...), placed at a point inside their MetroGIS city polygon, county by spatial join.
    A city split between counties ("Blaine (Anoka Co. part)") is left out: its part is not the city."""
    metro = gpd.read_file(shared / "neighborhoods-clickthathood/minneapolis-cities.geojson")
    metro = metro[~metro["name"].str.contains(r"\(|Township|unorganized", regex=True)]
    metro = metro.assign(key=place_key(metro["name"]))
    metro = metro[~metro.key.isin(known.loc[known.state == "MN", "key"])].sort_values("key")
    equal_area = metro.geometry.to_crs("EPSG:5070")
    inside = equal_area.centroid.within(equal_area)
    points = gpd.GeoSeries(np.where(inside, equal_area.centroid, equal_area.representative_point()), crs="EPSG:5070")
    points = points.to_crs("EPSG:4326").set_axis(metro.index)
    located = gpd.sjoin(gpd.GeoDataFrame(geometry=points), counties[counties.state == "MN"], predicate="within")
    county = located["name"].str.replace(" County", "", regex=False).reindex(metro.index)
    return pd.DataFrame(
        {
            "state": "MN",
            "city": metro["name"],
            "key": metro.key,
            "latitude": points.y.round(6),
            "longitude": points.x.round(6),
            "county": county.fillna(""),
        }
    )


def build_places(shared: Path, counties: gpd.GeoDataFrame) -> int:
    gaz = pd.read_csv(shared / "gazetteer-us-cities/us_cities.csv", dtype=str, keep_default_na=False)
    gaz["key"] = place_key(gaz.CITY)
    gaz["ID"] = gaz.ID.astype(int)
    n_rows = len(gaz)
    # A city spanning counties has one row per county (Minneapolis: Anoka, then Hennepin; Denver: four),
    # so one row per (state, key) is kept, the first of: a hand-checked county (PREFERRED_COUNTY), the
    # independent city of that name ("Baltimore City", not Baltimore County), the county of that name
    # (Denver), the most populous county (2019 estimate), the lowest ID. The first row by ID would put
    # Minneapolis in Anoka and Denver in Adams County.
    pop = pd.read_csv(shared / "geo-us-counties/co-est2019-fips-2.csv", dtype=str, encoding="latin-1")
    pop = pop[pop.COUNTY != "0"]
    suffix = r" (county|parish|borough|census area|city and borough|municipality)$"
    pop = pd.DataFrame(
        {
            "STATE_CODE": pop.fips.str[:2].map(STATE_USPS),
            "ckey": place_key(pop.CTYNAME).str.replace(suffix, "", regex=True),
            "population": pop.POPESTIMATE2019.astype(int),
        }
    )
    gaz["ckey"] = place_key(gaz.COUNTY)
    gaz = gaz.merge(pop, on=["STATE_CODE", "ckey"], how="left").fillna({"population": -1})
    preferred = [PREFERRED_COUNTY.get((s, k)) == c for s, k, c in zip(gaz.STATE_CODE, gaz.key, gaz.COUNTY, strict=True)]
    gaz["rank"] = np.select([preferred, gaz.ckey == gaz.key + " city", gaz.ckey == gaz.key], [0, 1, 2], 3)
    gaz = gaz.sort_values(["STATE_CODE", "key", "rank", "population", "ID"], ascending=[True, True, True, False, True])
    gaz = gaz.drop_duplicates(["STATE_CODE", "key"], keep="first")
    out = pd.DataFrame(
        {
            "state": gaz.STATE_CODE,
            "city": gaz.CITY,
            "key": gaz.key,
            "latitude": gaz.LATITUDE.astype(float),
            "longitude": gaz.LONGITUDE.astype(float),
            "county": gaz.COUNTY,
        }
    )
    metro = metro_places(shared, counties, out)
    out = pd.concat([out, metro]).sort_values(["state", "key"], kind="stable")
    path = OUT / "geo/places.csv.gz"
    with gzip.GzipFile(path, "wb", mtime=0) as fh:  # mtime=0: no timestamp, so rebuilds are identical
        fh.write(out.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    print(
        f"places: {len(out)} rows ({n_rows - len(out) + len(metro)} duplicate (state, key) rows dropped, {len(metro)} metro places added)"
    )
    return path.stat().st_size


def _field_offices(shared: Path) -> dict[str, str]:
    """AOR code -> field office city. Parsed by hand: the PHO and SLC rows carry an extra field."""
    lines = (shared / "ice-aor-crosswalk/ice_ero_field_offices.csv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("|") for line in lines[1:] if line.strip()]
    return {r[0]: r[2].strip() for r in rows if r[-2].strip() == "Field Office"}


def build_ice_aor(shared: Path, counties: gpd.GeoDataFrame) -> int:
    ero = pd.read_csv(
        shared / "ice-arrests-uwchr/EROArrests_FY2019.csv",
        sep="|",
        skiprows=5,
        usecols=["Area of Responsibility"],
        dtype=str,
        keep_default_na=False,
    )["Area of Responsibility"].str.strip()
    names = sorted(set(ero[ero != ""]))
    table = {f"{city} Area of Responsibility": code for city, code in ERO_AOR_CODES.items()}
    missing = [n for n in names if n not in table]
    assert not missing, f"AOR names in the ERO file with no code: {missing}"

    xwalk = pd.read_csv(shared / "ice-aor-crosswalk/county_aor.csv", dtype=str)
    aor_of = dict(zip(xwalk.geoid, xwalk.aor, strict=True))
    # Counties the crosswalk keys differently (the old CT counties; it uses the 2022 planning regions)
    # take their state's AOR when the whole state is in one AOR.
    state_aors = xwalk.groupby(xwalk.geoid.str[:2]).aor.unique()
    single = {st: a[0] for st, a in state_aors.items() if len(a) == 1}
    counties = counties.assign(aor=[aor_of.get(f) or single.get(f[:2]) for f in counties.fips])
    assert counties.aor.notna().all(), counties[counties.aor.isna()]
    unmatched = sorted(set(xwalk.geoid) - set(counties.fips))
    print(f"ice_aor: crosswalk counties without a polygon (covered via their state): {unmatched}")

    offices = _field_offices(shared)
    addr = pd.read_csv(shared / "ice-aor-crosswalk/aor_ero_field_office.csv", skipinitialspace=True).set_index("aor")
    offices["HQ"] = "Washington"  # ICE headquarters (500 12th St SW); not in the field-office list
    rows = []
    for name, code in sorted(table.items(), key=lambda kv: kv[1]):
        part = counties[counties.aor == code]
        if part.empty:  # HQ arrests have no territory: place them at the headquarters address
            lat, lon, states = addr.loc[code, "lat"], addr.loc[code, "long"], ""
        else:
            # Centroid in an equal-area projection, so the far north (Alaska) is not over-weighted.
            # An AOR that spans the lower 48 and Alaska or the islands (Seattle: WA, OR, AK) is
            # placed by its lower-48 part: a Seattle point in the Gulf of Alaska misleads a reader.
            lower48 = part[~part.state.isin(["AK", "HI", "PR", "VI", "GU", "AS", "MP"])]
            shape = lower48 if not lower48.empty else part
            union = shapely.union_all(shape.to_crs("EPSG:5070").geometry.values)
            point = union.centroid if union.contains(union.centroid) else union.point_on_surface()
            point = gpd.GeoSeries([point], crs="EPSG:5070").to_crs("EPSG:4326").iloc[0]
            lat, lon, states = point.y, point.x, ";".join(sorted(part.state.unique()))
        rows.append((code, name, round(lat, 4), round(lon, 4), states, offices[code]))
    out = pd.DataFrame(rows, columns=["aor", "name", "latitude", "longitude", "states", "field_office"])
    path = OUT / "geo/ice_aor.csv"
    out.to_csv(path, index=False, lineterminator="\n")
    print(out.to_string(index=False))
    return path.stat().st_size


def build_districts(shared: Path) -> dict[str, int]:
    wards = gpd.read_file(shared / "council-districts-chicago/wards.geojson").to_crs("EPSG:4326")
    # The ward number is District_N; the feature id (0..49) is not the ward number.
    wards = wards.assign(n=wards.District_N.astype(int)).sort_values("n")
    assert list(wards.n) == list(range(1, 51))
    geoms = topo_simplify(wards.geometry.values, 0.00002, 0.00001)  # ~2 m: wards follow street centrelines
    ids = [str(n) for n in wards.n]
    props = [{"district": i, "name": f"Ward {i}"} for i in ids]
    sizes = {"chicago-wards": write_geojson(OUT / "districts/chicago-wards.geojson", ids, props, geoms, 5)}

    hoods = gpd.read_file(shared / "neighborhoods-clickthathood/minneapolis.geojson").sort_values("name")
    assert len(hoods) == 85 and hoods.name.is_unique
    # Not a clean coverage (small overlaps, and Longfellow has a degenerate ring), so it is repaired and
    # simplified polygon by polygon; it is already coarse (1.7k vertices).
    geoms = shapely.make_valid(shapely.simplify(hoods.geometry.values, 0.00002, preserve_topology=True))
    # make_valid returns Longfellow as a collection with a stray line: keep the polygon parts.
    geoms = [shapely.union_all([p for p in shapely.get_parts(g) if p.area > 0]) for g in geoms]
    geoms = shapely.set_precision(geoms, 0.00001)
    assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
    props = [{"district": n, "name": n} for n in hoods.name]
    path = OUT / "districts/minneapolis-neighborhoods.geojson"
    sizes["minneapolis-neighborhoods"] = write_geojson(path, list(hoods.name), props, geoms, 5)
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data", help="the shared data dir")
    shared = parser.parse_args(argv).shared
    counties = load_counties(shared)
    sizes = {"states": build_states(shared), "counties": build_counties(counties)}
    sizes |= {"places": build_places(shared, counties), "ice_aor": build_ice_aor(shared, counties)}
    sizes |= build_districts(shared)
    for name, size in sizes.items():
        print(f"{name:28s} {size / 1024:8.1f} KiB")
    print(f"{'states + counties':28s} {(sizes['states'] + sizes['counties']) / 1e6:8.2f} MB")


if __name__ == "__main__":
    main()
