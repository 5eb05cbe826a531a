"""The 44 municipalities of the four partnerships, with point-in-polygon lookup."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geo.projection import to_metric


@dataclass(frozen=True)
class Partnership:
    slug: str
    name: str
    programme: str


PARTNERSHIPS: dict[str, Partnership] = {
    "zuid-west-vlaanderen": Partnership("zuid-west-vlaanderen", "Zuid-West-Vlaanderen", "'T PACT"),
    "westhoek": Partnership("westhoek", "Westhoek", "WestUp"),
    "pajotarl": Partnership("pajotarl", "PajoTARL", "PajoTARL"),
    "turnhout": Partnership("turnhout", "Turnhout", "PAKT"),
}

#: names used in the source data -> slugs
PARTNERSHIP_SLUGS = {"Zuid-West-Vlaanderen": "zuid-west-vlaanderen", "Westhoek": "westhoek",
                     "PajoTARL": "pajotarl", "Turnhout": "turnhout"}


@dataclass(frozen=True)
class Municipality:
    nis: str
    name_nl: str
    name_fr: str
    partnerships: tuple[str, ...]
    population: int
    merged_from: tuple[str, ...]
    geometry: BaseGeometry  # WGS84
    geometry_metric: BaseGeometry  # EPSG:3812


def _metric(geometry: BaseGeometry) -> BaseGeometry:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_metric(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


class RegionIndex:
    """Point-in-polygon over the municipalities (an STRtree, vectorised)."""

    def __init__(self, municipalities: list[Municipality]) -> None:
        self.municipalities = tuple(sorted(municipalities, key=lambda m: m.nis))
        self._by_nis = {m.nis: m for m in self.municipalities}
        self._geometries = np.array([m.geometry for m in self.municipalities], dtype=object)
        self._tree = shapely.STRtree(self._geometries)
        self._nis = np.array([m.nis for m in self.municipalities])

    def by_nis(self, nis: str) -> Municipality:
        return self._by_nis[nis]

    def locate(self, lon: float, lat: float) -> Municipality | None:
        found = self.locate_many(np.array([lon]), np.array([lat]))[0]
        return self._by_nis.get(found)

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        point_index, geometry_index = self._tree.query(points, predicate="intersects")
        result = np.full(len(points), "", dtype=object)
        # a point on a shared border goes to the first municipality found (lowest NIS)
        for p, g in sorted(zip(point_index.tolist(), geometry_index.tolist()), key=lambda pair: (pair[0], -pair[1])):
            result[p] = self._nis[g]
        return result.astype(str)

    def in_partnership(self, slug: str) -> list[Municipality]:
        return [m for m in self.municipalities if slug in m.partnerships]

    def random_points_in(self, nis: str, n: int, *, rng: np.random.Generator) -> np.ndarray:
        geometry = self._by_nis[nis].geometry
        west, south, east, north = geometry.bounds
        points: list[tuple[float, float]] = []
        while len(points) < n:
            lon = rng.uniform(west, east, size=4 * n)
            lat = rng.uniform(south, north, size=4 * n)
            inside = shapely.contains_xy(geometry, lon, lat)
            points.extend(zip(lon[inside].tolist(), lat[inside].tolist()))
        return np.array(points[:n])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(shapely.total_bounds(self._geometries))  # type: ignore[return-value]

    @property
    def union_metric(self) -> BaseGeometry:
        return unary_union([m.geometry_metric for m in self.municipalities])


def municipalities_from_geojson(data: dict) -> list[Municipality]:
    municipalities = []
    for feature in data["features"]:
        props = feature["properties"]
        geometry = shape(feature["geometry"])
        partnerships = tuple(PARTNERSHIP_SLUGS.get(p, p) for p in props["partnerships"])
        merged = props.get("merged_from") or ()
        if isinstance(merged, dict):
            merged = tuple(merged.values())
        municipalities.append(Municipality(
            nis=str(props["nis"]), name_nl=props["name_nl"], name_fr=props.get("name_fr") or props["name_nl"],
            partnerships=partnerships, population=int(props.get("population") or props.get("population_2020") or 0),
            merged_from=tuple(merged), geometry=geometry, geometry_metric=_metric(geometry),
        ))
    return municipalities


def load_regions(geo_dir: Path) -> RegionIndex:
    data = json.loads((Path(geo_dir) / "municipalities.geojson").read_text(encoding="utf-8"))
    return RegionIndex(municipalities_from_geojson(data))
