"""Postcode/place points and NMBS stations, as prepared under ``data/geo`` by :mod:`geo.prepare`."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from geo.text import normalise_name

if TYPE_CHECKING:
    from geo.regions import RegionIndex

#: how a place's point was obtained (``Place.position``)
POSITION_SOURCE = "source"  # the source's geocoded point, inside its municipality
POSITION_SNAPPED = "snapped"  # the source point lay just outside its municipality (simplified borders): moved inside
POSITION_POSTCODE = "postcode"  # the source point was far off (Driekapellen): the postcode's main point instead


@dataclass(frozen=True)
class Place:
    """A village, deelgemeente or town with its postcode, inside one of the 44 municipalities.

    ``name`` is Dutch; ``source_name`` is the source's name when it differs (French names
    such as Espierres for Spiere). ``position`` says how trustworthy the point is: one of
    ``"source"``, ``"snapped"`` or ``"postcode"`` (see the module constants).
    """

    postcode: str
    name: str
    lon: float
    lat: float
    municipality_nis: str
    source_name: str = ""
    position: str = POSITION_SOURCE


@dataclass(frozen=True)
class Station:
    """An NMBS/SNCB station in or near (10 km) the regions, with its facilities.

    Facility flags are None when iRail lists no facilities for the station. ``wheelchair``
    is iRail's ``wheelchair_available`` (the station lends wheelchairs); ``ramp`` means
    staff can put a ramp for boarding. ``municipality_nis`` is the municipality of the
    station's address postcode (or, without an address, the one its point falls in);
    empty for stations outside the 44, within ``distance_to_regions_km`` of them.
    """

    name: str
    lon: float
    lat: float
    uri: str
    avg_stop_times: float
    wheelchair: bool | None = None
    ramp: bool | None = None
    elevated_platform: bool | None = None
    elevator_platform: bool | None = None
    audio_induction_loop: bool | None = None
    ticket_vending_machine: bool | None = None
    bicycle_spots: bool | None = None
    blue_bike: bool | None = None
    bus: bool | None = None
    tram: bool | None = None
    disabled_parking_spots: int | None = None
    municipality_nis: str = ""
    distance_to_regions_km: float = 0.0
    name_fr: str = ""
    address: str = ""


def _flag(text: str | None) -> bool | None:
    return None if text in (None, "") else text == "1"


def _count(text: str | None) -> int | None:
    return None if text in (None, "") else int(float(text))


def load_places(geo_dir: Path) -> list[Place]:
    """The place points of ``<geo_dir>/places.csv``."""
    with (Path(geo_dir) / "places.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Place(
                postcode=row["postcode"],
                name=row["name"],
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                municipality_nis=row["municipality_nis"],
                source_name=row.get("source_name", ""),
                position=row.get("position") or POSITION_SOURCE,
            )
            for row in csv.DictReader(handle)
        ]


def load_stations(geo_dir: Path) -> list[Station]:
    """The stations of ``<geo_dir>/stations.csv``."""
    with (Path(geo_dir) / "stations.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Station(
                name=row["name"],
                lon=float(row["longitude"]),
                lat=float(row["latitude"]),
                uri=row["URI"],
                avg_stop_times=float(row.get("avg_stop_times") or 0),
                wheelchair=_flag(row.get("wheelchair")),
                ramp=_flag(row.get("ramp")),
                elevated_platform=_flag(row.get("elevated_platform")),
                elevator_platform=_flag(row.get("elevator_platform")),
                audio_induction_loop=_flag(row.get("audio_induction_loop")),
                ticket_vending_machine=_flag(row.get("ticket_vending_machine")),
                bicycle_spots=_flag(row.get("bicycle_spots")),
                blue_bike=_flag(row.get("blue_bike")),
                bus=_flag(row.get("bus")),
                tram=_flag(row.get("tram")),
                disabled_parking_spots=_count(row.get("disabled_parking_spots")),
                municipality_nis=row.get("municipality_nis", ""),
                distance_to_regions_km=float(row.get("distance_to_regions_km") or 0),
                name_fr=row.get("name_fr", ""),
                address=row.get("address", ""),
            )
            for row in csv.DictReader(handle)
        ]


def municipality_names(regions: RegionIndex) -> dict[str, tuple[str, ...]]:
    """Every name a municipality goes by: Dutch, French and its former municipalities' names."""
    return {m.nis: (m.name_nl, m.name_fr, *m.merged_from) for m in regions.municipalities}


def postcode_main_places(
    places: Iterable[Place], names_by_nis: Mapping[str, Iterable[str]] | None = None
) -> dict[tuple[str, str], Place]:
    """The main place of each (postcode, municipality): the point that stands for the postcode.

    The place named like its municipality (8500 Kortrijk, 1570 Galmaarden) when there is
    one, otherwise the place nearest to the others of its postcode (their medoid), ties
    broken by name. Places whose own point is not trusted (``position == "postcode"``)
    are never chosen.
    """
    groups: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for place in places:
        if place.position != POSITION_POSTCODE:
            groups[(place.postcode, place.municipality_nis)].append(place)
    main: dict[tuple[str, str], Place] = {}
    for (postcode, nis), members in groups.items():
        members = sorted(members, key=lambda place: place.name)
        names = {normalise_name(name) for name in (names_by_nis or {}).get(nis, ())}
        named_like_municipality = [place for place in members if normalise_name(place.name) in names]
        if named_like_municipality:
            main[(postcode, nis)] = named_like_municipality[0]
            continue
        lon = np.array([place.lon for place in members])
        lat = np.array([place.lat for place in members])
        # a degree of longitude is ~0.64 of a degree of latitude at 50.8° N
        spread = ((lon[:, None] - lon[None, :]) * 0.64) ** 2 + (lat[:, None] - lat[None, :]) ** 2
        main[(postcode, nis)] = members[int(np.argmin(spread.sum(axis=1)))]
    return main
