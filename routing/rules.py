"""Which ways each mode may use, in which direction, and how fast a car drives them.

osmnx's own Overpass filters, applied to way tags (cars: its ``drive_service`` rules,
see :func:`network_rules`); one-way rules per mode; car speeds from ``maxspeed`` or by
highway type. Tag values are read once per distinct value, not once per segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from routing.config import RoutingConfig

#: tags the mode rules and speeds read
TAGS = ("highway", "area", "access", "foot", "bicycle", "motor_vehicle", "motorcar", "service", "sidewalk",
        "sidewalk:both", "sidewalk:left", "sidewalk:right", "oneway", "oneway:bicycle", "cycleway", "junction",
        "maxspeed")
_RULE = re.compile(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]')
_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}


@dataclass(frozen=True)
class TagRule:
    key: str
    operator: str  # "exists", "~" or "!~"
    pattern: re.Pattern | None

    def allows(self, value) -> bool:
        present = value is not None and value == value and str(value) != ""
        if self.operator == "exists":
            return present
        if self.operator == "~":
            return present and bool(self.pattern.search(str(value)))
        return not present or not self.pattern.search(str(value))


@cache
def network_rules(network_type: str) -> tuple[TagRule, ...]:
    """osmnx's own Overpass filter for a network type, as rules over way tags.

    Cars use osmnx's ``drive_service`` rules: service roads (``highway=service``) are
    driven, alleys and driveways included (often the only way to a service's door),
    parking aisles, emergency access and private ones not (the car overhead already
    covers parking); ways with ``access=no`` are left out as well as ``access=private``.
    """
    from osmnx import _overpass

    query = _overpass._get_network_filter("drive_service" if network_type == "drive" else network_type)
    if network_type == "drive":
        query = query.replace('["access"!~"private"]', '["access"!~"private|^no$"]')
    rules = []
    for key, operator, pattern in _RULE.findall(query):
        rules.append(TagRule(key, operator or "exists", re.compile(pattern) if operator else None))
    return tuple(rules)


def factorized(edges: pd.DataFrame, key: str) -> tuple[np.ndarray, list]:
    """(code per edge, the distinct values): rules and speeds are read once per distinct tag value."""
    if key not in edges.columns:
        return np.zeros(len(edges), dtype=np.int64), [None]
    codes, uniques = pd.factorize(edges[key], use_na_sentinel=True)
    values = [*uniques.tolist(), None]  # code -1 (missing) reads the last entry: None
    return np.where(codes < 0, len(values) - 1, codes), values


def ways_allowed(edges: pd.DataFrame, network_type: str) -> np.ndarray:
    """Boolean mask of the edges a network type may use."""
    allowed = np.ones(len(edges), dtype=bool)
    for rule in network_rules(network_type):
        codes, values = factorized(edges, rule.key)
        verdict = np.fromiter((rule.allows(value) for value in values), dtype=bool, count=len(values))
        allowed &= verdict[codes]
    return allowed


def direction_flags(edges: pd.DataFrame, network_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Which edges may be used u->v (forward) and v->u (backward)."""
    n = len(edges)
    if network_type == "walk":
        return np.ones(n, dtype=bool), np.ones(n, dtype=bool)

    def column(name):
        codes, values = factorized(edges, name)
        return np.array(["" if value is None else str(value).lower() for value in values], dtype=object)[codes]

    oneway, junction = column("oneway"), column("junction")
    forward_only = np.isin(oneway, list(_ONEWAY_FORWARD)) | np.isin(junction, ["roundabout", "circular"])
    reverse_only = np.isin(oneway, list(_ONEWAY_REVERSE))
    if network_type == "bike":
        cycleway = column("cycleway")
        contraflow = (column("oneway:bicycle") == "no") | np.array([value.startswith("opposite") for value in cycleway],
                                                                  dtype=bool)
        forward_only &= ~contraflow
        reverse_only &= ~contraflow
    return ~reverse_only, ~forward_only


def car_speed_kmh(edges: pd.DataFrame, config: RoutingConfig) -> np.ndarray:
    """Speed per edge: OSM ``maxspeed`` where usable, otherwise by highway type."""
    codes, values = factorized(edges, "highway")
    by_type = np.array([config.car_kmh_by_highway.get(str(h).split(";")[0], 30.0) for h in values])
    speeds = by_type[codes]
    if "maxspeed" not in edges.columns:
        return speeds
    codes, values = factorized(edges, "maxspeed")
    posted = np.array([_maxspeed_kmh(raw) for raw in values])
    chosen = posted[codes]
    return np.where(np.isnan(chosen), speeds, chosen)


def _maxspeed_kmh(raw) -> float:
    """km/h of an OSM ``maxspeed`` value, NaN where it is missing or unusable."""
    if raw is None or raw != raw:
        return np.nan
    text = str(raw).lower().split(";")[0].strip()
    zone = {"be:urban": 50.0, "be-vlg:urban": 50.0, "be:zone30": 30.0, "be:rural": 70.0, "be-vlg:rural": 70.0,
            "be:motorway": 120.0, "be:trunk": 90.0, "walk": 6.0}.get(text)
    if zone is not None:
        return zone
    match = re.match(r"(\d+(?:\.\d+)?)\s*(mph)?", text)
    if match:
        value = float(match.group(1)) * (1.609 if match.group(2) else 1.0)
        if 5 <= value <= 150:
            return value
    return np.nan
