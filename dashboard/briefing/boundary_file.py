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
from dashboard.explore.summaries import tr
from dashboard.geo import BoundaryError, load_boundaries
from dashboard.i18n import t

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

    def area(self, ident: str, lang: str = "en") -> Area:
        ident = str(ident).strip()
        if ident == ALL_AREAS:
            geom = shapely.union_all([shapely.from_wkb(w) for w in self.wkb])
            label = t("All areas in {name}", lang, name=self.name)
            return Area("upload", ALL_AREAS, label, source=self.name, wkb=shapely.to_wkb(geom))
        lookup = {i.lower(): n for n, i in enumerate(self.ids)}
        if ident.lower() not in lookup:
            some = ", ".join(self.ids[:8]) + (" ..." if len(self.ids) > 8 else "")
            raise BoundaryError(
                t(
                    '{name} has no area whose "{property}" is "{area}" (it has: {some}).',
                    lang,
                    name=self.name,
                    property=self.id_property,
                    area=ident,
                    some=some,
                )
            )
        n = lookup[ident.lower()]
        return Area("upload", self.ids[n], self.ids[n], source=self.name, wkb=self.wkb[n])


def _suffix(name: str, data: bytes, lang: str = "en") -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".geojson", ".json", ".zip"):
        return suffix
    if suffix in TABLE_SUFFIXES:
        raise BoundaryError(
            t(
                "{name} is a table ({suffix}), not a boundary file. Upload the area's outline as GeoJSON "
                "(.geojson) or as a zipped shapefile (.zip with its .shp, .shx, .dbf and .prj).",
                lang,
                name=name,
                suffix=suffix,
            )
        )
    if suffix in (".shp", ".shx", ".dbf", ".prj"):
        raise BoundaryError(
            t(
                "{name} is one part of a shapefile: zip it with its .shp, .shx, .dbf and .prj, then upload the .zip.",
                lang,
                name=name,
            )
        )
    head = data[:64].lstrip()
    if head.startswith(b"{"):
        return ".geojson"
    if data.startswith(b"PK"):
        return ".zip"
    raise BoundaryError(
        t("{name} is not a boundary file: use GeoJSON (.geojson) or a zipped shapefile (.zip).", lang, name=name)
    )


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


INVALID = (
    tr(
        "{n} polygon in {name} had invalid geometry (for example an outline that crosses itself, a 'bow-tie') and "
        "was repaired; check the area on the map."
    ),
    tr(
        "{n} polygons in {name} had invalid geometry (for example an outline that crosses itself, a 'bow-tie') and "
        "were repaired; check the area on the map."
    ),
)
DROPPED = (
    tr("{n} feature of {name} that are not polygons were left out."),
    tr("{n} features of {name} that are not polygons were left out."),
)


def _notes(path: Path, name: str, frame: gpd.GeoDataFrame, lang: str = "en") -> list[str]:
    notes = []
    try:
        raw = gpd.read_file(_readable(path))
    except Exception:
        return notes
    if raw.crs is not None and raw.crs.to_epsg() != 4326:
        notes.append(
            t(
                "{name} uses {crs} ({code}); it was converted to longitude/latitude.",
                lang,
                name=name,
                crs=raw.crs.name,
                code=raw.crs.to_string(),
            )
        )
    geoms = raw.geometry.values
    polygonal = shapely.get_type_id(geoms) >= 3  # polygons, multipolygons (and collections)
    invalid = int((polygonal & ~shapely.is_valid(geoms) & ~shapely.is_empty(geoms)).sum())
    if invalid:
        notes.append(t(INVALID[invalid > 1], lang, n=invalid, name=name))
    dropped = len(raw) - len(frame)
    if dropped > 0:
        notes.append(t(DROPPED[dropped > 1], lang, n=dropped, name=name))
    return notes


def read_boundary_upload(
    name: str, data: bytes, id_property: str | None = None, max_mb: float = MAX_UPLOAD_MB, lang: str = "en"
) -> UploadedBoundaries:
    """Read an uploaded GeoJSON or zipped shapefile, or raise BoundaryError with a plain message.

    Messages and notes are in `lang`; dashboard.geo's explanation of an unreadable file stays in English,
    introduced in `lang`."""
    name = Path(str(name or "upload")).name
    size_mb = len(data) / 1_000_000
    if size_mb > max_mb:
        raise BoundaryError(
            t(
                "{name} is {size} MB; boundary files up to {most} MB can be used here. Keep only the areas you need, "
                "or simplify the outlines (for example with mapshaper), and upload it again.",
                lang,
                name=name,
                size=f"{size_mb:,.0f}",
                most=f"{max_mb:g}",
            )
        )
    if not data:
        raise BoundaryError(t("{name} is empty.", lang, name=name))
    suffix = _suffix(name, data, lang)
    with tempfile.TemporaryDirectory(prefix="briefing-upload-") as tmp:
        path = Path(tmp) / f"{Path(name).stem or 'upload'}{suffix}"
        path.write_bytes(data)
        properties = _property_names(path)
        id_property = _pick_id(properties, id_property)
        try:
            frame = load_boundaries(path, id_property=id_property)
        except BoundaryError as exc:
            if lang == "en":
                raise
            # dashboard.geo explains in English: its explanation is kept, introduced in the reader's language
            raise BoundaryError(
                t(
                    "{name} cannot be used as a boundary file. The explanation, in English: {reason}",
                    lang,
                    name=name,
                    reason=exc,
                )
            ) from None
        except Exception as exc:  # an unexpected reader failure is still the file's problem, said plainly
            raise BoundaryError(
                t(
                    "{name} is not a usable boundary file ({error}).",
                    lang,
                    name=name,
                    error=f"{type(exc).__name__}: {exc}",
                )
            ) from None
        notes = _notes(path, name, frame, lang)
    merged = frame.dissolve(by=id_property, sort=False) if frame[id_property].duplicated().any() else None
    if merged is not None:
        notes.append(
            t(
                "Several polygons of {name} share a {property}; each such group is treated as one area.",
                lang,
                name=name,
                property=id_property,
            )
        )
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
