"""Invariants of the demonstration data generator."""

from __future__ import annotations

from collections import Counter

from shapely.geometry import Point

from app.operations.demo import generate_demo_data
from app.domain.taxonomy import all_needs, top_level_codes
from tests.conftest import DEMO_SEED, DEMO_TODAY

REAL_ORGANISATION_WORDS = ("OCMW", "CAW", "VDAB", "LIGO", "De Lijn", "CGG", "Sociaal Huis", "De Sleutel", "Kompas")


def test_counts_meet_the_floor(demo_dataset):
    assert len(demo_dataset.services) >= 400
    assert len(demo_dataset.organizations) >= 150


def test_every_municipality_has_services(demo_dataset, regions):
    location_nis = {location.id: location.municipality_nis for location in demo_dataset.locations}
    served = {location_nis[link.location_id] for link in demo_dataset.service_at_locations}
    assert served == {m.nis for m in regions.municipalities}
    assert len(served) == 44


def test_every_top_level_need_and_most_children_are_covered(demo_dataset):
    used = {row.need_code for row in demo_dataset.service_needs}
    used_top = {code.split("/")[0] for code in used}
    assert set(top_level_codes()) <= used_top
    children = [term.code for term in all_needs() if "/" in term.code]
    assert sum(code in used for code in children) / len(children) >= 0.9


def test_locations_lie_inside_their_municipality(demo_dataset, regions):
    for location in demo_dataset.locations:
        municipality = regions.by_nis(location.municipality_nis)
        assert municipality.geometry.contains(Point(location.longitude, location.latitude)), location.name


def test_the_welfare_house_is_in_the_centre(demo_dataset, regions, places):
    """Each municipality's first organisation (its welfare house) sits near the place named like it."""
    from geo.projection import to_metric
    from geo.text import normalise_name

    first_location = {}
    for location in demo_dataset.locations:
        first_location.setdefault(location.municipality_nis, location)
    checked = 0
    for municipality in regions.municipalities:
        names = {normalise_name(municipality.name_nl), normalise_name(municipality.name_fr)}
        centre = next((p for p in places if p.municipality_nis == municipality.nis and normalise_name(p.name) in names), None)
        if centre is None:
            continue
        location = first_location[municipality.nis]
        x, y = to_metric([location.longitude, centre.lon], [location.latitude, centre.lat])
        assert ((x[0] - x[1]) ** 2 + (y[0] - y[1]) ** 2) ** 0.5 < 1500, (municipality.name_nl, location.name)
        checked += 1
    assert checked >= 40


def test_everything_is_labelled_demo_and_fictional(demo_dataset):
    for row in (*demo_dataset.organizations, *demo_dataset.services, *demo_dataset.locations):
        assert row.demo is True
    for organization in demo_dataset.organizations:
        assert not any(word in organization.name for word in REAL_ORGANISATION_WORDS), organization.name
        assert organization.email.endswith(".invalid")
    assert all("Demonstratiedata" in service.description for service in demo_dataset.services)


def test_the_same_seed_gives_the_same_data(regions, places, demo_dataset):
    again = generate_demo_data(regions, places, seed=DEMO_SEED, today=DEMO_TODAY)
    assert [(s.id, s.name, s.languages) for s in again.services] == [
        (s.id, s.name, s.languages) for s in demo_dataset.services
    ]
    other = generate_demo_data(regions, places, seed=DEMO_SEED + 1, today=DEMO_TODAY)
    assert [s.id for s in other.services] != [s.id for s in demo_dataset.services]


def test_realistic_variety(demo_dataset):
    services = demo_dataset.services
    languages = Counter(code for service in services for code in service.languages)
    assert {"nl", "fr", "en", "ar", "ti", "prs", "uk", "ro"} <= set(languages)
    assert any(service.referral_required_from for service in services)
    assert any(service.minimum_age is not None for service in services)
    assert any(service.maximum_age is not None for service in services)
    assert Counter(service.waiting_list for service in services).keys() >= {"none", "short", "long", "closed"}
    stale = [s for s in services if (DEMO_TODAY - s.assured_date).days > 365]
    assert 0.05 < len(stale) / len(services) < 0.25
    levels = Counter(location.wheelchair_level for location in demo_dataset.locations)
    assert set(levels) >= {None, 0, 1, 2, 3}
    assert any(s.status != "active" for s in services)


def test_outreach_services_have_an_area_including_home(demo_dataset):
    areas: dict[str, set[str]] = {}
    for row in demo_dataset.service_areas:
        areas.setdefault(row.service_id, set()).add(row.municipality_nis)
    location_nis = {location.id: location.municipality_nis for location in demo_dataset.locations}
    home = {link.service_id: location_nis[link.location_id] for link in demo_dataset.service_at_locations}
    outreach = [service for service in demo_dataset.services if service.outreach]
    assert len(outreach) >= 20
    for service in outreach:
        assert home[service.id] in areas[service.id]
    assert any(len(area) > 1 for area in areas.values())


def test_schedules_and_ages_are_consistent(demo_dataset):
    for schedule in demo_dataset.schedules:
        assert 1 <= schedule.weekday <= 7
        assert schedule.opens_at < schedule.closes_at
    for service in demo_dataset.services:
        if service.minimum_age is not None and service.maximum_age is not None:
            assert service.minimum_age <= service.maximum_age
    ids = [row.id for row in (*demo_dataset.services, *demo_dataset.organizations, *demo_dataset.locations)]
    assert len(ids) == len(set(ids))


def test_a_failing_import_leaves_an_empty_database(regions, places, tmp_path):
    """Loading is one transaction: a failure midway (here: a duplicate key) writes nothing."""
    import copy

    import pytest
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session, SQLModel, func, select

    from app.core import models
    from app.core.db import make_engine
    from app.operations.demo import load_demo_data

    engine = make_engine(f"sqlite:///{tmp_path / 'import.db'}")
    SQLModel.metadata.create_all(engine)
    fresh = generate_demo_data(regions, places, seed=DEMO_SEED, today=DEMO_TODAY)  # objects no session has seen
    broken = copy.copy(fresh)
    broken.schedules = [*fresh.schedules[:50], fresh.schedules[0].model_copy()]  # the same id twice
    with Session(engine) as session, pytest.raises(IntegrityError):
        load_demo_data(session, broken)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(models.Organization)).one() == 0
        assert session.exec(select(func.count()).select_from(models.Service)).one() == 0
    engine.dispose()
