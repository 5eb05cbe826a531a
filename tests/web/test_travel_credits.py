"""Travel times credit their data: OpenStreetMap (ODbL) always, the timetable when one is loaded."""

from __future__ import annotations

from types import SimpleNamespace

from app.domain.attribution import timetable_names, travel_credits

OSM = "© OpenStreetMap-bijdragers (ODbL)"


def test_credits_follow_what_is_loaded():
    nothing = SimpleNamespace(engine=SimpleNamespace(networks={}), transit_router=None)
    assert travel_credits(nothing, roads_credit=OSM + ", wegennet OpenStreetMap, augustus 2017") == [OSM]
    roads_and_trains = SimpleNamespace(
        engine=SimpleNamespace(networks={"walk": object()}),
        transit_router=SimpleNamespace(timetable=SimpleNamespace(
            feed_sources=["data/source/gtfs/nmbs-2019-10.zip", "https://example.org/feeds/de-lijn-gtfs.zip"])),
    )
    assert travel_credits(roads_and_trains, roads_credit=OSM + ", wegennet OpenStreetMap, augustus 2017") == [
        OSM + ", wegennet OpenStreetMap, augustus 2017", "dienstregeling NMBS en De Lijn"]
    assert timetable_names(SimpleNamespace(transit_router=SimpleNamespace(
        timetable=SimpleNamespace(feed_sources=["/feeds/flixbus.zip"])))) == ["flixbus"]


def test_every_place_with_travel_times_credits_openstreetmap(client, app_state):
    assert app_state.travel_credits[0].startswith(OSM)
    search = {"home": {"query": "Kortrijk"}, "needs": ["housing"]}
    assert OSM in client.post("/api/v1/search", json=search).json()["attribution"][0]
    public = client.get("/api/v1/public/search", params={"q": "8500", "needs": "housing"}).json()
    assert public["attribution"][0].startswith(OSM)
    page = client.get("/zoeken", params={"woonplaats": "Kortrijk", "noden": "housing"}).text
    assert "Bronnen reistijden: " + OSM in page
    first = client.post("/api/v1/search", json=search).json()["results"][0]
    sheet = client.get(f"/verwijsfiche/{first['service']['id']}", params={"mode": "bike", "minuten": 12}).text
    assert "Bronnen reistijd: " + OSM in sheet
    about = client.get("/over").text
    assert "Wegennet en straatnamen: © OpenStreetMap-bijdragers (ODbL)" in about  # the source list
    assert "Dienstregeling NMBS/SNCB" in about
