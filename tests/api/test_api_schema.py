"""Property-based: schemathesis generates requests from /openapi.json for every operation of
the real server, valid and invalid ones; none may answer with a server error (5xx), and every
answer must be one the description declares: its status, its content type and, for JSON,
its schema (problem+json for errors). Bounded to a few examples per operation, so that it
stays well under a minute.

(schemathesis' pytest integration does not run under pytest 9 yet, so the operations are
driven with hypothesis directly.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def operations(live_server):
    schema = schemathesis.openapi.from_url(live_server + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_is_covered(operations):
    labels = {op.label for op in operations}
    assert {"GET /terms/{key}", "POST /sparql", "GET /ols/api/search"} <= labels
    assert len(labels) >= 30


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_is_described(operations, mode):
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case) -> None:
            case.call_and_validate(checks=CHECKS, timeout=30)

        try:
            call()
        except Unsatisfiable:  # nothing to make invalid (no parameters, or only free strings)
            assert mode is GenerationMode.NEGATIVE, operation.label
        except Exception as err:  # collect all operations' failures, then report them together
            failures.append(f"{operation.label}: {err}")
    assert not failures, "\n\n".join(failures)
