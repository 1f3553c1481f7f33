"""The decision authority is a short list: more than MAX_AUTHORITY_RULES rules is a clear
refusal on every path, and a posted rules-TOTAL_FORMS cannot make the editor build more forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import MAX_AUTHORITY_RULES, Article, InvalidChange
from articles.tests.assertions import assert_versions
from articles.tests.conftest import client_for
from articles.tests.htmlparse import form_fields


def test_a_huge_total_forms_is_a_quick_form_error_that_keeps_the_typing(article, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update({"rules-TOTAL_FORMS": "99999999", "cause": "Typed before the error", "note": "Cause"})
    version = article.version

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 400
    assert f"Please submit at most {MAX_AUTHORITY_RULES} forms." in response.content.decode()
    assert len(response.context["rules"].forms) <= MAX_AUTHORITY_RULES  # the work is bounded, not the number posted
    assert "Typed before the error" in response.content.decode()
    assert Article.objects.get(pk=article.pk).version == version
    assert_versions(article, version)


def test_more_rules_than_allowed_through_the_api_is_a_400(article, kb_owner):
    rules = [{"action": f"refund item {i}", "decider": "agent"} for i in range(MAX_AUTHORITY_RULES + 1)]
    version = article.version
    body = {"version": version, "authority": {"rules": rules}}
    response = client_for(kb_owner).patch(f"/api/v1/articles/{article.slug}/", body, content_type="application/json")
    assert response.status_code == 400
    assert "rules" in response.json()["authority"]
    article.refresh_from_db()
    assert article.rules.count() == 2 and article.version == version


def test_the_model_refuses_too_many_rules_whoever_calls_it(article, kb_owner):
    rules = [{"action": f"refund item {i}"} for i in range(MAX_AUTHORITY_RULES + 1)]
    with pytest.raises(InvalidChange, match=f"at most {MAX_AUTHORITY_RULES} authority rules"):
        article.edit(by=kb_owner, base_version=article.version, changes={}, rules=rules)
    assert article.rules.count() == 2
