"""Gap figures over HTTP: the JSON APIs (municipalities, hexagons), the coordinator page,
PNG, CSV and GeoPackage downloads; the background computation seen from a request."""

from __future__ import annotations

import dataclasses
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.auth import create_user
from app.domain.gap_jobs import GapJobs
from app.server.main import create_app
from tests.web.test_partner_pages import PASSWORD, login, new_client


@pytest.fixture(scope="module")
def gaps_state(app_state, tmp_path_factory):
    """The app state with its own gap folder and the analysis computed once (in the background)."""
    from app.domain.gap_runs import start_gap_analysis

    state = dataclasses.replace(app_state, _gap_jobs=GapJobs(tmp_path_factory.mktemp("gaps")))
    start_gap_analysis(state)
    assert state.gap_jobs.wait(300), "the gap analysis did not finish"
    assert state.gap_jobs.status().error == ""
    return state


@pytest.fixture(scope="module")
def gaps_client(gaps_state):
    with TestClient(create_app(state=gaps_state)) as test_client:
        yield test_client


def test_before_the_first_analysis_a_request_answers_at_once_that_it_is_computing(app_state, tmp_path):
    state = dataclasses.replace(app_state, _gap_jobs=GapJobs(tmp_path))
    with TestClient(create_app(state=state)) as client:
        started = time.perf_counter()
        response = client.get("/api/v1/gaps", params={"need": "housing", "profile": "walk"})
        assert time.perf_counter() - started < 5
        assert response.status_code == 202
        assert response.json()["code"] == "gaps_computing" and response.headers["Retry-After"] == "30"
        assert response.json()["detail"]["running"] is True
        hexagons = client.get("/api/v1/gaps/hexagons", params={"need": "housing", "profile": "walk"})
        assert hexagons.status_code == 202
    assert state.gap_jobs.wait(300)
    assert state.gap_jobs.result_for(state.gap_jobs.latest().key) is not None


def test_the_page_says_it_is_computing_and_refreshes_itself_meanwhile(app_state, loaded_engine, tmp_path):
    email = f"coord-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password=PASSWORD, role="coordinator")
    state = dataclasses.replace(app_state, _gap_jobs=GapJobs(tmp_path))
    with new_client(state) as client:
        login(client, email)
        started = time.perf_counter()
        page = client.get("/coordinator/hiaten", params={"need": "housing"})
        assert time.perf_counter() - started < 5
        assert page.status_code == 200
        assert "De hiatenanalyse wordt berekend." in page.text and 'data-reload-after="10"' in page.text
        assert 'id="hiatenkaart"' not in page.text  # no map without figures
        download = client.get("/coordinator/hiaten.csv", params={"need": "housing"}, headers={"Accept": "text/html"})
        assert download.status_code == 202 and "wordt berekend" in download.text
    assert state.gap_jobs.wait(300)


