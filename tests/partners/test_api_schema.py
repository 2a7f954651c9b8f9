"""Schemathesis against /api/v1/openapi.json: generated requests, responses checked
against the documented schemas. Bounded: few examples per operation, derandomized
(a fixed seed), no deadline per example but a time cap on the whole run."""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

MAX_EXAMPLES = 8
TIME_CAP = 60.0  # seconds for all operations together
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)
# Failures found in other areas' routes, reported to their owners; skipped here so this
# run keeps guarding everything else. Remove an entry once its route is fixed.
KNOWN_FAILURES: dict[str, str] = {}


@pytest.fixture()
def api_world(app, make, certs):
    alpha = make.org("alpha", name="Alpha", deals_closed=6)
    beta = make.org("beta", name="Beta")
    for org, level in ((alpha, "silver"), (alpha, "gold"), (beta, "bronze")):
        certs.add(make.user("learner", org=org), level, days=40)
    manager = make.user("manager")
    return {"Authorization": f"Bearer {make.token(manager)}"}


def test_the_api_answers_as_its_openapi_document_says(app, api_world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(op.path == "/organizations/{slug}/metrics" for op in operations)
    failures, calls = [], []
    for operation in operations:
        if time.monotonic() - started > TIME_CAP:
            break
        if any(operation.path.startswith(prefix) for prefix in KNOWN_FAILURES):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            calls.append(case.call_and_validate(headers=api_world, checks=CHECKS).status_code)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc!r}"[:400])
    assert failures == [], "\n\n".join(failures)
    assert len(calls) >= 2 * len(operations) and 200 in calls, calls
