"""Entries nobody confirmed lately: active services not verified ("klopt nog") for too long."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from app.core import models


def stale_services(
    session: Session, *, older_than_days: int, organization_ids: set[str] | None = None, today: date | None = None
) -> list[models.Service]:
    """Active services not verified for longer than the limit (never verified included)."""
    cutoff = (today or date.today()) - timedelta(days=older_than_days)
    query = select(models.Service).where(
        models.Service.status == models.ServiceStatus.ACTIVE.value,
        (models.Service.assured_date == None) | (models.Service.assured_date < cutoff),  # noqa: E711
    )
    if organization_ids is not None:
        query = query.where(models.Service.organization_id.in_(organization_ids))
    return list(session.exec(query.order_by(models.Service.assured_date, models.Service.name)).all())
