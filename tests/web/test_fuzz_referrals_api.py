"""Schemathesis against the referral API with real coach and partner sessions: no 5xx, responses match
the schema, and whatever the request looks like, another coach's referral to another organisation
is never read or changed.

Derandomized (same examples every run), on its own small database (see tests.referral_world).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from cryptography.fernet import Fernet, MultiFernet
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from app.core import models
from app.core.auth import start_session
from app.domain.referrals import ReferralCreate, create_referral
from app.server.main import create_app
from tests.conftest import separate_database
from tests.referral_world import KEY, build_world, referral_body

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {"GET": 15, "POST": 30}
TIME_BUDGET_SECONDS = 60


@pytest.fixture(scope="module")
def fuzz_world(app_state, regions, tmp_path_factory):
    with separate_database(tmp_path_factory, regions, "fuzz_referrals") as engine:
        world = build_world(engine, app_state, regions.in_partnership("westhoek")[0].nis)
        cipher = MultiFernet([Fernet(KEY.encode())])
        with Session(engine) as session:
            coach = session.get(models.User, world["user_coach"])
            other_coach = session.get(models.User, world["user_coach_other"])
            world["mine"] = create_referral(session, cipher=cipher, user=coach, base_url="http://x",
                                            data=ReferralCreate.model_validate(referral_body(world))).id
            foreign = referral_body(world, service_id=world["service_b1"])
            world["foreign"] = create_referral(session, cipher=cipher, user=other_coach, base_url="http://x",
                                               data=ReferralCreate.model_validate(foreign)).id
            for role in ("coach", "partner"):
                token, row = start_session(session, session.get(models.User, world[f"user_{role}"]))
                world[f"session_{role}"], world[f"csrf_{role}"] = token, row.csrf_token
        yield world


def _foreign_state(world) -> tuple:
    with Session(world["engine"]) as session:
        referral = session.get(models.Referral, world["foreign"])
        return referral.model_dump()


@pytest.mark.timeout(240)
def test_signed_in_fuzzing_the_referral_api(fuzz_world):
    world = fuzz_world
    app = create_app(state=world["state"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    referral_ops = [op for op in operations if op.path.startswith("/api/v1/referrals")]
    assert len(referral_ops) == 8
    foreign_before = _foreign_state(world)
    statuses: dict[str, Counter] = {}
    failures: list[str] = []
    started = time.monotonic()

    for operation in referral_ops:
        seen = statuses.setdefault(operation.label, Counter())

        @given(case=operation.as_strategy(), target=st.sampled_from(["mine", "mine", "foreign", "fuzzed"]),
               role=st.sampled_from(["coach", "partner"]), valid_csrf=st.sampled_from([True, True, True, False]))
        @settings(max_examples=EXAMPLES[operation.method.upper()], deadline=timedelta(seconds=5),
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        def check(case, target, role, valid_csrf):
            if "{referral_id}" in operation.path and target != "fuzzed":
                case.path_parameters = {**(case.path_parameters or {}), "referral_id": world[target]}
            if valid_csrf:
                case.headers = {**(case.headers or {}), "X-CSRF-Token": world[f"csrf_{role}"]}
            response = case.call_and_validate(checks=CHECKS, cookies={"sk_session": world[f"session_{role}"]})
            seen[(role, target, response.status_code)] += 1
            if "{referral_id}" in operation.path and target == "foreign":
                assert response.status_code >= 400, response.text[:300]
            if operation.method.upper() == "POST" and not valid_csrf:
                assert response.status_code in (403, 422), response.text[:300]

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:2000]}")

    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures)
    assert _foreign_state(world) == foreign_before, "another coach's referral to another organisation is untouched"
    answered = sum(count for (role, target, status), count in statuses["GET /api/v1/referrals/{referral_id}"].items()
                   if target == "mine" and status == 200)
    assert answered > 0, statuses
    assert elapsed < TIME_BUDGET_SECONDS, f"fuzzing took {elapsed:.0f} s"
