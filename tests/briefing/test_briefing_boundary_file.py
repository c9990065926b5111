"""A reader's own boundary file: every bad file gets a plain message, never a traceback."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pytest
import shapely

from dashboard.briefing.boundary_file import ALL_AREAS, MAX_UPLOAD_MB, read_boundary_upload
from dashboard.geo import BoundaryError

BOX = [[-93.30, 44.96], [-93.24, 44.96], [-93.24, 45.00], [-93.30, 45.00], [-93.30, 44.96]]
BOW_TIE = [[-93.30, 44.96], [-93.24, 45.00], [-93.24, 44.96], [-93.30, 45.00], [-93.30, 44.96]]


def geojson(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def shapefile_zip(tmp_path, with_prj: bool) -> bytes:
    """A ward drawn in UTM zone 15N metres (projected coordinates), zipped with or without its .prj."""
    ward = shapely.box(478_000, 4_978_000, 482_000, 4_982_000)
    gpd.GeoDataFrame({"WARD": [7.0]}, geometry=[ward], crs="EPSG:26915").to_file(tmp_path / "wards.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for ext in ("shp", "shx", "dbf", *(["prj"] if with_prj else [])):
            z.write(tmp_path / f"wards.{ext}", f"wards.{ext}")
    return buf.getvalue()


def test_a_geojson_polygon_becomes_an_area():
    data = geojson(feature({"name": "Downtown", "pop": 5}, {"type": "Polygon", "coordinates": [BOX]}))
    up = read_boundary_upload("downtown.geojson", data)
    assert (up.id_property, up.ids, up.notes) == ("name", ("Downtown",), ())
    area = up.area("downtown")
    assert area.kind == "upload" and area.id == "Downtown" and area.source == "downtown.geojson"
    assert shapely.from_wkb(area.wkb).equals(shapely.Polygon(BOX))


def test_a_projected_shapefile_with_its_prj_is_reprojected(tmp_path):
    up = read_boundary_upload("wards.zip", shapefile_zip(tmp_path, with_prj=True))
    assert up.ids == ("7",)  # a ward number stored as 7.0 reads as "7"
    minx, miny, maxx, maxy = shapely.from_wkb(up.wkb[0]).bounds
    assert -93.4 < minx < maxx < -93.1 and 44.9 < miny < maxy < 45.1
    assert any("converted to longitude/latitude" in n and "26915" in n for n in up.notes)


def test_a_shapefile_without_crs_and_projected_coordinates_is_refused(tmp_path):
    with pytest.raises(BoundaryError) as err:
        read_boundary_upload("wards.zip", shapefile_zip(tmp_path, with_prj=False))
    message = str(err.value)
    assert "does not say which coordinate system" in message and ".prj" in message
    assert "Traceback" not in message


def test_a_bow_tie_polygon_is_repaired_with_a_note():
    up = read_boundary_upload(
        "bow.geojson", geojson(feature({"name": "Bow"}, {"type": "Polygon", "coordinates": [BOW_TIE]}))
    )
    geom = shapely.from_wkb(up.wkb[0])
    assert geom.is_valid and geom.area > 0
    assert any("invalid geometry" in n and "repaired" in n for n in up.notes)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        pytest.param(
            "records.csv", b"encounter_id,date\nX-1,2026-01-01\n", "is a table (.csv), not a boundary file", id="csv"
        ),
        pytest.param(
            "points.geojson",
            geojson(feature({"name": "P"}, {"type": "Point", "coordinates": [-93.27, 44.98]})),
            "has no polygons",
            id="points",
        ),
        pytest.param("list.json", b"[1, 2, 3]", "not GeoJSON", id="json-not-geojson"),
        pytest.param(
            "broken.geojson", b'{"type": "FeatureCollection", "features": [', "cannot be read as JSON", id="truncated"
        ),
        pytest.param("empty.geojson", b"", "is empty", id="empty"),
        pytest.param("notes.docx", b"\x00\x01binary", "not a boundary file", id="other-binary"),
        pytest.param("wards.shp", b"\x00\x00\x27\x0a", "zip it with its .shp, .shx, .dbf and .prj", id="bare-shp"),
        pytest.param("fake.zip", b"PK\x03\x04 not really a zip", "not a readable zip", id="bad-zip"),
        pytest.param("empty.zip", b"PK\x05\x06" + b"\x00" * 18, "no .shp file", id="zip-without-shp"),
    ],
)
def test_files_that_are_not_boundaries_get_a_plain_message(name, data, message):
    with pytest.raises(BoundaryError) as err:
        read_boundary_upload(name, data)
    assert message in str(err.value), str(err.value)
    assert name in str(err.value)


def test_a_100_mb_file_is_refused_before_it_is_read():
    data = b" " * 100_000_001
    with pytest.raises(BoundaryError) as err:
        read_boundary_upload("huge.geojson", data)
    assert f"is 100 MB; boundary files up to {MAX_UPLOAD_MB} MB" in str(err.value)


def test_missing_id_property_lists_the_properties_found():
    data = geojson(feature({"name": "A"}, {"type": "Polygon", "coordinates": [BOX]}))
    with pytest.raises(BoundaryError, match='no "ward" property.*properties found: name'):
        read_boundary_upload("a.geojson", data, id_property="ward")


def test_several_areas_can_be_chosen_one_by_one_or_all_together():
    other = [[x + 0.1, y] for x, y in BOX]
    data = geojson(
        feature({"district": "A"}, {"type": "Polygon", "coordinates": [BOX]}),
        feature({"district": "B"}, {"type": "Polygon", "coordinates": [other]}),
        feature({"district": "B"}, {"type": "Polygon", "coordinates": [[[x, y + 0.1] for x, y in other]]}),
    )
    up = read_boundary_upload("two.geojson", data)
    assert up.ids == ("A", "B")
    assert any("share a district" in n for n in up.notes)
    both = shapely.from_wkb(up.area(ALL_AREAS).wkb)
    assert both.area == pytest.approx(sum(shapely.from_wkb(w).area for w in up.wkb))
    with pytest.raises(BoundaryError, match='no area whose "district" is "C"'):
        up.area("C")
