"""Small read helpers shared by the API and the pages."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.core import models


def dataset_counts(session: Session) -> dict[str, int]:
    return {
        "services": session.exec(select(func.count()).select_from(models.Service)).one(),
        "organizations": session.exec(select(func.count()).select_from(models.Organization)).one(),
        "locations": session.exec(select(func.count()).select_from(models.Location)).one(),
        "municipalities": session.exec(select(func.count()).select_from(models.Municipality)).one(),
    }
