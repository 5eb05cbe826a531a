"""The four partnerships and their 44 municipalities, with point-in-polygon lookup.

Geometry is kept twice: WGS84 for serving and point lookups, EPSG:3812 for metric work
(areas, buffers, distances). A municipality can belong to several partnerships (Wervik).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.projection import to_metric


@dataclass(frozen=True)
class Partnership:
    """A local partnership: its URL slug, region name and programme name."""

    slug: str
    name: str
    programme: str


PARTNERSHIPS: dict[str, Partnership] = {
    "zuid-west-vlaanderen": Partnership("zuid-west-vlaanderen", "Zuid-West-Vlaanderen", "'T PACT"),
    "westhoek": Partnership("westhoek", "Westhoek", "WestUp"),
    "pajotarl": Partnership("pajotarl", "PajoTARL", "PajoTARL"),
    "turnhout": Partnership("turnhout", "Turnhout", "PAKT"),
}

#: the names used in the reference data -> slugs
PARTNERSHIP_SLUGS: dict[str, str] = {partnership.name: slug for slug, partnership in PARTNERSHIPS.items()}


@dataclass(frozen=True)
class Municipality:
    """One of the 44 municipalities (2025 boundaries, Pajottegem merged).

    ``population`` is the 1 January 2020 count of the source (summed for Pajottegem);
    ``merged_from`` holds the names of the former municipalities (Galmaarden, Gooik,
    Herne), ``merged_from_nis`` their NIS codes.
    """

    nis: str
    name_nl: str
    name_fr: str
    partnerships: tuple[str, ...]
    population: int
    merged_from: tuple[str, ...]
    geometry: BaseGeometry  # WGS84 longitude/latitude
    geometry_metric: BaseGeometry  # EPSG:3812 metres
    merged_from_nis: tuple[str, ...] = ()

    @property
    def area_km2(self) -> float:
        return self.geometry_metric.area / 1e6


def project_to_metric(geometry: BaseGeometry) -> BaseGeometry:
    """The same geometry in EPSG:3812."""

    def project(coordinates: np.ndarray) -> np.ndarray:
        x, y = to_metric(coordinates[:, 0], coordinates[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


def partnership_slug(name_or_slug: str) -> str:
    """The slug for a partnership named as in the data files ('Westhoek') or already a slug.

    Raises
    ------
    ValueError
        For a name that is not one of the four partnerships.
    """
    if name_or_slug in PARTNERSHIPS:
        return name_or_slug
    try:
        return PARTNERSHIP_SLUGS[name_or_slug]
    except KeyError:
        msg = f"unknown partnership {name_or_slug!r}; expected one of {sorted(PARTNERSHIP_SLUGS)}"
        raise ValueError(msg) from None


class RegionIndex:
    """The municipalities with an STRtree for point-in-polygon lookups.

    Parameters
    ----------
    municipalities
        Any order; kept sorted by NIS code.
    """

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        self.municipalities: tuple[Municipality, ...] = tuple(sorted(municipalities, key=lambda m: m.nis))
        self._by_nis = {municipality.nis: municipality for municipality in self.municipalities}
        if len(self._by_nis) != len(self.municipalities):
            msg = "duplicate NIS codes among the municipalities"
            raise ValueError(msg)
        self._geometries = np.array([m.geometry for m in self.municipalities], dtype=object)
        shapely.prepare(self._geometries)
        self._tree = shapely.STRtree(self._geometries)
        self._nis = np.array([m.nis for m in self.municipalities], dtype=object)

    def __len__(self) -> int:
        return len(self.municipalities)

    def by_nis(self, nis: str) -> Municipality:
        """The municipality with this NIS code; ``KeyError`` when it is not one of ours."""
        try:
            return self._by_nis[str(nis)]
        except KeyError:
            msg = f"no municipality with NIS code {nis!r} in the four regions"
            raise KeyError(msg) from None

    def locate(self, lon: float, lat: float) -> Municipality | None:
        """The municipality containing the point, or None outside the 44."""
        nis = self.locate_many(np.array([lon], dtype=float), np.array([lat], dtype=float))[0]
        return self._by_nis.get(nis)

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """NIS code per point (``""`` outside the regions), vectorised.

        A point exactly on a shared border goes to the municipality with the lowest NIS
        code, so the answer never depends on the tree's order.
        """
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        if lon.shape != lat.shape:
            msg = f"lon and lat differ in shape: {lon.shape} and {lat.shape}"
            raise ValueError(msg)
        result = np.full(lon.shape[0], "", dtype=object)
        finite = np.isfinite(lon) & np.isfinite(lat)
        points = shapely.points(np.where(finite, lon, 0.0), np.where(finite, lat, 0.0))
        point_index, geometry_index = self._tree.query(points, predicate="intersects")
        keep = finite[point_index]
        point_index, geometry_index = point_index[keep], geometry_index[keep]
        if point_index.size:
            # geometries are sorted by NIS: the smallest geometry index per point is the lowest NIS
            order = np.lexsort((geometry_index, point_index))
            point_index, geometry_index = point_index[order], geometry_index[order]
            first = np.ones(point_index.size, dtype=bool)
            first[1:] = point_index[1:] != point_index[:-1]
            result[point_index[first]] = self._nis[geometry_index[first]]
        return result.astype(str)

    def in_partnership(self, slug: str) -> list[Municipality]:
        """The municipalities of one partnership (``KeyError`` for an unknown slug)."""
        if slug not in PARTNERSHIPS:
            msg = f"unknown partnership {slug!r}; one of {', '.join(PARTNERSHIPS)}"
            raise KeyError(msg)
        return [m for m in self.municipalities if slug in m.partnerships]

    def random_points_in(self, nis: str, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` uniformly random points strictly inside a municipality.

        Returns
        -------
        numpy.ndarray
            Shape ``(n, 2)``: longitude, latitude.
        """
        geometry = self.by_nis(nis).geometry
        west, south, east, north = geometry.bounds
        batches: list[np.ndarray] = []
        found = 0
        while found < n:
            lon = rng.uniform(west, east, size=max(16, 3 * (n - found)))
            lat = rng.uniform(south, north, size=lon.size)
            # contains: the interior only, never a point on the border
            inside = shapely.contains_xy(geometry, lon, lat)
            batches.append(np.column_stack([lon[inside], lat[inside]]))
            found += int(inside.sum())
        points = np.concatenate(batches) if batches else np.empty((0, 2))
        return points[:n].reshape(n, 2)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north of all 44 (WGS84)."""
        west, south, east, north = shapely.total_bounds(self._geometries)
        return float(west), float(south), float(east), float(north)

    @cached_property
    def union_metric(self) -> BaseGeometry:
        """All 44 dissolved into one geometry, in EPSG:3812."""
        return shapely.union_all([m.geometry_metric for m in self.municipalities])


def municipalities_from_geojson(collection: dict) -> list[Municipality]:
    """Municipalities from a GeoJSON FeatureCollection (EPSG:4326).

    Reads both the shared ``partnership_municipalities_2025.geojson`` (partnership names,
    ``population_2020``, ``merged_from`` as ``{nis: name}``) and the prepared
    ``municipalities.geojson`` (slugs, ``population``, ``merged_from`` as names).
    """
    municipalities = []
    for feature in collection["features"]:
        properties = feature["properties"]
        geometry = shape(feature["geometry"])
        merged = properties.get("merged_from") or ()
        if isinstance(merged, dict):
            merged_from_nis, merged_from = tuple(merged), tuple(merged.values())
        else:
            merged_from, merged_from_nis = tuple(merged), tuple(properties.get("merged_from_nis") or ())
        population = properties.get("population", properties.get("population_2020"))
        municipalities.append(
            Municipality(
                nis=str(properties["nis"]),
                name_nl=properties["name_nl"],
                name_fr=properties.get("name_fr") or properties["name_nl"],
                partnerships=tuple(partnership_slug(name) for name in properties["partnerships"]),
                population=int(population or 0),
                merged_from=merged_from,
                geometry=geometry,
                geometry_metric=project_to_metric(geometry),
                merged_from_nis=merged_from_nis,
            )
        )
    return municipalities


def load_regions(geo_dir: Path) -> RegionIndex:
    """The region index from ``<geo_dir>/municipalities.geojson`` (see :mod:`geo.prepare`)."""
    collection = json.loads((Path(geo_dir) / "municipalities.geojson").read_text(encoding="utf-8"))
    return RegionIndex(municipalities_from_geojson(collection))
