"""KCS workflow operations: each records who, when, from, to and a note, and saves a version."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.models import Article, ArticleEvent, Audience, EventKind, Governance, InvalidChange, Refused, State
from conftest import make_article

from .assertions import assert_last_event, assert_versions


def test_creation_is_recorded_with_author_and_first_version(contributor, product):
    article = Article.create(by=contributor, title="Router keeps rebooting", product=product, issue="It reboots.")
    assert (article.state, article.audience, article.version) == (State.WIP, Audience.INTERNAL, 1)
    assert article.created_by == contributor and article.owner == contributor
    assert_last_event(article, kind=EventKind.CREATED, actor=contributor, to_value=State.WIP)
    assert_versions(article, 1)


def test_contributor_validates_and_the_record_says_who_when_from_to(contributor, publisher, product):
    article = make_article(author=publisher, product=product, state=State.NOT_VALIDATED)
    before = timezone.now()
    article.validate(by=contributor, note="Tried it on a case")
    article.refresh_from_db()
    assert article.state == State.VALIDATED
    event = assert_last_event(
        article, kind=EventKind.STATE, actor=contributor, from_value=State.NOT_VALIDATED, to_value=State.VALIDATED
    )
    assert event.note == "Tried it on a case" and event.at >= before and event.version == article.version
    assert article.review_by == timezone.localdate() + datetime.timedelta(days=365)


def test_candidate_cannot_validate_own_article_and_nothing_changes(candidate, product):
    article = Article.create(by=candidate, title="Fix", product=product, resolution="Do it.", state=State.NOT_VALIDATED)
    events = ArticleEvent.objects.count()
    with pytest.raises(Refused, match="Candidates cannot validate"):
        article.validate(by=candidate)
    article.refresh_from_db()
    assert (article.state, article.version) == (State.NOT_VALIDATED, 1)
    assert ArticleEvent.objects.count() == events
    assert_versions(article, 1)


def test_coach_validates_candidates_article_recorded_as_the_coach(candidate, coach, product):
    article = Article.create(by=candidate, title="Fix", product=product, resolution="Do it.", state=State.NOT_VALIDATED)
    article.validate(by=coach, note="Reviewed with Cara")
    assert article.state == State.VALIDATED
    assert_last_event(article, kind=EventKind.STATE, actor=coach, to_value=State.VALIDATED)
    assert_versions(article, 2)


def test_work_in_progress_without_resolution_cannot_be_validated(contributor, product):
    article = Article.create(by=contributor, title="Unknown error E42", product=product, issue="E42 on start")
    with pytest.raises(InvalidChange, match="resolution"):
        article.validate(by=contributor)
    article.refresh_from_db()
    assert article.state == State.WIP


def test_submit_moves_a_written_draft_to_not_validated(candidate, product):
    article = Article.create(by=candidate, title="Fix", product=product, issue="x")
    article.edit(by=candidate, base_version=1, changes={"resolution": "Restart it."}, note="Found the fix")
    article.submit(by=candidate)
    assert article.state == State.NOT_VALIDATED
    assert_versions(article, 3)


def test_archive_and_restore_need_a_kb_owner(contributor, kb_owner, product):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    with pytest.raises(Refused, match="KB owner"):
        article.archive(by=contributor)
    article.archive(by=kb_owner, note="Product retired")
    assert article.state == State.ARCHIVED
    with pytest.raises(Refused, match="KB owner"):
        article.restore(by=contributor)
    article.restore(by=kb_owner, to=State.VALIDATED, note="Back in use")
    assert article.state == State.VALIDATED
    assert_last_event(article, kind=EventKind.STATE, actor=kb_owner, from_value=State.ARCHIVED, to_value=State.VALIDATED)


def test_reopen_moves_validated_back_to_not_validated(contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    article.reopen(by=contributor, note="Steps no longer match the app")
    assert article.state == State.NOT_VALIDATED


def test_transition_by_state_name_refuses_unknown_states(contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    with pytest.raises(InvalidChange, match="Unknown state"):
        article.transition(by=contributor, to="published")


def test_audience_change_is_recorded_and_needs_a_publisher(contributor, publisher, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    with pytest.raises(Refused, match="publisher"):
        article.edit(by=contributor, base_version=article.version, changes={"audience": Audience.PUBLIC})
    article.edit(by=publisher, base_version=article.version, changes={"audience": Audience.PUBLIC}, note="For customers")
    article.refresh_from_db()
    assert article.audience == Audience.PUBLIC
    event = ArticleEvent.objects.filter(article=article, kind=EventKind.AUDIENCE).get()
    assert (event.actor, event.from_value, event.to_value) == (publisher, Audience.INTERNAL, Audience.PUBLIC)


def test_governance_change_is_recorded_and_only_by_a_kb_owner(contributor, kb_owner, product):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    with pytest.raises(Refused):
        article.set_governance(by=contributor, to=Governance.GOVERNED)
    version = article.version
    article.set_governance(by=kb_owner, to=Governance.GOVERNED, note="Refund policy")
    assert article.governance == Governance.GOVERNED and article.version == version + 1
    assert_last_event(
        article, kind=EventKind.GOVERNANCE, actor=kb_owner, from_value=Governance.EXPERIENCE, to_value=Governance.GOVERNED
    )


def test_new_article_cannot_start_validated(contributor, product):
    with pytest.raises(InvalidChange):
        Article.create(by=contributor, title="x", product=product, resolution="y", state=State.VALIDATED)


def test_customer_cannot_create_or_transition(customer, contributor, product, kb_owner):
    with pytest.raises(Refused):
        Article.create(by=customer, title="x", product=product)
    article = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    with pytest.raises(Refused):
        article.reopen(by=customer)


def test_transition_from_a_stale_version_is_refused_and_changes_nothing(contributor, publisher, product, kb_owner):
    from articles.models import StaleVersion

    article = make_article(author=publisher, product=product, state=State.NOT_VALIDATED, kb_owner=kb_owner)
    seen = article.version
    article.edit(by=publisher, base_version=seen, changes={"resolution": "New steps"})
    with pytest.raises(StaleVersion):
        Article.objects.get(pk=article.pk).transition(by=contributor, to=State.VALIDATED, base_version=seen)
    article.refresh_from_db()
    assert article.state == State.NOT_VALIDATED


def test_candidate_cannot_create_an_article_owned_by_a_kb_owner(candidate, kb_owner, product):
    with pytest.raises(Refused, match="KB owner"):
        Article.create(by=candidate, title="Mine", product=product, owner=kb_owner)
    assert not Article.objects.filter(title="Mine").exists()
    assert Article.create(by=kb_owner, title="Theirs", product=product, owner=candidate).owner == candidate


def test_same_title_twice_gets_distinct_slugs_and_new_is_reserved(contributor, product):
    first = Article.create(by=contributor, title="Printer offline", product=product)
    second = Article.create(by=contributor, title="Printer offline", product=product)
    assert (first.slug, second.slug) == ("printer-offline", "printer-offline-2")
    assert Article.create(by=contributor, title="New", product=product).slug == "new-2"


def test_tags_keep_the_characters_that_tell_them_apart(contributor, product):
    article = Article.create(by=contributor, title="SDKs", product=product, tags=["C++", "C#", ".NET", "Two words", "a/b"])
    assert article.tag_names() == [".net", "a-b", "c#", "c++", "two-words"]


def test_editing_only_the_audience_records_one_audience_event(publisher, product, kb_owner):
    article = make_article(author=publisher, product=product, kb_owner=kb_owner)
    events = ArticleEvent.objects.filter(article=article).count()
    article.edit(by=publisher, base_version=article.version, changes={"audience": Audience.PUBLIC})
    assert ArticleEvent.objects.filter(article=article).count() == events + 1
    assert_last_event(article, kind=EventKind.AUDIENCE, actor=publisher, to_value=Audience.PUBLIC)
