"""The way there on the sheet: distance and a black-and-white map, on the hand-made blocks."""

from __future__ import annotations

import re
import time as clock
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session

from app.core import models
from routing.config import RoutingConfig
from routing.network import build_network, read_osm_edges
from tests.factories import remove_service_at_location

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "osm" / "mode_rules.osm"
HOME = "50.8000,3.2614"  # node 2 of the blocks; the service is at node 5, 100 m north by the footway


@pytest.fixture(scope="module")
def blocks():
    nodes, edges, source = read_osm_edges(FIXTURE)
    config = RoutingConfig(max_snap_m=250)
    return {kind: build_network(nodes, edges, kind, config, source=source) for kind in ("walk", "bike")}


@pytest.fixture(scope="module")
def service_on_the_blocks(loaded_engine, client):
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        organization = models.Organization(name=f"Routetest {tag}")
        session.add(organization)
        session.flush()
        location = models.Location(organization_id=organization.id, name="Routetest", address_1="Noordstraat 5",
                                   postcode="8500", city="Kortrijk", municipality_nis="34022", latitude=50.8009,
                                   longitude=3.2614)
        service = models.Service(organization_id=organization.id, name=f"Routedienst {tag}")
        session.add_all([location, service])
        session.flush()
        session.add(models.ServiceNeed(service_id=service.id, need_code="housing"))
        session.add(models.ServiceAtLocation(service_id=service.id, location_id=location.id))
        session.commit()
        ids = {"service": service.id, "location": location.id, "organization": organization.id}
    for _attempt in range(60):  # the catalogue snapshot refreshes in the background
        if client.get(f"/verwijsfiche/{ids['service']}").status_code == 200:
            break
        clock.sleep(0.25)
    else:
        raise AssertionError("the new service never reached the catalogue")
    yield ids["service"]
    remove_service_at_location(loaded_engine, ids)


@pytest.fixture
def routed(monkeypatch, app_state, blocks):
    for kind, network in blocks.items():
        monkeypatch.setitem(app_state.reach.engine.networks, kind, network)


def _points(svg_part: str) -> int:
    return len(re.search(r'<polyline points="([^"]+)"', svg_part).group(1).split())


def test_by_bike_the_sheet_draws_the_way_round_the_block_with_its_distance(client, service_on_the_blocks, routed):
    html = client.get(f"/verwijsfiche/{service_on_the_blocks}",
                      params={"mode": "bike", "minuten": 2, "bron": "routed", "van": HOME, "taal": "fr"}).text
    participant = html[:html.index('class="sheet-part sheet-dutch"')]
    dutch = html[html.index('class="sheet-part sheet-dutch"'):]
    assert "Distance par la route : 0,3 km." in participant  # round the block: the footway is for walkers
    assert "Afstand over de weg: 0,3 km." in dutch
    assert "Aide pour : logement." in participant and "Hulp bij: wonen." in dutch  # the taxonomy's French name
    assert _points(participant) == 4 and _points(dutch) == 4
    assert "<title id=\"route-map-title\">Carte du chemin vers Routedienst" in participant
    # black and white: only black, white and grey are drawn
    colours = set(re.findall(r'(?:stroke|fill)="(#[0-9a-f]{3,6})"', participant))
    assert colours <= {"#000", "#fff", "#888"}


def test_on_foot_the_way_takes_the_footway(client, service_on_the_blocks, routed):
    html = client.get(f"/verwijsfiche/{service_on_the_blocks}",
                      params={"mode": "walk", "minuten": 2, "bron": "routed", "van": HOME}).text
    assert "Afstand over de weg: 0,1 km." in html and _points(html) == 2


def test_no_map_without_a_start_for_a_car_or_off_the_network(client, service_on_the_blocks, routed):
    base = f"/verwijsfiche/{service_on_the_blocks}"
    assert "<svg" not in client.get(base, params={"mode": "bike", "minuten": 2}).text
    assert "<svg" not in client.get(base, params={"mode": "car", "minuten": 2, "van": HOME}).text
    far = client.get(base, params={"mode": "bike", "minuten": 2, "van": "51.2000,4.9000"})  # Turnhout: off the blocks
    assert far.status_code == 200 and "<svg" not in far.text
    assert client.get(base, params={"mode": "bike", "van": "here"}).status_code == 422


def test_the_roads_around_are_drawn_whole_or_not_at_all(blocks, monkeypatch):
    from app.web import route_map

    box = ((3.255, 3.28), (50.79, 50.81))
    segments = route_map.context_segments(blocks["bike"], *box)
    assert len(segments) > 5
    monkeypatch.setattr(route_map, "MAX_CONTEXT_SEGMENTS", len(segments) - 1)
    assert len(route_map.context_segments(blocks["bike"], *box)) == 0
