"""Schemathesis against the app's own OpenAPI: no 5xx, every response matches its schema.

Bounded: a few examples per operation, no shrinking, no deadline (the machine is noisy).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.server.main import create_app

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


#: what the edge must turn into a 4xx (or a correct 200), never a 500: NUL and another control
#: character, a lone surrogate, and dates whose time-zone offset leaves the years 1-9999 in UTC
HOSTILE_TEXT = ["a\x00b", "\x00", "x\x1b[31m", "\udfff", "\ud800x"]
HOSTILE_DATES = ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "0001-01-01", "9999-12-31T23:59:59.999999"]


def _with_strings_replaced(value, replacement: str):
    if isinstance(value, str):
        return replacement
    if isinstance(value, dict):
        return {key: _with_strings_replaced(item, replacement) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_strings_replaced(item, replacement) for item in value]
    return value


def _encoded(value) -> str:
    # a lone surrogate cannot be UTF-8: on the wire it is the invalid bytes a careless client sends
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def _send_raw(client, method: str, path: str, path_parameters: dict, query: dict, body):
    """The request as bytes we choose (an HTTP client library would refuse to encode a lone surrogate)."""
    url = path.format(**{key: _encoded(value) for key, value in path_parameters.items()})
    pairs = [(key, item) for key, value in query.items() for item in (value if isinstance(value, list) else [value])]
    if pairs:
        url += "?" + "&".join(f"{_encoded(key)}={_encoded(item)}" for key, item in pairs)
    if body is None:
        return client.request(method, url)
    # json.dumps escapes a lone surrogate as \udfff, as a browser's JSON.stringify does
    return client.request(method, url, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def _string_parameters(operation) -> list[tuple[str, str, bool]]:
    """(location, name, is_date) of every string query and path parameter."""
    found = []
    for parameter in operation.definition.raw.get("parameters", []):
        schema = parameter.get("schema", {})
        types = {schema.get("type")} | {option.get("type") for option in schema.get("anyOf", [])}
        if "string" in types and parameter["in"] in ("query", "path"):
            is_date = "date" in parameter["name"] or "_after" in parameter["name"] or "_before" in parameter["name"]
            found.append((parameter["in"], parameter["name"], is_date))
    return found


def test_hostile_text_and_dates_in_every_string_and_date_parameter_are_never_a_500(app_state):
    """Each operation once with generated valid-looking input, then each of its string parameters (and
    every string in its JSON body) replaced by NUL, a control character, a lone surrogate, an extreme date."""
    roomy = app_state.settings.model_copy(update={"public_rate_limit": "100000/minute"})
    app = create_app(roomy, state=app_state)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    client = TestClient(app, raise_server_exceptions=False)
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        seen: list = []

        @given(case=operation.as_strategy())
        @settings(max_examples=1, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                  database=None)
        def take_one(case):
            seen.append(case)

        take_one()
        base = seen[0]
        variants = []
        for location, name, is_date in _string_parameters(operation):
            for value in HOSTILE_TEXT + (HOSTILE_DATES if is_date else []):
                variants.append((location, name, value))
        if isinstance(base.body, (dict, list)):
            variants += [("body", None, value) for value in HOSTILE_TEXT]
        for location, name, value in variants:
            path_parameters, query = dict(base.path_parameters or {}), dict(base.query or {})
            body = base.body if isinstance(base.body, (dict, list)) else None
            if location == "path":
                path_parameters[name] = value
            elif location == "query":
                query[name] = value
            else:
                body = _with_strings_replaced(base.body, value)
            response = _send_raw(client, operation.method.upper(), operation.path, path_parameters, query, body)
            if response.status_code >= 500:
                failures.append(f"{operation.label} {location} {name}={value!r}: {response.status_code} "
                                f"{response.text[:300]}")
            sent += 1
    assert sent >= 100
    assert not failures, "\n\n".join(failures)
