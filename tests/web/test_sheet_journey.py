"""The train legs on the referral sheet, with the hand-made train feed (tests/fixtures/gtfs_journey):
walk to the station, which train at what time, staying seated, where to get off, the walk at the end,
in Dutch and in the participant's language; the plain minutes when no journey is found."""

from __future__ import annotations

import re

import pytest
from routing.config import RoutingConfig
from routing.transit import load_feeds
from routing.travel import TravelTimeEngine
from tests.conftest import SHARED_DATA
from tests.routing.transit.conftest import zip_feed
from tests.routing.transit.test_transit_journey import FEED
from tests.web.located_service import located_service

HOME = "50.9860,3.5270"  # 222 m north of Deinze station
TUESDAY = "2026-05-12"
SHEET = {"mode": "transit", "minuten": 50, "bron": "timetabled", "dienstdag": TUESDAY, "vertrek": "08:40",
         "van": HOME}


@pytest.fixture(scope="module")
def train_router(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheet-journey")
    router, _report = load_feeds([zip_feed(FEED, folder / "feed.zip")], cache_dir=folder / "cache")
    return router


@pytest.fixture
def trains(monkeypatch, app_state, train_router):
    """The app's travel answers with the fixture trains, straight-line walks and no estimated buses."""
    reach = app_state.reach
    monkeypatch.setattr(reach, "transit_router", train_router)
    monkeypatch.setattr(reach, "bus_estimator", None)
    monkeypatch.setattr(reach, "feed_names", ["NMBS"])
    monkeypatch.setattr(reach, "engine", TravelTimeEngine(RoutingConfig()))
    monkeypatch.setattr(reach, "_prepared", {})


@pytest.fixture(scope="module")
def service_near_kortrijk_station(loaded_engine, client):
    with located_service(loaded_engine, client, name="Treintest", service_name="Treindienst",
                         address="Stationsplein 1", latitude=50.8035, longitude=3.2640) as service_id:
        yield service_id


@pytest.fixture(scope="module")
def service_in_anzegem(loaded_engine, client):
    with located_service(loaded_engine, client, name="Overstaptest", service_name="Overstapdienst",
                         address="Stationsplein 1", latitude=50.8310, longitude=3.4700) as service_id:
        yield service_id


def _parts(html: str) -> tuple[str, str]:
    participant = html[html.index('class="sheet-part sheet-participant"'):html.index('class="sheet-part sheet-dutch"')]
    return participant, html[html.index('class="sheet-part sheet-dutch"'):]


def _steps(part: str) -> list[str]:
    block = re.search(r'<ol class="journey">(.*?)</ol>', part, re.S).group(1)
    return [re.sub(r"\s+", " ", step).strip() for step in re.findall(r"<li>(.*?)</li>", block, re.S)]


def test_the_sheet_tells_the_train_journey_in_dutch(client, trains, service_near_kortrijk_station):
    html = client.get(f"/verwijsfiche/{service_near_kortrijk_station}", params=SHEET).text
    assert "Zo reis je, volgens de dienstregeling van dinsdag 12 mei 2026:" in html
    # 222 m at 4.8 km/h (a straight line x 1.2) is 3 min 20 s: leave 08:46 for the 08:50 train
    assert _steps(html) == [
        "Vertrek om 08:46.",
        "Wandel 4 min naar station Deinze.",
        "Neem de trein L 1861 richting Kortrijk om 08:50 (perron 1).",
        "Blijf zitten: de trein rijdt verder als 7001.",
        "Stap af in Kortrijk om 09:25 (perron 5).",  # on Tuesdays (stop_time_overrides.txt)
        "Wandel 3 min naar het adres.",
        "Aankomst om 09:28.",
    ]
    assert "De wandeltijd is geschat in vogelvlucht." in html  # no walk network here: said in plain words
    assert "ongeveer 50 minuten" in html  # the window's minutes stay


@pytest.mark.parametrize(
    ("language", "direction", "board"),
    [("fr", "ltr", "Prends le train L 1861 en direction de Kortrijk à 08:50 (quai 1)."),
     ("ar", "rtl", "اركب القطار L 1861 في اتجاه Kortrijk"),
     ("uk", "ltr", "Сідай на потяг L 1861 у напрямку Kortrijk о 08:50 (платформа 1).")],
)
def test_the_legs_in_the_participants_language_with_the_dutch_beside(client, trains, service_near_kortrijk_station,
                                                                      language, direction, board):
    html = client.get(f"/verwijsfiche/{service_near_kortrijk_station}", params={**SHEET, "taal": language}).text
    assert f'<html lang="{language}" dir="{direction}">' in html
    participant, dutch = _parts(html)
    assert any(step.startswith(board) for step in _steps(participant))
    assert "Neem de trein" not in participant
    assert "Neem de trein L 1861 richting Kortrijk om 08:50 (perron 1)." in _steps(dutch)


def test_a_change_of_platform_is_told(client, trains, service_in_anzegem):
    steps = _steps(client.get(f"/verwijsfiche/{service_in_anzegem}", params=SHEET).text)
    # off at 09:05 on platform 1, 4 min to platform 2 (transfers.txt), the 09:15 train: 10 min in all
    assert steps[2:7] == [
        "Neem de trein L 1861 richting Waregem om 08:50 (perron 1).",  # it ends there when nobody stays seated
        "Stap af in Waregem om 09:05 (perron 1).",
        "Overstappen in Waregem (10 min).",
        "Neem de trein S 3312 richting Anzegem om 09:15 (perron 2).",
        "Stap af in Anzegem om 09:24.",
    ]
    assert "Blijf zitten" not in " ".join(steps)


def test_without_a_journey_the_sheet_keeps_the_minutes(client, trains, service_near_kortrijk_station):
    late = client.get(f"/verwijsfiche/{service_near_kortrijk_station}", params={**SHEET, "vertrek": "09:30"}).text
    assert 'class="journey"' not in late and "ongeveer 50 minuten" in late
    # no home, or a day the timetable does not cover: the minutes only
    for params in ({**SHEET, "van": None}, {**SHEET, "dienstdag": "2019-10-15"}):
        html = client.get(f"/verwijsfiche/{service_near_kortrijk_station}",
                          params={k: v for k, v in params.items() if v is not None}).text
        assert 'class="journey"' not in html and "ongeveer 50 minuten" in html


@pytest.mark.parametrize("value", ["25:00", "8:40", "08:40; x", "08h40", "0840"])
def test_a_departure_that_is_not_a_time_is_refused(client, trains, service_near_kortrijk_station, value):
    response = client.get(f"/verwijsfiche/{service_near_kortrijk_station}", params={**SHEET, "vertrek": value})
    assert response.status_code == 422


@pytest.mark.skipif(not (SHARED_DATA / "gtfs" / "nmbs-2019-10.zip").exists(), reason="the shared NMBS feed is absent")
@pytest.mark.parametrize(("place", "slots", "departure"), [("8500", [], "08:00"), ("Menen", ["2-nm"], "12:30")])
def test_the_results_pass_the_departure_and_home_to_the_sheet(client, place, slots, departure):
    # without availability the search's window starts at 08:00; Tuesday afternoon (2-nm) at 12:30
    params = [("woonplaats", place), ("noden", "housing"), ("vervoer", "cannot-cycle")]
    params += [("beschikbaar", slot) for slot in slots]
    page = client.get("/zoeken", params=params).text
    links = re.findall(r'href="(/verwijsfiche/[^"]+mode=transit[^"]*)"', page)
    assert links
    for link in links:
        assert f"vertrek={departure}" in link and re.search(r"van=\d+\.\d{4},\d+\.\d{4}", link)
