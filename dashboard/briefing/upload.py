"""A boundary file a reader uploads for one session: read, check, reproject, repair, and name its areas.

Nothing here is stored: the polygons live only in the value returned (as WKB, small and hashable).
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from dashboard.briefing.area import Area
from dashboard.geo import BoundaryError, load_boundaries

MAX_UPLOAD_MB = 25
ALL_AREAS = "*"
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")
# Properties most likely to name each area, in order of preference (matched without regard to case).
ID_HINTS = ("district", "ward", "name", "neighborhood", "neighbourhood", "label", "id")


@dataclass(frozen=True)
class UploadedBoundaries:
    name: str
    id_property: str
    properties: tuple[str, ...]  # every property that could name the areas
    ids: tuple[str, ...]
    wkb: tuple[bytes, ...]  # one polygon per id (features sharing an id are merged)
    notes: tuple[str, ...]

    def area(self, ident: str) -> Area:
        ident = str(ident).strip()
        if ident == ALL_AREAS:
            geom = shapely.union_all([shapely.from_wkb(w) for w in self.wkb])
            return Area("upload", ALL_AREAS, f"All areas in {self.name}", source=self.name, wkb=shapely.to_wkb(geom))
        lookup = {i.lower(): n for n, i in enumerate(self.ids)}
        if ident.lower() not in lookup:
            some = ", ".join(self.ids[:8]) + (" ..." if len(self.ids) > 8 else "")
            raise BoundaryError(f'{self.name} has no area whose "{self.id_property}" is "{ident}" (it has: {some}).')
        n = lookup[ident.lower()]
        return Area("upload", self.ids[n], self.ids[n], source=self.name, wkb=self.wkb[n])


def _suffix(name: str, data: bytes) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".geojson", ".json", ".zip"):
        return suffix
    if suffix in TABLE_SUFFIXES:
        raise BoundaryError(
            f"{name} is a table ({suffix}), not a boundary file. Upload the area's outline as GeoJSON "
            "(.geojson) or as a zipped shapefile (.zip with its .shp, .shx, .dbf and .prj)."
        )
    if suffix in (".shp", ".shx", ".dbf", ".prj"):
        raise BoundaryError(
            f"{name} is one part of a shapefile: zip it with its .shp, .shx, .dbf and .prj, then upload the .zip."
        )
    head = data[:64].lstrip()
    if head.startswith(b"{"):
        return ".geojson"
    if data.startswith(b"PK"):
        return ".zip"
    raise BoundaryError(f"{name} is not a boundary file: use GeoJSON (.geojson) or a zipped shapefile (.zip).")


def _readable(path: Path) -> str:
    """What GDAL should open: the file, or the one shapefile inside a zip."""
    if path.suffix != ".zip":
        return str(path)
    try:
        shps = [n for n in zipfile.ZipFile(path).namelist() if n.lower().endswith(".shp") and "__MACOSX" not in n]
    except zipfile.BadZipFile:
        return str(path)  # load_boundaries says it is not a readable zip
    return f"zip://{path}!{shps[0]}" if len(shps) == 1 else str(path)


def _property_names(path: Path) -> tuple[str, ...]:
    try:
        import pyogrio

        return tuple(str(f) for f in pyogrio.read_info(_readable(path))["fields"])
    except Exception:  # unreadable: load_boundaries explains why
        return ()


def _pick_id(properties: tuple[str, ...], wanted: str | None) -> str:
    if wanted:
        return wanted
    lower = {p.lower(): p for p in properties}
    for hint in ID_HINTS:
        if hint in lower:
            return lower[hint]
    return properties[0] if properties else "name"


def _notes(path: Path, name: str, frame: gpd.GeoDataFrame) -> list[str]:
    notes = []
    try:
        raw = gpd.read_file(_readable(path))
    except Exception:
        return notes
    if raw.crs is not None and raw.crs.to_epsg() != 4326:
        notes.append(f"{name} uses {raw.crs.name} ({raw.crs.to_string()}); it was converted to longitude/latitude.")
    geoms = raw.geometry.values
    polygonal = shapely.get_type_id(geoms) >= 3  # polygons, multipolygons (and collections)
    invalid = int((polygonal & ~shapely.is_valid(geoms) & ~shapely.is_empty(geoms)).sum())
    if invalid:
        notes.append(
            f"{invalid} polygon{'s' if invalid > 1 else ''} in {name} had invalid geometry (for example an outline "
            "that crosses itself, a 'bow-tie') and {was} repaired; check the area on the map.".replace(
                "{was}", "were" if invalid > 1 else "was"
            )
        )
    dropped = len(raw) - len(frame)
    if dropped > 0:
        notes.append(f"{dropped} feature{'s' if dropped > 1 else ''} of {name} that are not polygons were left out.")
    return notes


def read_boundary_upload(
    name: str, data: bytes, id_property: str | None = None, max_mb: float = MAX_UPLOAD_MB
) -> UploadedBoundaries:
    """Read an uploaded GeoJSON or zipped shapefile, or raise BoundaryError with a plain message."""
    name = Path(str(name or "upload")).name
    size_mb = len(data) / 1_000_000
    if size_mb > max_mb:
        raise BoundaryError(
            f"{name} is {size_mb:,.0f} MB; boundary files up to {max_mb:g} MB can be used here. "
            "Keep only the areas you need, or simplify the outlines (for example with mapshaper), and upload it again."
        )
    if not data:
        raise BoundaryError(f"{name} is empty.")
    suffix = _suffix(name, data)
    with tempfile.TemporaryDirectory(prefix="briefing-upload-") as tmp:
        path = Path(tmp) / f"{Path(name).stem or 'upload'}{suffix}"
        path.write_bytes(data)
        properties = _property_names(path)
        id_property = _pick_id(properties, id_property)
        try:
            frame = load_boundaries(path, id_property=id_property)
        except BoundaryError:
            raise
        except Exception as exc:  # an unexpected reader failure is still the file's problem, said plainly
            raise BoundaryError(f"{name} is not a usable boundary file ({type(exc).__name__}: {exc}).") from None
        notes = _notes(path, name, frame)
    merged = frame.dissolve(by=id_property, sort=False) if frame[id_property].duplicated().any() else None
    if merged is not None:
        notes.append(f"Several polygons of {name} share a {id_property}; each such group is treated as one area.")
        frame = merged.reset_index()
    polygonal = [str(p) for p in properties if p in frame.columns] or [id_property]
    return UploadedBoundaries(
        name=name,
        id_property=id_property,
        properties=tuple(polygonal),
        ids=tuple(frame[id_property].astype(str)),
        wkb=tuple(shapely.to_wkb(g) for g in frame.geometry),
        notes=tuple(notes),
    )
