"""Public-transport errors, subclasses of :class:`routing.errors.RoutingError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing.errors import RoutingError

if TYPE_CHECKING:
    from datetime import date

    from routing.transit.validation import FeedReport


class TransitError(RoutingError):
    """Base class of the errors raised by :mod:`routing.transit`."""

    code = "transit_error"


class FeedError(TransitError):
    """A GTFS feed is unusable; ``report`` lists every problem found, not only the first."""

    code = "gtfs_feed_invalid"

    def __init__(self, report: FeedReport) -> None:
        self.report = report
        errors = report.errors
        first = errors[0].message if errors else "no usable data"
        more = f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else ""
        super().__init__(f"GTFS feed unusable: {first}{more}")


class FeedDownloadError(TransitError):
    """A feed URL could not be downloaded."""

    code = "gtfs_download_failed"


class TransitCacheError(TransitError):
    """A cached timetable is missing, corrupt or written by another version."""

    code = "transit_cache"


class ServiceDateError(TransitError):
    """The requested day lies outside the dates the loaded timetables cover."""

    code = "transit_date_not_covered"

    def __init__(self, service_date: date, first_day: date, last_day: date) -> None:
        self.service_date = service_date
        self.first_day = first_day
        self.last_day = last_day
        super().__init__(
            f"timetables cover {first_day.isoformat()} to {last_day.isoformat()}, "
            f"not {service_date.isoformat()}"
        )
