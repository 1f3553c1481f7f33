from __future__ import annotations

import pytest

from accounts.models import User
from notifications.models import EmailChoice, Notification, OutgoingEmail, Preference
from notifications.services import notify, unread_count


def person(name: str, **kwargs) -> User:
    return User.objects.create_user(name, email=f"{name}@example.com", password="x", **kwargs)


@pytest.mark.django_db
def test_each_recipient_is_told_once_and_emailed_as_they_chose():
    ann, bob, cid, dee = person("ann"), person("bob"), person("cid"), person("dee", is_active=False)
    Preference.objects.create(user=bob, email=EmailChoice.DIGEST)
    Preference.objects.create(user=cid, email=EmailChoice.NONE)
    made = notify([ann, ann, bob, cid, dee, None], kind="article_updated", title="Refunds changed", body="New limit.", url="/x/")
    assert sorted(n.recipient.username for n in made) == ["ann", "bob", "cid"]
    assert [e.to for e in OutgoingEmail.objects.all()] == ["ann@example.com"]
    assert "New limit." in OutgoingEmail.objects.get().body and "/x/" in OutgoingEmail.objects.get().body
    assert unread_count(ann) == 1 and unread_count(dee) == 0


@pytest.mark.django_db
def test_the_person_who_acted_is_not_told_about_their_own_change():
    ann, bob = person("ann"), person("bob")
    notify([ann, bob], kind="article_updated", title="Edited", exclude=ann)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["bob"]
