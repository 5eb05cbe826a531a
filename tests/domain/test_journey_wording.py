"""A journey's structured detail worded in the language in use: Dutch as the router's own
Dutch wording, French and English through the catalogues."""

from __future__ import annotations

import itertools

import pytest

from app.core import i18n
from app.domain import journey_wording
from app.domain.journey_wording import AT_HOME, NO_TIMETABLE, travel_detail
from routing.transit.detail import ESTIMATED_BUS, ESTIMATED_TRAIN, KINDS, TIMETABLED, WALK, JourneyDetail, Line
from routing.transit.wording import describe, vehicle_kind

BUS_45, BUS_12, BUS_1 = Line(3, "45"), Line(3, "12"), Line(3, "1")
TRAIN_IC, TRAM_4 = Line(2, "IC"), Line(0, "4")


@pytest.mark.parametrize(
    ("detail", "dutch", "french", "english"),
    [
        (JourneyDetail(TIMETABLED, lines=(BUS_45,), headway_minutes=60.0),
         "bus 45, elk uur", "bus 45, toutes les heures", "bus 45, every hour"),
        (JourneyDetail(TIMETABLED, lines=(TRAIN_IC, BUS_12), transfers=1, headway_minutes=20.0),
         "trein IC en bus 12, om de 20 min", "train IC et bus 12, toutes les 20 min",
         "train IC and bus 12, every 20 min"),
        (JourneyDetail(TIMETABLED, lines=(BUS_1, TRAIN_IC), transfers=2, headway_minutes=90.0),
         "bus 1 + 2 overstappen, om de 1,5 uur", "bus 1 + 2 correspondances, toutes les 1,5 heures",
         "bus 1 + 2 changes, every 1.5 hours"),
        (JourneyDetail(TIMETABLED, lines=(TRAIN_IC,), single_in_window_minutes=45.0, feeder_bus_estimated=True),
         "trein IC, minder dan om de 45 min; bus van of naar het station geschat",
         "train IC, moins d'une fois toutes les 45 min; bus vers ou depuis la gare estimé",
         "train IC, less than once every 45 min; bus to or from the station estimated"),
        (JourneyDetail(ESTIMATED_TRAIN, boarding="Gent-Sint-Pieters", alighting="Kortrijk"),
         "trein Gent-Sint-Pieters - Kortrijk, geschat", "train Gent-Sint-Pieters - Kortrijk, estimé",
         "train Gent-Sint-Pieters - Kortrijk, estimated"),
        (NO_TIMETABLE, "te voet, geen dienstregeling geladen", "à pied, aucun horaire chargé",
         "on foot, no timetable loaded"),
        (JourneyDetail(TIMETABLED, lines=(TRAM_4,), on_request=True),
         "tram 4; halte op aanvraag (vooraf bellen of de chauffeur verwittigen)",
         "tram 4; arrêt sur demande (appeler à l'avance ou prévenir le chauffeur)",
         "tram 4; request stop (call ahead or tell the driver)"),
    ],
)
def test_details_in_dutch_french_and_english(detail, dutch, french, english):
    assert travel_detail(detail) == dutch == describe(detail)
    with i18n.language_in_use("nl"):
        assert travel_detail(detail) == dutch
    with i18n.language_in_use("fr"):
        assert travel_detail(detail) == french
    with i18n.language_in_use("en"):
        assert travel_detail(detail) == english


def test_a_service_that_comes_home_says_so_in_each_language():
    assert travel_detail(AT_HOME) == "komt aan huis"
    for language in ("fr", "en"):
        with i18n.language_in_use(language):
            assert travel_detail(AT_HOME) not in ("", "komt aan huis")


def test_a_detail_of_an_unknown_kind_is_refused_not_half_worded():
    with pytest.raises(ValueError, match="boat"):
        travel_detail(JourneyDetail("boat"))


def test_every_vehicle_kind_of_the_router_is_known():
    kinds = {vehicle_kind(route_type) for route_type in range(0, 1700)}
    assert kinds <= set(journey_wording.VEHICLES)


def _every_shape() -> list[JourneyDetail]:
    """Each shape the router gives: every kind, ride, frequency and flag."""
    lines = [TRAM_4, TRAIN_IC, BUS_45, Line(1100, "")]
    headways = [(minutes, None) for minutes in (8, 15, 20, 30, 45, 60, 95, 120, 150, 180, 200)]
    headways += [(None, window) for window in (20, 30, 45, 60, 90)] + [(None, None)]
    shapes = [JourneyDetail(kind) for kind in (WALK, ESTIMATED_BUS, journey_wording.NO_TIMETABLE.kind)]
    shapes.append(JourneyDetail(ESTIMATED_TRAIN, boarding="Ieper", alighting="Kortrijk"))
    for first, last, transfers, (headway, window), feeder, on_request in itertools.product(
        lines, lines, (0, 1, 2, 3), headways, (False, True), (False, True)
    ):
        shapes.append(JourneyDetail(
            TIMETABLED, lines=(first, last) if transfers and first != last else (first,), transfers=transfers,
            headway_minutes=headway, single_in_window_minutes=window, feeder_bus_estimated=feeder,
            on_request=on_request,
        ))
    assert {shape.kind for shape in shapes} == set(KINDS)
    return shapes


def test_dutch_is_word_for_word_the_routers_own_wording():
    for shape in _every_shape():
        assert travel_detail(shape) == describe(shape), shape


def test_everything_the_router_describes_is_translated():
    for language in ("fr", "en"):
        with i18n.language_in_use(language):
            for shape in _every_shape():
                said = travel_detail(shape)
                assert not any(word in said for word in (
                    "elk ", "om de ", "trein", "overstap", "minder dan", " en ", "geschat", "te voet", "halte")), said
