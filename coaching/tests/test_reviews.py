"""Reviews: a candidate asks, a coach approves (validating the article) or asks for changes,
the candidate sends it back; nobody reviews their own article; everyone hears the next step."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles.models import ArticleEvent, Audience, EventKind, Governance, State
from articles.tests.assertions import assert_last_event
from coaching.models import CoachProduct, CommentKind, ReviewComment, ReviewRequest, Status, pick_coach
from conftest import client_for, make_article, make_coach, make_contributor, unchanged_database
from notifications.models import Notification

from .conftest import make_draft

pytestmark = pytest.mark.django_db


def ask(user, article, follow=False, **data):
    return client_for(user).post(reverse("coaching:request-review", args=[article.slug]), data, follow=follow)


def test_candidate_asks_for_review_and_the_coach_is_told(candidate, coach, draft):
    response = ask(candidate, draft, note="First article, please check the wording.")
    review = ReviewRequest.objects.get()
    assert response.status_code == 302 and response.url == review.get_absolute_url()
    assert (review.requester, review.reviewer, review.status) == (candidate, coach, Status.PENDING)
    assert review.comments.get().body == "First article, please check the wording."
    note = Notification.objects.get(recipient=coach)
    assert note.kind == "review_requested" and note.url == review.get_absolute_url()


def test_asking_for_review_submits_a_work_in_progress_draft(candidate, coach, product):
    draft = make_draft(candidate, product, state=State.WIP)
    ask(candidate, draft)
    draft.refresh_from_db()
    assert draft.state == State.NOT_VALIDATED
    assert ReviewRequest.objects.get().submitted_version == draft.version


def test_draft_without_resolution_cannot_go_to_review(candidate, coach, product):
    from articles.models import Article

    framed = Article.create(by=candidate, title="Framed only", product=product, issue="It breaks")
    assert ask(candidate, framed).status_code == 403
    assert not ReviewRequest.objects.exists()


def test_only_the_author_may_ask_for_a_review(contributor, coach, draft):
    assert ask(contributor, draft).status_code == 403
    assert not ReviewRequest.objects.exists()


def test_customer_and_partner_do_not_find_the_review_pages(customer, partner, candidate, coach, draft):
    ask(candidate, draft)
    review = ReviewRequest.objects.get()
    for outsider in (customer, partner):
        client = client_for(outsider)
        assert client.get(review.get_absolute_url()).status_code == 404
        assert client.post(reverse("coaching:approve", args=[review.pk])).status_code == 404
        assert client.get(reverse("coaching:home")).status_code == 404
    assert client_for(None).get(review.get_absolute_url()).status_code == 302  # to the login page


def test_second_review_of_the_same_article_is_refused_while_one_is_open(candidate, coach, draft):
    ask(candidate, draft)
    response = ask(candidate, draft, follow=True)
    assert ReviewRequest.objects.count() == 1
    assert "already in review" in response.content.decode()


def test_coach_of_the_product_with_fewest_open_reviews_is_picked(candidate, product):
    busy, free, elsewhere = make_coach("busy"), make_coach("free"), make_coach("aaron")
    CoachProduct.objects.create(coach=busy, product=product)
    CoachProduct.objects.create(coach=free, product=product)
    ReviewRequest.start(article=make_draft(candidate, product, title="One"), by=candidate, reviewer=busy)
    draft = make_draft(candidate, product, title="Two")
    assert pick_coach(draft) == free
    assert elsewhere != pick_coach(draft)  # alphabetically first, but not this product's coach


def test_coaching_more_products_does_not_make_a_coach_look_busier(candidate, product):
    from articles.models import Product

    wide, narrow = make_coach("able"), make_coach("bert")
    for coach in (wide, narrow):
        CoachProduct.objects.create(coach=coach, product=product)
    for n in range(3):
        CoachProduct.objects.create(coach=wide, product=Product.objects.create(name=f"Extra {n}", slug=f"extra-{n}"))
    ReviewRequest.start(article=make_draft(candidate, product, title="One"), by=candidate, reviewer=wide)
    ReviewRequest.start(article=make_draft(candidate, product, title="Two"), by=candidate, reviewer=narrow)
    ReviewRequest.start(article=make_draft(candidate, product, title="Three"), by=candidate, reviewer=narrow)
    assert pick_coach(make_draft(candidate, product, title="Four")) == wide  # 1 open review against 2


def test_the_author_is_never_picked_to_review_their_own_article(product):
    coach_author = make_coach("writer")
    other = make_coach("zed")
    draft = make_draft(coach_author, product)
    assert pick_coach(draft) == other


def test_choosing_yourself_as_reviewer_is_refused(product):
    coach_author = make_coach("writer")
    make_coach("zed")
    draft = make_draft(coach_author, product)
    response = ask(coach_author, draft, reviewer=coach_author.pk)
    assert response.status_code == 302 and not ReviewRequest.objects.exists()


def test_choosing_someone_who_is_not_a_coach_is_refused(candidate, coach, contributor, draft):
    ask(candidate, draft, reviewer=contributor.pk)
    assert not ReviewRequest.objects.exists()


def test_candidate_chooses_a_coach(candidate, coach, draft):
    other = make_coach("zoe")
    ask(candidate, draft, reviewer=other.pk)
    assert ReviewRequest.objects.get().reviewer == other


def test_no_coach_is_a_clear_message(candidate, draft):
    response = ask(candidate, draft, follow=True)
    assert "No coach can review this article" in response.content.decode()


def test_coach_approves_and_the_article_is_validated_in_their_name(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    draft.refresh_from_db()
    response = client_for(coach).post(
        reverse("coaching:approve", args=[review.pk]), {"note": "Well done", "version": draft.version}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    draft.refresh_from_db()
    assert draft.state == State.VALIDATED
    assert (review.status, review.approved_version) == (Status.APPROVED, draft.version)
    assert_last_event(draft, kind=EventKind.STATE, actor=coach, to_value=State.VALIDATED)
    assert Notification.objects.filter(recipient=candidate, kind="review_approved").exists()


def test_approving_text_changed_since_it_was_read_is_refused(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    seen = ReviewRequest.objects.get().article.version
    draft.edit(by=candidate, base_version=seen, changes={"resolution": "Reinstall the driver."})
    response = client_for(coach).post(reverse("coaching:approve", args=[review.pk]), {"version": seen}, follow=True)
    assert "has changed since you opened it" in response.content.decode()
    draft.refresh_from_db()
    review.refresh_from_db()
    assert (draft.state, review.status) == (State.NOT_VALIDATED, Status.PENDING)


def test_candidate_cannot_approve_their_own_review(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    client = client_for(candidate)
    with unchanged_database():
        assert client.post(reverse("coaching:approve", args=[review.pk])).status_code == 403
    review.refresh_from_db()
    draft.refresh_from_db()
    assert (review.status, draft.state) == (Status.PENDING, State.NOT_VALIDATED)


def test_another_coach_cannot_decide_someone_elses_review(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    other = make_coach("olivia")
    client = client_for(other)
    assert client.get(review.get_absolute_url()).status_code == 200  # coaches may read reviews
    with unchanged_database():
        assert client.post(reverse("coaching:approve", args=[review.pk])).status_code == 403
        assert client.post(reverse("coaching:request-changes", args=[review.pk]), {"note": "no"}).status_code == 403
    review.refresh_from_db()
    assert review.status == Status.PENDING


def test_other_staff_cannot_read_the_review(candidate, coach, contributor, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    assert client_for(contributor).get(review.get_absolute_url()).status_code == 403


def test_reviewer_who_became_the_owner_cannot_approve(candidate, coach, kb_owner, draft):
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    draft.refresh_from_db()
    draft.edit(by=kb_owner, base_version=draft.version, changes={"owner": coach})
    client = client_for(coach)
    with unchanged_database():
        assert client.post(reverse("coaching:approve", args=[review.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.state == State.NOT_VALIDATED


def test_coach_who_may_not_validate_governed_content_is_not_offered(candidate, coach, kb_owner, product):
    draft = make_draft(candidate, product)
    draft.set_governance(by=kb_owner, to=Governance.GOVERNED)
    assert pick_coach(draft) is None  # the only coach is no KB owner
    kb_owner.is_coach = True
    kb_owner.save()
    assert pick_coach(draft) == kb_owner


def test_approval_refused_by_the_workflow_changes_nothing(candidate, coach, kb_owner, product):
    draft = make_draft(candidate, product)
    review = ReviewRequest.start(article=draft, by=candidate, reviewer=coach)
    draft.refresh_from_db()
    # Published to customers after the review started: validating it now needs a publisher.
    draft.edit(by=kb_owner, base_version=draft.version, changes={"audience": Audience.CUSTOMER}, material=False)
    client = client_for(coach)
    with unchanged_database():
        response = client.post(reverse("coaching:approve", args=[review.pk]))
    assert response.status_code == 403
    assert "publisher" in response.content.decode()
    draft.refresh_from_db()
    review.refresh_from_db()
    assert (draft.state, review.status) == (State.NOT_VALIDATED, Status.PENDING)


def test_the_loop_changes_requested_then_resubmitted_then_approved(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    coach_client, candidate_client = client_for(coach), client_for(candidate)

    coach_client.post(reverse("coaching:request-changes", args=[review.pk]), {"note": "Name the printer <models>."})
    review.refresh_from_db()
    assert review.status == Status.CHANGES_REQUESTED
    assert Notification.objects.filter(recipient=candidate, kind="review_feedback").exists()

    # The candidate sees the feedback on the article page and on their dashboard, escaped.
    for url in (draft.get_absolute_url(), reverse("articles:dashboard")):
        page = candidate_client.get(url).content.decode()
        assert "Name the printer &lt;models&gt;." in page
        assert "<models>" not in page

    draft.refresh_from_db()
    draft.edit(by=candidate, base_version=draft.version, changes={"title": "HP LaserJet shows offline after the update"})
    candidate_client.post(reverse("coaching:resubmit", args=[review.pk]), {"note": "Named it."})
    review.refresh_from_db()
    assert (review.status, review.round) == (Status.PENDING, 2)
    assert Notification.objects.filter(recipient=coach, kind="review_requested").count() == 2

    draft.refresh_from_db()
    coach_client.post(reverse("coaching:approve", args=[review.pk]), {"version": draft.version})
    review.refresh_from_db()
    draft.refresh_from_db()
    assert (review.status, draft.state) == (Status.APPROVED, State.VALIDATED)
    kinds = list(ReviewComment.objects.filter(review=review).values_list("kind", "round"))
    assert kinds == [
        (CommentKind.SUBMITTED, 1),
        (CommentKind.CHANGES, 1),
        (CommentKind.RESUBMITTED, 2),
        (CommentKind.APPROVED, 2),
    ]


def test_asking_for_changes_needs_a_comment(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    response = client_for(coach).post(reverse("coaching:request-changes", args=[review.pk]), {"note": "  "}, follow=True)
    assert "Say what should change" in response.content.decode()
    review.refresh_from_db()
    assert review.status == Status.PENDING


def test_candidate_cannot_resubmit_before_changes_are_asked(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    client = client_for(candidate)
    with unchanged_database():
        assert client.post(reverse("coaching:resubmit", args=[review.pk])).status_code == 403
    review.refresh_from_db()
    assert review.round == 1


def test_coach_cannot_resubmit_for_the_candidate(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    review.request_changes(by=coach, comment="More detail")
    client = client_for(coach)  # signing in records the time: before the check
    with unchanged_database():
        assert client.post(reverse("coaching:resubmit", args=[review.pk])).status_code == 403


def test_candidate_withdraws_and_may_ask_again(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    client_for(candidate).post(reverse("coaching:withdraw", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == Status.WITHDRAWN
    ask(candidate, draft)
    assert ReviewRequest.objects.open().count() == 1


def test_article_page_offers_the_review_form_to_the_author_only(candidate, coach, contributor, draft):
    assert "Ask a coach to review" in client_for(candidate).get(draft.get_absolute_url()).content.decode()
    assert "Ask a coach to review" not in client_for(contributor).get(draft.get_absolute_url()).content.decode()


def test_other_staff_see_that_an_article_is_in_review_but_not_the_feedback(candidate, coach, contributor, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    review.request_changes(by=coach, comment="Private coaching words")
    page = client_for(contributor).get(draft.get_absolute_url()).content.decode()
    assert "Changes requested" in page
    assert "Private coaching words" not in page


def test_coach_dashboard_lists_assigned_reviews(candidate, coach, draft):
    ReviewRequest.start(article=draft, by=candidate)
    page = client_for(coach).get(reverse("articles:dashboard")).content.decode()
    section = re.search(r"<section><h2>Reviews assigned to me</h2>(.*?)</section>", page, re.S).group(1)
    assert draft.title in section


def test_review_lists_have_a_fixed_number_of_queries(candidate, coach, product, django_assert_max_num_queries):
    for i in range(6):
        review = ReviewRequest.start(article=make_draft(candidate, product, title=f"Draft {i}"), by=candidate)
        if i % 2:
            review.request_changes(by=coach, comment=f"Comment {i}")
    for user, url in ((coach, reverse("coaching:home")), (candidate, reverse("coaching:home"))):
        client = client_for(user)
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
    for user in (coach, candidate):
        client = client_for(user)
        client.get(reverse("articles:dashboard"))  # warm up
        with django_assert_max_num_queries(20):
            assert client.get(reverse("articles:dashboard")).status_code == 200


def test_validation_event_records_the_review(candidate, coach, draft):
    review = ReviewRequest.start(article=draft, by=candidate)
    review.approve(by=coach)
    event = ArticleEvent.objects.filter(article=draft, kind=EventKind.STATE).first()
    assert "Approved in review by cody" in event.note


def test_contributor_needs_no_review_but_may_ask(product, coach):
    author = make_contributor("carl")
    article = make_article(author=author, product=product, state=State.NOT_VALIDATED)
    review = ReviewRequest.start(article=article, by=author)
    assert review.reviewer == coach
