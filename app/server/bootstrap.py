"""Bring a database to a usable state: migrate, sync reference data, load demo data."""

from __future__ import annotations

import logging
from datetime import date

from sqlmodel import Session

from app.core.config import Settings
from app.core.db import make_engine, upgrade_database
from app.operations.demo import generate_demo_data, is_database_empty, load_demo_data
from app.operations.reference_data import sync_reference_data
from geo.places import load_places
from geo.prepare import ensure_data
from geo.regions import load_regions

logger = logging.getLogger(__name__)


def initialise(settings: Settings, *, migrate: bool = True, demo: bool | None = None) -> dict:
    """Prepare data, migrate, sync reference data and load demo data into an empty database.

    Returns a small report (what was done) for the CLI.
    """
    ensure_data(settings.shared_data_dir, settings.data_dir)
    if migrate:
        upgrade_database(settings.sqlalchemy_url)
    regions = load_regions(settings.geo_dir)
    engine = make_engine(settings.sqlalchemy_url)
    report = {"database": engine.url.render_as_string(hide_password=True), "demo_loaded": False}
    try:
        with Session(engine) as session:
            sync_reference_data(session, regions)
            wants_demo = settings.load_demo_data if demo is None else demo
            if wants_demo and is_database_empty(session):
                dataset = generate_demo_data(
                    regions, load_places(settings.geo_dir), seed=settings.demo_seed, today=date.today()
                )
                load_demo_data(session, dataset)
                report.update(
                    demo_loaded=True,
                    organizations=len(dataset.organizations),
                    services=len(dataset.services),
                    locations=len(dataset.locations),
                )
    finally:
        engine.dispose()
    return report
