"""Who may flag, and who may close a flag: the rules in feedback.policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from articles.models import Governance
from conftest import make_article, make_contributor, make_publisher, make_user
from feedback import policy

from .helpers import flag

pytestmark = pytest.mark.django_db


def test_any_staff_member_may_flag_an_article_they_can_see(article, candidate, contributor, publisher):
    for user in (candidate, contributor, publisher):
        assert policy.can_flag(user, article, "incorrect")


def test_customers_partners_and_anonymous_visitors_may_not_flag(article, customer, partner):
    for user in (customer, partner, AnonymousUser()):
        decision = policy.can_flag(user, article, "incorrect")
        assert not decision and "Was this helpful" in decision.reason


def test_only_those_who_may_not_change_the_authority_flag_it(article, contributor, kb_owner):
    assert policy.can_flag(contributor, article, "authority_unclear")
    decision = policy.can_flag(kb_owner, article, "authority_unclear")
    assert not decision and "edit it instead" in decision.reason
    assert "authority_unclear" not in dict(policy.flag_reasons_for(kb_owner, article))
    # A KB owner may still flag experience-based content for other reasons.
    assert policy.can_flag(kb_owner, article, "duplicate")


def test_governed_content_is_flagged_only_by_those_who_may_not_change_it(contributor, kb_owner, product):
    governed = make_article(author=contributor, product=product, kb_owner=kb_owner, governed=True)
    assert governed.governance == Governance.GOVERNED
    assert not policy.can_flag(kb_owner, governed, "incorrect")
    assert policy.can_flag(make_contributor("other"), governed, "incorrect")


def test_archived_articles_cannot_be_flagged(contributor, kb_owner, product):
    archived = make_article(author=contributor, product=product, kb_owner=kb_owner, state="archived")
    assert not policy.can_flag(contributor, archived, "outdated")


def test_owner_kb_owner_and_editing_publisher_may_close_a_flag(article, candidate, contributor, kb_owner, publisher):
    raised = flag(article, candidate)
    assert policy.can_close(contributor, raised)  # the article's owner
    assert policy.can_close(kb_owner, raised)
    assert policy.can_close(publisher, raised)


def test_candidates_and_other_contributors_may_not_close_a_flag(article, candidate, publisher):
    raised = flag(article, publisher)
    assert not policy.can_close(candidate, raised)
    decision = policy.can_close(make_contributor("someone-else"), raised)
    assert not decision and "owner" in decision.reason


def test_only_who_may_change_the_authority_closes_an_authority_flag(article, candidate, contributor, kb_owner):
    raised = flag(article, candidate, reason="authority_unclear")
    assert not policy.can_close(contributor, raised)  # owner of the article, but not of its authority
    assert not policy.can_close(make_publisher("pub2"), raised)
    assert policy.can_close(kb_owner, raised)


def test_a_contributor_cannot_resolve_an_authority_flag_by_editing(article, candidate, contributor, kb_owner):
    content = flag(article, candidate, reason="incorrect")
    authority = flag(article, candidate, reason="authority_unclear")
    assert policy.can_resolve_by_edit(contributor, content)
    decision = policy.can_resolve_by_edit(contributor, authority)
    assert not decision and "KB owner" in decision.reason
    assert policy.can_resolve_by_edit(kb_owner, authority)
    assert not policy.can_resolve_by_edit(candidate, content)  # a candidate may not edit validated content


def test_queue_holds_everything_for_kb_owners_and_own_articles_for_owners(article, candidate, contributor, kb_owner, product):
    from feedback.models import Flag

    other = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title="Other article")
    mine, theirs = flag(article, candidate), flag(other, candidate)
    assert set(Flag.objects.queue_for(kb_owner)) == {mine, theirs}
    assert set(Flag.objects.queue_for(contributor)) == {mine}
    assert set(Flag.objects.queue_for(candidate)) == set()
    assert set(Flag.objects.queue_for(make_user("cust", kind="customer"))) == set()


def test_staff_vote_nowhere_and_readers_vote_only_on_help_articles(article, customer, contributor):
    assert not policy.can_vote(contributor, article)
    assert not policy.can_vote(customer, article)  # internal: not in the help centre
