"""How each travel time was found, per mode, in words a coach reads.

A time is ``routed`` (over a road network), ``timetabled`` (public transport on a
timetable, every other leg routed) or ``estimated`` (a straight line, a station estimate,
or a bus estimated from its stops); a journey is as good as its weakest leg, and a mode is
labelled by the weakest of the results shown for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.matching import Match, ModeTimes
from app.domain.reach import Reach, TimetableNotice

#: weakest last
BASIS_ORDER = ("at_home", "routed", "timetabled", "estimated")
BASIS_NL = {"routed": "berekend", "timetabled": "dienstregeling", "estimated": "geschat", "at_home": "aan huis"}


@dataclass(frozen=True)
class ModeBasis:
    mode: str
    basis: str
    label: str  # Dutch, with the data's age where it matters

    def to_dict(self) -> dict:
        return {"mode": self.mode, "basis": self.basis, "label": self.label}


def weakest(bases: Sequence[str]) -> str:
    return max(bases, key=BASIS_ORDER.index) if bases else "estimated"


def road_data_label(reach: Reach, mode: str) -> str:
    """``wegennet OpenStreetMap 2017`` (the year from the network's source file name, if any)."""
    network = reach.engine.network_for(mode)
    source = str(getattr(network, "source", "") or "")
    year = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", source.split(":")[0])
    return "wegennet OpenStreetMap" + (f" {year.group(0)}" if year else "")


def mode_bases(
    modes: Sequence[str],
    matches: Sequence[Match],
    mode_times: Sequence[ModeTimes],
    *,
    reach: Reach,
    timetable: TimetableNotice | None,
) -> list[ModeBasis]:
    """Per mode of the person: the weakest basis among the results shown by that mode, or,
    when none is shown, among all locations reached by it."""
    by_mode = {times.mode: times for times in mode_times}
    out = []
    for mode in modes:
        shown = [match.travel.basis for match in matches if match.travel.mode == mode]
        if not shown and mode in by_mode:
            times = by_mode[mode]
            reached = [index for index in range(len(times.minutes)) if times.minutes[index] < float("inf")]
            shown = [times.basis(index) for index in reached]
        basis = weakest(shown)
        out.append(ModeBasis(mode=mode, basis=basis, label=basis_label(mode, basis, reach=reach, timetable=timetable)))
    return out


def basis_label(mode: str, basis: str, *, reach: Reach, timetable: TimetableNotice | None) -> str:
    if mode == "transit":
        if basis == "estimated":
            parts = ["geschat"]
            if timetable is not None:
                parts.append(f"treinen volgens {timetable.label_nl}")
            if reach.bus_estimator is not None:
                parts.append("bussen geschat uit de haltes van De Lijn (geen dienstregeling)")
            elif timetable is None:
                parts.append("uit de NMBS-stations, zonder dienstregeling")
            return "; ".join(parts)
        if basis == "timetabled" and timetable is not None:
            return timetable.label_nl
        return f"te voet, {road_data_label(reach, 'walk')}"
    if basis == "routed":
        return f"berekend op het {road_data_label(reach, mode)}"
    return "geschat: afstand in vogelvlucht aan een gemiddelde snelheid"
