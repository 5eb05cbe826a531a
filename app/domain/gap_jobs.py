"""The gap analysis in the background: one computation at a time, the last result kept.

No request ever waits for the analysis. A request asks :meth:`GapJobs.ensure` for the
result of the current data version: the complete result when it is there, otherwise the
last complete one (marked outdated) or none (the page says "wordt berekend"), while one
background thread computes the new one.

Between processes (uvicorn with several workers, the CLI): an exclusive file lock on
``compute.lock`` lets one process compute; the others' threads wait on that lock and then
read the file it wrote instead of computing the same thing again. Progress is written
to ``progress.json`` so every worker shows it. The folder keeps only the newest result
(``gaps-<key>.npz``, a few MB): older versions are deleted as soon as a new one is saved.
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.domain.gaps import GapResult, Origins

logger = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
#: after a failed computation, requests do not start another one for this long
RETRY_AFTER_FAILURE_S = 60.0


@dataclass(frozen=True)
class GapStatus:
    running: bool
    message: str
    fraction: float  # 0..1
    started_at: float | None  # unix time
    error: str = ""

    def to_dict(self) -> dict:
        return {"running": self.running, "message": self.message, "fraction": round(self.fraction, 3),
                "started_at": self.started_at, "error": self.error}


def save_result(result: GapResult, folder: Path) -> Path:
    """Write the result atomically and delete every other version (the cache holds one)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gaps-{result.key}.npz"
    meta = {
        "key": result.key, "needs": list(result.needs), "profiles": list(result.profiles),
        "service_ids": list(result.service_ids), "municipalities": [list(m) for m in result.municipalities],
        "estimated_share": result.estimated_share, "timetabled": result.timetabled, "seconds": result.seconds,
        "computed_at": result.computed_at, "label": list(result.origins.label), "h3": list(result.origins.h3),
    }
    temporary = folder / f".gaps-{result.key}.tmp.npz"
    np.savez(temporary, minutes=result.minutes, nearest=result.nearest, lonlat=result.origins.lonlat,
             weight=result.origins.weight, nis=result.origins.municipality_nis.astype(str),
             meta=np.array(json.dumps(meta)))
    temporary.replace(path)
    for old in folder.glob("gaps-*"):
        if old != path:
            old.unlink(missing_ok=True)
    return path


def load_result(folder: Path, key: str) -> GapResult | None:
    path = folder / f"gaps-{key}.npz"
    return _read(path) if path.exists() else None


def _read(path: Path) -> GapResult | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            origins = Origins(lonlat=data["lonlat"], municipality_nis=data["nis"].astype(str), weight=data["weight"],
                              label=tuple(meta["label"]), h3=tuple(meta["h3"]))
            return GapResult(
                key=meta["key"], origins=origins, needs=tuple(meta["needs"]), profiles=tuple(meta["profiles"]),
                minutes=data["minutes"], nearest=data["nearest"], service_ids=tuple(meta["service_ids"]),
                municipalities=tuple((m[0], m[1]) for m in meta["municipalities"]),
                estimated_share=meta["estimated_share"], timetabled=meta["timetabled"], seconds=meta["seconds"],
                computed_at=meta["computed_at"],
            )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a corrupt file is recomputed, never trusted


def newest_result(folder: Path) -> GapResult | None:
    files = sorted(folder.glob("gaps-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.exists() else []
    return _read(files[0]) if files else None


class GapJobs:
    """The background computation of one process, coordinated with the others through files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._result: GapResult | None = None
        self._thread: threading.Thread | None = None
        self._running_key: str | None = None
        self._status = GapStatus(running=False, message="", fraction=0.0, started_at=None)
        self._failed_at = 0.0

    # -- reading (never blocks on a computation) ---------------------------------------

    def result_for(self, key: str) -> GapResult | None:
        """The complete result of this data version, from memory or from another process's file."""
        current = self._result
        if current is not None and current.key == key:
            return current
        loaded = load_result(self.folder, key)
        if loaded is not None:
            self._result = loaded
        return loaded

    def latest(self) -> GapResult | None:
        """The last complete result of any version (shown, labelled outdated, while a new one computes)."""
        return self._result or newest_result(self.folder)

    def status(self) -> GapStatus:
        if self._status.running or self._status.error:
            return self._status
        try:
            raw = json.loads((self.folder / "progress.json").read_text(encoding="utf-8"))
            if raw.get("running") and time.time() - raw.get("updated_at", 0) < 600:
                return GapStatus(running=True, message=raw.get("message", ""), fraction=raw.get("fraction", 0.0),
                                 started_at=raw.get("started_at"))
        except (OSError, ValueError):
            pass
        return self._status

    # -- starting ------------------------------------------------------------------------

    def ensure(self, key: str, compute: Callable[[Progress], GapResult]) -> GapResult | None:
        """The result for ``key`` if complete; otherwise start computing it (once) and return None."""
        found = self.result_for(key)
        if found is not None:
            return found
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return None
            if self._status.error and time.time() - self._failed_at < RETRY_AFTER_FAILURE_S:
                return None
            self._running_key = key
            self._status = GapStatus(running=True, message="in de wachtrij", fraction=0.0, started_at=time.time())
            self._thread = threading.Thread(target=self._run, args=(key, compute), daemon=True, name="gap-analysis")
            self._thread.start()
        return None

    def wait(self, timeout: float) -> bool:
        """For the CLI and tests: wait for the running computation (True when none is running)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _progress(self, message: str, fraction: float) -> None:
        started = self._status.started_at
        self._status = GapStatus(running=True, message=message, fraction=fraction, started_at=started)
        try:
            (self.folder / "progress.json").write_text(json.dumps(
                {"running": True, "message": message, "fraction": fraction, "started_at": started,
                 "updated_at": time.time()}), encoding="utf-8")
        except OSError:
            pass

    def _run(self, key: str, compute: Callable[[Progress], GapResult]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with (self.folder / "compute.lock").open("a") as lock_file:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    self._status = GapStatus(running=True, message="wordt in een ander proces berekend", fraction=0.0,
                                             started_at=self._status.started_at)
                    fcntl.flock(lock_file, fcntl.LOCK_EX)  # wait for the other process, then read its file
                try:
                    result = self.result_for(key)
                    if result is None:
                        result = compute(self._progress)
                        save_result(result, self.folder)
                        self._result = result
                        logger.info("gap analysis %s done in %.1f s", result.key, result.seconds)
                finally:
                    (self.folder / "progress.json").unlink(missing_ok=True)
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
            self._status = GapStatus(running=False, message="klaar", fraction=1.0, started_at=None)
        except Exception as exc:  # noqa: BLE001 - reported on the page; the last result keeps serving
            logger.exception("gap analysis failed")
            self._failed_at = time.time()
            self._status = GapStatus(running=False, message="mislukt", fraction=0.0, started_at=None,
                                     error=type(exc).__name__)
