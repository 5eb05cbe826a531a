"""The coach's pages without JavaScript: the form, the results, the referral sheet."""

from __future__ import annotations

import re
import uuid

from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from tests.web.test_partner_pages import login, new_client


def test_the_empty_form_renders_grouped_needs_and_presets(client):
    response = client.get("/zoeken")
    assert response.status_code == 200
    html = response.text
    assert 'name="noden" value="language/nt2"' in html
    assert "Kan (nog) niet fietsen" in html and "Geen rijbewijs" in html
    assert "Er wordt niets bewaard over de deelnemer" in html


def test_a_plain_get_search_shows_ranked_results_without_javascript(client):
    response = client.get(
        "/zoeken", params=[("woonplaats", "Heule"), ("noden", "housing"), ("noden", "language/nt2"), ("vervoer", "no-licence")]
    )
    assert response.status_code == 200
    html = response.text
    assert "bereikbaar vanuit" in html
    assert html.count('class="result"') >= 1
    assert "Reistijden zijn schattingen" in html
    assert "Waarom niet?" in html
    assert "Demonstratiedata" in html


def test_htmx_requests_get_only_the_results_fragment(client):
    response = client.get(
        "/zoeken", params={"woonplaats": "8500", "noden": "housing"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "bereikbaar vanuit" in response.text


def test_form_errors_are_dutch_and_never_a_500(client):
    response = client.get("/zoeken", params={"woonplaats": "Gent", "noden": "housing"})
    assert response.status_code == 200
    assert "buiten" in response.text
    response = client.get("/zoeken", params={"woonplaats": "8500"})
    assert "Kies minstens één nood." in response.text
    response = client.get("/zoeken", params={"woonplaats": "8500", "noden": "nonsense"})
    assert response.status_code == 200
    assert 'role="alert"' in response.text


def test_referral_sheet_is_printable_dutch_with_travel_and_demo_notice(client):
    html = client.get("/zoeken", params={"woonplaats": "8500", "noden": "housing", "vervoer": "bike"}).text
    link = re.search(r'href="(/verwijsfiche/[^"]+geschat=true[^"]*)"', html).group(1).replace("&amp;", "&")
    sheet = client.get(link)
    assert sheet.status_code == 200
    text = sheet.text
    assert "Wat neem je mee?" in text and "Hoe geraak je er?" in text
    assert "demonstratiedata" in text
    assert "Dit is een schatting" in text
    assert "Lijn voor begeleiders" not in text


def test_internal_lines_are_for_coaches_and_coordinators_only(client, app_state, loaded_engine):
    query = {"woonplaats": "8500", "noden": "housing"}
    assert "Lijn voor begeleiders" not in client.get("/zoeken", params=query).text
    with Session(loaded_engine) as session:
        organization_id = session.exec(select(models.Organization.id)).first()
        seen = {}
        for role in ("coach", "coordinator", "partner"):
            email = f"{role}-lines-{uuid.uuid4().hex[:6]}@example.org"
            create_user(session, email=email, password="een-lang-wachtwoord", role=role,
                        organization_ids=[organization_id] if role == "partner" else [])
            with new_client(app_state) as signed_in:
                login(signed_in, email)
                seen[role] = "Lijn voor begeleiders" in signed_in.get("/zoeken", params=query).text
    assert seen == {"coach": True, "coordinator": True, "partner": False}


def test_the_public_never_sees_draft_services_among_the_excluded(client, loaded_engine):
    with Session(loaded_engine) as session:
        hidden = {s.id for s in session.exec(select(models.Service)).all() if not s.published or s.status != "active"}
    assert hidden
    body = client.post("/api/v1/search", json={"home": {"query": "Kortrijk"}, "needs": ["housing", "income-debt", "work"],
                                               "mobility": {"profile": "car"}, "limit": 100}).json()
    assert not hidden & {e["service_id"] for e in body["excluded"]}
    assert all("Niet actief" not in " ".join(e["reasons"]) for e in body["excluded"])


def test_unknown_referral_sheet_is_404(client):
    assert client.get("/verwijsfiche/does-not-exist").status_code == 404


def test_the_map_shows_the_area_reached_by_each_mode_the_person_has(client):
    import html as html_module
    import json

    from shapely.geometry import Point, shape

    def area(profile: str) -> dict:
        page = client.get("/zoeken", params={"woonplaats": "8500", "noden": "housing", "vervoer": profile})
        raw = re.search(r"data-map='([^']+)'", page.text).group(1)
        return json.loads(html_module.unescape(raw))["isochrone"]

    walking, cycling = area("walk"), area("bike")
    assert walking["label"] == "Bereikbaar te voet (30 min) (schatting)"
    assert cycling["label"] == "Bereikbaar te voet (30 min) of met de fiets (30 min) (schatting)"
    # a cyclist reaches much farther than a walker: the bike's area, not only the first mode's
    assert shape(cycling["geometry"]).area > 5 * shape(walking["geometry"]).area
    assert shape(cycling["geometry"]).contains(Point(3.2784, 50.8179))


def test_every_need_the_taxonomy_offers_can_be_searched_at_once(client):
    # The form offers every top-level need (13); asking for all of them is a search, not a 422.
    from app.domain.taxonomy import all_needs, top_level_codes

    everything = top_level_codes()
    assert len(everything) == 13
    body = client.post("/api/v1/search", json={"home": {"query": "Kortrijk"}, "needs": everything})
    assert body.status_code == 200, body.text
    page = client.get("/zoeken", params=[("woonplaats", "Kortrijk"), *[("noden", code) for code in everything]])
    assert page.status_code == 200
    assert "bereikbaar vanuit" in page.text
    # the limit follows the taxonomy: every code once fits, one more item does not
    every_code = [term.code for term in all_needs()]
    assert client.post("/api/v1/search", json={"home": {"query": "Kortrijk"}, "needs": every_code}).status_code == 200
    too_many = client.post("/api/v1/search", json={"home": {"query": "Kortrijk"}, "needs": [*every_code, "housing"]})
    assert too_many.status_code == 422
