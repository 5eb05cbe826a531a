"""Routing errors: plain exceptions subclassing built-ins, mapped to HTTP by the web layer."""

from __future__ import annotations


class RoutingError(ValueError):
    """Base class; ``code`` is a stable machine-readable identifier."""

    code = "routing_error"


class SnapTooFarError(RoutingError):
    """A point lies too far from the road network to be snapped honestly."""

    code = "snap_too_far"

    def __init__(self, distance_m: float, limit_m: float) -> None:
        self.distance_m = distance_m
        self.limit_m = limit_m
        where = f"{distance_m:.0f} m from" if distance_m != float("inf") else "far from"
        super().__init__(f"point is {where} the nearest usable road (limit {limit_m:.0f} m)")


class NetworkCacheError(RoutingError):
    """A cached network is missing, corrupt or built with other settings."""

    code = "network_cache"
