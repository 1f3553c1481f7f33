"""Every training surface says what is actually missing: read but the knowledge check not passed,
not taken, taken on an older version, or a re-read after a material change (and whether that
change touched the decision authority)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import REFUND_RULES, client_for
from training import services
from training.models import Attempt

from .conftest import material_edit
from .test_checks import make_question


@pytest.fixture
def checked_path(path, coach, article):
    path.pass_mark = 80
    path.save()
    make_question(article, coach)
    return path


def _row(page: str, title: str) -> str:
    items = [li for li in re.findall(r"<li>(.*?)</li>", page, re.S) if title in li]
    assert items, f"no path item for {title!r}"
    return re.sub(r"\s+", " ", items[0])


def _path_page(client, path) -> str:
    return client.get(reverse("training:path", args=[path.pk])).content.decode()


def _attempt(trainee, article, path, score):
    Attempt.objects.create(
        user=trainee, article=article, article_version=article.version, path=path, score=score, passed=score >= 80
    )


def _read(client, article, path):
    return client.post(reverse("training:acknowledge", args=[article.slug]), {"path": path.pk}, follow=True)


def test_right_after_reading_the_path_says_the_check_is_missing_not_unread(trainee, checked_path, article):
    client = client_for(trainee)
    response = _read(client, article, checked_path)
    page = response.content.decode()
    assert "It counts as done once you pass its knowledge check." in page
    row = _row(page, article.title)
    assert f"Read (version {article.version}) — knowledge check not taken yet" in row
    assert "Not read yet" not in row and "not read yet" not in row
    assert "Take the knowledge check" in row
    assert "0 / 2 required done" in page


def test_a_failed_check_says_the_score_and_the_pass_mark(trainee, checked_path, article):
    client = client_for(trainee)
    _read(client, article, checked_path)
    Attempt.objects.create(
        user=trainee, article=article, article_version=article.version, path=checked_path, score=50, passed=False
    )
    row = _row(_path_page(client, checked_path), article.title)
    assert "knowledge check not passed yet (last score 50%, pass mark 80%)" in row


def test_a_check_taken_on_an_older_version_is_not_counted_and_says_so(trainee, checked_path, article, kb_owner):
    client = client_for(trainee)
    Attempt.objects.create(
        user=trainee, article=article, article_version=article.version, path=checked_path, score=100, passed=True
    )
    material_edit(article, kb_owner)
    _read(client, article, checked_path)
    row = _row(_path_page(client, checked_path), article.title)
    assert f"your last attempt was on version {article.version - 1}" in row
    panel = client.get(article.get_absolute_url() + f"?path={checked_path.pk}").content.decode()
    assert f"Your last knowledge check was on version {article.version - 1}" in panel


def test_read_and_passed_is_done(trainee, checked_path, article):
    client = client_for(trainee)
    _read(client, article, checked_path)
    Attempt.objects.create(
        user=trainee, article=article, article_version=article.version, path=checked_path, score=100, passed=True
    )
    page = _path_page(client, checked_path)
    assert f"Done: read version {article.version}, knowledge check passed (100%)" in _row(page, article.title)
    assert "1 / 2 required done" in page


def test_without_a_pass_mark_reading_is_enough_and_the_count_says_read(trainee, path, article):
    client = client_for(trainee)
    page = _read(client, article, path).content.decode()
    assert "It counts as done once" not in page
    assert f"Done: read version {article.version}" in _row(page, article.title)
    assert "1 / 2 required read" in page


def test_unread_item_says_not_read_yet(trainee, path, second_article):
    assert "Not read yet" in _row(_path_page(client_for(trainee), path), second_article.title)


def test_reread_after_a_content_change_has_no_authority_badge(
    trainee, path, article, kb_owner, django_capture_on_commit_callbacks
):
    client = client_for(trainee)
    _read(client, article, path)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, kb_owner)
    row = _row(_path_page(client, path), article.title)
    assert f"Changed since you read it (you read version {article.version - 1}, now version {article.version})" in row
    assert "Decision authority changed" not in row


def test_reread_after_an_authority_change_carries_the_badge_on_the_path_and_the_article(
    trainee, path, article, kb_owner, django_capture_on_commit_callbacks
):
    client = client_for(trainee)
    _read(client, article, path)
    with django_capture_on_commit_callbacks(execute=True):
        # A minor edit first, then the material change to the rules, then a minor one again.
        material_edit(article, kb_owner, "1. Check the booking.\n2. Offer a date change.", material=False)
        article.edit(
            by=kb_owner,
            base_version=article.version,
            changes={},
            rules=[dict(REFUND_RULES[0], limit_amount="80")],
            note="Agents may refund up to 80 EUR",
        )
        material_edit(article, kb_owner, "1. Check the booking.\n2. Offer a date change first.", material=False)
    row = _row(_path_page(client, path), article.title)
    assert "Changed since you read it" in row and "Decision authority changed" in row
    panel = client.get(article.get_absolute_url() + f"?path={path.pk}").content.decode()
    assert "Decision authority changed" in panel
    progress = services.progress(trainee, [path])[path.pk]
    assert [s.authority_changed for s in progress.items] == [True, False]


def test_home_and_dashboard_say_the_next_article_waits_for_its_check(trainee, checked_path, article):
    client = client_for(trainee)
    _read(client, article, checked_path)
    home = client.get(reverse("training:home")).content.decode()
    assert "read — knowledge check not passed yet" in home
    dashboard = client.get(reverse("articles:dashboard")).content.decode()
    assert "read — knowledge check not passed yet" in dashboard


def test_the_api_says_the_same_status(trainee, checked_path, article, second_article):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(trainee)
    client.post("/api/v1/training/acknowledgements/", {"article": article.slug, "path": checked_path.pk}, format="json")
    items = client.get(f"/api/v1/training/paths/{checked_path.pk}/").json()["items"]
    by_slug = {i["article"]: i for i in items}
    assert (by_slug[article.slug]["status"], by_slug[article.slug]["check"]) == ("check", "not_taken")
    assert by_slug[second_article.slug]["status"] == "unread"
    assert by_slug[article.slug]["authority_changed"] is False
