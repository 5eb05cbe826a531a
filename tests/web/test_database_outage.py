"""PostgreSQL going away under a running app: clear 503s, no partial writes, recovery without a restart.

PostgreSQL only (skipped on SQLite). One app instance serves the whole test: the database
is made to refuse connections and every connection of the app is terminated from a
separate admin connection (to the ``postgres`` database), then it is let back in.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.core.db import make_engine
from app.domain import editing, history
from app.server.main import create_app
from tests.web.test_partner_pages import PASSWORD, login

DATABASE_URL = os.environ.get("SK_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL")

#: read from the database on every request (search answers from the in-memory snapshot instead)
DATABASE_BACKED = ["/healthz", "/api/v1/services", "/api/hsds/services", "/api/hsds/organizations"]
SEARCH = ("/api/v1/search", {"q": "8500 Kortrijk", "needs": "housing"})


@pytest.fixture
def admin() -> Iterator[Engine]:
    """A connection to the ``postgres`` maintenance database: it stays up while ours is blocked."""
    engine = create_engine(make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def database_name() -> str:
    return make_url(DATABASE_URL).database


def terminate_app_connections(admin: Engine) -> int:
    with admin.connect() as connection:
        return len(connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name "
                 "AND pid <> pg_backend_pid()"), {"name": database_name()},
        ).all())


@contextmanager
def database_away(admin: Engine) -> Iterator[None]:
    """No new connections, every open one cut: as if PostgreSQL had stopped. Always let back in."""
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{database_name()}" ALLOW_CONNECTIONS false'))
    try:
        terminate_app_connections(admin)
        yield
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database_name()}" ALLOW_CONNECTIONS true'))


@pytest.fixture
def own_state(app_state):
    """The test app's own engine (short connect timeout), so the outage is its alone to recover from."""
    engine = make_engine(DATABASE_URL, connect_args={"connect_timeout": 3})
    state = app_state.derive(engine=engine)
    yield state
    engine.dispose()


@pytest.fixture
def partner(own_state) -> dict:
    """A partner of the first organisation and that organisation's first service."""
    with Session(own_state.engine) as session:
        organization = session.exec(select(models.Organization).order_by(models.Organization.id)).first()
        service = session.exec(select(models.Service).where(models.Service.organization_id == organization.id)
                               .order_by(models.Service.id)).first()
        email = f"outage-{uuid.uuid4().hex[:6]}@example.org"
        create_user(session, email=email, password=PASSWORD, role="partner", organization_ids=[organization.id])
        return {"email": email, "service_id": service.id}


def test_an_outage_gives_503s_and_the_same_app_recovers_without_a_restart(own_state, admin, partner):
    with TestClient(create_app(state=own_state)) as client:
        login(client, partner["email"])
        assert client.get("/partner", headers={"Accept": "text/html"}).status_code == 200
        assert client.get(SEARCH[0], params=SEARCH[1]).status_code == 200
        for path in DATABASE_BACKED:
            assert client.get(path).status_code == 200, path
        with database_away(admin):
            for path in DATABASE_BACKED:
                response = client.get(path)
                assert response.status_code == 503, (path, response.status_code, response.text[:300])
                assert response.json()["code"] == "database_unavailable"
                assert response.headers["Retry-After"]
            body = client.get("/api/v1/services").json()
            assert "niet bereikbaar" in body["message_nl"]
            page = client.get("/", headers={"Accept": "text/html"})
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
            assert "De databank is even niet bereikbaar" in page.text
            signed_in_page = client.get("/partner", headers={"Accept": "text/html"})
            assert signed_in_page.status_code == 503 and "niet bereikbaar" in signed_in_page.text
            # searches keep answering from the last catalogue snapshot: a coach in front of a participant
            search = client.get(SEARCH[0], params=SEARCH[1])
            assert search.status_code == 200 and search.json()["results"]
            # a second round: the pool holds no half-dead connection that turns into a 500 later
            for path in DATABASE_BACKED:
                assert client.get(path).status_code == 503, path
        # the same app, no restart: the pool reconnects on the next request
        for path in DATABASE_BACKED:
            assert client.get(path).status_code == 200, path
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
        assert client.get("/partner", headers={"Accept": "text/html"}).status_code == 200  # still signed in
        assert client.get(SEARCH[0], params=SEARCH[1]).status_code == 200


def test_connections_cut_between_requests_are_replaced_transparently(own_state, admin):
    """Only the connections die (PostgreSQL restarted quickly): the pool's pre-ping hides it."""
    with TestClient(create_app(state=own_state)) as client:
        assert client.get("/api/v1/services").status_code == 200
        assert terminate_app_connections(admin) >= 1
        assert client.get("/api/v1/services").status_code == 200
        assert client.get("/healthz").json()["status"] == "ok"


def test_an_edit_whose_connection_dies_midway_writes_nothing(own_state, admin, partner, monkeypatch):
    email, service_id = partner["email"], partner["service_id"]
    with Session(own_state.engine) as session:
        service = session.get(models.Service, service_id)
        before = (service.version, service.waiting_weeks, service.name)
        needs_before = sorted(session.exec(select(models.ServiceNeed.need_code)
                                           .where(models.ServiceNeed.service_id == service_id)).all())
        history_before = len(history.service_history(session, service_id))

    original_record_change = editing.record_change
    cut: list[int] = []

    def record_change_after_the_connection_died(session, **kwargs):
        # the service row is updated and its needs replaced (not committed): now the backend dies
        pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        cut.append(pid)
        return original_record_change(session, **kwargs)

    with TestClient(create_app(state=own_state), follow_redirects=False) as client:
        login(client, email)
        token = client.cookies.get("sk_session")
        assert token
        csrf = _csrf_of(client.get("/partner").text)
        monkeypatch.setattr(editing, "record_change", record_change_after_the_connection_died)
        response = client.patch(f"/api/v1/services/{service_id}", headers={"X-CSRF-Token": csrf}, json={
            "version": before[0], "changes": {"waiting_weeks": 41, "name": "Half geschreven", "needs": ["housing"]},
        })
        assert cut, "the fault was not injected"
        assert response.status_code == 503, response.text[:300]
        assert response.json()["code"] == "database_unavailable"
        monkeypatch.setattr(editing, "record_change", original_record_change)

        with Session(own_state.engine) as session:
            service = session.get(models.Service, service_id)
            assert (service.version, service.waiting_weeks, service.name) == before
            assert sorted(session.exec(select(models.ServiceNeed.need_code)
                                       .where(models.ServiceNeed.service_id == service_id)).all()) == needs_before
            assert len(history.service_history(session, service_id)) == history_before

        # the same app and the same session: the retried edit goes through once
        retried = client.patch(f"/api/v1/services/{service_id}", headers={"X-CSRF-Token": csrf}, json={
            "version": before[0], "changes": {"waiting_weeks": 41}})
        assert retried.status_code == 200, retried.text[:300]
        assert retried.json()["service"]["version"] == before[0] + 1


def _csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
