"""An article's decision-authority sentences are indexed in the article's own language, whatever
language the person saving it reads the site in."""

from __future__ import annotations

import pytest
from django.utils import translation

from articles.models import Article
from conftest import REFUND_RULES, make_article
from search.documents import document

pytestmark = pytest.mark.django_db


def test_a_german_articles_rules_are_indexed_in_german_and_an_english_ones_in_english(contributor, kb_owner, product):
    article = make_article(author=contributor, product=product, rules=REFUND_RULES, kb_owner=kb_owner)
    with translation.override("de"):
        english = document(Article.objects.get(pk=article.pk))["authority"]
    assert "without approval" in english and "ohne Genehmigung" not in english

    Article.objects.filter(pk=article.pk).update(language="de")
    with translation.override("en-gb"):
        german = document(Article.objects.get(pk=article.pk))["authority"]
    assert "ohne Genehmigung" in german and "without approval" not in german
