"""The change history: one row per changed field, and a service's history, newest first.

Values are stored as text (:func:`as_text`), JSON for lists and objects.
"""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert
from sqlmodel import Session, select

from app.core import models
from app.core.auth import now_utc


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if hasattr(value, "value"):
        return value.value
    return value


def as_text(value: Any) -> str:
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record_change(session: Session, *, resource: str, resource_id: str, action: str, actor: str, changes: dict) -> None:
    """One history row per changed field (one row without a field when nothing but the action
    is recorded), written in one multi-row INSERT in the current transaction."""
    moment = now_utc()
    common = {"resource_id": resource_id, "resource_type": resource, "last_action_date": moment,
              "last_action_type": action, "updated_by": actor}
    rows = [
        {**common, "id": models.new_id(), "field_name": field_name, "previous_value": as_text(before),
         "replacement_value": as_text(after)}
        for field_name, (before, after) in changes.items()
    ] or [{**common, "id": models.new_id(), "field_name": "", "previous_value": "", "replacement_value": ""}]
    session.execute(insert(models.ChangeRecord), rows)


def service_history(session: Session, service_id: str) -> list[models.ChangeRecord]:
    return list(
        session.exec(
            select(models.ChangeRecord)
            .where(models.ChangeRecord.resource_id == service_id)
            .order_by(models.ChangeRecord.last_action_date.desc(), models.ChangeRecord.field_name)
        ).all()
    )
