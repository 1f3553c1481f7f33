"""Read and understood, by version; material updates make acknowledgements stale, minor ones do not."""

from __future__ import annotations

from django.urls import reverse

from conftest import client_for
from notifications.models import Notification
from training.models import Acknowledgement

from .conftest import material_edit


def _open(client, article, path):
    return client.get(f"{article.get_absolute_url()}?path={path.pk}").content.decode()


def _ack(client, article, path):
    return client.post(reverse("training:acknowledge", args=[article.slug]), {"path": path.pk})


def test_article_opened_from_a_path_shows_the_note_and_the_button(trainee, path, article):
    page = _open(client_for(trainee), article, path)
    assert f"Why {article.slug} matters" in page
    assert "Read and understood" in page


def test_without_the_path_the_article_page_shows_no_training_panel(trainee, path, article):
    assert "Read and understood" not in client_for(trainee).get(article.get_absolute_url()).content.decode()


def test_staff_not_assigned_to_the_path_see_the_note_but_cannot_acknowledge(contributor, path, article):
    client = client_for(contributor)
    assert "Read and understood" not in _open(client, article, path)
    assert _ack(client, article, path).status_code == 403
    assert not Acknowledgement.objects.exists()


def test_an_article_outside_the_path_cannot_be_acknowledged_from_it(trainee, path, contributor, kb_owner, product):
    from conftest import make_article

    other = make_article(author=contributor, product=product, title="Unrelated", kb_owner=kb_owner)
    assert _ack(client_for(trainee), other, path).status_code == 403


def test_customers_cannot_acknowledge(customer, path, article):
    assert _ack(client_for(customer), article, path).status_code == 404


def test_acknowledging_records_the_current_version_and_counts_as_progress(trainee, path, article):
    client = client_for(trainee)
    response = _ack(client, article, path)
    assert response.status_code == 302
    ack = Acknowledgement.objects.get(user=trainee)
    assert (ack.article, ack.article_version, ack.path) == (article, article.version, path)
    assert "1 / 2 required read" in client.get(reverse("training:home")).content.decode()
    assert f"You read and understood version {article.version}" in _open(client, article, path)
    _ack(client, article, path)  # twice is once
    assert Acknowledgement.objects.filter(user=trainee).count() == 1


def test_material_update_makes_the_acknowledgement_stale_and_asks_to_read_again(
    trainee, path, article, kb_owner, django_capture_on_commit_callbacks
):
    client = client_for(trainee)
    _ack(client, article, path)
    acked = article.version
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, kb_owner)
    ack = Acknowledgement.objects.get(user=trainee)
    assert ack.stale_at is not None and ack.stale_version == article.version
    note = Notification.objects.get(recipient=trainee, kind="training_reread")
    assert note.url == reverse("articles:diff", args=[article.slug]) + f"?from={acked}&to={article.version}"
    page = client.get(reverse("training:path", args=[path.pk])).content.decode()
    assert "changed since you read it" in page.lower() and f"?from={acked}&amp;to={article.version}" in page
    assert "0 / 2 required read" in client.get(reverse("training:home")).content.decode()
    assert "Changed since you read it" in _open(client, article, path)


def test_minor_update_bothers_nobody(trainee, path, article, kb_owner, django_capture_on_commit_callbacks):
    client = client_for(trainee)
    _ack(client, article, path)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, kb_owner, "1. Check the booking.\n2. Offer a date change first!", material=False)
    assert Acknowledgement.objects.get(user=trainee).stale_at is None
    assert not Notification.objects.filter(recipient=trainee).exists()
    assert "1 / 2 required read" in client.get(reverse("training:home")).content.decode()


def test_reading_again_after_a_change_keeps_the_old_acknowledgement(
    trainee, path, article, kb_owner, django_capture_on_commit_callbacks
):
    client = client_for(trainee)
    _ack(client, article, path)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, kb_owner)
    _ack(client, article, path)
    versions = list(Acknowledgement.objects.filter(user=trainee).order_by("at", "id").values_list("article_version", "stale_at"))
    assert [v for v, _ in versions] == [article.version - 1, article.version]
    assert versions[0][1] is not None and versions[1][1] is None
    assert "1 / 2 required read" in client.get(reverse("training:home")).content.decode()


def test_an_edit_that_rolls_back_makes_nothing_stale(trainee, path, article, kb_owner, django_capture_on_commit_callbacks):
    from django.db import transaction

    _ack(client_for(trainee), article, path)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                material_edit(article, kb_owner)
                raise RuntimeError("crash after saving")
        except RuntimeError:
            pass
    assert Acknowledgement.objects.get(user=trainee).stale_at is None
