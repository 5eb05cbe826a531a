"""Signalling gaps: who, where, cannot reach a service for a need in time.

Origins are where people live: each municipality's population spread over its streets
and summed per H3 hexagon (:mod:`geo.population`); a hexagon on a municipal border is
split in one part per municipality. Without the OSM roads the older origins answer
(postcode/place points, each carrying a share of the municipality's people).

For every mobility preset, travel minutes between all origins and all service locations
are computed once per mode through :func:`travel_matrix` (one door, so the routing can be
swapped); every need is then a column selection and a minimum. Eligibility is the
search's own: active and published, covers the need (a parent covers its children);
outreach counts "aan huis" only in the municipalities of its service area. Opening
hours, closures and public holidays are left out on purpose: a gap is about where the
offer is, not about this fortnight.

The result holds, per need, profile and origin, the minutes to the nearest eligible
service within the profile's limit and which service that is (who reaches what is the
search's own rule, :mod:`app.domain.reachability`, on every origin at once); municipality,
deelgemeente and hexagon figures are sums over the origins.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import get_args

import numpy as np

from app.domain.catalog import Catalog
from app.domain.profile import PRESETS, Mobility, PresetName
from app.domain.reach import Reach, TransitWindow, transit_window_for_gaps
from app.domain.reachability import enterable, fastest_within_limits, homes_served, within_limit
from app.domain.taxonomy import covers, needs_by_code, top_level_codes
from geo.regions import RegionIndex

#: the mobility profiles the gap analysis compares: every preset of the search (one list)
GAP_PROFILES: tuple[str, ...] = get_args(PresetName)
#: above this share of estimated routes a mode's minutes are labelled estimates
ESTIMATED_SHARE_LIMIT = 0.05
MODE_NL = {"walk": "te voet", "bike": "fiets", "ebike": "e-bike", "car": "auto", "transit": "openbaar vervoer"}


def gap_needs() -> tuple[str, ...]:
    """Every need code of the taxonomy (top level first): the analysis answers each of them."""
    top = tuple(top_level_codes())
    return top + tuple(sorted(code for code in needs_by_code() if code not in top))


def gap_transit_window(reach: Reach, today: date | None = None) -> TransitWindow:
    """The departures the transit profiles use (the one place that chooses them): a weekday
    morning on the service day of the loaded timetable, so the analysis is timetabled."""
    return transit_window_for_gaps(reach, today or date.today())


@dataclass(frozen=True)
class Origins:
    lonlat: np.ndarray  # (n, 2)
    municipality_nis: np.ndarray  # (n,) str
    weight: np.ndarray  # (n,) people represented by each origin
    label: tuple[str, ...]  # the deelgemeente (postcode and place) the origin lies nearest to
    h3: tuple[str, ...] = ()  # the hexagon of each origin; empty for place-point origins


@dataclass(frozen=True)
class GapRow:
    need: str
    profile: str
    nis: str
    name: str
    population: int
    population_within_reach: int
    share_within_reach: float
    median_minutes_to_nearest: float | None  # people-weighted, over those who can reach one
    place: str = ""  # a deelgemeente row's place; empty on a municipality row

    @property
    def population_out_of_reach(self) -> int:
        return self.population - self.population_within_reach

    def to_dict(self) -> dict:
        """The row's fields and the derived ``population_out_of_reach`` (for JSON, CSV and the map)."""
        return {**asdict(self), "population_out_of_reach": self.population_out_of_reach}


