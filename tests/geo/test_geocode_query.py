"""What was typed, taken apart: cleaning, coordinates, postcode / place / the rest."""

from __future__ import annotations

import pytest

from geo.errors import InvalidCoordinates, InvalidQuery, LocationNotFound
from geo.geocode_query import (
    MAX_QUERY_LENGTH,
    STREET_UNKNOWN,
    ParsedQuery,
    clean_query,
    coordinates_in,
    parse_query,
    split_street_number,
    street_note,
)


def test_clean_query_drops_control_characters_and_refuses_what_cannot_be_looked_up():
    assert clean_query(" Marke\x00\tKortrijk \n") == "Marke  Kortrijk"
    with pytest.raises(InvalidQuery):
        clean_query(8500)
    with pytest.raises(InvalidQuery):
        clean_query("x" * (MAX_QUERY_LENGTH + 1))
    with pytest.raises(LocationNotFound):
        clean_query(" \x07 ")


@pytest.mark.parametrize("typed", ["50.79, 3.12", "3.12 50.79", "50,79; 3,12", "50.79° N 3.12° E"])
def test_coordinates_in_either_order_come_back_as_lon_lat(typed):
    assert coordinates_in(typed) == (3.12, 50.79)


def test_text_is_not_coordinates_and_numbers_outside_belgium_are_refused():
    assert coordinates_in("8500 Kortrijk") is None
    with pytest.raises(InvalidCoordinates):
        coordinates_in("48.85, 2.35")


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("8500", ParsedQuery("8500", "", "")),
        ("Kortrijk 8500", ParsedQuery("8500", "Kortrijk", "")),
        ("Kerkstraat 5, 8510 Marke, België", ParsedQuery("8510", "Marke", "Kerkstraat 5")),
        ("Kerkstraat 5 Kortrijk", ParsedQuery(None, "Kortrijk", "Kerkstraat 5")),
        ("Heule", ParsedQuery(None, "Heule", "")),
    ],
)
def test_parse_query_finds_postcode_place_and_the_rest(typed, parsed):
    assert parse_query(typed) == parsed


def test_a_street_or_number_that_does_not_locate_gets_a_note():
    assert street_note("Kerkstraat") == STREET_UNKNOWN
    assert street_note("12") == STREET_UNKNOWN
    assert street_note("") == "" and street_note("bij de kerk") == ""


def test_split_street_number():
    assert split_street_number("Stationsstraat 12") == ("Stationsstraat", "12")
    assert split_street_number("Grote Markt 7 bus 3") == ("Grote Markt", "7 bus 3")
    assert split_street_number("Lindenlaan") == ("Lindenlaan", "")
