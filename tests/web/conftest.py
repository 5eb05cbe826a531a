"""Web tests share one database and one client address ("testclient"): failed sign-ins of one
test must not block the next test's sign-in (the counters live in the database)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, delete

from app.core import models


@pytest.fixture(autouse=True)
def _forget_failed_logins(request):
    yield
    if "loaded_engine" in request.fixturenames:
        with Session(request.getfixturevalue("loaded_engine")) as session:
            session.exec(delete(models.LoginThrottle))
            session.commit()
