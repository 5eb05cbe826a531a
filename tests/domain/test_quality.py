"""The coordinator's data-quality overview: counts and links per partnership, and who sees which partnership."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta, timezone
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core import models
from app.core.auth import create_user
from app.domain.quality import data_quality
from app.server.main import create_app
from app.server.app_state import AppState
from tests.conftest import separate_database

TODAY = date(2026, 11, 2)
STALE_DAYS = 365
PASSWORD = "een-lang-wachtwoord"
WEST, KEMPEN = "westhoek", "turnhout"  # programmes WestUp and PAKT


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def world(regions, tmp_path_factory):
    """Two partnerships with a known set of problems, and many newer changes elsewhere."""
    west, west_other = (m.nis for m in regions.in_partnership(WEST)[:2])
    kempen = regions.in_partnership(KEMPEN)[0].nis
    ids = {name: new_id() for name in ("org_w", "org_k", "lw_address", "lw_postcode", "lw_gone", "lk_place",
                                        "clean", "stale", "only_gone", "closed", "kempen", "outreach")}
    fresh, old = TODAY - timedelta(days=30), TODAY - timedelta(days=STALE_DAYS + 300)
    with separate_database(tmp_path_factory, regions, "quality") as engine, Session(engine) as session:
        session.add_all([
            models.Organization(id=ids["org_w"], name="Welzijn West"),
            models.Organization(id=ids["org_k"], name="Kempens Onthaal"),
        ])
        session.flush()

        def location(key, org, nis, precision, *, active=True):
            return models.Location(id=ids[key], organization_id=ids[org], name=f"Locatie {key}", municipality_nis=nis,
                                   latitude=51.0, longitude=3.0, geocode_precision=precision, active=active)

        session.add_all([
            location("lw_address", "org_w", west, "address"), location("lw_postcode", "org_w", west_other, "postcode"),
            location("lw_gone", "org_w", west, "municipality", active=False),
            location("lk_place", "org_k", kempen, "place"),
        ])

        def service(key, org, *, assured, languages=("nl",), status="active", outreach=False):
            return models.Service(id=ids[key], organization_id=ids[org], name=f"Dienst {key}", assured_date=assured,
                                  languages=list(languages), status=status, outreach=outreach)

        session.add_all([
            service("clean", "org_w", assured=fresh), service("stale", "org_w", assured=old, languages=()),
            service("only_gone", "org_w", assured=old), service("closed", "org_w", assured=old, status="inactive"),
            service("kempen", "org_k", assured=None, languages=("nl", "fr")),
            service("outreach", "org_k", assured=fresh, languages=(), outreach=True),
        ])
        session.flush()
        for key, location_key in (("clean", "lw_address"), ("stale", "lw_postcode"), ("only_gone", "lw_gone"),
                                  ("closed", "lw_address"), ("kempen", "lk_place")):
            session.add(models.ServiceAtLocation(service_id=ids[key], location_id=ids[location_key]))
        session.add(models.ServiceArea(service_id=ids["outreach"], municipality_nis=west))
        for key in ("clean", "outreach", "closed"):
            session.add(models.Schedule(service_id=ids[key], weekday=1, opens_at=time(9), closes_at=time(12)))
        # hours that ended last year do not count as opening hours
        session.add(models.Schedule(service_id=ids["kempen"], weekday=2, opens_at=time(9), closes_at=time(12),
                                    valid_to=TODAY - timedelta(days=300)))
        moment = datetime(2026, 10, 1, 12, tzinfo=timezone.utc)
        for key, resource in (("stale", "service"), ("lw_postcode", "location"), ("kempen", "service"),
                              ("lw_gone", "location")):
            session.add(models.ChangeRecord(resource_id=ids[key], resource_type=resource, last_action_date=moment,
                                            last_action_type="update", field_name="name", updated_by="x@example.org"))
        # 450 newer changes to a service no partnership sees must not push the partnerships' own changes out
        session.add_all(models.ChangeRecord(resource_id=ids["only_gone"], resource_type="service",
                                            last_action_date=moment + timedelta(minutes=i), last_action_type="update",
                                            field_name="description", updated_by="x@example.org") for i in range(450))
        session.commit()
        yield engine, ids


def report(engine, regions, partnership=None):
    with Session(engine) as session:
        return {r.slug: r for r in data_quality(session, regions=regions, partnership=partnership,
                                                stale_after_days=STALE_DAYS, today=TODAY)}


def test_counts_and_links_per_partnership(world, regions):
    engine, ids = world
    reports = report(engine, regions)
    assert set(reports) == {"zuid-west-vlaanderen", WEST, "pajotarl", KEMPEN}
    west, kempen = reports[WEST], reports[KEMPEN]
    service = lambda key: (ids[key], f"/partner/diensten/{ids[key]}")  # noqa: E731
    rows = lambda items: sorted((row.id, row.href) for row in items)  # noqa: E731
    # a service whose only location was deactivated, and an inactive service, belong nowhere
    assert west.services == 3 and kempen.services == 1
    assert rows(west.stale) == [service("stale")]
    assert rows(west.without_hours) == [service("stale")]
    assert rows(west.without_languages) == sorted([service("stale"), service("outreach")])
    assert rows(west.low_precision) == [(ids["lw_postcode"], f"/partner/locaties/{ids['lw_postcode']}")]
    assert west.low_precision[0].detail == "punt op postcode" and west.low_precision[0].organization == "Welzijn West"
    assert rows(kempen.stale) == [service("kempen")] and kempen.stale[0].detail == "gecontroleerd: nooit"
    assert rows(kempen.without_hours) == [service("kempen")]
    assert kempen.without_languages == []
    assert [(row.id, row.detail) for row in kempen.low_precision] == [(ids["lk_place"], "punt op plaats")]
    assert sorted(item.href for item in west.recent_changes) == sorted(
        [f"/partner/diensten/{ids['stale']}", f"/partner/locaties/{ids['lw_postcode']}"])
    assert [item.href for item in kempen.recent_changes] == [f"/partner/diensten/{ids['kempen']}"]
    assert {item.title for item in west.recent_changes} == {"Dienst stale", "Locatie lw_postcode"}
    for empty in ("zuid-west-vlaanderen", "pajotarl"):
        assert reports[empty].services == 0 and not reports[empty].stale and not reports[empty].recent_changes


def test_a_partnership_in_scope_reports_only_that_partnership(world, regions):
    engine, _ids = world
    assert list(report(engine, regions, partnership=KEMPEN)) == [KEMPEN]


@pytest.fixture(scope="module")
def quality_app(world, app_state):
    engine, _ids = world
    state = AppState(settings=app_state.settings, engine=engine, regions=app_state.regions,
                     gazetteer=app_state.gazetteer, places=app_state.places, reach=app_state.reach,
                     attribution=app_state.attribution)
    with Session(engine) as session:
        for email, partnership in (("west@example.org", WEST), ("alle@example.org", None)):
            create_user(session, email=email, password=PASSWORD, role="coordinator", partnership_slug=partnership)
        create_user(session, email="partner@example.org", password=PASSWORD, role="partner",
                    organization_ids=[world[1]["org_w"]])
    return create_app(state=state)


def signed_in(app, email: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/aanmelden")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert client.post("/aanmelden", data={"email": email, "password": PASSWORD, "csrf": csrf}).status_code == 303
    return client


def sections(page: str) -> dict[str, str]:
    """Each partnership's card on the page, by its programme name."""
    return {unescape(re.search(r"<h2>([^<]+?) <small>", part).group(1)): part
            for part in page.split('<section class="card">')[1:]}


