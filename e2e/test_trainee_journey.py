"""A new hire in a real browser: open the onboarding path, read and acknowledge an article,
fail then pass its knowledge check, and see an article changed since they read it."""

from __future__ import annotations

import pytest

from training.demo import TITLE
from training.models import Acknowledgement, Attempt, LearningPath

pytestmark = pytest.mark.django_db(transaction=True)

CHANGED = "hotel-non-refundable-refund-exception"  # acknowledged before its last material update


def test_trainee_follows_the_onboarding_path(demo, journey):
    page = journey.page
    path = LearningPath.objects.get(title=TITLE)

    journey.sign_in("candidate")
    journey.go("/training/")
    assert TITLE in page.inner_text("main")
    journey.shot("trainee home")
    page.click(f"main a:has-text('{TITLE}')")
    page.wait_for_load_state()
    assert "changed since you read it" in page.inner_text("main").lower()  # the stale acknowledgement
    journey.shot("the path with a changed article")

    # The changed article: see what changed, read it again and acknowledge the current version.
    page.click(f"main a[href*='/articles/{CHANGED}/?path={path.pk}']")
    page.wait_for_load_state()
    panel = page.locator("aside.training-panel")
    assert "Changed since you read it" in panel.inner_text()
    journey.shot("article changed since read")
    page.click("aside.training-panel a:has-text('See what changed')")
    page.wait_for_load_state()
    assert "/diff/" in page.url
    journey.shot("what changed since the trainee read it")
    page.go_back()
    page.click("aside.training-panel button:has-text('Read and understood')")
    page.wait_for_load_state()  # back on the path, with the acknowledgement confirmed
    assert "you read and understood version" in page.inner_text("body").lower()
    journey.shot("acknowledged")
    assert Acknowledgement.objects.filter(user__username="candidate", article__slug=CHANGED, stale_at=None).exists()

    # Its knowledge check: a wrong answer shows the explanation and the rule, then a pass.
    journey.go(f"/training/articles/{CHANGED}/check/?path={path.pk}")
    page.click("button:has-text('Check my answers')")  # nothing ticked: asked again, nothing recorded
    page.wait_for_load_state()
    assert "Answer every question before checking" in page.inner_text("#check-error")
    journey.shot("check sent empty")
    for question in page.locator("fieldset.check-question").all():
        question.locator("input[type=checkbox]").last.check()
    page.click("button:has-text('Check my answers')")
    page.wait_for_load_state()
    assert "Not passed" in page.inner_text("#check-result")
    assert page.locator("li.check-answer.wrong p.explanation").count() >= 1
    assert page.locator("li.check-answer.wrong a.rule-link").count() >= 1
    journey.shot("check failed with explanations")
    journey.go(f"/training/articles/{CHANGED}/check/?path={path.pk}")
    for label in (
        "Offer one free date change",
        "Refund up to 50 EUR as goodwill",
        "Ask Hotel Partner Relations to request an exception from the hotel",
    ):
        page.check(f"form#knowledge-check label:has-text('{label}') input")
    page.click("button:has-text('Check my answers')")
    page.wait_for_load_state()
    assert "Passed" in page.inner_text("#check-result")
    journey.shot("check passed")
    attempts = Attempt.objects.filter(user__username="candidate", article__slug=CHANGED).order_by("at", "pk")
    assert attempts.last().passed and not attempts.exclude(pk=attempts.last().pk).last().passed

    journey.go(f"/training/paths/{path.pk}/")
    assert "changed since you read it" not in page.inner_text("main").lower()
    journey.shot("path after re-reading and passing")


def test_coach_sees_the_trainees_progress(demo, journey):
    page = journey.page
    path = LearningPath.objects.get(title=TITLE)
    journey.sign_in("coach")
    journey.go("/licences/coach/")
    main = page.inner_text("main")
    assert "Cara Candidate" in main and TITLE in main and "Knowledge checks" in main
    journey.shot("coach dashboard with the trainee")
    journey.go(f"/training/paths/{path.pk}/")
    assert "candidate" in page.inner_text("main")
    journey.shot("coach sees the path and its trainee")
    journey.go("/licences/people/candidate/")
    assert "promote" in page.inner_text("main").lower()
    journey.shot("the trainee's licence progress")
