"""The articles personas (make_* helpers and fixtures), plus people with email addresses."""

from __future__ import annotations

import pytest
from django.test import TestCase

from articles.models import Audience, Reuse
from conftest import REFUND_RULES, make_article, make_user


def person(name: str, **kwargs):
    user = make_user(name, **kwargs)
    user.email = f"{name}@example.com"
    user.save(update_fields=["email"])
    return user


def reuse(article, user, **kwargs) -> Reuse:
    return Reuse.objects.create(article=article, user=user, article_version=article.version, **kwargs)


def material_edit(article, by, note="Offer a voucher first", **changes):
    """A material edit, committed (its on-commit receivers run, as after a request)."""
    changes = changes or {"resolution": article.resolution + "\n3. Offer a voucher."}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return article.edit(by=by, base_version=article.version, changes=changes, note=note, material=True)


@pytest.fixture
def public_article(db, contributor, kb_owner, product):
    return make_article(
        author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Confirmation email missing"
    )


__all__ = ["REFUND_RULES", "make_article", "material_edit", "person", "reuse"]
