"""Postcode/place points and NMBS stations prepared under ``data/geo``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Place:
    postcode: str
    name: str
    lon: float
    lat: float
    municipality_nis: str
    alias: str = ""  # the source's (French) name when it differs


@dataclass(frozen=True)
class Station:
    name: str
    lon: float
    lat: float
    uri: str
    avg_stop_times: float
    wheelchair: bool | None = None


def load_places(geo_dir: Path) -> list[Place]:
    with (Path(geo_dir) / "places.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Place(row["postcode"], row["name"], float(row["lon"]), float(row["lat"]), row["municipality_nis"],
                  row.get("alias", ""))
            for row in csv.DictReader(handle)
        ]


def load_stations(geo_dir: Path) -> list[Station]:
    with (Path(geo_dir) / "stations.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Station(row["name"], float(row["longitude"]), float(row["latitude"]), row["URI"],
                    float(row.get("avg_stop_times") or 0),
                    None if row.get("wheelchair", "") == "" else row["wheelchair"] == "1")
            for row in csv.DictReader(handle)
        ]
