"""The travel detail of a result (``bus 45, elk uur``) in the language in use.

The timetable router (``routing/``, which knows nothing of the app's languages) describes each
journey as data (:class:`routing.transit.detail.JourneyDetail`); this module, and only it,
words that data through gettext, whole phrase by whole phrase. The msgids are the Dutch
phrases, so in Dutch the detail reads word for word as ``routing.transit.wording.describe``
gives it (a test keeps the two in step).
"""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_decimal

from app.core import i18n
from app.core.i18n import N_
from routing.transit import detail as journey
from routing.transit.detail import Frequency, JourneyDetail, Line
from routing.transit.wording import vehicle_kind

#: the app's own kind of detail: the service comes to the participant's home
AT_HOME_KIND = "at_home"
AT_HOME = JourneyDetail(AT_HOME_KIND)
#: transit without a timetable or stations: walking is the only honest answer
NO_TIMETABLE = JourneyDetail(journey.NO_TIMETABLE)

#: the details said in one fixed phrase, per kind
FIXED = {
    journey.WALK: N_("te voet"),
    journey.NO_TIMETABLE: N_("te voet, geen dienstregeling geladen"),
    journey.ESTIMATED_BUS: N_("bus, geschat"),
    AT_HOME_KIND: N_("komt aan huis"),
}
#: the word per kind of vehicle (routing.transit.wording.vehicle_kind; a test keeps the two in step)
VEHICLES = {
    "tram": N_("tram"), "metro": N_("metro"), "train": N_("trein"), "bus": N_("bus"), "ferry": N_("veerboot"),
    "cable_tram": N_("kabeltram"), "aerial_lift": N_("kabelbaan"), "funicular": N_("kabelspoor"),
    "trolleybus": N_("trolleybus"), "monorail": N_("monorail"), "taxi": N_("taxi"), "line": N_("lijn"),
}
#: the frequencies with a name, per minutes
NAMED_FREQUENCIES = {15: N_("elk kwartier"), 30: N_("elk half uur"), 60: N_("elk uur"), 120: N_("om de 2 uur")}
FEEDER_BUS_ESTIMATED = N_("bus van of naar het station geschat")
ON_REQUEST = N_("halte op aanvraag (vooraf bellen of de chauffeur verwittigen)")


def _line(line: Line) -> str:
    vehicle = i18n.gettext(VEHICLES[vehicle_kind(line.route_type)])
    return f"{vehicle} {line.short_name}".strip() if line.short_name else vehicle


def _ride(detail: JourneyDetail) -> str:
    first = _line(detail.lines[0])
    if detail.ride == "pair":
        return i18n.gettext("%(first)s en %(last)s") % {"first": first, "last": _line(detail.lines[-1])}
    if detail.ride == "changes":
        return i18n.ngettext("%(line)s + %(transfers)s overstap", "%(line)s + %(transfers)s overstappen",
                             detail.transfers) % {"line": first, "transfers": detail.transfers}
    return first


def _frequency(frequency: Frequency) -> str:
    if frequency.kind == "named":
        return i18n.gettext(NAMED_FREQUENCIES[frequency.minutes])
    if frequency.kind == "less_than_hour":
        return i18n.gettext("minder dan elk uur")
    if frequency.kind == "less_than_minutes":
        return i18n.gettext("minder dan om de %(minutes)s min") % {"minutes": frequency.minutes}
    if frequency.kind == "hours":
        hours = format_decimal(frequency.hours, format="0.0", locale=i18n.current_language())
        return i18n.gettext("om de %(hours)s uur") % {"hours": hours}
    return i18n.gettext("om de %(minutes)s min") % {"minutes": frequency.minutes}


def _timetabled(detail: JourneyDetail) -> str:
    frequency = detail.frequency
    text = _ride(detail)
    if frequency is not None:
        text = i18n.gettext("%(ride)s, %(frequency)s") % {"ride": text, "frequency": _frequency(frequency)}
    parts = [text]
    if detail.feeder_bus_estimated:
        parts.append(i18n.gettext(FEEDER_BUS_ESTIMATED))
    if detail.on_request:
        parts.append(i18n.gettext(ON_REQUEST))
    return "; ".join(parts)


@lru_cache(maxsize=4096)
def _worded(detail: JourneyDetail, language: str) -> str:
    # ``language`` keys the cache: the wording itself speaks the language in use
    if detail.kind in FIXED:
        return i18n.gettext(FIXED[detail.kind])
    if detail.kind == journey.ESTIMATED_TRAIN:
        return i18n.gettext("trein %(boarding)s - %(alighting)s, geschat") % {
            "boarding": detail.boarding, "alighting": detail.alighting}
    if detail.kind == journey.TIMETABLED:
        return _timetabled(detail)
    msg = f"no wording for a journey of kind {detail.kind!r}"
    raise ValueError(msg)


def travel_detail(detail: JourneyDetail) -> str:
    """``bus 45, elk uur`` / ``bus 45, toutes les heures`` / ``bus 45, every hour``.

    A search words the same few details for many results: the words are kept per language.
    """
    return _worded(detail, i18n.current_language())
