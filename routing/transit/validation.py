"""What is wrong with a GTFS feed, collected instead of raised one at a time."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class FeedIssue:
    """One problem in one file of one feed.

    ``error`` means the feed breaks the GTFS rules and data was dropped (or, when
    ``fatal``, the feed cannot be used at all); ``warning`` means the data is used but
    looks wrong or was repaired (for example interpolated times); ``info`` counts rules of
    the feed that the router honours (stops passed without stopping, stops on request).
    """

    severity: Severity
    feed: str
    file: str
    code: str
    message: str
    count: int = 1
    examples: tuple[str, ...] = ()
    fatal: bool = False


@dataclass(frozen=True)
class FeedSummary:
    """What was loaded from one source."""

    source: str
    tag: str
    usable: bool
    stops: int = 0
    routes: int = 0
    trips: int = 0
    stop_times: int = 0
    first_day: str | None = None
    last_day: str | None = None


@dataclass
class FeedReport:
    """Every issue found in the loaded feeds, and what each feed contributed."""

    feeds: list[FeedSummary] = field(default_factory=list)
    issues: list[FeedIssue] = field(default_factory=list)
    from_cache: bool = False

    def add(
        self,
        severity: Severity,
        feed: str,
        file: str,
        code: str,
        message: str,
        *,
        count: int = 1,
        examples: list[str] | tuple[str, ...] = (),
        fatal: bool = False,
    ) -> None:
        """Record an issue (``examples`` is trimmed to five)."""
        shown = tuple(str(example) for example in list(examples)[:5])
        self.issues.append(
            FeedIssue(severity, feed, file, code, message, int(count), shown, fatal)
        )

    @property
    def errors(self) -> list[FeedIssue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[FeedIssue]:
        return [issue for issue in self.issues if issue.severity == "warning"]

    @property
    def notes(self) -> list[FeedIssue]:
        return [issue for issue in self.issues if issue.severity == "info"]

    @property
    def fatal(self) -> list[FeedIssue]:
        return [issue for issue in self.issues if issue.fatal]

    def codes(self) -> set[str]:
        """The issue codes present, handy for tests and dashboards."""
        return {issue.code for issue in self.issues}

    def to_dict(self) -> dict:
        return {
            "feeds": [asdict(summary) for summary in self.feeds],
            "issues": [asdict(issue) for issue in self.issues],
            "from_cache": self.from_cache,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> FeedReport:
        return cls(
            feeds=[FeedSummary(**summary) for summary in data.get("feeds", [])],
            issues=[
                FeedIssue(**{**issue, "examples": tuple(issue.get("examples", ()))})
                for issue in data.get("issues", [])
            ],
            from_cache=bool(data.get("from_cache", False)),
        )

    def to_text(self) -> str:
        """A plain report for the command line."""
        lines = []
        for summary in self.feeds:
            state = "ok" if summary.usable else "UNUSABLE"
            lines.append(
                f"[{summary.tag}] {summary.source}: {state}; {summary.stops} stops, "
                f"{summary.routes} routes, {summary.trips} trips, {summary.stop_times} stop_times, "
                f"service {summary.first_day or '?'} to {summary.last_day or '?'}"
            )
        rank = {"error": 0, "warning": 1, "info": 2}
        for issue in sorted(self.issues, key=lambda item: (rank.get(item.severity, 3), item.feed)):
            where = f"[{issue.feed}] {issue.file}"
            examples = f" e.g. {', '.join(issue.examples)}" if issue.examples else ""
            fatal = " (feed unusable)" if issue.fatal else ""
            lines.append(
                f"{issue.severity.upper():7} {where}: {issue.message} "
                f"[{issue.code}, {issue.count}x]{examples}{fatal}"
            )
        lines.append(
            f"{len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.notes)} notes"
            + (" (report from cache)" if self.from_cache else "")
        )
        return "\n".join(lines)
