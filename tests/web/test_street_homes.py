"""A coach types a street: the API and the search page place the home on it and say what they could not place."""

from __future__ import annotations


def test_the_geocode_api_answers_a_street_with_its_precision_and_note(client):
    body = client.get("/api/v1/geocode", params={"q": "Grote Markt 3, Kortrijk"}).json()
    best = body["candidates"][0]
    assert best["precision"] == "street"
    assert best["label"] == "Grote Markt 3, 8500 Kortrijk (huisnummer niet geplaatst)"
    assert best["note"].startswith("huisnummer 3 niet geplaatst")
    assert best["municipality"] == {"nis": "34022", "name": "Kortrijk"}


def test_the_coach_search_starts_from_the_street_and_asks_when_a_street_is_in_two_villages(client):
    page = client.get("/zoeken", params={"woonplaats": "Grote Markt 3, Kortrijk", "noden": "housing"}).text
    assert "bereikbaar vanuit" in page and "Grote Markt 3, 8500 Kortrijk (huisnummer niet geplaatst)" in page
    ambiguous = client.get("/zoeken", params={"woonplaats": "Kortrijksestraat Wevelgem", "noden": "housing"}).text
    assert "Bedoel je:" in ambiguous
    assert ambiguous.count("Kortrijksestraat, 8560 ") >= 2  # one candidate per village