def test_gaps_api_returns_one_row_per_municipality(gaps_client):
    response = gaps_client.get("/api/v1/gaps", params={"need": "housing", "profile": "walk"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["rows"]) == 44
    row = body["rows"][0]
    assert {"nis", "name", "population", "population_within_reach", "share"} <= set(row)
    assert all(0 <= r["share"] <= 1 and r["population_within_reach"] <= r["population"] for r in body["rows"])
    out_of_reach = [r["population_out_of_reach"] for r in body["rows"]]
    assert out_of_reach == sorted(out_of_reach, reverse=True)
    assert body["demo"] is True and body["current"] is True
    assert body["attribution"][0].startswith("© OpenStreetMap-bijdragers (ODbL)")  # the data behind the minutes
    # the demo's home visits are a minority: walking, many municipalities are not all within reach
    # (with every visiting service covering its neighbours at 60 %, 43 of 44 read 100 %)
    complete = sum(r["share"] >= 0.9995 for r in body["rows"])
    print("housing/walk: municipalities with everyone within reach:", complete)
    assert complete <= 30
    # no road network in the test data folder: walking is the labelled estimate
    assert body["travel_times"] == {"walk": "estimated"} and body["travel_times_estimated"] is True


def test_more_mobility_never_reaches_fewer_people(gaps_client):
    def within(profile):
        rows = gaps_client.get("/api/v1/gaps", params={"need": "income-debt", "profile": profile}).json()["rows"]
        return {r["nis"]: r["population_within_reach"] for r in rows}

    walk, bike = within("walk"), within("bike")
    assert all(bike[nis] >= walk[nis] for nis in walk)
    assert sum(bike.values()) > sum(walk.values())


def test_unknown_needs_and_profiles_are_refused_and_the_cache_holds_one_version(gaps_client, gaps_state):
    for need in ("flying", "housing/", "HOUSING", "\u00e9"):
        response = gaps_client.get("/api/v1/gaps", params={"need": need, "profile": "walk"})
        assert response.status_code == 422 and response.json()["code"] == "unknown_need", need
        assert gaps_client.get("/api/v1/gaps/hexagons", params={"need": need, "profile": "walk"}).status_code == 422
    assert gaps_client.get("/api/v1/gaps", params={"need": "housing", "profile": "teleport"}).status_code == 422
    assert gaps_client.get("/api/v1/gaps/hexagons", params={"need": "housing", "profile": "x"}).status_code == 422
    # every known need, top level or not, comes from the one analysis: no file per need
    for need in ("housing/support", "language/nt2", "mental-health/crisis", "work"):
        assert gaps_client.get("/api/v1/gaps", params={"need": need, "profile": "bike"}).status_code == 200
    files = sorted(p.name for p in gaps_state.gap_jobs.folder.iterdir() if p.name.startswith("gaps-"))
    assert len(files) == 1 and files[0].endswith(".npz")
    assert (gaps_state.gap_jobs.folder / files[0]).stat().st_size < 20_000_000


def test_hexagons_are_geojson_with_the_promised_properties_and_sum_to_the_municipalities(gaps_client):
    import h3

    params = {"need": "housing", "profile": "bike"}
    response = gaps_client.get("/api/v1/gaps/hexagons", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and collection["demo"] is True
    assert collection["attribution"][0].startswith("© OpenStreetMap-bijdragers (ODbL)")
    features = collection["features"]
    assert len(features) > 2000
    assert len({f["properties"]["h3"] for f in features}) == len(features)  # one feature per hexagon
    for feature in features[:300]:
        p = feature["properties"]
        assert {"h3", "nis", "population", "population_within_reach", "minutes_to_nearest",
                "nearest_service_id"} <= set(p)
        assert h3.is_valid_cell(p["h3"]) and h3.get_resolution(p["h3"]) == 8
        assert (p["minutes_to_nearest"] is None) == (p["nearest_service_id"] is None)
        assert (p["minutes_to_nearest"] is None) == (p["population_within_reach"] == 0)
        assert p["minutes_to_nearest"] is None or 0 <= p["minutes_to_nearest"] <= 30
        lon, lat = feature["geometry"]["coordinates"][0][0]
        assert 2.5 < lon < 5.2 and 50.6 < lat < 51.5  # EPSG:4326, longitude first
    rows = gaps_client.get("/api/v1/gaps", params=params).json()["rows"]
    people = sum(f["properties"]["population"] for f in features)
    assert abs(people - sum(r["population"] for r in rows)) <= len(features)  # rounding per hexagon only
    assert abs(people - 731_632) / 731_632 < 0.01  # everyone of the 44 municipalities (2020) is placed
    within = sum(f["properties"]["population_within_reach"] for f in features)
    assert abs(within - sum(r["population_within_reach"] for r in rows)) <= len(features)


def test_coordinator_page_png_csv_and_geopackage(gaps_state, loaded_engine, tmp_path):
    import pyogrio

    email = f"coord-{uuid.uuid4().hex[:6]}@example.org"
    with Session(loaded_engine) as session:
        create_user(session, email=email, password=PASSWORD, role="coordinator")
    with new_client(gaps_state) as client:
        assert client.get("/coordinator/hiaten").status_code == 401
        login(client, email)
        page = client.get("/coordinator/hiaten", params={"need": "language", "profile": "walk", "compare": "bike"})
        assert page.status_code == 200
        assert "Waar is hulp niet bereikbaar?" in page.text and "Buiten bereik" in page.text
        assert "Per deelgemeente" in page.text and 'id="deelgemeententabel"' in page.text
        assert "te voet: geschat" in page.text and "wordt berekend" not in page.text
        assert client.get("/coordinator/hiaten", params={"need": "flying"}).status_code == 422
        png = client.get("/coordinator/hiaten.png", params={"need": "language", "profile": "walk"})
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        csv_response = client.get("/coordinator/hiaten.csv", params={"need": "language", "profile": "walk"})
        lines = csv_response.text.splitlines()
        assert lines[0].startswith("need,profile,nis,municipality,place")
        assert len(lines) > 1 + 44 + 44  # the municipalities, then their deelgemeenten
        package = client.get("/coordinator/hiaten.gpkg", params={"need": "language"})
        assert package.status_code == 200 and package.content[:16] == b"SQLite format 3\x00"
    path = tmp_path / "hiaten.gpkg"
    path.write_bytes(package.content)
    layers = dict(pyogrio.list_layers(path))
    profiles = ("walk", "bike", "cannot_cycle", "no_licence", "car")
    assert set(layers) == {"services"} | {f"{kind}_language_{p}" for kind in ("hexagons", "municipalities")
                                          for p in profiles}
    assert layers["services"] == "Point" and layers["hexagons_language_walk"] == "Polygon"
    info = pyogrio.read_info(path, layer="hexagons_language_walk")
    assert info["crs"] == "EPSG:4326" and info["features"] > 2000
    assert {"h3", "nis", "population", "population_within_reach", "minutes_to_nearest", "nearest_service_id",
            "nearest_service_name", "travel_times"} <= set(info["fields"])
    assert pyogrio.read_info(path, layer="municipalities_language_car")["features"] == 44
    services = pyogrio.read_dataframe(path, layer="services")
    assert {"id", "name", "organization_id", "address_1", "postal_code", "city", "demo"} <= set(services.columns)
    assert len(services) == sum(len(s.location_indices) for s in gaps_state.catalog().services)
    assert services["demo"].all()
