"""A result's reasons and warnings in the language in use: Dutch by default, French and English for the widget."""

from __future__ import annotations

from datetime import date

import pytest

from app.core import i18n
from app.domain import reason_wording as words
from app.domain.matching import match_services
from routing.transit.detail import TIMETABLED, JourneyDetail, Line
from tests.factories import make_catalog, make_participant, make_service, mode_times

TODAY = date(2026, 11, 2)


def _explained_match(language: str | None, *, waiting_weeks: int = 6):
    catalog = make_catalog(
        [make_service("s", {"housing", "income-debt"}, languages=("nl", "ar", "en"), waiting_list="short",
                      waiting_weeks=waiting_weeks, assured_date=date(2025, 3, 10), free_of_charge=False,
                      fees_description="5 euro")],
        1,
    )
    participant = make_participant(["housing", "income-debt", "work"], languages=("ar", "en"))
    times = [mode_times("bike", [12])]
    if language is None:
        return match_services(participant, catalog, times, today=TODAY).matches[0]
    with i18n.language_in_use(language):
        return match_services(participant, catalog, times, today=TODAY).matches[0]


DUTCH_REASONS = ("Helpt voor 2 van de 3 noden: wonen, inkomen en schulden", "12 min met de fiets (geschatte reistijd)",
                 "Spreekt Arabisch, Engels")
DUTCH_WARNINGS = ("Wachtlijst ± 6 weken", "Niet meer gecontroleerd sinds maart 2025", "Niet gratis: 5 euro")


def test_without_a_language_the_reasons_are_the_dutch_ones():
    match = _explained_match(None)
    assert (match.reasons, match.warnings) == (DUTCH_REASONS, DUTCH_WARNINGS)
    dutch = _explained_match("nl")
    assert (dutch.reasons, dutch.warnings) == (DUTCH_REASONS, DUTCH_WARNINGS)


@pytest.mark.parametrize(
    ("language", "reasons", "warnings"),
    [
        ("fr",
         ("Répond à 2 des 3 besoins : logement, revenus et dettes", "12 min à vélo (temps de trajet estimé)", "Parle arabe, anglais"),
         ("Liste d'attente d'environ 6 semaines", "Pas vérifié depuis mars 2025", "Payant : 5 euro")),
        ("en",
         ("Helps with 2 of the 3 needs: housing, income and debt", "12 min by bike (estimated travel time)",
          "Speaks Arabic, English"),
         ("Waiting list of about 6 weeks", "Not checked since March 2025", "Not free of charge: 5 euro")),
    ],
)
def test_in_french_and_english_the_reasons_and_warnings_are_translated(language, reasons, warnings):
    match = _explained_match(language)
    assert match.reasons == reasons
    assert match.warnings == warnings


def test_one_week_of_waiting_is_singular():
    assert "Wachtlijst ± 1 week" in _explained_match(None, waiting_weeks=1).warnings
    assert "Liste d'attente d'environ 1 semaine" in _explained_match("fr", waiting_weeks=1).warnings
    assert "Waiting list of about 1 week" in _explained_match("en", waiting_weeks=1).warnings


@pytest.mark.parametrize(
    ("language", "expected"),
    [(None, ("Helpt voor: wonen", "Komt aan huis in Kortrijk", "Met tolk")),
     ("fr", ("Aide pour : logement", "Se déplace à domicile à Kortrijk", "Avec un interprète")),
     ("en", ("Helps with: housing", "Visits you at home in Kortrijk", "With an interpreter"))],
)
def test_home_visits_and_an_interpreter_in_each_language(language, expected):
    catalog = make_catalog(
        [make_service("home", {"housing"}, (), outreach=True, service_area=frozenset({"34022"}), languages=("nl",),
                      interpretation_available=True, waiting_list="none")],
        1,
    )
    participant = make_participant(["housing"], languages=("ti",))
    if language is None:
        match = match_services(participant, catalog, [mode_times("bike", [5])], today=TODAY).matches[0]
    else:
        with i18n.language_in_use(language):
            match = match_services(participant, catalog, [mode_times("bike", [5])], today=TODAY).matches[0]
    assert match.reasons[:3] == expected


def test_the_transit_reason_words_the_journey_detail_in_the_language_in_use():
    detail = JourneyDetail(TIMETABLED, lines=(Line(3, "45"),), headway_minutes=60.0)
    assert words.travel("transit", 25, detail=detail, estimated=False) == "25 min met bus of trein (bus 45, elk uur)"
    with i18n.language_in_use("fr"):
        assert words.travel("transit", 25, detail=detail, estimated=False) == (
            "25 min en bus ou en train (bus 45, toutes les heures)")
