"""Each person is told in their own interface language: the notification, its email (subject
included) and the daily digest, whatever language the change was made in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from notifications import outbox
from notifications.models import EmailChoice, Notification, OutgoingEmail, Preference, Subscription
from notifications.services import notify, translated

from .conftest import material_edit, person

pytestmark = pytest.mark.django_db


def german_and_english(article):
    german, english = person("greta"), person("ed")
    german.language = "de"
    german.save(update_fields=["language"])
    for user in (german, english):
        Subscription.objects.create(user=user, article=article)
    return german, english


def test_a_german_speaker_is_told_of_an_update_in_german_and_an_english_one_in_english(article, kb_owner):
    german, english = german_and_english(article)
    with translation.override("de"):  # the editor's own language changes nothing for the readers
        material_edit(article, kb_owner)
    to_german = OutgoingEmail.objects.get(recipient=german)
    assert to_german.subject == f"[KB] Aktualisiert: {article.title}"
    assert "Wie Sie benachrichtigt werden, können Sie auf Ihrer Benachrichtigungsseite ändern." in to_german.body
    to_english = OutgoingEmail.objects.get(recipient=english)
    assert to_english.subject == f"[KB] Updated: {article.title}"
    assert "You can change how you are notified on your notifications page." in to_english.body
    assert Notification.objects.get(recipient=german).title == f"Aktualisiert: {article.title}"
    assert Notification.objects.get(recipient=english).title == f"Updated: {article.title}"


def test_the_sent_email_keeps_the_recipients_language(article, kb_owner):
    german, _english = german_and_english(article)
    material_edit(article, kb_owner)
    outbox.send_due()
    sent = next(m for m in mail.outbox if m.to == [german.email])
    assert sent.subject.startswith("[KB] Aktualisiert:")


def test_an_authority_change_is_named_in_the_recipients_language():
    german = person("greta")
    german.language = "de"
    german.save(update_fields=["language"])
    notify([german], kind="test", title=translated("Updated: %(title)s", {"title": "Refunds"}), authority_changed=True)
    email = OutgoingEmail.objects.get(recipient=german)
    assert email.subject == "[KB] Entscheidungsbefugnis geändert: Aktualisiert: Refunds"
    assert "** Entscheidungsbefugnis geändert **" in email.body


def test_the_digest_is_written_in_each_readers_language(article, kb_owner):
    german, english = german_and_english(article)
    for user in (german, english):
        Preference.objects.create(user=user, email=EmailChoice.DIGEST)
    material_edit(article, kb_owner)
    outbox.build_digests()
    assert (
        OutgoingEmail.objects.get(recipient=german, is_digest=True).subject
        == "[KB] Ihre tägliche Zusammenfassung: 1 Aktualisierung"
    )
    digest = OutgoingEmail.objects.get(recipient=english, is_digest=True)
    assert digest.subject == "[KB] Your daily digest: 1 update"
    assert digest.body.startswith("What happened in the knowledge base since your last digest:")


def test_plain_text_is_passed_on_as_it_is():
    german = person("greta")
    german.language = "de"
    german.save(update_fields=["language"])
    notify([german], kind="test", title="Refund policy changed", body="See the article.")
    note = Notification.objects.get(recipient=german)
    assert (note.title, note.body) == ("Refund policy changed", "See the article.")


def test_someone_who_reads_the_site_in_german_without_choosing_is_written_to_in_german(article, kb_owner):
    from conftest import client_for

    reader = person("gerda")  # no language chosen on the account: the browser says German
    Subscription.objects.create(user=reader, article=article)
    client_for(reader).get("/help/", HTTP_ACCEPT_LANGUAGE="de")
    reader.refresh_from_db()
    assert reader.language == "" and reader.last_language == "de"
    material_edit(article, kb_owner)
    assert OutgoingEmail.objects.get(recipient=reader).subject == f"[KB] Aktualisiert: {article.title}"

    client_for(reader).get("/help/")  # back to an English browser: English from then on
    reader.refresh_from_db()
    assert reader.last_language == "en-gb"
