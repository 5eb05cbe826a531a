"""The gap analysis in the background: nobody waits, one computation across processes, one file kept."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np

from app.domain.gap_jobs import GapJobs, load_result, save_result
from app.domain.gaps import GapResult, Origins

ORIGINS = Origins(lonlat=np.array([[3.1, 50.0], [3.2, 50.1]]), municipality_nis=np.array(["10001", "10002"]),
                  weight=np.array([10.0, 20.0]), label=("8000 A", "8001 B"), h3=("881949a337fffff", "881949b55dfffff"))


def result(key: str) -> GapResult:
    return GapResult(key=key, origins=ORIGINS, needs=("housing",), profiles=("walk",),
                     minutes=np.array([[[3.0, np.inf]]], dtype=np.float32), nearest=np.array([[[0, -1]]], dtype=np.int32),
                     service_ids=("s1",), municipalities=(("10001", "A"), ("10002", "B")),
                     estimated_share={"walk": {"walk": 1.0}}, computed_at="2026-12-01T12:00:00+00:00")


def test_a_result_survives_the_round_trip_and_the_folder_keeps_only_the_newest(tmp_path):
    save_result(result("aaaa"), tmp_path)
    save_result(result("bbbb"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gaps-bbbb.npz"]
    loaded = load_result(tmp_path, "bbbb")
    assert loaded.hexagons(need="housing", profile="walk") == result("bbbb").hexagons(need="housing", profile="walk")
    assert loaded.travel_labels("walk") == {"walk": "estimated"}
    assert load_result(tmp_path, "aaaa") is None
    (tmp_path / "gaps-bbbb.npz").write_bytes(b"not a zip")
    assert load_result(tmp_path, "bbbb") is None  # corrupt: recomputed, never trusted


def test_a_request_never_waits_and_gets_the_last_result_meanwhile(tmp_path):
    jobs = GapJobs(tmp_path)
    release = threading.Event()
    calls = []

    def slow(progress):
        calls.append(1)
        progress("fiets, 30 min", 0.4)
        release.wait(10)
        return result("new")

    save_result(result("old"), tmp_path)
    started = time.perf_counter()
    assert jobs.ensure("new", slow) is None
    assert jobs.ensure("new", slow) is None  # a second request does not start a second computation
    assert time.perf_counter() - started < 0.5
    deadline = time.monotonic() + 5
    while jobs.status().message != "fiets, 30 min" and time.monotonic() < deadline:
        time.sleep(0.01)
    status = jobs.status()
    assert status.running and status.fraction == 0.4
    assert jobs.latest().key == "old"  # the last complete result serves meanwhile
    release.set()
    assert jobs.wait(10)
    assert jobs.ensure("new", slow).key == "new"
    assert calls == [1]
    assert not jobs.status().running
    assert sorted(p.name for p in tmp_path.glob("gaps-*")) == ["gaps-new.npz"]


def test_two_workers_compute_once_and_the_second_reads_the_first_ones_file(tmp_path):
    first, second = GapJobs(tmp_path), GapJobs(tmp_path)  # two processes' objects: separate file locks
    release = threading.Event()
    calls = []

    def compute(progress):
        calls.append(1)
        progress("te voet", 0.1)
        release.wait(10)
        return result("k")

    assert first.ensure("k", compute) is None
    time.sleep(0.2)
    assert second.ensure("k", compute) is None
    time.sleep(0.2)
    assert second.status().running  # it shows the other worker's progress
    release.set()
    assert first.wait(10) and second.wait(10)
    assert calls == [1]
    assert second.result_for("k").key == "k"


def test_a_failed_computation_is_reported_and_not_retried_at_once(tmp_path):
    jobs = GapJobs(tmp_path)

    def broken(progress):
        raise RuntimeError("network file unreadable")

    jobs.ensure("k", broken)
    jobs.wait(5)
    assert jobs.status().error == "RuntimeError" and not jobs.status().running
    assert jobs.ensure("k", lambda progress: result("k")) is None  # no restart within the retry period
    jobs._failed_at -= 3600
    jobs.ensure("k", lambda progress: result("k"))
    jobs.wait(5)
    assert jobs.result_for("k") is not None and replace(jobs.status()).error == ""


def test_travel_time_labels_follow_what_each_mode_used():
    from app.domain.gap_runs import travel_lines

    mixed = replace(result("k"), profiles=("walk", "cannot-cycle"),
                    estimated_share={"walk": {"walk": 0.0}, "cannot-cycle": {"walk": 0.02, "transit": 1.0}})
    assert mixed.travel_labels("walk") == {"walk": "routed"}
    assert mixed.travel_labels("cannot-cycle") == {"walk": "routed", "transit": "estimated"}
    assert travel_lines(mixed, "walk") == ["te voet: berekend over het wegennet (OpenStreetMap)"]
    assert travel_lines(mixed, "cannot-cycle") == [
        "te voet: berekend over het wegennet (OpenStreetMap) (2% geschat: punten naast het netwerk)",
        "openbaar vervoer: geschat (trein via de dichtste NMBS-stations, wandelen in rechte lijn)"]
    timetabled = replace(mixed, estimated_share={"cannot-cycle": {"walk": 0.0, "transit": 0.01}})
    assert timetabled.travel_labels("cannot-cycle")["transit"] == "timetabled"
    assert mixed.estimated and not replace(mixed, estimated_share={"walk": {"walk": 0.0}}).estimated


SECOND_WORKER = """
import sys
from pathlib import Path
from app.domain.gap_jobs import GapJobs

folder = Path(sys.argv[1])
jobs = GapJobs(folder)

def compute(progress):
    (folder / "second-worker-computed").write_text("twice")
    raise RuntimeError("computed twice")

assert jobs.ensure("k", compute) is None
print("waiting:", jobs.status().message, flush=True)
jobs.wait(60)
found = jobs.result_for("k")
print("result:", found.key if found else None, flush=True)
"""


def test_a_second_process_waits_for_the_first_and_reads_its_file(tmp_path):
    import subprocess
    import sys

    from app.core.config import PROJECT_ROOT

    first = GapJobs(tmp_path)
    release = threading.Event()
    first.ensure("k", lambda progress: (release.wait(30), result("k"))[1])
    time.sleep(0.3)  # the first worker holds the lock
    second = subprocess.Popen([sys.executable, "-c", SECOND_WORKER, str(tmp_path)], cwd=PROJECT_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = second.stdout.readline()  # it started its background thread and waits on the lock
    assert line.startswith("waiting:"), second.stderr.read()
    time.sleep(0.5)
    assert second.poll() is None
    release.set()
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert "result: k" in out
    assert not (tmp_path / "second-worker-computed").exists()
