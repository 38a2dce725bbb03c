"""schemathesis against /openapi.json: generated requests (valid and not) never get a 5xx.

Bounded so that it runs in CI: a few examples per operation, as the coordinator (who may call
everything, so requests reach the handlers instead of stopping at 403).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import Api


def test_no_server_errors(api: Api) -> None:
    # schemathesis.pytest.from_fixture does not work with pytest 9, so each operation's
    # strategy is driven by hypothesis here; the checks are schemathesis' own.
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    headers = api.auth("coordinator")
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_5xx(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_5xx()
        tested += 1
    assert tested >= 20


def test_schema_is_served_and_documents_problems(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    routes = doc["paths"]["/routes"]["post"]
    assert "application/problem+json" in routes["responses"]["422"]["content"]
    assert api.client.get("/docs").status_code == 200
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert routes["x-roles"] == ["coordinator", "field", "liaison", "observer"]
    sign = doc["paths"]["/agreements/{agreement_id}/signatures/{party}"]["put"]
    assert sign["x-roles"] == ["coordinator", "liaison"] and sign["x-own-party"] is True
    assert "security" not in doc["paths"]["/health"]["get"]
