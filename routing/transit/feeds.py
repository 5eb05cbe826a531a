"""Load GTFS feeds (local zips, folders or URLs), validate, merge and cache them."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from routing.config import RoutingConfig
from routing.transit.errors import FeedDownloadError, FeedError, TransitCacheError
from routing.transit.gtfs import read_feed
from routing.transit.router import TransitRouter
from routing.transit.timetable import CACHE_FORMAT, HolidayService, build_timetable
from routing.transit.validation import FeedReport, FeedSummary

DOWNLOAD_TIMEOUT_S = 60.0


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def download_feed(url: str, *, target_dir: Path, progress: bool = False) -> Path:
    """Download ``url`` into ``target_dir`` (written atomically: a partial file never
    takes the final name); the file is reused when the server reports it unchanged."""
    import httpx
    from tqdm import tqdm

    target_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(url.encode()).hexdigest()[:16] + ".zip"
    target = target_dir / name
    headers = {}
    stamp = target.with_suffix(".etag")
    if target.exists() and stamp.exists():
        headers["If-None-Match"] = stamp.read_text().strip()
    handle, temporary = tempfile.mkstemp(dir=target_dir, prefix=name, suffix=".part")
    try:
        with httpx.stream("GET", url, headers=headers, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True) as response:
            if response.status_code == 304:
                os.close(handle)
                Path(temporary).unlink(missing_ok=True)
                return target
            response.raise_for_status()
            total = int(response.headers.get("content-length") or 0) or None
            with os.fdopen(handle, "wb") as stream, tqdm(
                total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1], disable=not progress
            ) as bar:
                for chunk in response.iter_bytes(1 << 20):
                    stream.write(chunk)
                    bar.update(len(chunk))
            os.replace(temporary, target)
            if response.headers.get("etag"):
                stamp.write_text(response.headers["etag"])
    except httpx.HTTPError as exc:
        Path(temporary).unlink(missing_ok=True)
        msg = f"cannot download {url}: {exc}"
        raise FeedDownloadError(msg) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def file_digest(path: Path) -> str:
    """SHA-256 of a feed zip, or of every file (name and content) of a feed folder."""
    digest = hashlib.sha256()
    paths = [path] if path.is_file() else sorted(item for item in path.rglob("*") if item.is_file())
    for item in paths:
        if path.is_dir():
            digest.update(str(item.relative_to(path)).encode())
        with item.open("rb") as stream:
            for block in iter(lambda stream=stream: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def cache_key(paths: list[Path], *, tags: list[str] | None = None, missing: list[str] = ()) -> str:
    """Key of a cached timetable: the feeds' hashes and tags in order, the sources that
    could not be fetched, and the cache format."""
    digest = hashlib.sha256(f"format={CACHE_FORMAT}".encode())
    for index, path in enumerate(paths):
        if tags is not None:
            digest.update(tags[index].encode())
        digest.update(file_digest(path).encode())
    for source in missing:
        digest.update(f"missing={source}".encode())
    return digest.hexdigest()[:24]


def load_feeds(
    sources: list[str | Path],
    *,
    cache_dir: Path,
    progress: bool = False,
    config: RoutingConfig | None = None,
    holiday_service: HolidayService = "sunday",
    rebuild: bool = False,
) -> tuple[TransitRouter, FeedReport]:
    """Load and merge GTFS feeds into a router, through a cache under ``cache_dir``.

    Parameters
    ----------
    sources
        Local zip files or folders, or ``http(s)`` URLs (downloaded into
        ``cache_dir / "downloads"``). Ids of feed ``i`` are prefixed ``f{i}:``.
    cache_dir
        Where the compact timetable (``timetable-<key>.npz``) is kept; the key is made of
        the feed files' hashes, so a changed feed is parsed again.
    progress
        Show download progress bars.
    rebuild
        Parse the feeds even when a cached timetable exists.

    Raises
    ------
    FeedError
        When a feed is unusable (a required file or column missing, no trips or no
        calendar left); ``exc.report`` lists every issue of every feed.
    """
    if not sources:
        msg = "no GTFS sources given"
        raise ValueError(msg)
    cache_dir = Path(cache_dir)
    # Each feed on its own: one that cannot be fetched, found or read is reported and left
    # out, and the others are still loaded.
    report = FeedReport()
    paths: list[Path] = []
    labels: list[str] = []
    tags: list[str] = []
    missing: list[str] = []
    for index, source in enumerate(sources):
        tag = f"f{index}"
        if is_url(source):
            try:
                path = download_feed(str(source), target_dir=cache_dir / "downloads", progress=progress)
            except FeedDownloadError as exc:
                report.add("error", tag, str(source), "download_failed", str(exc), fatal=True)
                report.feeds.append(FeedSummary(source=str(source), tag=tag, usable=False))
                missing.append(str(source))
                continue
        else:
            path = Path(source)
            if not path.exists():
                report.add("error", tag, path.name, "missing_feed", f"feed not found: {path}", fatal=True)
                report.feeds.append(FeedSummary(source=str(source), tag=tag, usable=False))
                missing.append(str(source))
                continue
        paths.append(path)
        labels.append(str(source))
        tags.append(tag)
    if not paths:
        raise FeedError(report)

    key = cache_key(paths, tags=tags, missing=missing)
    cached = cache_dir / f"timetable-{key}.npz"
    if cached.exists() and not rebuild:
        try:
            router = TransitRouter.from_cache(cached, config=config, holiday_service=holiday_service)
            report = router.report
            report.from_cache = True
            return router, report
        except TransitCacheError:
            cached.unlink(missing_ok=True)

    parsed = []
    for tag, path, label in zip(tags, paths, labels, strict=True):
        feed = read_feed(path, tag=tag, source=label, report=report)
        if feed is not None:
            parsed.append(feed)
    if not parsed:
        raise FeedError(report)
    usable_tags = [feed.tag for feed in parsed]
    timetable = build_timetable(parsed, feed_tags=usable_tags, feed_sources=[feed.source for feed in parsed])
    timetable.report_json = report.to_json()
    timetable.cache_key = key
    timetable.save(cached)
    router = TransitRouter(timetable, config=config, holiday_service=holiday_service)
    return router, report
