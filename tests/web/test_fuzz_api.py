"""Schemathesis against the app's own OpenAPI: no 5xx, every response matches its schema.

Bounded: a few examples per operation, no shrinking, no deadline (the machine is noisy).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app

EXAMPLES_PER_OPERATION = 25
#: "no 5xx, every response matches its schema". Not schemathesis's positive-data check:
#: a well-formed postcode outside the regions is rightly a 422, not a 2xx.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_api_never_errors_and_matches_its_schema(app_state):
    roomy = app_state.settings.model_copy(update={"public_rate_limit": "100000/minute"})
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(roomy, state=app_state))
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(checks=CHECKS)

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
        checked += 1
    assert checked >= 10
    assert not failures, "\n\n".join(failures)
