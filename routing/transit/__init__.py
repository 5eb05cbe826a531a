"""Public transport: GTFS timetables (Connection Scan) and, without them, a rail estimate.

``load_feeds`` turns GTFS zips or URLs into a cached :class:`TransitRouter`;
:class:`RailEstimator` gives a labelled estimate from the NMBS stations when no feed is
loaded. Both answer with :class:`TransitTimes`.
"""

from __future__ import annotations

from routing.transit.errors import FeedDownloadError, FeedError, ServiceDateError, TransitCacheError, TransitError
from routing.transit.detail import JourneyDetail, Line
from routing.transit.estimate import RailEstimator
from routing.transit.feeds import load_feeds
from routing.transit.router import TransitRouter
from routing.transit.bus_estimate import BusEstimator
from routing.transit.legs import service_day
from routing.transit.timetable import Timetable, is_belgian_public_holiday
from routing.transit.times import TransitTimes, WalkMinutesFn
from routing.transit.validation import FeedIssue, FeedReport, FeedSummary

__all__ = [
    "BusEstimator",
    "FeedDownloadError",
    "FeedError",
    "FeedIssue",
    "FeedReport",
    "FeedSummary",
    "JourneyDetail",
    "Line",
    "RailEstimator",
    "ServiceDateError",
    "Timetable",
    "TransitCacheError",
    "TransitError",
    "TransitRouter",
    "TransitTimes",
    "WalkMinutesFn",
    "is_belgian_public_holiday",
    "load_feeds",
    "service_day",
]
