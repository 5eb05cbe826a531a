"""The coach's pages without JavaScript: the form, the results, the referral sheet."""

from __future__ import annotations

import re


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
    link = re.search(r'href="(/verwijsfiche/[^"]+geschat=true)"', html).group(1).replace("&amp;", "&")
    sheet = client.get(link)
    assert sheet.status_code == 200
    text = sheet.text
    assert "Wat neem je mee?" in text and "Hoe geraak je er?" in text
    assert "demonstratiedata" in text
    assert "Dit is een schatting" in text
    assert "Lijn voor begeleiders" not in text


def test_internal_lines_are_for_signed_in_users_only(client):
    html = client.get("/zoeken", params={"woonplaats": "8500", "noden": "housing"}).text
    assert "Lijn voor begeleiders" not in html


def test_unknown_referral_sheet_is_404(client):
    assert client.get("/verwijsfiche/does-not-exist").status_code == 404
