"""The demo onboarding path: `candidate` part-way through, one acknowledgement stale; safe to load twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from conftest import client_for
from notifications.models import Notification
from training import demo, services
from training.models import Acknowledgement, Assignment, LearningPath


@pytest.mark.usefixtures("demo")
def test_demo_path_has_a_trainee_part_way_through_with_one_stale_acknowledgement():
    call_command("load_demo", verbosity=0)  # a second time: nothing doubles
    path = LearningPath.objects.get(title=demo.TITLE)
    candidate = User.objects.get(username="candidate")
    assert path.created_by.username == "coach"
    assignment = Assignment.objects.get(path=path)
    assert assignment.user == candidate and assignment.assigned_by.username == "coach"
    slugs = {i.article.slug for i in path.items()}
    assert {"toy-set-missing-part", "hotel-non-refundable-refund-exception"} <= slugs
    acks = Acknowledgement.objects.filter(user=candidate)
    assert acks.count() == 2
    stale = acks.get(stale_at__isnull=False)
    assert stale.article.slug == "hotel-non-refundable-refund-exception"
    told = Notification.objects.get(recipient=candidate, kind="training_reread")
    assert told.url.endswith(f"?from={stale.article_version}&to={stale.article.version}")  # up to the current version
    mine = services.progress(candidate, [path])[path.pk]
    assert (mine.required_done, mine.required_total) == (1, 2)
    page = client_for(candidate).get(reverse("training:path", args=[path.pk])).content.decode()
    assert "changed since you read it" in page.lower()
    coach_page = client_for(path.created_by).get(reverse("training:path", args=[path.pk])).content.decode()
    assert "candidate" in coach_page


@pytest.mark.usefixtures("demo")
def test_demo_knowledge_checks_pass_mark_and_a_failed_attempt():
    from training.models import Attempt, Question

    path = LearningPath.objects.get(title=demo.TITLE)
    candidate = User.objects.get(username="candidate")
    assert path.pass_mark == 80
    for slug in ("toy-set-missing-part", "hotel-non-refundable-refund-exception"):
        questions = Question.objects.filter(article__slug=slug)
        assert questions.count() == 2 and all(q.rule_id for q in questions)
    failed = Attempt.objects.get(user=candidate, passed=False)
    assert failed.article.slug == "hotel-non-refundable-refund-exception" and failed.score == 50
    assert Attempt.objects.filter(user=candidate).count() == 2
    mine = services.progress(candidate, [path])[path.pk]
    assert (mine.required_done, mine.required_total) == (1, 2)  # toy read and passed; hotel to re-read and pass
    client = client_for(candidate)
    hotel = failed.article
    page = client.get(reverse("training:check", args=[hotel.slug]) + f"?path={path.pk}").content.decode()
    assert "70 EUR refund" in page and "Check my answers" in page
    panel = client.get(hotel.get_absolute_url() + f"?path={path.pk}").content.decode()
    assert reverse("training:check", args=[hotel.slug]) in panel
