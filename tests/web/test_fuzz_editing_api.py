"""Schemathesis against the editing API with a real partner session: no 5xx, responses match the schema.

The anonymous fuzz (test_fuzz_api.py) only reaches the 401/403 answers of these
operations. Here every call carries the partner's session cookie and, most of the time,
the session's CSRF token in ``X-CSRF-Token``; the path names the partner's own service,
another organisation's service or whatever the fuzzer made up, and PATCH bodies mostly
carry the current version (so that the change itself is applied and validated), sometimes
a stale one or the fuzzer's own.

Derandomized: the same examples every run, so CI does not flicker on a lucky draw (the
anonymous fuzz stays random). It runs on its own small database (a fresh SQLite file, or a fresh PostgreSQL database next
to the test one), so whatever the fuzzer writes never reaches the demo data other tests read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from app.core import models
from app.core.auth import create_user, start_session
from app.core.db import make_engine
from app.server.main import create_app
from app.operations.reference_data import sync_reference_data
from tests.conftest import reset_schema
from tests.isolated_db import empty_database

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {"PATCH": 120, "GET": 30, "POST": 30}
#: the whole fuzz must stay well under a minute on the 2-core CI machine
TIME_BUDGET_SECONDS = 50


@pytest.fixture
def fuzz_database_url(tmp_path) -> Iterator[str]:
    with empty_database(tmp_path, "sk_fuzz") as url:
        yield url


@pytest.fixture
def fuzz_world(app_state, fuzz_database_url):
    """Reference data, two organisations with one service each, a partner of the first, signed in."""
    engine = make_engine(fuzz_database_url)
    reset_schema(engine)
    with Session(engine) as session:
        sync_reference_data(session, app_state.regions)
        mine = models.Organization(name="Eigen organisatie")
        other = models.Organization(name="Andere organisatie")
        session.add_all([mine, other])
        session.flush()
        own = models.Service(organization_id=mine.id, name="Eigen dienst", languages=["nl"])
        foreign = models.Service(organization_id=other.id, name="Andere dienst", languages=["nl"])
        session.add_all([own, foreign])
        session.add(models.ServiceNeed(service_id=foreign.id, need_code="housing"))
        session.commit()
        partner = create_user(session, email="fuzz-partner@example.org", password="lang-genoeg-wachtwoord",
                              role="partner", organization_ids=[mine.id])
        token, row = start_session(session, partner)
        world = {"own": own.id, "other": foreign.id, "session_token": token, "csrf": row.csrf_token}
    state = app_state.derive(engine=engine)
    yield state, world
    engine.dispose()


def _snapshot(engine, service_id: str) -> tuple:
    with Session(engine) as session:
        service = session.get(models.Service, service_id)
        needs = sorted(session.exec(select(models.ServiceNeed.need_code)
                                    .where(models.ServiceNeed.service_id == service_id)).all())
        history = len(session.exec(select(models.ChangeRecord.id)
                                   .where(models.ChangeRecord.resource_id == service_id)).all())
        return service.model_dump(exclude={"last_modified"}), needs, history


def _current_version(engine, service_id: str) -> int:
    with Session(engine) as session:
        return session.get(models.Service, service_id).version


@pytest.mark.timeout(180)
def test_signed_in_partner_fuzzing_the_editing_api(fuzz_world):
    state, world = fuzz_world
    app = create_app(state=state)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    editing = [op for op in operations if op.path.startswith("/api/v1/services/{service_id}")]
    assert {op.method.upper() for op in editing} == {"GET", "PATCH", "POST"}
    other_before = _snapshot(state.engine, world["other"])
    statuses: dict[str, Counter] = {}
    failures: list[str] = []
    started = time.monotonic()

    for operation in editing:
        seen = statuses.setdefault(operation.label, Counter())

        @given(case=operation.as_strategy(), target=st.sampled_from(["own", "own", "own", "other", "fuzzed"]),
               valid_csrf=st.sampled_from([True, True, True, False]),
               version=st.sampled_from(["current", "current", "current", "stale", "fuzzed"]))
        @settings(max_examples=EXAMPLES[operation.method.upper()], deadline=timedelta(seconds=5),
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        def check(case, target, valid_csrf, version):
            if target != "fuzzed":
                case.path_parameters = {**(case.path_parameters or {}), "service_id": world[target]}
            if valid_csrf:
                case.headers = {**(case.headers or {}), "X-CSRF-Token": world["csrf"]}
            if version != "fuzzed" and target != "fuzzed" and isinstance(case.body, dict) and "version" in case.body:
                current = _current_version(state.engine, world[target])
                case.body = {**case.body, "version": current if version == "current" else current + 1}
            response = case.call_and_validate(checks=CHECKS, cookies={"sk_session": world["session_token"]})
            seen[(target, response.status_code)] += 1
            # never through to another organisation's service, whatever the request looks like
            assert not (target == "other" and response.status_code < 400), response.text[:300]
            # a write without the session's token is refused before anything else
            if operation.method.upper() != "GET" and not valid_csrf and target == "own":
                assert response.status_code in (403, 422), response.text[:300]

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:2000]}")

    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures)
    # the fuzz got past authentication and CSRF into the domain layer: saved, verified, conflicts, bad input
    for label, seen in statuses.items():
        assert seen[("own", 200)] > 0, (label, dict(seen))
    assert sum(seen[("other", 403)] for seen in statuses.values()) > 0, statuses
    patch_seen = next(seen for label, seen in statuses.items() if label.startswith("PATCH"))
    assert patch_seen[("own", 409)] > 0 and patch_seen[("own", 422)] > 0, dict(patch_seen)
    assert _current_version(state.engine, world["own"]) > 1  # some changes were really saved
    assert _snapshot(state.engine, world["other"]) == other_before
    assert elapsed < TIME_BUDGET_SECONDS, f"fuzzing took {elapsed:.0f} s"
