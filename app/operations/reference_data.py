"""Reference data in the database: partnerships, municipalities, taxonomy terms.

Synced idempotently from ``geo`` and :mod:`app.domain.taxonomy` at start-up, so the
database always matches the code and the prepared geodata.
"""

from __future__ import annotations

import json
import uuid

from shapely.geometry import mapping
from sqlmodel import Session, delete, select

from app.core import models
from app.core.db import committing
from app.domain.taxonomy import TARGET_GROUPS, Term, all_needs
from geo.regions import PARTNERSHIPS, RegionIndex

TAXONOMY_NAMESPACE = uuid.UUID("b0c3f1de-6a55-4c1e-8f4b-2f1f7f1d9a01")


def taxonomy_term_id(taxonomy: str, code: str) -> str:
    """Stable UUID of a taxonomy term (HSDS requires UUID identifiers)."""
    return str(uuid.uuid5(TAXONOMY_NAMESPACE, f"{taxonomy}:{code}"))


def _term_row(taxonomy: str, term: Term) -> models.TaxonomyTerm:
    return models.TaxonomyTerm(
        id=taxonomy_term_id(taxonomy, term.code),
        code=term.code if taxonomy == "need" else f"target-group:{term.code}",
        taxonomy=taxonomy,
        name=term.label_nl,
        parent_code=term.parent_code,
        description=term.description_nl or term.label_en,
        synonyms=list(term.synonyms),
    )


def sync_reference_data(session: Session, regions: RegionIndex) -> None:
    """Upsert partnerships, municipalities and taxonomy terms in one transaction."""
    with committing(session):
        for partnership in PARTNERSHIPS.values():
            session.merge(
                models.Partnership(slug=partnership.slug, name=partnership.name, programme=partnership.programme)
            )
        session.flush()
        for municipality in regions.municipalities:
            centroid = municipality.geometry.representative_point()
            session.merge(
                models.Municipality(
                    nis=municipality.nis,
                    name_nl=municipality.name_nl,
                    name_fr=municipality.name_fr,
                    population=municipality.population,
                    area_km2=round(municipality.geometry_metric.area / 1e6, 3),
                    centroid_latitude=centroid.y,
                    centroid_longitude=centroid.x,
                    geometry_geojson=json.dumps(mapping(municipality.geometry)),
                )
            )
        session.flush()
        session.exec(delete(models.MunicipalityPartnership))
        for municipality in regions.municipalities:
            for slug in municipality.partnerships:
                session.add(models.MunicipalityPartnership(municipality_nis=municipality.nis, partnership_slug=slug))
        existing = set(session.exec(select(models.TaxonomyTerm.id)).all())
        wanted = [_term_row("need", term) for term in all_needs()]
        wanted += [_term_row("target-group", term) for term in TARGET_GROUPS]
        for row in wanted:
            session.merge(row)
        stale = existing - {row.id for row in wanted}
        if stale:
            session.exec(delete(models.TaxonomyTerm).where(models.TaxonomyTerm.id.in_(stale)))