@dataclass(frozen=True)
class GapResult:
    """Per (need, profile, origin): minutes to the nearest eligible service within the limit."""

    key: str
    origins: Origins
    needs: tuple[str, ...]
    profiles: tuple[str, ...]
    minutes: np.ndarray  # float32 (needs, profiles, origins), inf where none is in reach
    nearest: np.ndarray  # int32 (needs, profiles, origins): index into service_ids, -1 where none
    service_ids: tuple[str, ...]
    municipalities: tuple[tuple[str, str], ...]  # (nis, name) in the regions' order
    #: per profile and mode, the share of the routes in reach that were estimates (0: all
    #: routed or timetabled; transit's own label tells which)
    estimated_share: dict[str, dict[str, float]] = field(default_factory=dict)
    timetabled: bool = False  # transit from a real timetable
    seconds: float = 0.0
    computed_at: str = ""

    @property
    def estimated(self) -> bool:
        return any(share > 0 for modes in self.estimated_share.values() for share in modes.values())

    def _cell(self, need: str, profile: str) -> tuple[np.ndarray, np.ndarray]:
        n, p = self.needs.index(need), self.profiles.index(profile)
        return self.minutes[n, p], self.nearest[n, p]

    def travel_labels(self, profile: str) -> dict[str, str]:
        """``routed``, ``timetabled`` or ``estimated`` for each mode the profile used.

        A mode is ``estimated`` as soon as more than :data:`ESTIMATED_SHARE_LIMIT` of its
        routes in reach were straight-line estimates (points off the network, no timetable).
        """
        labels = {}
        for mode, share in self.estimated_share.get(profile, {}).items():
            if share > ESTIMATED_SHARE_LIMIT:
                labels[mode] = "estimated"
            else:
                labels[mode] = "timetabled" if mode == "transit" else "routed"
        return labels

    def select(self, *, need: str, profile: str) -> list[GapRow]:
        """One row per municipality, summed from the origins."""
        return self._rows(need, profile, by_place=False)

    def place_rows(self, *, need: str, profile: str) -> list[GapRow]:
        """One row per deelgemeente (origins grouped by their nearest place point)."""
        return self._rows(need, profile, by_place=True)

    def _rows(self, need: str, profile: str, *, by_place: bool) -> list[GapRow]:
        minutes, _ = self._cell(need, profile)
        names = dict(self.municipalities)
        weight = self.origins.weight
        groups: dict[tuple[str, str], list[int]] = {}
        for index, nis in enumerate(self.origins.municipality_nis):
            groups.setdefault((str(nis), self.origins.label[index] if by_place else ""), []).append(index)
        rows = []
        order = {nis: i for i, (nis, _) in enumerate(self.municipalities)}
        for (nis, place), members in sorted(groups.items(), key=lambda item: (order.get(item[0][0], 0), item[0][1])):
            members = np.array(members)
            people = weight[members]
            reach = np.isfinite(minutes[members])
            total = float(people.sum())
            within = float(people[reach].sum())
            rows.append(GapRow(
                need=need, profile=profile, nis=nis, name=names.get(nis, nis), place=place,
                population=int(round(total)), population_within_reach=int(round(within)),
                share_within_reach=round(within / total, 4) if total else 0.0,
                median_minutes_to_nearest=_weighted_median(minutes[members][reach], people[reach]),
            ))
        return rows

    def hexagons(self, *, need: str, profile: str) -> list[dict]:
        """One record per populated hexagon (parts on a border merged; ``nis``: the part with most people)."""
        minutes, nearest = self._cell(need, profile)
        by_cell: dict[str, list[int]] = {}
        for index, cell in enumerate(self.origins.h3):
            by_cell.setdefault(cell, []).append(index)
        records = []
        for cell, members in by_cell.items():
            members = np.array(members)
            people = self.origins.weight[members]
            reach = np.isfinite(minutes[members])
            best = members[np.argmin(minutes[members])] if reach.any() else None
            records.append({
                "h3": cell,
                "nis": str(self.origins.municipality_nis[members[np.argmax(people)]]),
                "place": self.origins.label[members[np.argmax(people)]],
                "population": int(round(float(people.sum()))),
                "population_within_reach": int(round(float(people[reach].sum()))),
                "minutes_to_nearest": None if best is None else round(float(minutes[best]), 1),
                "nearest_service_id": None if best is None else self.service_ids[int(nearest[best])],
            })
        return records


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    if not values.size:
        return None
    order = np.argsort(values)
    values, cumulative = values[order], np.cumsum(weights[order])
    half = cumulative[-1] / 2
    index = int(np.searchsorted(cumulative, half))
    if np.isclose(cumulative[index], half) and index + 1 < len(values):
        return round(float(values[index] + values[index + 1]) / 2, 1)  # exactly half: the mean of the two
    return round(float(values[index]), 1)


def population_origins(regions: RegionIndex, places: Sequence) -> Origins:
    """Place points inside each municipality, weighted so each municipality's population is represented.

    The fallback when no OSM roads are available to place people on their streets.
    """
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


