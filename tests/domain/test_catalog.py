"""The catalogue snapshot: what one read sees, when the data changes while it reads."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import Session, delete, update

from app.core import models
from app.domain.catalog import CONSISTENT_READ_ATTEMPTS, catalog_key, load_catalog, refresh_catalog
from tests.factories import remove_service_at_location


def _add_service_at_a_new_location(engine, tag: str) -> dict[str, str]:
    """One transaction: an organisation, its location, a service there (as a partner's first entry)."""
    with Session(engine) as session:
        organization = models.Organization(name=f"Gelijktijdig {tag}")
        session.add(organization)
        session.flush()
        location = models.Location(organization_id=organization.id, name=f"Gelijktijdig {tag}", postcode="8500",
                                   city="Kortrijk", municipality_nis="34022", latitude=50.828, longitude=3.265)
        service = models.Service(organization_id=organization.id, name=f"Gelijktijdige dienst {tag}")
        session.add_all([location, service])
        session.flush()
        session.add(models.ServiceNeed(service_id=service.id, need_code="housing"))
        session.add(models.ServiceAtLocation(service_id=service.id, location_id=location.id))
        rows = {"organization": organization.id, "location": location.id, "service": service.id}
        session.commit()
        return rows


@contextmanager
def _commit_after_the_location_query(engine, commit, *, times: int = 1):
    """Run ``commit()`` right after a snapshot read its locations, before it reads the services
    (another request's transaction committing in between), the first ``times`` reads."""
    done: list = []
    busy: list = []

    def after_execute(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        if (len(done) < times and not busy and statement.lstrip().startswith("SELECT location.id")
                and "location.active" in statement):
            busy.append(True)  # the commit's own queries pass through here too
            try:
                commit()
            finally:
                busy.clear()
            done.append(True)

    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        yield done
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)


@pytest.fixture
def concurrent_rows(loaded_engine):
    """The rows the test's concurrent transactions add (removed afterwards)."""
    added: list[dict[str, str]] = []
    yield added
    for rows in added:
        remove_service_at_location(loaded_engine, rows)


def test_a_commit_between_the_snapshots_queries_never_gives_a_service_without_its_location(
        loaded_engine, concurrent_rows):
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        with _commit_after_the_location_query(
                loaded_engine, lambda: concurrent_rows.append(_add_service_at_a_new_location(loaded_engine, tag))
        ) as done:
            catalog = load_catalog(session)
        assert done, "the concurrent commit did not run during the read"
        (rows,) = concurrent_rows
        service = catalog.by_id(rows["service"])
        # the snapshot is of one moment: after the commit (the service at its location) ...
        assert service is not None and service.location_indices
        assert catalog.locations[service.location_indices[0]].id == rows["location"]
        # ... and carries that moment's fingerprint
        assert catalog.key == catalog_key(session)


def test_a_refresh_during_a_commit_gives_the_new_services_with_their_locations(loaded_engine, concurrent_rows):
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        before = load_catalog(session)
        # a first new service, so the refresh has something to read when the second one lands
        concurrent_rows.append(_add_service_at_a_new_location(loaded_engine, tag))
        with _commit_after_the_location_query(
                loaded_engine, lambda: concurrent_rows.append(_add_service_at_a_new_location(loaded_engine, tag + "b"))
        ) as done:
            refreshed = refresh_catalog(session, before)
        assert done, "the concurrent commit did not run during the refresh"
        for rows in concurrent_rows:
            service = refreshed.by_id(rows["service"])
            assert service is not None and service.location_indices
            assert refreshed.locations[service.location_indices[0]].id == rows["location"]
        assert refreshed.key == catalog_key(session)


def test_a_snapshot_still_changing_after_every_attempt_is_read_again_at_the_next_check(
        loaded_engine, concurrent_rows):
    tag = uuid.uuid4().hex[:6]
    with Session(loaded_engine) as session:
        with _commit_after_the_location_query(
                loaded_engine, lambda: concurrent_rows.append(
                    _add_service_at_a_new_location(loaded_engine, f"{tag}{len(concurrent_rows)}")),
                times=CONSISTENT_READ_ATTEMPTS) as done:
            unsettled = load_catalog(session)
        assert len(done) == CONSISTENT_READ_ATTEMPTS
        # it carries the fingerprint of before its reads: the next check sees a change ...
        assert unsettled.key != catalog_key(session)
        settled = refresh_catalog(session, unsettled)
    # ... and reads every new service with its location
    for rows in concurrent_rows:
        service = settled.by_id(rows["service"])
        assert settled.locations[service.location_indices[0]].id == rows["location"]


@pytest.fixture
def fresh_state(app_state, monkeypatch):
    """An app state with its own snapshot, whose once-a-second check never comes by itself."""
    import app.server.app_state as app_state_module

    monkeypatch.setattr(app_state_module, "CATALOG_CHECK_SECONDS", 3600.0)
    state = app_state.derive()
    state.catalog()
    checks: list[tuple] = []

    def counted_key(session):
        checks.append(key := catalog_key(session))
        return key

    monkeypatch.setattr(app_state_module, "catalog_key", counted_key)
    return state, checks


def test_every_committed_write_to_the_catalogue_reaches_the_next_answer(loaded_engine, fresh_state, concurrent_rows):
    state, checks = fresh_state
    # written by no page and no API: a plain session, as the HSDS import or an sk command would
    concurrent_rows.append(_add_service_at_a_new_location(loaded_engine, uuid.uuid4().hex[:6]))
    (rows,) = concurrent_rows
    service = state.catalog().by_id(rows["service"])
    assert service is not None and state.catalog().locations[service.location_indices[0]].id == rows["location"]
    # a statement run through a session counts too
    with Session(loaded_engine) as session:
        session.exec(update(models.Service).where(models.Service.id == rows["service"])
                     .values(name="Hernoemd", version=models.Service.version + 1))
        session.commit()
    assert state.catalog().by_id(rows["service"]).name == "Hernoemd"


def test_other_writes_and_rolled_back_ones_cost_no_check(loaded_engine, fresh_state):
    state, checks = fresh_state
    before = state.catalog()
    throttle = uuid.uuid4().hex
    with Session(loaded_engine) as session:
        session.add(models.LoginThrottle(key_hash=throttle, failures=1))
        session.commit()
        session.add(models.Organization(name="Nooit bewaard"))
        session.flush()
        session.rollback()
        session.commit()
        assert state.catalog() is before and checks == []
        session.exec(delete(models.LoginThrottle).where(models.LoginThrottle.key_hash == throttle))
        session.commit()
