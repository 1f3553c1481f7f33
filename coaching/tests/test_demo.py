"""The demo coaching data: a pending review, one with changes requested, a few checks; safe to load twice."""

from __future__ import annotations

import pytest

from articles.models import Article, State
from coaching import demo
from coaching.models import ChecklistScore, ReviewRequest, Status
from conftest import make_user

pytestmark = pytest.mark.django_db


def test_demo_coaching_data_is_idempotent(candidate, coach, kb_owner, product):
    for slug in (
        "hotel-city-tax-surprise",
        "billing-refund-to-old-card",
        "toy-instructions-missing",
        "thermostat-battery-warning",
    ):
        article = Article.create(
            by=candidate, slug=slug, title=slug, product=product, resolution="Do this.", state=State.NOT_VALIDATED
        )
        if slug.startswith(("toy", "thermo")):
            article.validate(by=kb_owner)
    users = {"candidate": candidate, "coach": coach, "owner": kb_owner, "contributor": make_user("someone")}
    demo.load(users)
    demo.load(users)
    statuses = dict(ReviewRequest.objects.values_list("article__slug", "status"))
    assert statuses == {"hotel-city-tax-surprise": Status.PENDING, "billing-refund-to-old-card": Status.CHANGES_REQUESTED}
    assert ChecklistScore.objects.count() == 4