def hexagon_origins(cells, places: Sequence) -> Origins:
    """Origins from :class:`geo.population.PopulationCells`, each named after the nearest place of its municipality."""
    lonlat = np.column_stack([cells.lon, cells.lat]).astype(float)
    labels = np.array([""] * len(cells), dtype=object)
    by_nis: dict[str, list] = {}
    for place in places:
        by_nis.setdefault(place.municipality_nis, []).append(place)
    for nis in np.unique(cells.nis):
        members = np.flatnonzero(cells.nis == nis)
        candidates = by_nis.get(str(nis))
        if not candidates:
            continue
        points = np.array([(p.lon, p.lat * 1.0) for p in candidates])
        scale = np.cos(np.radians(points[:, 1].mean()))
        dx = (lonlat[members, None, 0] - points[None, :, 0]) * scale
        dy = lonlat[members, None, 1] - points[None, :, 1]
        nearest = np.argmin(dx * dx + dy * dy, axis=1)
        labels[members] = [f"{candidates[i].postcode} {candidates[i].name}" for i in nearest]
    return Origins(lonlat=lonlat, municipality_nis=np.asarray(cells.nis).astype(str),
                   weight=np.asarray(cells.population, dtype=float), label=tuple(str(x) for x in labels),
                   h3=tuple(str(x) for x in cells.h3))


