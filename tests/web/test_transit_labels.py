"""Per-mode labels and the timetable notice in the API, the widget's API, the results page and
the referral sheet, with the app's default public transport: the NMBS feed of autumn 2019
(which never covers today) and the De Lijn stops."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "gtfs" / "nmbs-2019-10.zip").exists(), reason="the shared NMBS feed is not beside the project"
)

SEARCH = {"q": "8500", "needs": "housing,language/nt2", "profile": "no-licence"}


def test_the_app_loads_the_nmbs_feed_and_the_de_lijn_stops_by_default(app_state):
    reach = app_state.reach
    assert reach.transit_router is not None and reach.feed_names == ["NMBS"]
    assert reach.bus_estimator is not None and len(reach.bus_estimator) > 30_000


def test_api_names_the_timetable_day_and_each_modes_basis(client):
    body = client.get("/api/v1/search", params=SEARCH).json()
    timetable = body["timetable"]
    assert timetable["source"] == "NMBS"
    assert timetable["service_date"].startswith("2019-10-")  # the first full week of the feed
    assert timetable["covers_today"] is False and timetable["covers_requested_date"] is False
    assert "dienstregeling NMBS, dienstdag" in timetable["label"] and "2019" in timetable["label"]
    bases = {item["mode"]: item for item in body["travel_bases"]}
    assert set(bases) == {"walk", "bike", "transit"}
    for item in bases.values():
        assert item["basis"] in {"routed", "timetabled", "estimated"} and item["label"]
    order = ["at_home", "routed", "timetabled", "estimated"]
    for result in body["results"]:
        travel = result["travel"]
        assert travel["basis"] in {"routed", "timetabled", "estimated", "at_home"}
        assert travel["estimated"] == (travel["basis"] == "estimated")
        if travel["mode"] == "transit":
            # each kind of leg says how it was found; the journey follows its weakest leg
            assert {leg["kind"] for leg in travel["legs"]} <= {"walk", "bus", "timetable"}
            assert travel["basis"] == max((leg["basis"] for leg in travel["legs"]), key=order.index)
    # the weakest basis of the results shown by a mode labels the mode
    for mode, item in bases.items():
        shown = [r["travel"]["basis"] for r in body["results"] if r["travel"]["mode"] == mode]
        if shown:
            assert item["basis"] == max(shown, key=order.index)


def test_without_public_transport_there_is_no_timetable_notice(client):
    body = client.get("/api/v1/search", params={**SEARCH, "profile": None, "modes": "walk,bike"}).json()
    assert body["timetable"] is None
    assert [item["mode"] for item in body["travel_bases"]] == ["walk", "bike"]


def test_the_widget_api_carries_the_notice(client):
    body = client.get(
        "/api/v1/public/search", params={"q": "8500", "needs": "housing", "profile": "no-licence"}
    ).json()
    assert body["timetable"]["source"] == "NMBS" and body["timetable"]["covers_today"] is False
    assert {item["mode"] for item in body["travel_bases"]} == {"walk", "bike", "transit"}


def test_results_page_shows_the_notice_and_the_labels(client):
    page = client.get("/zoeken", params={"woonplaats": "8500", "noden": ["housing"], "vervoer": "no-licence"}).text
    assert "Openbaar vervoer: dienstregeling NMBS, dienstdag" in page
    assert "Deze dienstregeling geldt niet vandaag" in page
    assert 'class="travel-bases"' in page and 'data-mode="transit"' in page
    links = re.findall(r'href="(/verwijsfiche/[^"]+mode=transit[^"]*)"', page)
    for link in links:
        assert "bron=" in link and "dienstdag=2019-10-" in link


def test_referral_sheet_names_the_timetable_day(client, app_state):
    service = app_state.catalog().services[0]
    sheet = client.get(
        f"/verwijsfiche/{service.id}", params={"mode": "transit", "minuten": 34, "bron": "timetabled",
                                               "dienstdag": "2019-10-15"},
    ).text
    assert "Volgens de dienstregeling NMBS, dienstdag dinsdag 15 oktober 2019." in sheet
    assert "Deze dienstregeling geldt niet vandaag" in sheet
    estimated = client.get(
        f"/verwijsfiche/{service.id}", params={"mode": "transit", "minuten": 34, "geschat": "true",
                                               "bron": "estimated", "dienstdag": "2019-10-15"},
    ).text
    assert "Dit is een schatting (de trein volgens de dienstregeling NMBS, dienstdag dinsdag 15 oktober 2019)" in estimated


@pytest.mark.parametrize("params", [{"bron": "guessed"}, {"dienstdag": "15-10-2019"}])
def test_referral_sheet_refuses_a_bad_basis_or_day(client, app_state, params):
    service = app_state.catalog().services[0]
    response = client.get(f"/verwijsfiche/{service.id}", params={"mode": "transit", "minuten": 34, **params})
    assert response.status_code == 422
