"""The shipped reference geography and the boundary-file loader (dashboard/geo.py)."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from dashboard import config, geo

# A point in the interior of Chicago's ward 42 (River North), ~780 m from the ward's edge in both the
# source file and the shipped, simplified one.
WARD_42_POINT = (-87.6305, 41.8878)


def _write_geojson(path, features, **extra):
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def _feature(geometry, **properties):
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geometry)}


def _zipped_shapefile(tmp_path, frame, keep_prj=True):
    frame.to_file(tmp_path / "areas.shp")
    archive = tmp_path / "areas.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("areas.*"):
            if part.suffix != ".zip" and (keep_prj or part.suffix != ".prj"):
                zf.write(part, part.name)
    return archive


# --------------------------------------------------------------------------- shipped layers


def test_states_are_keyed_by_usps_code_with_dc_and_pr():
    features = geo.states_geojson()["features"]
    ids = {f["id"] for f in features}
    assert len(features) == 52 and {"DC", "PR", "MN", "AK"} <= ids
    mn = next(f for f in features if f["id"] == "MN")
    assert mn["properties"] == {"state": "MN", "name": "Minnesota", "fips": "27"}
    assert geo.state_names()["PR"] == "Puerto Rico"


def test_counties_are_keyed_by_current_fips_without_the_nyc_feature():
    features = geo.counties_geojson()["features"]
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)) and all(len(i) == 5 and i.isdigit() for i in ids)
    assert "8316766111" not in ids
    # Renamed counties carry today's codes; Bedford city VA is part of Bedford County.
    assert {"46102", "02158"} <= set(ids) and not {"46113", "02270", "51515"} & set(ids)
    hennepin = next(f for f in features if f["id"] == "27053")
    assert hennepin["properties"] == {"fips": "27053", "name": "Hennepin County", "state": "MN"}
    assert next(f for f in features if f["id"] == "35013")["properties"]["name"] == "Doña Ana County"


def test_county_polygons_hold_their_own_seats():
    counties = geo.counties_frame()
    seats = {"27053": (-93.268, 44.983), "17031": (-87.63, 41.88), "06037": (-118.24, 34.05), "11001": (-77.03, 38.9)}
    for fips, (lon, lat) in seats.items():
        assert counties[counties.contains(Point(lon, lat))].fips.tolist() == [fips]


@pytest.mark.parametrize(
    ("state", "key", "county"),
    [
        pytest.param("MN", "minneapolis", "Hennepin", id="minneapolis-not-anoka"),
        pytest.param("MN", "saint paul", "Ramsey", id="saint-paul-not-hennepin"),
        pytest.param("CO", "denver", "Denver", id="denver-not-adams"),
        pytest.param("MD", "baltimore", "Baltimore City", id="independent-city"),
    ],
)
def test_gazetteer_keeps_one_row_per_place_in_the_citys_own_county(state, key, county):
    places = geo.places()
    assert not places.duplicated(["state", "key"]).any()
    assert places.loc[(places.state == state) & (places.key == key), "county"].tolist() == [county]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        pytest.param("St. Paul", "saint paul", id="st-dot"),
        pytest.param("ST PAUL", "saint paul", id="st-space-upper"),
        pytest.param("St.Paul", "saint paul", id="st-no-space"),
        pytest.param("  East  St. Louis ", "east saint louis", id="inner-st-and-spaces"),
        pytest.param("Ft. Myers", "fort myers", id="ft"),
        pytest.param("Mt. Vernon", "mount vernon", id="mt"),
        pytest.param("Ste. Genevieve", "sainte genevieve", id="ste"),
        pytest.param("Coeur d'Alene", "coeur dalene", id="apostrophe"),
        pytest.param("Winston-Salem", "winston salem", id="hyphen"),
        pytest.param("Cañon City", "canon city", id="accent"),
        pytest.param("Stanton", "stanton", id="st-inside-a-word"),
        pytest.param(None, "", id="missing"),
    ],
)
def test_place_key(name, key):
    assert geo.place_key(pd.Series([name, name], dtype=object)).tolist() == [key, key]


def test_ice_aor_points_lie_in_their_own_states():
    aor = geo.ice_aor()
    assert aor.aor.is_unique and {"SEA", "NYC", "SPM", "HQ"} <= set(aor.aor)
    assert aor.set_index("aor").loc["SPM", "name"] == "St. Paul Area of Responsibility"
    counties = geo.counties_frame()
    for row in aor[aor.aor != "HQ"].itertuples():
        hit = counties[counties.contains(Point(row.longitude, row.latitude))]
        assert hit.state.tolist()[0] in row.states.split(";"), row.aor


def test_district_layers_load_with_their_ids():
    layers = {label.split()[0].rstrip(":"): frame for label, frame in config.district_layers()}  # the deployment's
    wards = layers["Chicago"]
    assert sorted(wards.district, key=int) == [str(n) for n in range(1, 51)]
    assert wards[wards.contains(Point(*WARD_42_POINT))].district.tolist() == ["42"]
    hoods = layers["Minneapolis"]
    assert len(hoods) == 85 and "Longfellow" in set(hoods.district)
    assert hoods.is_valid.all() and str(hoods.crs) == "EPSG:4326"


# --------------------------------------------------------------------------- load_boundaries


def test_zipped_shapefile_in_web_mercator_is_reprojected(tmp_path):
    square = box(-93.30, 44.95, -93.25, 44.99)
    frame = gpd.GeoDataFrame({"district": [7.0]}, geometry=[square], crs="EPSG:4326").to_crs("EPSG:3857")
    loaded = geo.load_boundaries(_zipped_shapefile(tmp_path, frame))
    assert loaded.crs.to_epsg() == 4326
    assert loaded.district.tolist() == ["7"]  # shapefiles store numbers as floats
    assert shapely.hausdorff_distance(loaded.geometry.iloc[0], square) < 1e-6


@pytest.mark.parametrize(
    "kind",
    [pytest.param("geojson", id="geojson-without-crs-member"), pytest.param("shapefile", id="zip-without-prj")],
)
def test_projected_coordinates_without_a_crs_are_refused(tmp_path, kind):
    square = box(478000, 4977000, 482000, 4981000)  # UTM metres
    if kind == "geojson":
        path = _write_geojson(tmp_path / "wards.geojson", [_feature(square, district="1")])
    else:
        frame = gpd.GeoDataFrame({"district": ["1"]}, geometry=[square], crs="EPSG:26915")
        path = _zipped_shapefile(tmp_path, frame, keep_prj=False)
    with pytest.raises(geo.BoundaryError, match=rf"{path.name} does not say which coordinate system") as err:
        geo.load_boundaries(path)
    assert "not longitude/latitude" in str(err.value)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_lon_lat_without_a_crs_is_taken_as_wgs84(tmp_path):
    frame = gpd.GeoDataFrame({"district": ["A"]}, geometry=[box(-93.3, 44.9, -93.2, 45.0)])
    loaded = geo.load_boundaries(_zipped_shapefile(tmp_path, frame, keep_prj=False))
    assert loaded.crs.to_epsg() == 4326 and loaded.district.tolist() == ["A"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param([{"city": "Minneapolis", "count": 3}], "not GeoJSON", id="json-records"),
        pytest.param({"city": "Minneapolis"}, "not GeoJSON", id="json-object"),
        pytest.param("not json at all {", "cannot be read as JSON", id="not-json"),
    ],
)
def test_non_boundary_json_is_refused(tmp_path, content, reason):
    path = tmp_path / "table.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    with pytest.raises(geo.BoundaryError, match=rf"table\.json is not a boundary file.*{reason}"):
        geo.load_boundaries(path)


def test_points_only_file_has_no_polygons(tmp_path):
    path = _write_geojson(tmp_path / "stops.geojson", [_feature(Point(-93.27, 44.98), district="1")])
    with pytest.raises(geo.BoundaryError, match=r"stops\.geojson has no polygons"):
        geo.load_boundaries(path)


def test_missing_id_property_names_the_properties_found(tmp_path):
    path = _write_geojson(tmp_path / "wards.geojson", [_feature(box(0, 0, 1, 1), District_N="1", OBJECTID=1)])
    with pytest.raises(geo.BoundaryError, match=r'wards\.geojson has no "district" property.*District_N'):
        geo.load_boundaries(path)
    assert geo.load_boundaries(path, id_property="District_N").District_N.tolist() == ["1"]


def test_bow_tie_polygon_is_repaired(tmp_path):
    bow_tie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    assert not bow_tie.is_valid
    path = _write_geojson(
        tmp_path / "bow.geojson", [_feature(bow_tie, district="X"), _feature(box(2, 0, 3, 1), district="Y")]
    )
    loaded = geo.load_boundaries(path)
    repaired = loaded.geometry.iloc[0]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.5)  # both triangles of the bow tie are kept
    assert repaired.contains(Point(0.2, 0.5)) and repaired.contains(Point(0.8, 0.5))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        pytest.param("wards.csv", "use GeoJSON", id="wrong-extension"),
        pytest.param("missing.geojson", "no such file", id="missing-file"),
    ],
)
def test_other_unusable_files(tmp_path, name, message):
    if name.endswith(".csv"):
        (tmp_path / name).write_text("ward,geometry\n1,x\n")
    with pytest.raises(geo.BoundaryError, match=message):
        geo.load_boundaries(tmp_path / name)


def test_zip_without_a_shapefile_is_refused(tmp_path):
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "no shapes here")
    with pytest.raises(geo.BoundaryError, match=r"wards\.zip .*holds no \.shp file"):
        geo.load_boundaries(archive)
