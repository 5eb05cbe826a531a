"""The public transport legs on the referral sheet: walk to the station, which train at what time,
where to get off, where to change, the walk at the end, in the participant's language.

The sheet gets only numbers from its URL (home ``van``, departure ``vertrek``, the timetable day
``dienstdag``); the journey is computed here, server-side, by :meth:`app.domain.reach.Reach.journey`.
Buses without a timetable are estimated: they get minutes and the word "geschat", never a clock time.
"""

from __future__ import annotations

import logging
from datetime import date, time

from app.core import i18n
from routing.transit.journey import EstimatedBus, Itinerary, Ride, Transfer, Walk
from routing.transit.wording import vehicle_word

logger = logging.getLogger(__name__)

#: ``vertrek``: the hour the participant leaves, HH:MM (nothing else reaches the sheet)
DEPARTURE_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


def sheet_itinerary(
    state, mode: str | None, origin: str | None, locations, service_date: date | None, departure: str | None
) -> Itinerary | None:
    """The journey from ``origin`` ("lat,lon") to the first location, leaving at ``departure`` on
    ``service_date``; ``None`` unless the mode is public transport and every piece is given."""
    if mode != "transit" or not origin or not locations or service_date is None or not departure:
        return None
    lat, lon = (float(part) for part in origin.split(","))
    hours, minutes = (int(part) for part in departure.split(":"))
    target = locations[0]
    try:
        return state.reach.journey((lon, lat), (target.longitude, target.latitude), service_date=service_date,
                                   departure=time(hours, minutes))
    except Exception as exc:  # noqa: BLE001 - the sheet without legs is better than no sheet
        logger.warning("no journey legs on the sheet (%s)", type(exc).__name__)  # no coordinates in logs
        return None


def journey_text(itinerary: Itinerary | None) -> dict | None:
    """The journey in the language in use: an introduction, one sentence per leg, and notes."""
    if itinerary is None or not itinerary.rides:
        return None  # walking only: the sheet's minutes say it
    _ = i18n.gettext
    clock = i18n.clock_time
    steps = [_("Vertrek om %(time)s.") % {"time": clock(itinerary.leave)}]
    legs = list(itinerary.legs)
    for index, leg in enumerate(legs):
        following = legs[index + 1] if index + 1 < len(legs) else None
        if isinstance(leg, Walk):
            steps.append(_walk_sentence(leg, following))
        elif isinstance(leg, EstimatedBus):
            steps.append(_bus_sentence(leg))
        elif isinstance(leg, Ride):
            steps += _ride_sentences(leg)
        elif isinstance(leg, Transfer):
            steps.append(_("Overstappen in %(stop)s (%(minutes)s min).") % {
                "stop": leg.at_stop, "minutes": leg.walk_minutes + leg.wait_minutes})
    steps.append(_("Aankomst om %(time)s.") % {"time": clock(itinerary.arrival)})
    notes = []
    if any(isinstance(leg, EstimatedBus) for leg in legs):
        notes.append(_("De bus is geschat: we kennen de busuren niet. Kijk ze na bij De Lijn."))
    if any(isinstance(leg, Walk) and leg.estimated for leg in legs):
        notes.append(_("De wandeltijd is geschat in vogelvlucht."))
    if any(isinstance(leg, Ride) and (leg.board_on_request or leg.alight_on_request) for leg in legs):
        notes.append(_("Een halte is op aanvraag: bel vooraf of verwittig de chauffeur."))
    intro = _("Zo reis je, volgens de dienstregeling van %(day)s:") % {"day": i18n.full_date(itinerary.service_date)}
    return {"intro": intro, "steps": steps, "notes": notes}


def _walk_sentence(leg: Walk, following) -> str:
    _ = i18n.gettext
    if leg.to_stop is None:
        return _("Wandel %(minutes)s min naar het adres.") % {"minutes": leg.minutes}
    if isinstance(following, Ride) and vehicle_word(following.route_type) == "trein":
        return _("Wandel %(minutes)s min naar station %(stop)s.") % {"minutes": leg.minutes, "stop": leg.to_stop}
    return _("Wandel %(minutes)s min naar halte %(stop)s.") % {"minutes": leg.minutes, "stop": leg.to_stop}


def _bus_sentence(leg: EstimatedBus) -> str:
    _ = i18n.gettext
    if leg.to_stop is None:
        return _("Neem de bus naar het adres (ongeveer %(minutes)s min, geschat).") % {"minutes": leg.minutes}
    return _("Neem de bus naar station %(stop)s (ongeveer %(minutes)s min, geschat).") % {
        "stop": leg.to_stop, "minutes": leg.minutes}


def _vehicle(route_type: int) -> str:
    _ = i18n.gettext
    nouns = {"trein": _("de trein"), "bus": _("de bus"), "tram": _("de tram"), "metro": _("de metro")}
    return nouns.get(vehicle_word(route_type), _("de lijn"))


def _ride_sentences(leg: Ride) -> list[str]:
    _ = i18n.gettext
    name = " ".join(part for part in (leg.route_short_name, leg.trip_short_name) if part)
    values = {"vehicle": _vehicle(leg.route_type), "name": name, "headsign": leg.headsign,
              "time": i18n.clock_time(leg.departure), "platform": leg.board_platform}
    if leg.headsign and leg.board_platform:
        board = _("Neem %(vehicle)s %(name)s richting %(headsign)s om %(time)s (perron %(platform)s).")
    elif leg.headsign:
        board = _("Neem %(vehicle)s %(name)s richting %(headsign)s om %(time)s.")
    elif leg.board_platform:
        board = _("Neem %(vehicle)s %(name)s om %(time)s (perron %(platform)s).")
    else:
        board = _("Neem %(vehicle)s %(name)s om %(time)s.")
    sentences = [" ".join((board % values).split())]  # no double space where a name is missing
    if leg.continues_as:
        sentences.append(_("Blijf zitten: %(vehicle)s rijdt verder als %(names)s.") % {
            "vehicle": values["vehicle"], "names": ", ".join(leg.continues_as)})
    alight = {"stop": leg.alight_stop, "time": i18n.clock_time(leg.arrival), "platform": leg.alight_platform}
    if leg.alight_platform:
        sentences.append(_("Stap af in %(stop)s om %(time)s (perron %(platform)s).") % alight)
    else:
        sentences.append(_("Stap af in %(stop)s om %(time)s.") % alight)
    return sentences
