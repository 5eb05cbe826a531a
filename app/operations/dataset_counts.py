"""Small read helpers shared by the API and the pages."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.core import models


def dataset_is_demo(session: Session) -> bool:
    """True when any published service is demonstration data."""
    return session.exec(select(models.Service.id).where(models.Service.demo == True).limit(1)).first() is not None  # noqa: E712


def dataset_counts(session: Session) -> dict[str, int]:
    return {
        "services": session.exec(select(func.count()).select_from(models.Service)).one(),
        "organizations": session.exec(select(func.count()).select_from(models.Organization)).one(),
        "locations": session.exec(select(func.count()).select_from(models.Location)).one(),
        "municipalities": session.exec(select(func.count()).select_from(models.Municipality)).one(),
    }
