"""Schema-driven fuzzing of /api/v1/: every operation of the OpenAPI schema gets a few generated
requests, valid and invalid, sent in-process to the WSGI application (no network), as a KB owner
with a token and as an anonymous caller.

What must hold for every answer: no 5xx, and its status code, content type and body are the ones
/api/v1/schema/ documents, so clients generated from the schema do not break.

Bounded and repeatable: `KCS_FUZZ_EXAMPLES` (default 6) examples per operation and mode, with
Hypothesis derandomized (the same cases every run) and no example database. A longer hunt:
`KCS_FUZZ_EXAMPLES=100 .venv/bin/python -m pytest -m fuzz -p no:xdist`.
"""

from __future__ import annotations

import logging
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework import serializers
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken
from articles.models import Audience, EscalationContact, Product, State
from cases import services as case_services
from coaching.models import ReviewRequest
from conftest import REFUND_RULES, make_article, make_candidate, make_coach, make_kb_owner
from feedback import services as flag_services
from insights.measures import VIEWS
from notifications.models import Notification, Subscription
from search import indexing
from training.models import Choice, Question
from training.tests.conftest import assign, make_path

pytestmark = pytest.mark.fuzz

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("KCS_FUZZ_EXAMPLES", "6"))
APP = get_wsgi_application()


@pytest.fixture
def wsgi_calls():
    """The real WSGI handler closes the database connection after each request, which would end
    the test's transaction on PostgreSQL; keep it open, as Django's test client does. Expected
    4xx answers are not logged (a 500 still is, with its traceback)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, wsgi_calls):
    """A small knowledge base for the generated requests to hit: real slugs, ids and usernames."""
    owner, coach, candidate = make_kb_owner("owner"), make_coach("coach"), make_candidate("candidate")
    product = Product.objects.create(name="Hotel Bookings", slug="hotel-bookings")
    contact = EscalationContact.objects.create(team="Billing", channel="#billing", hours="9-17", response_time="1h")
    article = make_article(author=owner, product=product, rules=REFUND_RULES, contact=contact, kb_owner=owner)
    public = make_article(author=owner, product=product, title="Public help", audience=Audience.PUBLIC, kb_owner=owner)
    draft = make_article(author=candidate, product=product, title="Printer offline", state=State.NOT_VALIDATED, kb_owner=owner)
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach, note="Please look")
    flag = flag_services.raise_flag(by=coach, article=article, reason="unclear", comment="Step 2?", case_ref="")
    path = make_path(by=coach, articles=[article])
    assign(path, candidate, by=coach)
    question = Question.objects.create(article=article, text="Up to?", explanation="See the limit.", created_by=owner)
    Choice.objects.create(question=question, text="50 EUR", correct=True, position=1)
    note = Notification.objects.create(recipient=owner, kind="flag", title="A flag", body="", url="/flags/")
    subscription = Subscription.objects.create(user=owner, article=article)
    case = case_services.upsert_case(source="zendesk", external_id="4711", data={"subject": "Refund?"}, by=owner).case
    link, _ = case_services.link(case=case, article=article, kind="solved", by=owner)
    # The test's transaction never commits, so the after-commit indexing has to be run here.
    indexing.process_pending()
    return {
        "token": ApiToken.issue(user=owner, name="fuzzing")[1],
        "path_values": {
            "slug": st.sampled_from([article.slug, public.slug, draft.slug]),
            "id": st.sampled_from([flag.pk, review.pk, path.pk, note.pk, subscription.pk, link.pk]),
            "username": st.sampled_from(["owner", "candidate", "coach"]),
            "key": st.sampled_from(["title", "metadata"]),  # checklist criteria (seeded by coaching's migrations)
            "source": st.just(case.source),
            "external_id": st.just(case.external_id),
            "view": st.sampled_from(list(VIEWS)),
            "table": st.sampled_from(["summary", "people", "over_time"]),
        },
    }


def load_schema(**include):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", APP)
    schema.config.generation.update(deterministic=True, max_examples=EXAMPLES)
    return schema.include(**include) if include else schema


def cases_for(operation, mode: GenerationMode, world: dict):
    """Generated cases, half of them (for operations with path parameters) on existing objects:
    random slugs and ids alone would almost only reach the 404 branch."""
    generated = operation.as_strategy(generation_mode=mode)
    names = [parameter.name for parameter in operation.path_parameters]
    if not names:
        return generated
    existing = st.fixed_dictionaries({name: world["path_values"][name] for name in names}).flatmap(
        lambda values: operation.as_strategy(generation_mode=mode, path_parameters=values)
    )
    return st.one_of(existing, generated)


BOTH_MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def fuzz(world: dict, headers: dict, schema, modes=BOTH_MODES) -> tuple[int, list[str]]:
    """Run every operation of `schema`; returns (cases sent, failures as one line each)."""
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,  # bounded by the number of examples; a timing limit would flake on a busy machine
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=cases_for(operation, mode, world))
            def send(case):
                nonlocal sent
                sent += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                send()
            except Unsatisfiable:
                pass  # nothing of this operation can be made invalid (no body, query or typed path)
            except FailureGroup as group:
                for failure in group.exceptions:
                    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
                    failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {' | '.join(lines[:3])}")
    return sent, failures


def test_every_operation_answers_as_documented_to_a_kb_owner_with_a_token(world):
    sent, failures = fuzz(world, {"Authorization": f"Token {world['token']}"}, load_schema())

    assert sent > 0
    assert not failures, f"{len(failures)} failures in {sent} cases:\n" + "\n".join(failures)


def test_every_operation_answers_as_documented_to_an_anonymous_caller(world):
    # Valid requests only: an anonymous caller's invalid ones end at the same 401s and 404s.
    sent, failures = fuzz(world, {}, load_schema(), modes=[GenerationMode.POSITIVE])

    assert sent > 0
    assert not failures, f"{len(failures)} failures in {sent} cases:\n" + "\n".join(failures)


# --- the fuzzing itself catches what it is for -----------------------------------------------


def test_fuzzing_reports_a_server_error(world, monkeypatch):
    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr("articles.api._serializer_for", broken)

    _, failures = fuzz(world, {}, load_schema(path="/api/v1/articles/", method="GET"))

    assert any("Server error" in failure for failure in failures), failures


def test_fuzzing_reports_an_answer_the_schema_does_not_describe(world, monkeypatch):
    class Wrong(serializers.Serializer):
        title = serializers.IntegerField(source="pk")  # documented as a string, and fields are missing

    monkeypatch.setattr("articles.api._serializer_for", lambda request: Wrong)

    _, failures = fuzz(world, {}, load_schema(path="/api/v1/articles/", method="GET"))

    assert any("violates schema" in failure for failure in failures), failures
