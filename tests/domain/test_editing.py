"""Access rules, history and no lost updates, in the domain layer."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timezone

import pytest
from sqlmodel import Session, delete, select

from app.core import models
from app.core.auth import PermissionDenied, create_user
from app.domain.duplicates import PossibleDuplicates
from app.domain.editing import (
    OpeningSlotIn,
    ServiceChanges,
    VersionConflict,
    create_service,
    update_service,
    verify_service,
)
from app.domain.history import service_history


@pytest.fixture
def world(loaded_engine):
    """Two organisations, a service each, a partner editor for the first, a coach."""
    tag = uuid.uuid4().hex[:8]
    with Session(loaded_engine) as session:
        org_a = models.Organization(name=f"Testorganisatie A {tag}")
        org_b = models.Organization(name=f"Testorganisatie B {tag}")
        session.add_all([org_a, org_b])
        session.flush()
        location = models.Location(organization_id=org_a.id, name="A", municipality_nis="34022", latitude=50.82, longitude=3.26)
        service_a = models.Service(organization_id=org_a.id, name=f"Budgethulp {tag}", assured_date=date(2024, 1, 5))
        service_b = models.Service(organization_id=org_b.id, name=f"Woonhulp {tag}")
        session.add_all([location, service_a, service_b])
        session.flush()
        session.add(models.ServiceAtLocation(service_id=service_a.id, location_id=location.id))
        session.commit()
        partner = create_user(session, email=f"partner-{tag}@example.org", password="lang-genoeg-wachtwoord",
                              role="partner", organization_ids=[org_a.id])
        coach = create_user(session, email=f"coach-{tag}@example.org", password="lang-genoeg-wachtwoord", role="coach")
        coordinator = create_user(session, email=f"coord-{tag}@example.org", password="lang-genoeg-wachtwoord",
                                  role="coordinator", partnership_slug="zuid-west-vlaanderen")
        ids = {"org_a": org_a.id, "org_b": org_b.id, "a": service_a.id, "b": service_b.id, "location": location.id,
               "partner": partner.id, "coach": coach.id, "coordinator": coordinator.id}
    yield ids
    with Session(loaded_engine) as session:
        services = [ids["a"], ids["b"]] + list(
            session.exec(select(models.Service.id).where(models.Service.organization_id.in_([ids["org_a"], ids["org_b"]]))).all()
        )
        for table in (models.ServiceNeed, models.ServiceAtLocation, models.Schedule, models.Closure, models.ServiceArea,
                      models.ServiceTargetGroup):
            session.exec(delete(table).where(table.service_id.in_(services)))
        session.exec(delete(models.ChangeRecord).where(models.ChangeRecord.resource_id.in_(services)))
        session.exec(delete(models.Service).where(models.Service.id.in_(services)))
        session.exec(delete(models.Location).where(models.Location.id == ids["location"]))
        users = [ids["partner"], ids["coach"], ids["coordinator"]]
        session.exec(delete(models.UserOrganization).where(models.UserOrganization.user_id.in_(users)))
        session.exec(delete(models.UserSession).where(models.UserSession.user_id.in_(users)))
        session.exec(delete(models.User).where(models.User.id.in_(users)))
        session.exec(delete(models.Organization).where(models.Organization.id.in_([ids["org_a"], ids["org_b"]])))
        session.commit()


def _user(session, user_id):
    return session.get(models.User, user_id)


def test_a_partner_edits_their_own_service_and_every_field_is_recorded(loaded_engine, world):
    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        changes = ServiceChanges(
            waiting_list="short", waiting_weeks=4, needs=["income-debt/budget"],
            opening_hours=[OpeningSlotIn(weekday=2, opens_at=time(9), closes_at=time(12))],
        )
        service = update_service(session, user=partner, service_id=world["a"], expected_version=1, changes=changes)
        assert service.version == 2 and service.waiting_weeks == 4
        history = service_history(session, world["a"])
        fields = {record.field_name for record in history}
        assert {"waiting_list", "waiting_weeks", "needs", "opening_hours"} <= fields
        waiting = next(r for r in history if r.field_name == "waiting_list")
        assert (waiting.previous_value, waiting.replacement_value, waiting.updated_by) == ("none", "short", partner.email)


@pytest.mark.parametrize("who", ["partner", "coach", "coordinator"])
def test_nobody_edits_another_organisations_service(loaded_engine, world, who):
    with Session(loaded_engine) as session:
        user = _user(session, world[who])
        with pytest.raises(PermissionDenied):
            update_service(session, user=user, service_id=world["b"], expected_version=1, changes=ServiceChanges(name="Overgenomen"))
        assert session.get(models.Service, world["b"]).name.startswith("Woonhulp")


def test_a_coach_cannot_edit_at_all(loaded_engine, world):
    with Session(loaded_engine) as session:
        with pytest.raises(PermissionDenied):
            update_service(session, user=_user(session, world["coach"]), service_id=world["a"], expected_version=1,
                           changes=ServiceChanges(name="Nee"))


def test_the_coordinator_of_the_partnership_may_edit_services_in_it(loaded_engine, world):
    with Session(loaded_engine) as session:
        coordinator = _user(session, world["coordinator"])
        service = update_service(session, user=coordinator, service_id=world["a"], expected_version=1,
                                 changes=ServiceChanges(description="Nagekeken door de coördinator"))
        assert service.version == 2


def test_the_second_of_two_concurrent_saves_gets_a_conflict_with_both_versions(loaded_engine, world):
    with Session(loaded_engine) as first, Session(loaded_engine) as second:
        partner_one, partner_two = _user(first, world["partner"]), _user(second, world["partner"])
        update_service(first, user=partner_one, service_id=world["a"], expected_version=1, changes=ServiceChanges(phone="056 11 11 11"))
        with pytest.raises(VersionConflict) as conflict:
            update_service(second, user=partner_two, service_id=world["a"], expected_version=1, changes=ServiceChanges(phone="056 22 22 22"))
        assert conflict.value.current["phone"] == "056 11 11 11"
        assert conflict.value.attempted["phone"] == "056 22 22 22"
    with Session(loaded_engine) as check:
        assert check.get(models.Service, world["a"]).phone == "056 11 11 11"


def test_verify_changes_only_the_assurance(loaded_engine, world):
    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        before = session.get(models.Service, world["a"]).model_dump()
        service = verify_service(session, user=partner, service_id=world["a"], today=date(2026, 11, 2))
        after = service.model_dump()
        changed = {key for key in before if before[key] != after[key]}
        # last_modified has one-second resolution: it may or may not tick within this test
        assert {"assured_date", "assured_by"} <= changed <= {"assured_date", "assured_by", "last_modified"}
        assert service.assured_by == partner.email
        assert service_history(session, world["a"])[0].last_action_type == "verify"


def test_invalid_changes_are_rejected_before_anything_is_written(loaded_engine, world):
    with pytest.raises(ValueError, match="unknown need"):
        ServiceChanges(needs=["flying"])
    with pytest.raises(ValueError, match="minimum age"):
        ServiceChanges(minimum_age=30, maximum_age=18)
    with pytest.raises(ValueError, match="closing time"):
        OpeningSlotIn(weekday=1, opens_at=time(12), closes_at=time(9))
    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        from app.domain.errors import DomainError

        with pytest.raises(DomainError, match="unknown municipality"):
            update_service(session, user=partner, service_id=world["a"], expected_version=1,
                           changes=ServiceChanges(service_area=["99999"], description="mag niet blijven"))
        assert session.get(models.Service, world["a"]).description == ""
        assert session.get(models.Service, world["a"]).version == 1


def test_creating_a_near_duplicate_shows_candidates_first(loaded_engine, world):
    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        existing = session.get(models.Service, world["a"]).name
        near = ServiceChanges(name=existing.replace("Budgethulp", "Budget hulp"), location_ids=[world["location"]])
        with pytest.raises(PossibleDuplicates) as duplicates:
            create_service(session, user=partner, organization_id=world["org_a"], changes=near)
        assert world["a"] in [candidate["id"] for candidate in duplicates.value.candidates]
        created = create_service(session, user=partner, organization_id=world["org_a"], changes=near, allow_duplicate=True)
        assert created.organization_id == world["org_a"]
        with pytest.raises(PermissionDenied):
            create_service(session, user=partner, organization_id=world["org_b"],
                           changes=ServiceChanges(name="Iets heel anders 123", outreach=True))


def test_a_partnership_coordinator_looks_after_organisations_in_its_municipalities(loaded_engine, world):
    from app.domain.permissions import can_edit_organization, partnership_service_ids

    with Session(loaded_engine) as session:
        coordinator = _user(session, world["coordinator"])  # zuid-west-vlaanderen; org A has a location in Kortrijk
        assert can_edit_organization(session, coordinator, world["org_a"])
        assert not can_edit_organization(session, coordinator, world["org_b"])  # no location anywhere
        ieper = models.Location(organization_id=world["org_b"], name="B", municipality_nis="33011",
                                latitude=50.85, longitude=2.88)
        session.add(ieper)
        session.commit()
        try:
            assert not can_edit_organization(session, coordinator, world["org_b"])  # Ieper is WestUp's
            ids = partnership_service_ids(session, "zuid-west-vlaanderen")
            assert world["a"] in ids and world["b"] not in ids
            assert world["a"] not in partnership_service_ids(session, "turnhout")
        finally:
            session.delete(ieper)
            session.commit()


def _full_load_forbidden(monkeypatch):
    import app.domain.catalog as catalog_module

    def refuse(session):
        raise AssertionError("a full catalogue rebuild where one service changed")

    monkeypatch.setattr(catalog_module, "load_catalog", refuse)


def test_the_catalogue_refresh_rereads_only_the_edited_service(loaded_engine, world, monkeypatch):
    from app.domain.catalog import load_catalog, refresh_catalog

    with Session(loaded_engine) as session:
        before = load_catalog(session)
        partner = _user(session, world["partner"])
        update_service(session, user=partner, service_id=world["a"], expected_version=1, changes=ServiceChanges(
            name="Budgethulp vernieuwd", needs=["income-debt/budget"],
            opening_hours=[OpeningSlotIn(weekday=3, opens_at=time(13), closes_at=time(16))],
        ))
        verify_service(session, user=partner, service_id=world["a"], today=date(2026, 11, 20))
        expected = load_catalog(session)
        with monkeypatch.context() as patch:
            _full_load_forbidden(patch)
            refreshed = refresh_catalog(session, before)
    assert refreshed.services == expected.services and refreshed.key == expected.key
    service = refreshed.by_id(world["a"])
    assert (service.name, service.needs, service.assured_date) == (
        "Budgethulp vernieuwd", frozenset({"income-debt/budget"}), date(2026, 11, 20))
    assert [(slot.weekday, slot.opens_at) for slot in service.opening_hours] == [(3, time(13))]
    assert refresh_catalog(session, refreshed) is refreshed  # nothing changed: the same snapshot


def test_the_catalogue_refresh_rebuilds_when_it_cannot_prove_it_saw_every_change(loaded_engine, world):
    from sqlalchemy import update

    from app.domain.catalog import load_catalog, refresh_catalog

    with Session(loaded_engine) as session:
        before = load_catalog(session)
        # an edit stamped long before the snapshot's newest change (a slow transaction): the
        # version sum no longer adds up, so the refresh rebuilds everything
        session.exec(update(models.Service).where(models.Service.id == world["b"]).values(
            name="Woonhulp laat bewaard", version=models.Service.version + 1,
            last_modified=datetime(2020, 1, 1, tzinfo=timezone.utc)))
        session.commit()
        refreshed = refresh_catalog(session, before)
        assert refreshed.by_id(world["b"]).name == "Woonhulp laat bewaard"
        assert refreshed.services == load_catalog(session).services
        # a location moved: the locations are re-read too
        location = session.get(models.Location, world["location"])
        location.latitude, location.version = 50.83, location.version + 1
        session.add(location)
        session.commit()
        moved = refresh_catalog(session, refreshed)
    assert next(loc for loc in moved.locations if loc.id == world["location"]).latitude == 50.83


@pytest.fixture
def more_locations(loaded_engine, world):
    """A second and an inactive location of organisation A, and one of organisation B (in Ieper, not the
    coordinator's partnership)."""
    with Session(loaded_engine) as session:
        rows = {
            "second": models.Location(organization_id=world["org_a"], name="A2", municipality_nis="34022",
                                      latitude=50.83, longitude=3.27),
            "inactive": models.Location(organization_id=world["org_a"], name="A oud", municipality_nis="34022",
                                        latitude=50.81, longitude=3.25, active=False),
            "of_b": models.Location(organization_id=world["org_b"], name="B", municipality_nis="33011",
                                    latitude=50.85, longitude=2.88),
        }
        session.add_all(rows.values())
        session.commit()
        ids = {key: row.id for key, row in rows.items()}
    yield ids
    with Session(loaded_engine) as session:
        session.exec(delete(models.ServiceAtLocation).where(models.ServiceAtLocation.location_id.in_(ids.values())))
        session.exec(delete(models.Location).where(models.Location.id.in_(ids.values())))
        session.commit()


def _links(session, service_id) -> dict[str, str]:
    rows = session.exec(select(models.ServiceAtLocation).where(models.ServiceAtLocation.service_id == service_id)).all()
    return {row.location_id: row.id for row in rows}


def test_a_partner_links_the_service_to_their_locations_and_the_history_records_it(loaded_engine, world, more_locations):
    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        kept_link = _links(session, world["a"])[world["location"]]
        both = sorted([world["location"], more_locations["second"]])
        service = update_service(session, user=partner, service_id=world["a"], expected_version=1,
                                 changes=ServiceChanges(location_ids=[more_locations["second"], world["location"]]))
        assert service.version == 2
        links = _links(session, world["a"])
        assert sorted(links) == both
        assert links[world["location"]] == kept_link  # an unchanged link keeps its HSDS identifier
        (record,) = [r for r in service_history(session, world["a"]) if r.field_name == "location_ids"]
        assert record.previous_value == f'["{world["location"]}"]'
        assert record.replacement_value == json.dumps(both)
        service = update_service(session, user=partner, service_id=world["a"], expected_version=2,
                                 changes=ServiceChanges(location_ids=[more_locations["second"]]))
        assert list(_links(session, world["a"])) == [more_locations["second"]]
        # the same list again is no change: no new version, no history
        again = update_service(session, user=partner, service_id=world["a"], expected_version=3,
                               changes=ServiceChanges(location_ids=[more_locations["second"]]))
        assert again.version == 3


@pytest.mark.parametrize(
    ("location_ids", "outreach", "error"),
    [
        (["of_b"], None, "PermissionDenied"),  # another organisation's location
        (["second", "of_b"], None, "PermissionDenied"),
        (["inactive"], None, "InvalidLocations"),
        (["does-not-exist"], None, "InvalidLocations"),
        ([], None, "LocationRequired"),  # in person without any location
        (None, False, "LocationRequired"),  # no longer outreach, and the only link goes with it below
    ],
)
def test_wrong_location_links_are_refused_and_change_nothing(loaded_engine, world, more_locations, location_ids,
                                                             outreach, error):
    from app.domain import editing

    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        if location_ids is None:  # an outreach service without locations that stops coming to homes
            session.exec(delete(models.ServiceAtLocation).where(models.ServiceAtLocation.service_id == world["a"]))
            session.exec(models.Service.__table__.update().where(models.Service.id == world["a"]).values(outreach=True))
            session.commit()
        fields = {"description": "mag niet blijven"}
        if location_ids is not None:
            fields["location_ids"] = [more_locations.get(key, key) for key in location_ids]
        if outreach is not None:
            fields["outreach"] = outreach
        before = _links(session, world["a"])
        with pytest.raises(getattr(editing, error, PermissionDenied)):
            update_service(session, user=partner, service_id=world["a"], expected_version=1,
                           changes=ServiceChanges(**fields))
        session.expire_all()
        assert _links(session, world["a"]) == before
        assert session.get(models.Service, world["a"]).version == 1
        assert session.get(models.Service, world["a"]).description == ""


def test_an_outreach_service_needs_no_location_and_an_inactive_link_may_stay(loaded_engine, world, more_locations):
    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        update_service(session, user=partner, service_id=world["a"], expected_version=1,
                       changes=ServiceChanges(outreach=True, location_ids=[]))
        assert _links(session, world["a"]) == {}
        session.add(models.ServiceAtLocation(service_id=world["a"], location_id=more_locations["inactive"]))
        session.commit()
        # a location deactivated after it was linked is kept when the form sends it back
        service = update_service(session, user=partner, service_id=world["a"], expected_version=2,
                                 changes=ServiceChanges(location_ids=[more_locations["inactive"], world["location"]]))
        assert service.version == 3
        assert sorted(_links(session, world["a"])) == sorted([more_locations["inactive"], world["location"]])


def test_a_new_service_is_linked_to_the_chosen_locations_of_its_own_organisation(loaded_engine, world, more_locations):
    from app.domain.editing import InvalidLocations, LocationRequired

    with Session(loaded_engine) as session:
        partner = _user(session, world["partner"])
        with pytest.raises(LocationRequired):
            create_service(session, user=partner, organization_id=world["org_a"], changes=ServiceChanges(name="Zonder plaats"))
        with pytest.raises(PermissionDenied):
            create_service(session, user=partner, organization_id=world["org_a"],
                           changes=ServiceChanges(name="Bij de buren", location_ids=[more_locations["of_b"]]))
        with pytest.raises(InvalidLocations):
            create_service(session, user=partner, organization_id=world["org_a"],
                           changes=ServiceChanges(name="Op een oude plek", location_ids=[more_locations["inactive"]]))
        assert not session.exec(select(models.Service).where(models.Service.name.in_(
            ["Zonder plaats", "Bij de buren", "Op een oude plek"]))).all()
        created = create_service(session, user=partner, organization_id=world["org_a"],
                                 changes=ServiceChanges(name="Schrijfhulp op de tweede plek",
                                                        location_ids=[more_locations["second"]]))
        assert list(_links(session, created.id)) == [more_locations["second"]]
        recorded = {r.field_name: r.replacement_value for r in service_history(session, created.id)}
        assert recorded["location_ids"] == f'["{more_locations["second"]}"]'
        outreach = create_service(session, user=partner, organization_id=world["org_a"],
                                  changes=ServiceChanges(name="Thuisbezoek zonder loket", outreach=True))
        assert _links(session, outreach.id) == {}


def test_the_duplicate_check_weighs_the_address_of_the_chosen_locations(loaded_engine, world, more_locations):
    from app.domain.duplicates import similar_services

    with Session(loaded_engine) as session:
        addresses = {world["location"]: ("Grote Markt 1", "8500"), more_locations["second"]: ("Stationsstraat 200", "8500"),
                     more_locations["of_b"]: ("Grote Markt 1", "8500")}
        for location_id, (street, postcode) in addresses.items():
            location = session.get(models.Location, location_id)
            location.address_1, location.postcode, location.city = street, postcode, "Kortrijk"
        session.commit()
        name = session.get(models.Service, world["a"]).name  # "Budgethulp <tag>" at Grote Markt 1

        def found(candidate_name, organization, location_id):
            return {c["id"]: c for c in similar_services(session, name=candidate_name, organization_id=world[organization],
                                                         location_ids=[more_locations.get(location_id, location_id)])}

        same_place = found(name.replace("Budgethulp", "Budget hulp"), "org_a", world["location"])
        assert world["a"] in same_place and same_place[world["a"]]["address"] == "Grote Markt 1, 8500 Kortrijk"
        # the same name at another street of the same organisation: a second branch, not a duplicate
        assert world["a"] not in found(name, "org_a", "second")
        # the same offer entered by another organisation at the same address is a candidate
        assert world["a"] in found(name, "org_b", "of_b")
        # without a chosen location, name and organisation decide as before
        assert world["a"] in {c["id"] for c in similar_services(session, name=name, organization_id=world["org_a"])}