def counts(section: str) -> dict[str, int]:
    return {title: int(value) for title, value in re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", section)}


def test_the_page_of_a_partnership_coordinator_shows_only_their_partnership(world, quality_app):
    _engine, ids = world
    with signed_in(quality_app, "west@example.org") as client:
        page = client.get("/coordinator")
        assert page.status_code == 200
        cards = sections(page.text)
        assert list(cards) == ["WestUp"]
        assert "3 actieve diensten" in cards["WestUp"]
        assert counts(cards["WestUp"]) == {"Niet gecontroleerd": 1, "Zonder openingsuren": 1,
                                           "Locaties onnauwkeurig": 1, "Zonder talen": 2}
        assert f'href="/partner/diensten/{ids["stale"]}"' in page.text
        assert f'href="/partner/locaties/{ids["lw_postcode"]}"' in page.text
        # the Kempen organisation's outreach service comes to a West municipality: that one is West's business
        assert f'href="/partner/diensten/{ids["outreach"]}"' in page.text
        assert ids["kempen"] not in page.text and ids["lk_place"] not in page.text
        # the links lead somewhere this coordinator may go; the other partnership's service is closed to them
        assert client.get(f"/partner/diensten/{ids['stale']}").status_code == 200
        assert client.get(f"/partner/locaties/{ids['lw_postcode']}").status_code == 200
        assert client.get(f"/partner/diensten/{ids['kempen']}").status_code in (403, 404)


def test_a_coordinator_of_all_partnerships_sees_all_and_others_see_none(world, quality_app):
    _engine, ids = world
    with signed_in(quality_app, "alle@example.org") as client:
        cards = sections(client.get("/coordinator").text)
        assert set(cards) == {"'T PACT", "WestUp", "PajoTARL", "PAKT"}
        assert counts(cards["PAKT"]) == {"Niet gecontroleerd": 1, "Zonder openingsuren": 1,
                                         "Locaties onnauwkeurig": 1, "Zonder talen": 0}
        assert f'href="/partner/diensten/{ids["kempen"]}"' in cards["PAKT"]
        assert counts(cards["PajoTARL"]) == dict.fromkeys(counts(cards["PAKT"]), 0)
    with signed_in(quality_app, "partner@example.org") as client:
        response = client.get("/coordinator")
        assert response.status_code in (303, 403) and "Datakwaliteit" not in response.text
    with TestClient(quality_app, follow_redirects=False) as anonymous:
        response = anonymous.get("/coordinator")
        assert response.status_code in (303, 401) and "Datakwaliteit" not in response.text
