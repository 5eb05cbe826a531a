"""Who to credit beside travel times: the road data (OpenStreetMap, ODbL) and the timetables used.

One short Dutch line per source, computed once from what :class:`~app.domain.reach.Reach`
actually loaded, and shown wherever travel times appear (coach results, referral sheet,
widget, search APIs, gap page). The full source list stays on the footer and ``/over``.
"""

from __future__ import annotations

from pathlib import Path

from geo.sources import OSM_CREDIT_NL

#: how a feed file or URL is named in the credits, by a word in its name
_OPERATORS = (("nmbs", "NMBS"), ("sncb", "NMBS"), ("delijn", "De Lijn"), ("de-lijn", "De Lijn"), ("tec", "TEC"),
              ("stib", "MIVB"), ("mivb", "MIVB"))


def timetable_names(reach) -> list[str]:
    """The operators whose timetable the loaded transit router holds ("NMBS", ...), in feed order."""
    timetable = getattr(getattr(reach, "transit_router", None), "timetable", None)
    sources = [str(source) for source in getattr(timetable, "feed_sources", ())]
    names = []
    for source in sources:
        lowered = Path(source.rstrip("/")).name.lower()
        name = next((label for word, label in _OPERATORS if word in lowered), Path(source).stem)
        if name not in names:
            names.append(name)
    return names


def travel_credits(reach, *, roads_credit: str = OSM_CREDIT_NL) -> list[str]:
    """``["© OpenStreetMap-bijdragers (ODbL), wegennet OpenStreetMap, augustus 2017", "dienstregeling NMBS"]``.

    The OpenStreetMap credit is always given (homes are placed with OSM-derived names and
    points); it names the road network's age only when a road network is loaded. The
    timetable line appears only when a timetable is loaded.
    """
    networks = getattr(getattr(reach, "engine", None), "networks", {}) or {}
    credits = [roads_credit if networks else OSM_CREDIT_NL]
    names = timetable_names(reach)
    if names:
        credits.append("dienstregeling " + " en ".join(names))
    return credits
