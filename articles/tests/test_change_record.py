"""One path for a change: each verb writes one change record and sends `article_changed` on commit.

The other apps (notifications, training, feedback) read the record; nothing re-reads versions and
no signal carries a request (docs/decisions/0007-one-path-for-a-change.md).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import ArticleEvent, EventKind, Governance, State
from articles.signals import article_changed
from conftest import REFUND_RULES, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    changes = []

    def receiver(sender, **kwargs):
        changes.append(kwargs)

    article_changed.connect(receiver, dispatch_uid="test-change-record")
    yield changes
    article_changed.disconnect(dispatch_uid="test-change-record")


def test_a_material_edit_records_what_changed_and_is_announced_once_after_commit(
    article, kb_owner, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as commit:
        article.edit(
            by=kb_owner,
            base_version=article.version,
            changes={"resolution": "1. Offer a voucher.", "audience": "partner"},
            rules=REFUND_RULES[:1],
            note="Voucher first",
        )
        assert sent == []  # nothing is told before the edit commits
    for callback in commit:
        callback()
    assert len(sent) == 1 and set(sent[0]) == {"signal", "change"}  # the record, never a request
    change = sent[0]["change"]
    assert (change.kind, change.actor, change.version, change.note) == (
        EventKind.EDITED,
        kb_owner,
        article.version,
        "Voucher first",
    )
    assert change.material and change.rules_changed
    assert change.changed_fields == ["audience", "resolution", "rules"]
    stored = ArticleEvent.objects.get(pk=change.pk)
    assert (stored.material, stored.rules_changed, stored.changed_fields) == (True, True, ["audience", "resolution", "rules"])
    # The history still shows the audience change as its own row, but only one record is sent.
    assert list(article.events.filter(version=article.version).values_list("kind", flat=True)) == [
        EventKind.AUDIENCE,
        EventKind.EDITED,
    ]


def test_a_minor_edit_is_recorded_as_minor_and_an_edit_that_saves_nothing_sends_nothing(
    article, kb_owner, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Typo."}, material=False)
        article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Typo."}, material=True)
    assert len(sent) == 1
    change = sent[0]["change"]
    assert (change.material, change.rules_changed, change.changed_fields) == (False, False, ["cause"])


def test_an_edit_that_rolls_back_sends_nothing(article, kb_owner, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Gone."})
        raise RuntimeError("the request failed after the edit")
    assert sent == []


def test_transitions_governance_and_revert_each_send_their_record(article, kb_owner, sent, django_capture_on_commit_callbacks):
    first, cause = article.version, article.cause
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb_owner, base_version=article.version, changes={"cause": "New cause."})
        article.revert(to_number=first, by=kb_owner, base_version=article.version)
        article.reopen(by=kb_owner, note="Check it again")
        article.set_governance(by=kb_owner, to=Governance.GOVERNED)
    kinds = [(c["change"].kind, c["change"].material, c["change"].changed_fields) for c in sent]
    assert kinds == [
        (EventKind.EDITED, True, ["cause"]),
        (EventKind.REVERTED, True, ["cause"]),
        (EventKind.STATE, False, ["state"]),
        (EventKind.GOVERNANCE, False, ["governance"]),
    ]
    assert [c["change"].version for c in sent] == [first + 1, first + 2, first + 3, first + 4]
    article.refresh_from_db()
    assert (article.state, article.cause) == (State.NOT_VALIDATED, cause)


def test_the_edit_page_passes_the_ticked_flags_to_the_edit(article, contributor, sent, monkeypatch):
    from articles.tests.htmlparse import form_fields

    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(resolution="1. Offer a voucher.", note="Voucher", addresses_flag=["7", "x", "3"])
    monkeypatch.setattr(transaction, "on_commit", lambda callback, using=None, robust=False: callback())
    response = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert response.status_code == 302
    assert sent[0]["change"].resolves == [3, 7]


# A material edit of a validated article, including what runs when it commits: the search index
# (Whoosh: a task processed after commit; PostgreSQL: its document written in the transaction),
# the update announced to subscribers and stale acknowledgements. Before the change record, when
# notifications and training hung on RevisionMeta post_save and re-read the stored versions
# inside the edit's transaction, this cost 40 (Whoosh, on SQLite or PostgreSQL) and 44 (the
# PostgreSQL search backend). Outbound webhooks add one (the active endpoints, cases/outbound.py),
# the article's vector one (search.semantic, written with its search document), the source's
# translations one (locked to be marked out of date: articles/translations.py).
MATERIAL_EDIT_QUERIES = {"whoosh": 35, "tantivy": 35, "postgres": 39}


def test_a_material_edit_costs_a_fixed_number_of_queries(article, kb_owner, settings, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb_owner, base_version=article.version, changes={"resolution": "1. Offer a voucher."}, note="n")
    assert len(ctx.captured_queries) == MATERIAL_EDIT_QUERIES[settings.KCS_SEARCH_BACKEND]


def test_an_admin_change_sends_a_material_record_of_the_fields_it_changed(
    article, product, sent, django_capture_on_commit_callbacks
):
    from conftest import make_user

    from .test_admin import admin_post_data

    admin = make_user("root", superuser=True)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = admin_post_data(client_for(admin), url, article, product, title="Changed in admin")
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(admin).post(url, data).status_code == 302
    assert len(sent) == 1
    change = sent[0]["change"]
    assert (change.kind, change.actor, change.material, change.rules_changed) == (EventKind.EDITED, admin, True, False)
    assert "title" in change.changed_fields and change.version == article.version + 1
