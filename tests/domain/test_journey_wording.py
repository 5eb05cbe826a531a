"""The router's Dutch travel details said again in French and English; Dutch untouched."""

from __future__ import annotations

import itertools

import pytest

from app.core import i18n
from app.core.config import PROJECT_ROOT
from app.domain import journey_wording
from app.domain.journey_wording import travel_detail
from routing.transit.wording import headway_phrase, journey_summary, line_label, vehicle_word

#: where the router and the search word a detail without routing.transit.wording
DETAIL_SOURCES = ("routing/transit/summary.py", "routing/transit/estimate.py", "app/domain/reach.py")


@pytest.mark.parametrize(
    ("detail", "french", "english"),
    [
        ("bus 45, elk uur", "bus 45, toutes les heures", "bus 45, every hour"),
        ("trein IC en bus 12, om de 20 min", "train IC et bus 12, toutes les 20 min", "train IC and bus 12, every 20 min"),
        ("bus 1 + 2 overstappen, om de 1,5 uur", "bus 1 + 2 correspondances, toutes les 1,5 heures",
         "bus 1 + 2 changes, every 1.5 hours"),
        ("trein IC, minder dan om de 45 min; bus van of naar het station geschat",
         "train IC, moins d'une fois toutes les 45 min; bus vers ou depuis la gare estimé",
         "train IC, less than once every 45 min; bus to or from the station estimated"),
        ("trein Gent-Sint-Pieters - Kortrijk, geschat", "train Gent-Sint-Pieters - Kortrijk, estimé",
         "train Gent-Sint-Pieters - Kortrijk, estimated"),
        ("te voet, geen dienstregeling geladen", "à pied, aucun horaire chargé", "on foot, no timetable loaded"),
        ("tram 4; halte op aanvraag (vooraf bellen of de chauffeur verwittigen)",
         "tram 4; arrêt sur demande (appeler à l'avance ou prévenir le chauffeur)",
         "tram 4; request stop (call ahead or tell the driver)"),
    ],
)
def test_details_in_french_and_english(detail, french, english):
    assert travel_detail(detail) == detail
    with i18n.language_in_use("nl"):
        assert travel_detail(detail) == detail
    with i18n.language_in_use("fr"):
        assert travel_detail(detail) == french
    with i18n.language_in_use("en"):
        assert travel_detail(detail) == english


@pytest.mark.parametrize("detail", ["met de boot, elk uur", "bus 45; iets nieuws", "fiets 3"])
def test_a_detail_worded_otherwise_stays_whole_in_dutch(detail):
    with i18n.language_in_use("fr"):
        assert travel_detail(detail) == detail


def test_every_vehicle_word_of_the_router_is_known():
    words = {vehicle_word(route_type) for route_type in range(0, 1700)}
    assert words <= set(journey_wording.VEHICLES)


def test_everything_the_router_words_is_translated():
    """Each shape journey_summary and headway_phrase give, read back in French and English."""
    lines = [line_label(0, "4"), line_label(2, "IC"), line_label(3, "45"), line_label(1100, "")]
    frequencies = {headway_phrase(minutes) for minutes in (8, 15, 20, 30, 45, 60, 95, 120, 150, 200)}
    frequencies |= {headway_phrase(float("nan"), single_in_window_minutes=window) for window in (30, 45, 60, 90)}
    assert len(frequencies) >= 10
    shapes = []
    for first, last, transfers, frequency in itertools.product(lines, lines, (0, 1, 2, 3), sorted(frequencies)):
        shapes.append(journey_summary([first, last] if transfers else [first], transfers, frequency))
    for language in ("fr", "en"):
        with i18n.language_in_use(language):
            for dutch in shapes:
                said = travel_detail(dutch)
                assert said != dutch or not any(word in dutch for word in (" en ", "elk", "om de", "trein", "overstap")), dutch
                assert not any(word in said for word in ("elk ", "om de ", "trein", "overstap", "minder dan", " en ")), said


def test_the_fixed_details_are_the_routers_own_words():
    source = "".join((PROJECT_ROOT / name).read_text(encoding="utf-8") for name in DETAIL_SOURCES)
    for phrase in journey_wording.FIXED:
        assert f'"{phrase}' in source or f"; {phrase}" in source, phrase