def analysis_key(
    catalog: Catalog, origins_id: str, reach: Reach, needs: Sequence[str], profiles: Sequence[str], *,
    window: TransitWindow,
) -> str:
    """Everything the analysis depends on: the services, the people (``origins_id``: which
    population file), the routing data and settings, the day. Cheap: no origin is built."""
    payload = json.dumps(
        {"catalog": repr(catalog.key), "origins": origins_id, "config": repr(reach.config),
         "needs": list(needs), "profiles": list(profiles), "routing": reach.fingerprint(), "window": repr(window)},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def travel_matrix(
    reach: Reach, mode: str, origins: np.ndarray, destinations: np.ndarray, *, cutoff_minutes: float,
    window: TransitWindow,
) -> tuple[np.ndarray, np.ndarray]:
    """(minutes, estimated) of shape (origins, destinations): the gap analysis's one door to routing.

    Thousands of origins and a few hundred locations: road modes are routed from the
    services' side, one search per location on the reversed network. Transit is the search's
    own query per origin: one walk search to the stops near it, the timetable scan over the
    window of departures, and the walks from the stops to the locations prepared once per
    catalogue snapshot (``Reach.prepare``), so no origin asks the walk network once per
    location (about 30 s for 4,021 origins on the real data).
    """
    if mode == "transit":
        return reach.many_to_many(mode, origins, destinations, cutoff_minutes=cutoff_minutes, window=window)
    return reach.engine.many_to_many(origins, destinations, mode, cutoff_minutes=cutoff_minutes, reverse=True)


def _eligibility(catalog: Catalog, need: str, origin_nis: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For one need: the service at each location column (-1: none eligible there) and the
    outreach service that comes to each origin's home (-1: none)."""
    at_location = np.full(len(catalog.locations), -1, dtype=np.int32)
    at_home = np.full(len(origin_nis), -1, dtype=np.int32)
    for index, service in enumerate(catalog.services):
        if not service.is_active or not covers(service.needs, need):
            continue
        for column in service.location_indices:
            if at_location[column] < 0:
                at_location[column] = index
        served = homes_served(service)
        if served:
            at_home[(at_home < 0) & np.isin(origin_nis, list(served))] = index
    return at_location, at_home


def run_gap_analysis(
    *,
    catalog: Catalog,
    regions: RegionIndex,
    origins: Origins,
    reach: Reach,
    window: TransitWindow,
    needs: Sequence[str] | None = None,
    profiles: Sequence[str] = GAP_PROFILES,
    progress: Callable[[str, float], None] | None = None,
    origins_id: str = "",
) -> GapResult:
    """The whole analysis; ``progress(message, fraction_done)`` is told before each routing step."""
    import time

    started = time.perf_counter()
    needs = tuple(needs or gap_needs())
    profiles = tuple(profiles)
    destinations = catalog.lonlat
    n_origins = len(origins.label)
    # one matrix per mode, routed to the longest limit any profile gives it; a profile with a
    # shorter limit keeps the times within its own (the same routes, so the same minutes)
    matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    longest: dict[str, float] = {}
    for profile in profiles:
        for mode, limit in Mobility(profile=profile).resolved().max_minutes_by_mode.items():
            longest[mode] = max(longest.get(mode, 0.0), float(limit))
    minutes_out = np.full((len(needs), len(profiles), n_origins), np.inf, dtype=np.float32)
    nearest_out = np.full((len(needs), len(profiles), n_origins), -1, dtype=np.int32)
    eligibility = [_eligibility(catalog, need, origins.municipality_nis) for need in needs]
    estimated_share: dict[str, dict[str, float]] = {}
    for p, profile in enumerate(profiles):
        mobility = Mobility(profile=profile).resolved()
        estimated_share[profile] = {}
        for mode in mobility.modes:
            if mode not in matrices:
                if progress:
                    progress(f"{MODE_NL.get(mode, mode)}, tot {longest[mode]:.0f} min: {n_origins} herkomsten x "
                             f"{len(destinations)} locaties", len(matrices) / len(longest))
                matrices[mode] = travel_matrix(reach, mode, origins.lonlat, destinations,
                                               cutoff_minutes=longest[mode], window=window)
            minutes, estimated = matrices[mode]
            within = within_limit(minutes, mobility, mode)
            estimated_share[profile][mode] = round(float(estimated[within].mean()), 4) if within.any() else 0.0
        # the search's own rule (reachability), for every origin at once
        best, _ = fastest_within_limits([(mode, matrices[mode][0]) for mode in mobility.modes], mobility,
                                        shape=(n_origins, len(destinations)))
        can_use = enterable(catalog.locations, mobility)
        for n, (at_location, at_home) in enumerate(eligibility):
            columns = np.flatnonzero((at_location >= 0) & can_use)
            if columns.size:
                column = columns[np.argmin(best[:, columns], axis=1)]
                nearest_minutes = best[np.arange(n_origins), column]
                service = np.where(np.isfinite(nearest_minutes), at_location[column], -1)
            else:
                nearest_minutes = np.full(n_origins, np.inf)
                service = np.full(n_origins, -1, dtype=np.int32)
            home = at_home >= 0
            minutes_out[n, p] = np.where(home, 0.0, nearest_minutes)
            nearest_out[n, p] = np.where(home, at_home, service)
    if progress:
        progress("klaar", 1.0)
    return GapResult(
        key=analysis_key(catalog, origins_id, reach, needs, profiles, window=window), origins=origins, needs=needs,
        profiles=profiles, minutes=minutes_out, nearest=nearest_out,
        service_ids=tuple(service.id for service in catalog.services),
        municipalities=tuple((m.nis, m.name_nl) for m in regions.municipalities),
        estimated_share=estimated_share, timetabled=reach.transit_router is not None,
        seconds=round(time.perf_counter() - started, 2),
        computed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def profile_label(profile: str) -> str:
    return PRESETS[profile].label_nl


def need_label(need: str) -> str:
    return needs_by_code()[need].label_nl


def to_csv(rows: Sequence[GapRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["need", "profile", "nis", "municipality", "place", "population", "population_within_reach",
                     "population_out_of_reach", "share_within_reach", "median_minutes_to_nearest"])
    for row in rows:
        writer.writerow([row.need, row.profile, row.nis, row.name, row.place, row.population,
                         row.population_within_reach, row.population_out_of_reach, row.share_within_reach,
                         "" if row.median_minutes_to_nearest is None else row.median_minutes_to_nearest])
    return buffer.getvalue()


def to_geojson(rows: Sequence[GapRow], regions: RegionIndex) -> dict:
    """Municipality rows as a GeoJSON FeatureCollection (WGS84)."""
    from shapely.geometry import mapping

    features = []
    for row in rows:
        municipality = regions.by_nis(row.nis)
        features.append({"type": "Feature", "geometry": mapping(municipality.geometry), "properties": row.to_dict()})
    return {"type": "FeatureCollection", "features": features}


def hexagons_geojson(result: GapResult, *, need: str, profile: str) -> dict:
    """The populated hexagons of one need and profile as a GeoJSON FeatureCollection (EPSG:4326)."""
    import h3

    features = []
    for record in result.hexagons(need=need, profile=profile):
        ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(record["h3"])]
        ring.append(ring[0])
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": record})
    return {"type": "FeatureCollection", "features": features}
