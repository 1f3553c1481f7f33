import pytest
from django.core.management import call_command

from notifications.models import ArticleUpdate, Notification, Subscription

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("demo")
def test_the_demo_has_subscriptions_updates_and_notifications_and_loads_twice_unchanged(capsys):
    counts = (Subscription.objects.count(), ArticleUpdate.objects.count(), Notification.objects.count())
    assert counts[0] >= 5 and counts[2] >= 3
    assert Notification.objects.filter(recipient__username="customer", url__startswith="/help/").exists()
    call_command("load_demo")
    assert (Subscription.objects.count(), ArticleUpdate.objects.count(), Notification.objects.count()) == counts
