"""The travel detail of a result (``bus 45, elk uur``) in the language in use.

The timetable router (``routing/``, which knows nothing of the app's languages) words its
journeys in Dutch with the few phrases of :mod:`routing.transit.wording` and the estimators;
here those phrases are read back and said again through gettext, whole phrase by whole
phrase. A detail this module cannot read is given as it came (Dutch), never half translated.
Dutch, the source language, is passed through untouched.
"""

from __future__ import annotations

import re

from app.core import i18n
from app.core.i18n import N_

#: the router's fixed details (the whole detail, or one part after "; ")
FIXED = {
    "te voet": N_("te voet"),
    "te voet, geen dienstregeling geladen": N_("te voet, geen dienstregeling geladen"),
    "bus, geschat": N_("bus, geschat"),
    "bus van of naar het station geschat": N_("bus van of naar het station geschat"),
    "halte op aanvraag (vooraf bellen of de chauffeur verwittigen)": N_(
        "halte op aanvraag (vooraf bellen of de chauffeur verwittigen)"),
}
#: routing.transit.wording's vehicle words (a test keeps the two in step)
VEHICLES = {
    "tram": N_("tram"), "metro": N_("metro"), "trein": N_("trein"), "bus": N_("bus"), "veerboot": N_("veerboot"),
    "kabeltram": N_("kabeltram"), "kabelbaan": N_("kabelbaan"), "kabelspoor": N_("kabelspoor"),
    "trolleybus": N_("trolleybus"), "monorail": N_("monorail"), "taxi": N_("taxi"), "lijn": N_("lijn"),
}
#: routing.transit.wording's named frequencies
FREQUENCIES = {
    "elk kwartier": N_("elk kwartier"), "elk half uur": N_("elk half uur"), "elk uur": N_("elk uur"),
    "om de 2 uur": N_("om de 2 uur"), "minder dan elk uur": N_("minder dan elk uur"),
}
_EVERY_MINUTES = re.compile(r"om de (\d+) min")
_LESS_THAN_EVERY_MINUTES = re.compile(r"minder dan om de (\d+) min")
_EVERY_HOURS = re.compile(r"om de (\d+,\d) uur")
_ESTIMATED_TRAIN = re.compile(r"trein (.+) - (.+), geschat")
_TRANSFERS = re.compile(r"(.+) \+ (\d+) overstappen")


class Unreadable(ValueError):
    """A detail worded otherwise than this module knows."""


def _line(text: str) -> str:
    word, _, name = text.partition(" ")
    if word not in VEHICLES:
        raise Unreadable(text)
    vehicle = i18n.gettext(VEHICLES[word])
    return f"{vehicle} {name}" if name else vehicle


def _ride(text: str) -> str:
    many = _TRANSFERS.fullmatch(text)
    if many:
        transfers = int(many.group(2))
        return i18n.ngettext("%(line)s + %(transfers)s overstap", "%(line)s + %(transfers)s overstappen",
                             transfers) % {"line": _line(many.group(1)), "transfers": transfers}
    first, separator, last = text.partition(" en ")
    if separator:
        return i18n.gettext("%(first)s en %(last)s") % {"first": _line(first), "last": _line(last)}
    return _line(text)


def _frequency(text: str) -> str | None:
    """The frequency in the language in use; None when ``text`` is no frequency."""
    if text in FREQUENCIES:
        return i18n.gettext(FREQUENCIES[text])
    if match := _LESS_THAN_EVERY_MINUTES.fullmatch(text):
        return i18n.gettext("minder dan om de %(minutes)s min") % {"minutes": match.group(1)}
    if match := _EVERY_MINUTES.fullmatch(text):
        return i18n.gettext("om de %(minutes)s min") % {"minutes": match.group(1)}
    if match := _EVERY_HOURS.fullmatch(text):
        hours = i18n.number(float(match.group(1).replace(",", ".")))
        return i18n.gettext("om de %(hours)s uur") % {"hours": hours}
    return None


def _part(text: str) -> str:
    if text in FIXED:
        return i18n.gettext(FIXED[text])
    if train := _ESTIMATED_TRAIN.fullmatch(text):
        return i18n.gettext("trein %(boarding)s - %(alighting)s, geschat") % {
            "boarding": train.group(1), "alighting": train.group(2)}
    ride, separator, frequency = text.rpartition(", ")
    said = _frequency(frequency) if separator else None
    if said is not None:
        return i18n.gettext("%(ride)s, %(frequency)s") % {"ride": _ride(ride), "frequency": said}
    return _ride(text)


def travel_detail(detail: str) -> str:
    """``bus 45, elk uur`` -> ``bus 45, toutes les heures`` / ``bus 45, every hour``."""
    if i18n.current_language() == i18n.SOURCE_LANGUAGE:
        return detail
    try:
        return "; ".join(_part(part) for part in detail.split("; "))
    except Unreadable:
        return detail
