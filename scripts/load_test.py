"""Load test on loopback: coach searches, public widget searches and partner edits.

Run: ``make load`` (SQLite) or ``make load DATABASE=postgres``. Starts uvicorn with the
production settings (2 workers, access log off) on 127.0.0.1, paces requests at a target
rate for a bounded time, and prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.server.bootstrap import initialise  # noqa: E402
from app.core.config import Settings  # noqa: E402

HOMES = ["8500", "8930 Menen", "Ieper", "Poperinge", "Heule", "Turnhout", "Tielen", "Pajottegem", "Waregem",
         "Diksmuide", "Liedekerke", "Koksijde", "Wervik", "Beerse"]
NEEDS = [["housing", "language/nt2"], ["income-debt"], ["childcare", "work/job-search"], ["addiction"],
         ["digital/skills"], ["mobility/bike-lessons", "administration"]]
PROFILES = ["walk", "bike", "cannot-cycle", "no-licence", "car"]
PASSWORD = "load-test-wachtwoord"


def prepare_database(kind: str) -> tuple[str, callable]:
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="load-"))
        return f"sqlite:///{folder / 'load.db'}", lambda: None
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"sk_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def partner_accounts(url: str, count: int) -> list[tuple[str, str, list[str]]]:
    """One partner per editing thread, each with their own service (no conflicts between threads)."""
    from sqlmodel import Session, select

    from app.core import models
    from app.core.auth import create_user
    from app.core.db import make_engine

    engine = make_engine(url)
    accounts = []
    with Session(engine) as session:
        services = session.exec(
            select(models.Service).where(models.Service.outreach == False).order_by(models.Service.id).limit(count)  # noqa: E712
        ).all()
        for service in services:
            email = f"load-{uuid.uuid4().hex[:6]}@example.org"
            create_user(session, email=email, password=PASSWORD, role="partner", organization_ids=[service.organization_id])
            locations = session.exec(select(models.ServiceAtLocation.location_id)
                                     .where(models.ServiceAtLocation.service_id == service.id)).all()
            accounts.append((email, service.id, list(locations)))
    engine.dispose()
    return accounts


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {"coach": [], "widget": [], "edit": []}
        self.errors: list[str] = []
        self.unavailable: list[float] = []  # times of clear 503s while the database was away
        self.outcomes: list[tuple[float, bool]] = []

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds * 1000)
            self.outcomes.append((time.perf_counter(), ok))
            if ok:
                return
            if detail == "503":
                self.unavailable.append(time.perf_counter())
            else:
                self.errors.append(f"{kind}: {detail}"[:200])


def restart_postgres(after: float, down_for: float, log: dict) -> None:
    """Stop the local PostgreSQL mid-run and start it again (the fault the app must survive)."""
    time.sleep(after)
    version = sorted(Path("/etc/postgresql").iterdir())[-1].name
    log["stopped_at"] = time.perf_counter()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"], check=True)
    time.sleep(down_for)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
    log["started_at"] = time.perf_counter()


def run_search_worker(base: str, stop_at: float, interval: float, recorder: Recorder, seed: int) -> None:
    """Open-loop arrivals: exponential gaps with mean ``interval`` (the threads together make a
    Poisson stream at the target rate, as many independent users do; not 16 requests in lockstep).

    Uses the standard library's keep-alive ``http.client``: a lighter client than httpx, so the
    generator takes less of the CPU it shares with the server it measures.
    """
    rnd = random.Random(seed)
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    next_at = time.perf_counter()
    try:
        while True:
            next_at += rnd.expovariate(1.0 / interval)
            now = time.perf_counter()
            if now >= stop_at:
                return
            home, needs, profile = rnd.choice(HOMES), rnd.choice(NEEDS), rnd.choice(PROFILES)
            if rnd.random() < 0.5:
                kind, method, body = "coach", "POST", json.dumps({"home": {"query": home}, "needs": needs,
                                                                  "mobility": {"profile": profile}, "age": 30})
                path = "/api/v1/search"
            else:
                kind, method, body = "widget", "GET", None
                path = "/api/v1/public/search?" + urllib.parse.urlencode({"q": home, "needs": ",".join(needs),
                                                                          "profile": profile})
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
                response = connection.getresponse()
                response.read()
                recorder.add(kind, time.perf_counter() - start, response.status == 200, str(response.status))
            except (OSError, http.client.HTTPException) as exc:
                connection.close()  # reconnects on the next request
                recorder.add(kind, time.perf_counter() - start, False, type(exc).__name__)
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    finally:
        connection.close()


def run_edit_worker(base: str, stop_at: float, interval: float, recorder: Recorder,
                    account: tuple[str, str, list[str]]) -> None:
    email, service_id, location_ids = account
    with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as client:
        page = client.get("/aanmelden")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        client.post("/aanmelden", data={"email": email, "password": PASSWORD, "csrf": csrf})
        weeks = 1
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            form = client.get(f"/partner/diensten/{service_id}")
            version = re.search(r'name="version" value="(\d+)"', form.text)
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            ok = form.status_code == 200 and version and token
            if ok:
                weeks = weeks % 20 + 1
                saved = client.post(f"/partner/diensten/{service_id}", data={
                    "csrf": token.group(1), "version": version.group(1), "name": f"Dienst onder belasting {service_id[:6]}",
                    "status": "active", "published": "on", "waiting_list": "short", "waiting_weeks": str(weeks),
                    "free_of_charge": "on", "closed_on_public_holidays": "on", "needs": "housing",
                    "location_ids": location_ids,
                })
                ok = saved.status_code == 303
                detail = str(saved.status_code)
            else:
                detail = str(form.status_code) if form.status_code == 503 else f"edit form {form.status_code}"
            recorder.add("edit", time.perf_counter() - start, bool(ok), detail)
            time.sleep(max(0.0, interval - (time.perf_counter() - start)))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOAD_SECONDS", 120)))
    parser.add_argument("--rate", type=float, default=100.0, help="target searches per second")
    parser.add_argument("--edit-threads", type=int, default=2, help="partners editing, about 1 save/s each")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--restart-postgres-at", type=float, default=None,
                        help="stop PostgreSQL this many seconds into the run, start it 5 s later")
    args = parser.parse_args()

    url, cleanup = prepare_database(args.database)
    try:
        settings = Settings(database_url=url)
        initialise(settings)
        accounts = partner_accounts(url, args.edit_threads)
        env = {**os.environ, "SK_DATABASE_URL": url, "SK_PUBLIC_RATE_LIMIT": "1000000/minute",
               "SK_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [sys.executable, "-m", "app.server.cli", "serve", "--port", str(args.port), "--workers", "2", "--no-build-networks"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.time() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start: " + (server.stderr.read().decode()[-2000:] if server.stderr else ""))
                time.sleep(0.2)
            # warm every worker's catalogue and routing state
            for _ in range(20):
                httpx.post(f"{base}/api/v1/search", json={"home": {"query": "8500"}, "needs": ["housing"]}, timeout=10)
            recorder = Recorder()
            threads_count = 16
            interval = threads_count / args.rate
            cpu_before = cpu_seconds(server.pid)
            generator_before = time.process_time()
            start = time.perf_counter()
            stop_at = start + args.seconds
            threads = [threading.Thread(target=run_search_worker, args=(base, stop_at, interval, recorder, seed))
                       for seed in range(threads_count)]
            threads += [threading.Thread(target=run_edit_worker, args=(base, stop_at, 1.0, recorder, account))
                        for account in accounts]
            fault: dict = {}
            if args.restart_postgres_at is not None and args.database == "postgres":
                threads.append(threading.Thread(target=restart_postgres, args=(args.restart_postgres_at, 5.0, fault)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            server_cpu = cpu_seconds(server.pid) - cpu_before
            generator_cpu = time.process_time() - generator_before
        finally:
            server.terminate()
            server.wait(timeout=15)
    finally:
        cleanup()

    searches = recorder.latencies["coach"] + recorder.latencies["widget"]
    every = searches + recorder.latencies["edit"]
    for kind, values in recorder.latencies.items():
        if values:
            print(f"{kind:7s} n={len(values):6d}  p50 {statistics.median(values):7.2f} ms  p95 {percentile(values, 95):7.2f} ms")
    for error in recorder.errors[:10]:
        print("error:", error)
    recovery = {}
    if fault.get("started_at"):
        settled = fault["started_at"] + 10
        after = [ok for moment, ok in recorder.outcomes if moment > settled]
        recovery = {"recovered": bool(after) and all(after), "requests_after_recovery": len(after)}
    # A 503 is expected only while the database was deliberately stopped (and a few seconds
    # after); any other 503 (a locked SQLite, a lost connection) is an error like any other.
    window = (fault.get("stopped_at", float("inf")), fault.get("started_at", float("-inf")) + 10)
    stray_503 = sum(1 for moment in recorder.unavailable if not window[0] <= moment <= window[1])
    print(json.dumps({
        **recovery,
        "database": args.database, "seconds": round(elapsed, 1), "rps": round(len(every) / elapsed, 1),
        "search_rps": round(len(searches) / elapsed, 1), "edits": len(recorder.latencies["edit"]),
        "p50_ms": round(statistics.median(searches), 2), "p95_ms": percentile(searches, 95),
        "p99_ms": percentile(searches, 99), "edit_p95_ms": percentile(recorder.latencies["edit"], 95),
        "errors": len(recorder.errors) + stray_503, "unavailable_503": len(recorder.unavailable),
        "target_rps": args.rate, "workers": 2,
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(len(every), 1), 2),
        "generator_cpu_ms_per_request": round(generator_cpu * 1000 / max(len(every), 1), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
