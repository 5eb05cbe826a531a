"""Travel speeds and estimate parameters, shared by road and public-transport routing."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Which road network each road mode uses (``ebike`` rides the bike network at e-bike speed;
#: ``transit``, public transport, is :mod:`routing.transit`).
NETWORK_FOR_MODE = {"walk": "walk", "bike": "bike", "ebike": "bike", "car": "drive"}


#: Car speed (km/h) by OSM ``highway`` type where a way has no usable ``maxspeed``:
#: Flemish limits (50 in town, 70 outside, 120 on motorways) lowered for junctions and traffic.
CAR_KMH_BY_HIGHWAY = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 65.0,
    "primary_link": 40.0,
    "secondary": 55.0,
    "secondary_link": 40.0,
    "tertiary": 45.0,
    "tertiary_link": 35.0,
    "unclassified": 40.0,
    "residential": 30.0,
    "living_street": 15.0,
    "service": 20.0,
    "road": 30.0,
}

#: Circuity (network distance / straight-line distance) per road mode; sources in
#: :class:`RoutingConfig`'s docstring.
CIRCUITY = {"walk": 1.3, "bike": 1.3, "ebike": 1.3, "car": 1.25}


@dataclass(frozen=True)
class RoutingConfig:
    """Speeds (km/h), circuity factors and limits used by all travel-time code.

    Circuity is the ratio of network distance to straight-line distance; it turns a
    straight line into an *estimate* where no road network is loaded. The defaults are
    in the range measured for European road networks: about 1.2 for cars between
    towns and about 1.3 for walking and cycling at short range (Ballou, Rahardja &
    Sakai 2002, *Selected country circuity factors for road travel distance
    estimation*, Transportation Research A 36(9); Boeing 2019, *Urban spatial order:
    street network orientation, configuration, and entropy*, Applied Network Science 4).
    """

    walk_kmh: float = 4.8
    bike_kmh: float = 15.0
    ebike_kmh: float = 20.0
    #: Car speed by OSM ``highway`` type where a way has no usable ``maxspeed``.
    car_kmh_by_highway: dict[str, float] = field(default_factory=lambda: dict(CAR_KMH_BY_HIGHWAY))
    #: Car speed for straight-line estimates (door to door, including town driving).
    car_estimate_kmh: float = 45.0
    #: Network distance / straight-line distance per mode, for estimates (sources above).
    circuity: dict[str, float] = field(default_factory=lambda: dict(CIRCUITY))
    #: A snap farther than this (metres) from the network is refused.
    max_snap_m: float = 1500.0
    #: Points snap only to nodes of a strongly connected part of the network with at least
    #: this many nodes (or of the largest part, if smaller): a point beside a fragment
    #: (a private driveway, a footpath mapped without its connection) would reach nothing.
    min_component_nodes: int = 100
    #: Fixed minutes added to car trips (parking, walking to the door).
    car_overhead_min: float = 3.0
    # public transport (routing.transit)
    #: Straight-line speed from station to station for the rail *estimate*, stops and
    #: track detours included (NMBS local trains: Kortrijk-Ieper 27 km in about 30 min).
    rail_kmh: float = 50.0
    #: Headway of the rail estimate where a station's daily stop count is unknown.
    rail_headway_min: float = 60.0
    #: Farthest stop (straight line) considered for walking to or from a bus or train.
    max_access_walk_m: float = 1200.0
    #: Farthest walk (straight line) between two stops for a transfer.
    transfer_walk_max_m: float = 400.0
    #: Minutes to change vehicles at the same stop, unless the feed's transfers say otherwise.
    transit_change_min: float = 1.0

    def speed_kmh(self, mode: str) -> float:
        """Average speed for a road mode's straight-line estimate."""
        if mode == "car":
            return self.car_estimate_kmh
        try:
            return {"walk": self.walk_kmh, "bike": self.bike_kmh, "ebike": self.ebike_kmh}[mode]
        except KeyError:
            msg = f"unknown road mode {mode!r}; expected one of walk, bike, ebike, car"
            raise ValueError(msg) from None
