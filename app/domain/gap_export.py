"""The gap analysis for GIS colleagues: one GeoPackage (EPSG:4326) that opens in QGIS.

Layers: ``services`` (one point per service at a location, with HSDS field names),
and per need and profile ``hexagons_<need>_<profile>`` and
``municipalities_<need>_<profile>`` (need codes with ``/`` and ``-`` become ``_``).
Every gap layer says in its ``travel_times`` attribute whether its minutes were routed,
timetabled or estimated; the services layer marks demonstration data in ``demo``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.domain.catalog import Catalog
from app.domain.gaps import GapResult
from geo.regions import RegionIndex


def layer_name(kind: str, need: str, profile: str) -> str:
    return f"{kind}_{need}_{profile}".replace("/", "_").replace("-", "_")


def travel_times_label(result: GapResult, profile: str) -> str:
    """``walk: routed; transit: estimated`` for one profile."""
    return "; ".join(f"{mode}: {label}" for mode, label in result.travel_labels(profile).items())


def services_frame(catalog: Catalog):
    import geopandas as gpd
    from shapely.geometry import Point

    rows = []
    for service in catalog.services:
        for index in service.location_indices:
            location = catalog.locations[index]
            rows.append({
                "id": service.id, "name": service.name, "description": service.description,
                "organization_id": service.organization_id, "organization_name": service.organization_name,
                "email": service.email or "", "url": service.url or "", "status": service.status,
                "needs": ";".join(sorted(service.needs)), "outreach": bool(service.outreach),
                "service_area": ";".join(sorted(service.service_area)),
                "location_id": location.id, "location_name": location.name, "address_1": location.address_1,
                "postal_code": location.postcode, "city": location.city, "demo": bool(catalog.demo),
                "geometry": Point(location.longitude, location.latitude),
            })
    columns = ["id", "name", "description", "organization_id", "organization_name", "email", "url", "status",
               "needs", "outreach", "service_area", "location_id", "location_name", "address_1", "postal_code",
               "city", "demo", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


def hexagons_frame(result: GapResult, catalog: Catalog, *, need: str, profile: str):
    import geopandas as gpd
    import h3
    from shapely.geometry import Polygon

    names = {service.id: service.name for service in catalog.services}
    label = travel_times_label(result, profile)
    rows = []
    for record in result.hexagons(need=need, profile=profile):
        ring = [(lon, lat) for lat, lon in h3.cell_to_boundary(record["h3"])]
        rows.append({**record, "nearest_service_name": names.get(record["nearest_service_id"] or "", ""),
                     "need": need, "profile": profile, "travel_times": label, "geometry": Polygon(ring)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def municipalities_frame(result: GapResult, regions: RegionIndex, *, need: str, profile: str):
    import geopandas as gpd

    label = travel_times_label(result, profile)
    rows = [{**{k: v for k, v in row.to_dict().items() if k != "place"}, "travel_times": label,
             "geometry": regions.by_nis(row.nis).geometry} for row in result.select(need=need, profile=profile)]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def write_geopackage(path: Path, result: GapResult, catalog: Catalog, regions: RegionIndex, *,
                     needs: Sequence[str], profiles: Sequence[str]) -> list[str]:
    """Write the layers (replacing the file); returns the layer names in order."""
    path = Path(path)
    path.unlink(missing_ok=True)
    layers = ["services"]
    services_frame(catalog).to_file(path, layer="services", driver="GPKG", engine="pyogrio")
    for need in needs:
        for profile in profiles:
            for kind, frame in (("hexagons", hexagons_frame(result, catalog, need=need, profile=profile)),
                                ("municipalities", municipalities_frame(result, regions, need=need, profile=profile))):
                name = layer_name(kind, need, profile)
                frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio", mode="a")
                layers.append(name)
    return layers
