"""The decision authority is a short list: more than MAX_AUTHORITY_RULES rules (or MAX_TAGS tags) is a
clear refusal on every path, and a posted rules-TOTAL_FORMS cannot make the editor build more forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import MAX_AUTHORITY_RULES, MAX_TAGS, Article, InvalidChange
from articles.tests.assertions import assert_versions
from articles.tests.htmlparse import form_fields
from conftest import client_for, unchanged_database


def test_a_huge_total_forms_is_a_quick_form_error_that_keeps_the_typing(article, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update({"rules-TOTAL_FORMS": "99999999", "cause": "Typed before the error", "note": "Cause"})
    version = article.version

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 400
    assert f"An article has at most {MAX_AUTHORITY_RULES} authority rules." in response.content.decode()
    assert len(response.context["rules"].forms) <= MAX_AUTHORITY_RULES  # the work is bounded, not the number posted
    assert "Typed before the error" in response.content.decode()
    assert Article.objects.get(pk=article.pk).version == version
    assert_versions(article, version)


def test_more_rules_than_allowed_through_the_api_is_a_400(article, kb_owner):
    rules = [{"action": f"refund item {i}", "decider": "agent"} for i in range(MAX_AUTHORITY_RULES + 1)]
    version = article.version
    body = {"version": version, "authority": {"rules": rules}}
    client = client_for(kb_owner)
    with unchanged_database():
        response = client.patch(f"/api/v1/articles/{article.slug}/", body, content_type="application/json")
    assert response.status_code == 400
    assert "rules" in response.json()["authority"]
    article.refresh_from_db()
    assert article.rules.count() == 2 and article.version == version


def test_the_model_refuses_too_many_rules_whoever_calls_it(article, kb_owner):
    rules = [{"action": f"refund item {i}"} for i in range(MAX_AUTHORITY_RULES + 1)]
    with pytest.raises(InvalidChange, match=f"at most {MAX_AUTHORITY_RULES} authority rules"):
        article.edit(by=kb_owner, base_version=article.version, changes={}, rules=rules)
    assert article.rules.count() == 2


def test_more_tags_than_allowed_is_a_400_on_the_page_and_the_api(article, contributor):
    many = [f"tag{i}" for i in range(MAX_TAGS + 1)]
    version = article.version
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(tags=", ".join(many), note="Tags")
    with unchanged_database():
        page = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert page.status_code == 400 and f"Give at most {MAX_TAGS} tags." in page.content.decode()
    assert "tag50" in page.content.decode()  # what was typed is kept
    with unchanged_database():
        api = client.patch(
            f"/api/v1/articles/{article.slug}/", {"version": version, "tags": many}, content_type="application/json"
        )
    assert api.status_code == 400 and "tags" in api.json()
    article.refresh_from_db()
    assert article.version == version and article.tag_names() == ["booking", "refund"]
