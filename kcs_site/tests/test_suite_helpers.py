"""The suite's own helpers (root conftest): the demo loaded once, the check that nothing changed."""

from __future__ import annotations

import pytest

from accounts.models import User
from articles.models import Article, Tag
from conftest import unchanged_database


def test_unchanged_database_notices_a_write(db, product):
    with pytest.raises(AssertionError, match="articles_tag"), unchanged_database():
        Tag.objects.create(name="written")
    with unchanged_database():
        Tag.objects.filter(name="no such tag").delete()


def test_the_demo_replaces_the_database_and_each_test_gets_it_fresh(demo):
    assert User.objects.filter(username__in=["candidate", "owner", "customer"]).count() == 3
    assert Article.objects.count() > 10
    User.objects.filter(username="customer").update(first_name="Changed")  # rolled back with the test


def test_the_demo_is_whole_again_after_a_test_changed_it(demo):
    assert User.objects.get(username="customer").first_name != "Changed"
