"""The admin bypasses the workflow operations, but never the record of who changed what."""

from __future__ import annotations

from articles import versions
from articles.models import ArticleEvent, EventKind, State
from articles.rendering import MAX_CHARS
from conftest import client_for, make_article, make_user


def admin_post_data(client, url: str, article, product, **changes) -> dict:
    """What the admin's change form posts, with `changes`."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "tags"}
    data.update(
        product=product.pk,
        owner=article.owner_id,
        created_by=article.created_by_id,
        tags=[t.pk for t in article.tags.all()],
        review_by="",
        escalation=article.escalation_id or "",
        created_at_0="2026-01-01",
        created_at_1="10:00:00",
        updated_at_0="2026-01-01",
        updated_at_1="10:00:00",
        **{
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
            "rules-MIN_NUM_FORMS": "0",
            "rules-MAX_NUM_FORMS": "1000",
        },
    )
    data.update(changes)
    return data


def test_admin_change_is_a_version_with_events_for_workflow_fields(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    admin = make_user("root", superuser=True)
    before = article.version
    url = f"/admin/articles/article/{article.pk}/change/"
    data = admin_post_data(client_for(admin), url, article, product, title="Changed in admin", state=State.ARCHIVED)
    response = client_for(admin).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert (article.title, article.state, article.version) == ("Changed in admin", State.ARCHIVED, before + 1)
    assert versions.history(article)[0].number == before + 1
    event = ArticleEvent.objects.filter(article=article, kind=EventKind.STATE).order_by("-id").first()
    assert (event.actor, event.to_value) == (admin, State.ARCHIVED)


def test_admin_refuses_markdown_over_the_limits_and_changes_nothing(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    admin = make_user("root", superuser=True)
    before = (article.version, article.resolution)
    url = f"/admin/articles/article/{article.pk}/change/"
    too_long = "x" * (MAX_CHARS + 1)
    response = client_for(admin).post(url, admin_post_data(client_for(admin), url, article, product, resolution=too_long))
    assert response.status_code == 200
    assert f"at most {MAX_CHARS:,} are allowed" in response.content.decode()
    article.refresh_from_db()
    assert (article.version, article.resolution) == before


def test_an_admin_change_says_whether_outside_readers_text_changed(db, contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, kb_owner=kb_owner)
    admin = make_user("root", superuser=True)
    url = f"/admin/articles/article/{article.pk}/change/"
    staff_text = article.resolution + "\n\n:::internal\nReason code MP-01.\n:::"
    for changes, outside in (({"resolution": staff_text}, False), ({"cause": "A new public cause."}, True)):
        data = admin_post_data(client_for(admin), url, article, product, **changes)
        assert client_for(admin).post(url, data).status_code == 302
        event = ArticleEvent.objects.filter(article=article, kind=EventKind.EDITED).order_by("-id").first()
        assert set(changes) <= set(event.changed_fields) and event.outside_changed is outside
        article.refresh_from_db()
