"""Two app instances (two ``sk serve`` processes) on one database, as in production.

* Freshness: a location deactivated through one instance is not offered by the other's first
  answer after a quiet period (no stale snapshot served once).
* The sign-in limit holds across instances (counted in the database), and neither it nor the
  public API's limit can be dodged with a changing ``X-Forwarded-For`` from an untrusted peer.

Runs on SQLite (a file both processes open) and on PostgreSQL in CI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.core.config import PROJECT_ROOT
from tests.browser import free_port
from tests.conftest import SHARED_DATA, separate_demo_database

PASSWORD = "een-lang-wachtwoord"


@contextmanager
def instance(url: str, data_dir, **settings: str) -> Iterator[str]:
    """``sk serve`` in its own process on a free port; yields the base URL."""
    port = free_port()
    env = {**os.environ, "SK_DATABASE_URL": url, "SK_DATA_DIR": str(data_dir), "SK_SHARED_DATA_DIR": str(SHARED_DATA),
           "SK_LOAD_DEMO_DATA": "false", "SK_LOG_LEVEL": "WARNING",
           # what these tests prove needs no travel data: no network build, timetable or gap run at start
           "SK_DEFAULT_TRANSIT_DATA": "false", "SK_GAPS_AT_STARTUP": "false",
           **{f"SK_{key.upper()}": value for key, value in settings.items()}}
    process = subprocess.Popen([sys.executable, "-m", "app.server.cli", "serve", "--port", str(port), "--no-build-networks"], env=env,
                               cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError("instance did not start: " + process.stderr.read().decode()[-2000:])
            try:
                if httpx.get(f"{base}/api/v1/needs", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("instance did not answer within 90 s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def two_instances(tmp_path_factory, regions, places, data_dir):
    with separate_demo_database(tmp_path_factory, regions, places, "two") as engine:
        url = engine.url.render_as_string(hide_password=False)
        with Session(engine) as session:
            coordinator = create_user(session, email=f"k-{uuid.uuid4().hex[:6]}@example.org", password=PASSWORD,
                                      role="coordinator")
        settings = {"public_rate_limit": "10/minute"}
        with instance(url, data_dir, **settings) as first, instance(url, data_dir, **settings) as second:
            yield {"engine": engine, "first": first, "second": second, "coordinator": coordinator.email}


def signed_in(base: str, email: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    assert try_login(client, email, password).status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/partner/locaties").text).group(1)
    return client, csrf


def try_login(client: httpx.Client, email: str, password: str, headers: dict | None = None) -> httpx.Response:
    page = client.get("/aanmelden")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/aanmelden", data={"email": email, "password": password, "csrf": csrf}, headers=headers)


def offered_location_ids(base: str, *, postcode: str, need: str) -> set[str]:
    response = httpx.get(f"{base}/api/v1/search", params={"q": postcode, "needs": need, "profile": "car",
                                                          "max_minutes": 180, "limit": 100}, timeout=30)
    assert response.status_code == 200, response.text
    return {result["location"]["id"] for result in response.json()["results"] if result.get("location")}


def test_a_location_deactivated_on_one_instance_is_not_offered_by_the_others_first_answer(two_instances):
    engine, first, second = two_instances["engine"], two_instances["first"], two_instances["second"]
    with Session(engine) as session:
        links = session.exec(
            select(models.Service, models.Location)
            .join(models.ServiceAtLocation, models.ServiceAtLocation.service_id == models.Service.id)
            .join(models.Location, models.Location.id == models.ServiceAtLocation.location_id)
            .where(models.Service.status == "active", models.Service.published == True,  # noqa: E712
                   models.Location.active == True,  # noqa: E712
                   ~models.Service.id.in_(select(models.ServiceTargetGroup.service_id)))
            .order_by(models.Location.id).limit(20)
        ).all()
        for service, location in links:  # one the second instance offers from the location's own postcode
            need = session.exec(select(models.ServiceNeed.need_code)
                                .where(models.ServiceNeed.service_id == service.id)).first()
            if location.id in offered_location_ids(second, postcode=location.postcode, need=need):
                break  # and the second instance is now warm
        else:
            pytest.fail("no demo location is offered from its own postcode")
        form = {"name": location.name, "address_1": location.address_1 or "", "postcode": location.postcode or "",
                "city": location.city or "", "latitude": f"{location.latitude:.6f}",
                "longitude": f"{location.longitude:.6f}", "version": str(location.version),
                "wheelchair_level": str(int(location.wheelchair_level)) if location.wheelchair_level is not None else "",
                "accessibility_description": location.accessibility_description or "",
                "transportation": location.transportation or ""}

    client, csrf = signed_in(first, two_instances["coordinator"])
    saved = client.post(f"/partner/locaties/{location.id}", data={**form, "csrf": csrf})  # "active" unticked
    assert saved.status_code == 303, saved.text[:500]
    with Session(engine) as session:
        assert session.get(models.Location, location.id).active is False
    time.sleep(2.5)  # a quiet period on the second instance: no request reaches it

    assert location.id not in offered_location_ids(second, postcode=location.postcode, need=need)


def test_the_e_mail_limit_holds_across_instances_and_forwarded_for_changes_nothing(two_instances):
    first, second = two_instances["first"], two_instances["second"]
    with Session(two_instances["engine"]) as session:
        victim = create_user(session, email=f"v-{uuid.uuid4().hex[:6]}@example.org", password=PASSWORD,
                             role="coach").email
    clients = [httpx.Client(base_url=base, follow_redirects=False, timeout=30) for base in (first, second)]
    statuses = []
    for attempt in range(8):  # alternating instances, each try from a "new" forwarded address
        spoofed = {"X-Forwarded-For": f"203.0.113.{attempt + 1}"}
        statuses.append(try_login(clients[attempt % 2], victim, "fout-wachtwoord-123", spoofed).status_code)
    assert statuses[:5] == [400] * 5, statuses  # 5/minute configured: five wrong tries in all, not per instance
    assert statuses[5:] == [429] * 3, statuses
    # blocked means blocked: the right password is not even checked, from either instance
    assert try_login(clients[0], victim, PASSWORD).status_code == 429
    blocked = try_login(clients[1], victim, PASSWORD)
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 60


def test_the_public_api_limit_ignores_an_untrusted_forwarded_for(two_instances):
    first = two_instances["first"]
    statuses = [
        httpx.get(f"{first}/api/v1/public/needs", headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
                  timeout=30).status_code
        for attempt in range(14)
    ]
    assert statuses.count(429) >= 4, statuses  # 10/minute for this instance, whatever the header says
