"""JSON API for partners and coordinators: read, change and verify their own services.

Authenticated by the session cookie; every write needs the session's CSRF token in the
``X-CSRF-Token`` header. The same domain rules as the pages: a partner changes only their
own organisations' services; a stale ``version`` is a 409 with both versions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, Field

from app.core import models
from app.http.deps import SessionDep, ViewerDep, check_csrf
from app.domain.editing import ServiceChanges, service_snapshot, update_service, verify_service
from app.domain.history import service_history
from app.domain.permissions import get_editable_service
from app.http.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/services", tags=["editing"], responses=ERROR_RESPONSES)

ServiceId = Annotated[str, Path(max_length=36)]
CsrfHeader = Annotated[str | None, Header(alias="X-CSRF-Token", max_length=100)]


class ServicePatch(BaseModel):
    version: int = Field(ge=1, description="the version you read; a newer one on the server is a 409")
    changes: ServiceChanges


class EditableService(BaseModel):
    service: dict[str, Any]
    history: list[dict[str, Any]]


def _editable(session, service: models.Service) -> EditableService:
    return EditableService(
        service=service_snapshot(session, service),
        history=[
            {"field": c.field_name, "previous_value": c.previous_value, "replacement_value": c.replacement_value,
             "updated_by": c.updated_by, "action": c.last_action_type, "date": c.last_action_date.isoformat()}
            for c in service_history(session, service.id)[:100]
        ],
    )


@router.get("/{service_id}/edit", response_model=EditableService, summary="A service as its editor sees it")
def read_for_editing(session: SessionDep, viewer: ViewerDep, service_id: ServiceId) -> EditableService:
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    return _editable(session, get_editable_service(session, user=user, service_id=service_id))


@router.patch("/{service_id}", response_model=EditableService, summary="Change a service (optimistic concurrency)")
def patch_service(
    session: SessionDep, viewer: ViewerDep, service_id: ServiceId, patch: ServicePatch,
    x_csrf_token: CsrfHeader = None,
) -> EditableService:
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    check_csrf(viewer, x_csrf_token)
    service = update_service(session, user=user, service_id=service_id, expected_version=patch.version,
                             changes=patch.changes)
    return _editable(session, service)


@router.post("/{service_id}/verify", response_model=EditableService, summary="'Klopt nog': mark as verified today")
def verify(
    session: SessionDep, viewer: ViewerDep, service_id: ServiceId, x_csrf_token: CsrfHeader = None,
) -> EditableService:
    user = viewer.require(models.Role.PARTNER, models.Role.COORDINATOR)
    check_csrf(viewer, x_csrf_token)
    service = verify_service(session, user=user, service_id=service_id)
    return _editable(session, service)
