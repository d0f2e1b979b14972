"""kg serve against its own OpenAPI description: schemathesis generates requests for every operation
(valid and invalid parameters, odd strings, large numbers) and no answer is a server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from kg.serve import Settings, create_app

from .test_serve import example_on_disk


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    path = example_on_disk(tmp_path_factory.mktemp("schema"))
    yield schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(path, Settings(update_token="token", timeout=5))
    )


def test_no_request_makes_the_server_fail(api: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 10  # the whole API is described, not a corner of it
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_without_a_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        answers_without_a_server_error()
