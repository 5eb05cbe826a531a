"""Faults (database away, crash mid-edit) and privacy (nothing about the participant in logs)."""

from __future__ import annotations

import logging
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user
from app.core.db import make_engine
from app.domain import editing, history
from app.domain.editing import ServiceChanges, update_service
from app.server.main import create_app
from app.server.app_state import AppState


def test_a_database_that_went_away_gives_a_clear_503_not_a_500(app_state):
    # nothing listens on port 1: every query fails as if PostgreSQL had been stopped
    unreachable = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", pool_pre_ping=False,
                              connect_args={"connect_timeout": 1})
    broken = AppState(**{**app_state.__dict__, "engine": unreachable, "_catalog": None,
                         "_catalog_lock": app_state._catalog_lock})
    with TestClient(create_app(state=broken)) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        response = client.get("/api/v1/search", params={"q": "8500", "needs": "housing"})
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert response.json()["code"] == "database_unavailable"
        assert "niet bereikbaar" in response.json()["message_nl"]
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "niet bereikbaar" in page.text
    # Recovery of one running app after a real outage: tests/web/test_database_outage.py (PostgreSQL).


def test_a_crash_in_the_middle_of_an_edit_leaves_nothing_half_written(loaded_engine, monkeypatch):
    with Session(loaded_engine) as session:
        service = session.exec(select(models.Service).order_by(models.Service.id)).first()
        before = (service.version, service.waiting_list)
        user = create_user(session, email=f"crash-{uuid.uuid4().hex[:6]}@example.org", password="lang-genoeg-wachtwoord",
                           role="coordinator")
        service_id, history_before = service.id, len(history.service_history(session, service.id))

    def explode(*args, **kwargs):
        raise RuntimeError("power cut while writing the history")

    monkeypatch.setattr(editing, "record_change", explode)
    with Session(loaded_engine) as session, pytest.raises(RuntimeError):
        update_service(session, user=session.get(models.User, user.id), service_id=service_id,
                       expected_version=before[0], changes=ServiceChanges(waiting_list="long", needs=["housing"]))
    with Session(loaded_engine) as session:
        service = session.get(models.Service, service_id)
        assert (service.version, service.waiting_list) == before
        assert len(history.service_history(session, service_id)) == history_before


def test_searching_logs_nothing_about_the_participant(client, caplog):
    caplog.set_level(logging.DEBUG)
    profile = {
        "home": {"query": "Kerkstraat 12, 8930 Lauwe"},
        "needs": ["addiction/gambling", "justice/after-detention", "mental-health/trauma"],
        "mobility": {"profile": "cannot-cycle", "wheelchair": True},
        "age": 37, "languages": ["ti"], "target_groups": ["after-detention"], "referrer": "justice",
    }
    assert client.post("/api/v1/search", json=profile).status_code == 200
    client.get("/zoeken", params={"woonplaats": "8930 Lauwe", "noden": "addiction/gambling"})
    client.get("/api/v1/public/search", params={"q": "8930 Lauwe", "needs": "addiction/gambling"})
    # every logger of the app and its libraries; only the test's own HTTP client (httpx) is left out
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("httpx"))
    for secret in ("Kerkstraat", "8930", "Lauwe", "gambling", "after-detention", "trauma", "justice"):
        assert secret not in logged


def test_the_server_access_log_is_off_by_default(monkeypatch):
    """Access logs carry query strings (postcodes, needs): ``sk serve`` keeps them off unless asked."""
    import uvicorn

    from app.server.cli import main

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: captured.update(kwargs))
    main(["serve", "--no-build-networks"])
    assert captured["access_log"] is False
