"""Signalling gaps: who, in which municipality, cannot reach a service for a need in time.

Origins are population points (postcode/place points, each municipality's population
split over its points). For every mobility preset, travel minutes from all origins to
all service locations are computed once per mode in batches (many-to-many); every need
is then a column selection and a minimum, never a per-pair loop. Eligibility is the
search's own: active and published, covers the need (a parent covers its children),
outreach counts "aan huis" where its area includes the origin's municipality.
Opening hours, closures and public holidays are deliberately left out: a gap is about
where the offer is, not about this fortnight (the search checks those per participant
with :func:`app.domain.opening.open_during`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from app.domain.catalog import Catalog
from app.domain.profile import PRESETS, Mobility
from app.domain.reach import Reach, TransitWindow
from app.domain.taxonomy import covers, needs_by_code, top_level_codes
from geo.regions import RegionIndex

#: the presets a gap analysis compares (the same names as the search's profiles)
GAP_PROFILES = ("walk", "bike", "cannot-cycle", "no-licence", "car")


@dataclass(frozen=True)
class Origins:
    lonlat: np.ndarray  # (n, 2)
    municipality_nis: np.ndarray  # (n,) str
    weight: np.ndarray  # (n,) people represented by each point
    label: tuple[str, ...]


@dataclass(frozen=True)
class GapRow:
    need: str
    profile: str
    nis: str
    name: str
    population: int
    population_within_reach: int
    share_within_reach: float
    median_minutes_to_nearest: float | None  # over the municipality's points, None if none reachable

    @property
    def population_out_of_reach(self) -> int:
        return self.population - self.population_within_reach

    def to_dict(self) -> dict:
        """The row's fields and the derived ``population_out_of_reach`` (for JSON, CSV and the map)."""
        return {**asdict(self), "population_out_of_reach": self.population_out_of_reach}


@dataclass(frozen=True)
class GapResult:
    rows: tuple[GapRow, ...]
    key: str
    origins: int
    needs: tuple[str, ...]
    profiles: tuple[str, ...]
    estimated: bool

    def select(self, *, need: str, profile: str) -> list[GapRow]:
        return [row for row in self.rows if row.need == need and row.profile == profile]


def population_origins(regions: RegionIndex, places: Sequence) -> Origins:
    """Place points inside each municipality, weighted so each municipality's population is represented."""
    by_nis: dict[str, list] = {}
    for place in places:
        by_nis.setdefault(place.municipality_nis, []).append(place)
    lonlat, nis_codes, weights, labels = [], [], [], []
    for municipality in regions.municipalities:
        points = by_nis.get(municipality.nis) or []
        seen = set()
        unique = []
        for place in points:
            key = (round(place.lon, 5), round(place.lat, 5))
            if key not in seen:
                seen.add(key)
                unique.append((place.lon, place.lat, f"{place.postcode} {place.name}"))
        if not unique:
            point = municipality.geometry.representative_point()
            unique = [(point.x, point.y, municipality.name_nl)]
        share = municipality.population / len(unique)
        for lon, lat, label in unique:
            lonlat.append((lon, lat))
            nis_codes.append(municipality.nis)
            weights.append(share)
            labels.append(label)
    return Origins(
        lonlat=np.array(lonlat, dtype=float), municipality_nis=np.array(nis_codes), weight=np.array(weights),
        label=tuple(labels),
    )


