"""Schemathesis fuzzes every operation of /api/v1/ from the generated OpenAPI schema: whatever it
sends, the answer is never a 500, its status is one the schema documents, and its body matches
the documented schema (the error shape included)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.qa import factories as qa
from tests.reviews.factories import published_review


@pytest.fixture
def api_schema(db, page_tree, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_read.ip": (0, 60)}
    settings.MODERATION_PREMODERATE_FIRST = 0
    product = page_tree["products"][0]
    review = published_review(product, rating=4)
    question = qa.ask(review.author, product, "Сколько весит ноутбук?")
    qa.answer(qa.user("gertrude"), question, "Около 2,5 кг.")
    # As Django's test client does: the WSGI app must not close the test's connection (and its
    # open transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_no_input_breaks_the_api(api_schema):
    """Each operation in turn (a plain loop: schemathesis' own pytest plugin does not run under
    this pytest's version); Hypothesis shrinks any failure to a minimal request."""
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 7

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            case.call_and_validate(checks=checks)

        fuzz()
