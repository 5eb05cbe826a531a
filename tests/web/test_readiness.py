"""An empty or half-restored database: 503s like a refused connection, and /healthz says which migration.

Runs on SQLite and on PostgreSQL (where a missing table is a ``ProgrammingError``, not an
``OperationalError``).
"""

from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from app.core.db import make_engine, upgrade_database
from app.server.main import create_app
from app.server.readiness import expected_revision
from tests.isolated_db import empty_database

DATABASE_ROUTES = ["/api/v1/services", "/api/hsds/services", "/api/hsds/organizations", "/api/hsds/services/x"]
SEARCH = ("/api/v1/search", {"q": "8500 Kortrijk", "needs": "housing"})


@pytest.fixture
def state_on(app_state, tmp_path):
    """An app state on a database of its own, migrated to ``revision`` (None: created, never migrated)."""
    engines = []

    def make(url: str):
        engine = make_engine(url)
        engines.append(engine)
        return app_state.derive(engine=engine)

    yield make
    for engine in engines:
        engine.dispose()


def test_an_unmigrated_database_is_a_503_everywhere_and_not_ready(state_on, tmp_path):
    with empty_database(tmp_path, prefix="sk_unmigrated") as url:
        state = state_on(url)
        with TestClient(create_app(state=state)) as client:
            health = client.get("/healthz")
            assert health.status_code == 503
            body = health.json()
            assert body["code"] == "schema_not_ready"
            assert body["detail"]["migration"] == {"current": None, "expected": expected_revision()}
            assert health.headers["Retry-After"]
            for path in [*DATABASE_ROUTES, SEARCH[0]]:
                response = client.get(path, params=SEARCH[1] if path == SEARCH[0] else None)
                assert response.status_code == 503, (path, response.status_code, response.text[:300])
                assert response.json()["code"] == "schema_not_ready"
            page = client.get("/partner", headers={"Accept": "text/html"})
            assert page.status_code == 503 and "niet bereikbaar" in page.text
            # liveness: the process itself is fine, restarting it would not help
            assert client.get("/livez").json() == {"status": "alive"}


def test_a_half_migrated_database_names_both_revisions_then_is_ready_after_upgrade(state_on, tmp_path):
    with empty_database(tmp_path, prefix="sk_halfway") as url:
        upgrade_database(url, "0002")
        state = state_on(url)
        with TestClient(create_app(state=state)) as client:
            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["detail"]["migration"] == {"current": "0002", "expected": expected_revision()}
            upgrade_database(url, "head")
            ready = client.get("/healthz")
            assert ready.status_code == 200
            assert ready.json()["migration"] == {"current": expected_revision(), "expected": expected_revision()}
            assert client.get("/api/v1/services").status_code == 200