def analysis_key(
    catalog: Catalog, origins: Origins, reach: Reach, needs: Sequence[str], profiles: Sequence[str], *,
    window: TransitWindow,
) -> str:
    """Everything the analysis depends on: the services, the routing data and settings, the day."""
    payload = json.dumps(
        {"catalog": repr(catalog.key), "origins": len(origins.label), "config": repr(reach.config),
         "needs": list(needs), "profiles": list(profiles), "routing": reach.fingerprint(), "window": repr(window)},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _eligibility(catalog: Catalog, need: str, origin_nis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Location columns of eligible services, and which origins an outreach service covers."""
    columns: set[int] = set()
    at_home = np.zeros(len(origin_nis), dtype=bool)
    for service in catalog.services:
        if not service.is_active or not covers(service.needs, need):
            continue
        columns.update(service.location_indices)
        if service.outreach and service.service_area:
            at_home |= np.isin(origin_nis, list(service.service_area))
    return np.array(sorted(columns), dtype=int), at_home


def run_gap_analysis(
    *,
    catalog: Catalog,
    regions: RegionIndex,
    origins: Origins,
    reach: Reach,
    window: TransitWindow,
    needs: Sequence[str] | None = None,
    profiles: Sequence[str] = GAP_PROFILES,
    progress: Callable[[str], None] | None = None,
) -> GapResult:
    needs = tuple(needs or top_level_codes())
    destinations = catalog.lonlat
    n_origins = len(origins.label)
    mode_matrices: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
    estimated_any = False
    rows: list[GapRow] = []
    municipalities = regions.municipalities
    for profile in profiles:
        mobility = Mobility(profile=profile).resolved()
        # (n_origins, n_locations) best minutes within each mode's own limit
        best = np.full((n_origins, len(destinations)), np.inf)
        for mode in mobility.modes:
            limit = mobility.max_minutes_by_mode[mode]
            key = (mode, limit)
            if key not in mode_matrices:
                if progress:
                    progress(f"{profile}: {mode} ({n_origins} origins x {len(destinations)} locations)")
                mode_matrices[key] = reach.many_to_many(mode, origins.lonlat, destinations, cutoff_minutes=limit,
                                                        window=window)
            minutes, estimated = mode_matrices[key]
            estimated_any |= bool(estimated.any())
            within = np.where(minutes <= limit, minutes, np.inf)
            np.minimum(best, within, out=best)
        for need in needs:
            columns, at_home = _eligibility(catalog, need, origins.municipality_nis)
            nearest = best[:, columns].min(axis=1) if columns.size else np.full(n_origins, np.inf)
            nearest = np.where(at_home, 0.0, nearest)
            reachable = np.isfinite(nearest)
            for municipality in municipalities:
                mask = origins.municipality_nis == municipality.nis
                within_reach = float(origins.weight[mask & reachable].sum())
                reachable_minutes = nearest[mask & reachable]
                rows.append(GapRow(
                    need=need, profile=profile, nis=municipality.nis, name=municipality.name_nl,
                    population=int(municipality.population),
                    population_within_reach=int(round(within_reach)),
                    share_within_reach=round(within_reach / municipality.population, 4) if municipality.population else 0.0,
                    median_minutes_to_nearest=round(float(np.median(reachable_minutes)), 1) if reachable_minutes.size else None,
                ))
    return GapResult(
        rows=tuple(rows), key=analysis_key(catalog, origins, reach, needs, profiles, window=window), origins=n_origins,
        needs=needs, profiles=tuple(profiles), estimated=estimated_any,
    )


def profile_label(profile: str) -> str:
    return PRESETS[profile].label_nl


def need_label(need: str) -> str:
    return needs_by_code()[need].label_nl


def to_csv(rows: Sequence[GapRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["need", "profile", "nis", "municipality", "population", "population_within_reach",
                     "population_out_of_reach", "share_within_reach", "median_minutes_to_nearest"])
    for row in rows:
        writer.writerow([row.need, row.profile, row.nis, row.name, row.population, row.population_within_reach,
                         row.population_out_of_reach, row.share_within_reach,
                         "" if row.median_minutes_to_nearest is None else row.median_minutes_to_nearest])
    return buffer.getvalue()


def to_geojson(rows: Sequence[GapRow], regions: RegionIndex) -> dict:
    from shapely.geometry import mapping

    features = []
    for row in rows:
        municipality = regions.by_nis(row.nis)
        features.append({"type": "Feature", "geometry": mapping(municipality.geometry),
                         "properties": {**asdict(row), "population_out_of_reach": row.population_out_of_reach}})
    return {"type": "FeatureCollection", "features": features}


def save_result(result: GapResult, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gaps-{result.key}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({
        "key": result.key, "origins": result.origins, "needs": list(result.needs), "profiles": list(result.profiles),
        "estimated": result.estimated, "rows": [asdict(row) for row in result.rows],
    }), encoding="utf-8")
    temporary.replace(path)
    return path


def load_result(folder: Path, key: str) -> GapResult | None:
    path = folder / f"gaps-{key}.json"
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return GapResult(rows=tuple(GapRow(**row) for row in raw["rows"]), key=raw["key"], origins=raw["origins"],
                         needs=tuple(raw["needs"]), profiles=tuple(raw["profiles"]), estimated=raw["estimated"])
    except (ValueError, KeyError, TypeError):
        return None  # a corrupt cache is recomputed, never trusted
