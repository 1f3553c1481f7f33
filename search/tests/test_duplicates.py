"""One article per issue: similar articles while capturing, "use this instead", "not a duplicate",
and the KB owner's list of probable duplicate pairs."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from articles.models import Article, ArticleRelation, Audience, Product, RelationKind, Reuse, State
from articles.tests.htmlparse import form_fields
from cases import capture
from cases.models import Case, CaseLink
from conftest import client_for, make_contributor, make_customer, make_kb_owner
from search import duplicates, indexing, semantic
from search.models import DuplicatePair, Synonym
from search.tests import test_related as related

SIMILAR = "/articles/similar/"


def write(by, product, title, issue, *, validated=True, audience=Audience.INTERNAL) -> Article:
    """An article as the related-articles tests write one, for staff by default."""
    return related.write(by, product, title, issue, audience=audience, validated=validated)


@pytest.fixture
def kb(db):
    Synonym.objects.all().delete()
    owner = make_kb_owner("olga")
    hotel = Product.objects.create(name="Hotel bookings", slug="hotel")
    home = Product.objects.create(name="Smart Home", slug="smart-home")
    articles = {
        "refund": write(
            owner,
            hotel,
            "Refund for a non-refundable hotel booking",
            "The guest booked a non-refundable room and wants the money back.",
        ),
        "router": write(owner, home, "Router drops the wireless connection", "The wireless network goes away every evening."),
        "thermostat": write(owner, home, "Thermostat schedule lost after an update", "The heating program is empty."),
        "invoice": write(owner, hotel, "Invoice shows the wrong company name", "The company on the invoice is wrong."),
    }
    indexing.rebuild()
    semantic.index().forget()
    return owner, hotel, home, articles


def titles(found) -> list[str]:
    return [s.article.title for s in found]


@pytest.fixture(params=[True, False], ids=["meaning-on", "keywords-only"])
def meaning(request, settings):
    settings.KCS_SEMANTIC = request.param
    return request.param


def test_a_near_duplicate_draft_is_shown_the_article_with_why(backend, kb, meaning):
    owner, hotel, _, articles = kb
    found = duplicates.similar_to_draft(
        make_contributor(),
        title="Guest wants a refund on a non refundable booking",
        issue="Booked a non-refundable hotel room, now asks for the money back",
        product_id=hotel.pk,
    )
    assert titles(found)[:1] == ["Refund for a non-refundable hotel booking"]
    reasons = " ".join(found[0].reasons)
    assert "Title shares: refund, non, booking" in reasons
    assert "Same product (Hotel bookings)" in reasons
    assert ("Similar in meaning" in reasons) is meaning
    assert "Router drops the wireless connection" not in titles(found)


@pytest.mark.parametrize(
    "title, issue",
    [
        ("Printer catches fire when printing labels", "Smoke comes out of the label printer"),
        ("Password reset email never arrives", "The customer cannot sign in to the app"),
        ("Hotel parking garage height limit", "Vans do not fit under the barrier"),
    ],
)
def test_an_unrelated_draft_is_shown_nothing(backend, kb, meaning, title, issue):
    assert duplicates.similar_to_draft(make_contributor(), title=title, issue=issue) == []


def test_a_draft_of_one_word_is_not_checked(backend, kb):
    assert duplicates.similar_to_draft(make_contributor(), title="Refund", issue="") == []


def test_archived_merged_and_dismissed_articles_and_the_draft_itself_are_not_suggested(backend, kb):
    owner, hotel, _, articles = kb
    twin = write(owner, hotel, "Refund of a non-refundable hotel booking", "The guest wants the money back for the room.")
    indexing.rebuild()
    draft = {"title": "Refund for a non refundable hotel booking", "issue": "Money back for a non-refundable room"}
    user = make_contributor()
    assert {"Refund for a non-refundable hotel booking", twin.title} <= set(titles(duplicates.similar_to_draft(user, **draft)))
    assert twin.title not in titles(duplicates.similar_to_draft(user, exclude_id=twin.pk, **draft))
    assert twin.title not in titles(duplicates.similar_to_draft(user, dismissed={twin.pk}, **draft))
    twin.archive(by=owner, note="Old")
    Article.objects.filter(pk=articles["refund"].pk).update(merged_into=articles["invoice"])
    assert duplicates.similar_to_draft(user, **draft) == []


def test_the_endpoint_answers_staff_with_a_fragment_or_json_and_nobody_else(backend, kb):
    contributor = make_contributor()
    query = {"title": "Refund for a non refundable booking", "issue": "The guest wants the money back"}
    response = client_for(contributor).get(SIMILAR, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Similar articles" in html and "Refund for a non-refundable hotel booking" in html
    assert "Use this instead" in html and "Not a duplicate" in html and 'target="_blank"' in html
    data = client_for(contributor).get(SIMILAR, {**query, "format": "json"}).json()
    assert data["results"][0]["title"] == "Refund for a non-refundable hotel booking"
    assert data["results"][0]["reasons"]
    assert client_for(make_customer()).get(SIMILAR, query).status_code == 404
    assert client_for(None).get(SIMILAR, query).status_code == 302  # sign in first
    from search.models import SearchLog

    assert not SearchLog.objects.exists()  # not a search anyone made


def test_the_endpoint_answers_nothing_for_an_unrelated_draft(backend, kb):
    response = client_for(make_contributor()).get(SIMILAR, {"title": "Printer catches fire", "issue": "Smoke everywhere"})
    assert response.status_code == 200
    assert "Similar articles" not in response.content.decode()


def test_the_new_article_page_carries_the_similar_articles_region(kb):
    html = client_for(make_contributor()).get("/articles/new/?title=Refund&case=12").content.decode()
    assert 'id="similar-articles"' in html and 'aria-live="polite"' in html
    assert 'data-case="12"' in html and "/static/kcs/duplicates.js" in html and 'id="article-form"' in html


# --- use this instead ---------------------------------------------------------------------------


def case_draft(author, product, subject="Money back for a non refundable booking"):
    case = Case.objects.create(source="zendesk", external_id="4711", subject=subject, description="Booked the wrong room.")
    draft, _ = capture.new_article_from_case(case=case, by=author, product=product)
    return case, draft


def test_use_instead_from_a_case_links_the_case_and_archives_the_draft(kb):
    owner, hotel, _, articles = kb
    case, draft = case_draft(owner, hotel)
    chosen = articles["refund"]
    client = client_for(owner)
    response = client.post(f"/articles/{chosen.slug}/use-instead/", {"draft": draft.slug, "keep": "0"})
    assert response.status_code == 302 and response["Location"] == chosen.get_absolute_url()
    live = CaseLink.objects.live().filter(case=case)
    assert [(link.article_id, link.kind) for link in live] == [(chosen.pk, "reference")]
    assert CaseLink.objects.filter(case=case, article=draft, unlinked_at__isnull=False).exists()  # kept as removed
    draft.refresh_from_db()
    chosen.refresh_from_db()
    assert draft.state == State.ARCHIVED
    assert draft.events.filter(to_value=State.ARCHIVED, note__startswith="Duplicate of").exists()
    assert ArticleRelation.objects.filter(from_article=draft, to_article=chosen, kind=RelationKind.DUPLICATE_OF).exists()
    assert chosen.reuse_count == 1
    page = client.get(chosen.get_absolute_url()).content.decode()
    assert "Linked to case Zendesk #4711" in page and "archived as a duplicate" in page


def test_an_author_who_may_not_archive_keeps_the_draft_marked_as_a_duplicate(kb):
    _, hotel, _, articles = kb
    contributor = make_contributor()
    case, draft = case_draft(contributor, hotel)
    client_for(contributor).post(f"/articles/{articles['refund'].slug}/use-instead/", {"draft": draft.slug, "keep": "0"})
    draft.refresh_from_db()
    assert draft.state == State.WIP  # archiving is a KB owner's call
    assert ArticleRelation.objects.filter(from_article=draft, kind=RelationKind.DUPLICATE_OF).exists()
    assert list(CaseLink.objects.live().filter(case=case).values_list("article_id", flat=True)) == [articles["refund"].pk]


def test_use_instead_and_keep_the_draft_relates_them(kb):
    owner, hotel, _, articles = kb
    case, draft = case_draft(owner, hotel)
    client_for(owner).post(f"/articles/{articles['refund'].slug}/use-instead/", {"draft": draft.slug, "keep": "1"})
    draft.refresh_from_db()
    assert draft.state == State.WIP
    assert ArticleRelation.objects.filter(from_article=draft, to_article=articles["refund"], kind=RelationKind.RELATED).exists()
    assert set(CaseLink.objects.live().filter(case=case).values_list("article_id", "kind")) == {
        (draft.pk, "created"),
        (articles["refund"].pk, "reference"),
    }


def test_use_instead_without_a_case_records_reuse_and_saves_nothing(kb):
    _, _, _, articles = kb
    contributor = make_contributor()
    before = Article.objects.count()
    response = client_for(contributor).post(f"/articles/{articles['refund'].slug}/use-instead/", {"keep": "0"})
    assert response.status_code == 302
    assert Article.objects.count() == before
    assert Reuse.objects.filter(article=articles["refund"], user=contributor).count() == 1
    articles["refund"].refresh_from_db()
    assert articles["refund"].reuse_count == 1


def test_use_instead_with_the_case_named_on_the_new_article_page_links_it(kb):
    _, _, _, articles = kb
    case = Case.objects.create(source="zendesk", external_id="99", subject="Refund please")
    client_for(make_contributor()).post(f"/articles/{articles['refund'].slug}/use-instead/", {"case": case.pk})
    assert CaseLink.objects.live().filter(case=case, article=articles["refund"], kind="reference").exists()
    assert not Reuse.objects.exists()


def test_use_instead_refuses_what_the_user_may_not_see_or_change(kb):
    owner, hotel, _, articles = kb
    customer_client = client_for(make_customer())
    assert customer_client.post(f"/articles/{articles['refund'].slug}/use-instead/").status_code == 404
    archived = write(owner, hotel, "Old refund rules", "Outdated.")
    archived.archive(by=owner, note="Outdated")
    contributor = make_contributor()
    client_for(contributor).post(f"/articles/{archived.slug}/use-instead/")
    assert not Reuse.objects.exists()
    # A draft the contributor may not edit (archived) is not theirs to discard.
    response = client_for(contributor).post(f"/articles/{articles['refund'].slug}/use-instead/", {"draft": archived.slug})
    assert response.status_code == 403
    assert not Reuse.objects.exists()


def test_a_colleague_who_may_edit_the_draft_drops_it_with_its_own_case_link_only(kb):
    _, hotel, _, articles = kb
    writer, colleague = make_contributor("xena"), make_contributor("yuri")
    case, draft = case_draft(writer, hotel)
    other_link = CaseLink.objects.create(
        case=case, article=articles["invoice"], kind="reference", linked_by=writer, article_version=1
    )
    response = client_for(colleague).post(f"/articles/{articles['refund'].slug}/use-instead/", {"draft": draft.slug, "keep": "0"})
    assert response.status_code == 302
    live = set(CaseLink.objects.live().filter(case=case).values_list("article_id", "kind"))
    assert live == {(articles["refund"].pk, "reference"), (articles["invoice"].pk, "reference")}  # the writer's other link stays
    assert CaseLink.objects.get(case=case, article=draft).unlinked_by == colleague
    other_link.refresh_from_db()
    assert other_link.unlinked_at is None


def test_the_draft_link_rule_covers_only_the_drafts_own_created_link(kb):
    from cases import policy as case_policy

    _, hotel, _, articles = kb
    writer, colleague = make_contributor("xena"), make_contributor("yuri")
    case, draft = case_draft(writer, hotel)
    created = CaseLink.objects.get(case=case, article=draft)
    other = CaseLink.objects.create(case=case, article=articles["invoice"], kind="reference", linked_by=writer, article_version=1)
    assert case_policy.can_unlink_with_draft(colleague, created, draft)
    assert not case_policy.can_unlink_with_draft(colleague, other, draft)
    assert not case_policy.can_unlink_with_draft(colleague, created, articles["invoice"])
    assert not case_policy.can_unlink_with_draft(make_customer(), created, draft)


@pytest.mark.parametrize("keep", ["0", "1"])
def test_use_instead_refuses_a_validated_article_as_the_draft(kb, keep):
    owner, _, _, articles = kb
    response = client_for(owner).post(
        f"/articles/{articles['refund'].slug}/use-instead/", {"draft": articles["invoice"].slug, "keep": keep}
    )
    assert response.status_code == 400
    assert "not a draft" in response.content.decode()
    articles["invoice"].refresh_from_db()
    assert articles["invoice"].state == State.VALIDATED
    assert not ArticleRelation.objects.exists() and not Reuse.objects.exists()


def test_a_pair_settled_by_use_it_and_keep_my_draft_is_not_listed_again(kb):
    owner, hotel, _, articles = kb
    draft = write(
        owner, hotel, "Refund for a non-refundable hotel booking again", "The guest wants the money back.", validated=False
    )
    DuplicatePair.objects.create(
        first_id=min(draft.pk, articles["refund"].pk), second_id=max(draft.pk, articles["refund"].pk), score=0.9
    )
    client_for(owner).post(f"/articles/{articles['refund'].slug}/use-instead/", {"draft": draft.slug, "keep": "1"})
    pair = DuplicatePair.objects.get()
    assert pair.dismissed_at is not None and pair.dismissed_by == owner
    duplicates.store(duplicates.Found(pairs={(pair.first_id, pair.second_id): (0.9, [])}, articles=5, seconds=0.0, method="t"))
    assert not duplicates.open_pairs().exists()


# --- on save ------------------------------------------------------------------------------------


def new_article(client, product, **extra):
    """What a browser posts from the new article page, with the draft typed in."""
    data = form_fields(client.get("/articles/new/").content.decode())
    data.update(
        title="Guest wants a refund on a non refundable booking",
        product=str(product.pk),
        issue="Booked a non-refundable hotel room, now asks for the money back",
        state=State.WIP,
        **extra,
    )
    return data


def test_saving_a_probable_duplicate_lands_on_it_with_the_list(backend, kb):
    _, hotel, _, articles = kb
    client = client_for(make_contributor())
    response = client.post("/articles/new/", new_article(client, hotel))
    created = Article.objects.get(title="Guest wants a refund on a non refundable booking")
    assert response.status_code == 302
    assert response["Location"] == f"{created.get_absolute_url()}?similar=1#similar-articles"
    page = client.get(response["Location"]).content.decode()
    assert "Some articles may describe the same issue" in page
    assert "Refund for a non-refundable hotel booking" in page and "Use it and keep my draft" in page
    assert "Similar articles" not in client.get(created.get_absolute_url()).content.decode()  # only once


def test_not_a_duplicate_while_writing_is_remembered_on_save(backend, kb):
    _, hotel, _, articles = kb
    client = client_for(make_contributor())
    response = client.post("/articles/new/", new_article(client, hotel, not_duplicate=str(articles["refund"].pk)))
    created = Article.objects.get(title="Guest wants a refund on a non refundable booking")
    assert response["Location"] == created.get_absolute_url()
    pair = DuplicatePair.objects.get()
    assert (pair.first_id, pair.second_id) == (articles["refund"].pk, created.pk) and pair.dismissed_at is not None


def test_use_it_and_save_my_draft_too(backend, kb):
    _, hotel, _, articles = kb
    client = client_for(make_contributor())
    response = client.post("/articles/new/", new_article(client, hotel, use_instead=str(articles["refund"].pk)))
    created = Article.objects.get(title="Guest wants a refund on a non refundable booking")
    assert response["Location"] == articles["refund"].get_absolute_url()
    assert created.state == State.WIP
    assert ArticleRelation.objects.filter(from_article=created, to_article=articles["refund"], kind="related").exists()
    assert Reuse.objects.filter(article=articles["refund"]).count() == 1


def test_not_a_duplicate_on_a_saved_draft(backend, kb):
    owner, hotel, _, articles = kb
    _, draft = case_draft(owner, hotel)
    url = f"/articles/{articles['refund'].slug}/not-duplicate/"
    response = client_for(owner).post(url, {"draft": draft.slug}, headers={"x-requested-with": "fetch"})
    assert response.json() == {"dismissed": articles["refund"].pk}
    assert DuplicatePair.objects.get().dismissed_by == owner
    assert client_for(make_customer()).post(url, {"draft": draft.slug}).status_code == 404
    found = client_for(owner).get(SIMILAR, {"title": draft.title, "issue": draft.issue, "exclude": draft.pk})
    assert "Refund for a non-refundable hotel booking" not in found.content.decode()


# --- across the KB ------------------------------------------------------------------------------


def test_find_duplicates_lists_a_constructed_pair_and_respects_dismissals(kb, meaning):
    owner, hotel, home, articles = kb
    twin = write(owner, home, "Router keeps dropping the wireless connection", "The wireless network goes away each evening.")
    indexing.rebuild()
    semantic.index().forget()
    call_command("find_duplicates", stdout=__import__("io").StringIO())
    pairs = list(DuplicatePair.objects.all())
    assert [(p.first_id, p.second_id) for p in pairs] == [(articles["router"].pk, twin.pk)]
    assert pairs[0].score > 0.5 and "Titles share" in " ".join(pairs[0].reasons)
    duplicates.dismiss(by=owner, article=twin, other=articles["router"])
    call_command("find_duplicates", stdout=__import__("io").StringIO())
    assert DuplicatePair.objects.get().dismissed_at is not None  # not resurrected, not listed
    assert not duplicates.open_pairs().exists()


def test_find_duplicates_drops_pairs_of_archived_articles(kb):
    owner, hotel, home, articles = kb
    twin = write(owner, home, "Router keeps dropping the wireless connection", "The wireless network goes away each evening.")
    indexing.rebuild()
    semantic.index().forget()
    duplicates.refresh()
    assert duplicates.open_pairs().count() == 1
    twin.archive(by=owner, note="Duplicate")
    assert duplicates.open_pairs().count() == 0
    duplicates.refresh()
    assert not DuplicatePair.objects.exists()


def test_nearby_pairs_compares_in_blocks():
    import numpy as np

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors[7] = vectors[31] + 0.01
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert [(i, j) for i, j, _ in duplicates.nearby_pairs(vectors, 0.95, block=8)] == [(7, 31)]


def test_kb_owners_see_the_pairs_and_dismiss_them(kb, django_assert_max_num_queries):
    owner, hotel, home, articles = kb
    for n in range(6):
        a = write(owner, home, f"Sensor {n} offline", "Offline.", validated=False)
        DuplicatePair.objects.create(first=articles["router"], second=a, score=0.6 + n / 100, reasons=["Titles share: sensor"])
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        response = client.get("/duplicates/")
    html = response.content.decode()
    assert response.status_code == 200 and html.count(">Compare and merge<") == 6
    assert f"/articles/{articles['router'].slug}/merge/" in html  # the validated one is kept
    assert "Titles share: sensor" in html
    dashboard = client.get("/dashboard/").content.decode()
    assert "6 pairs of articles that may describe the same issue" in dashboard
    pair = DuplicatePair.objects.order_by("-score").first()
    assert client.post(f"/duplicates/{pair.pk}/dismiss/").status_code == 302
    assert client.get("/duplicates/").content.decode().count(">Compare and merge<") == 5
    contributor = make_contributor()
    assert client_for(contributor).get("/duplicates/").status_code == 403
    assert client_for(contributor).post(f"/duplicates/{pair.pk}/dismiss/").status_code == 403
    assert "Probable duplicates" not in client_for(contributor).get("/dashboard/").content.decode()
    assert client_for(make_customer()).get("/duplicates/").status_code == 404


def test_the_background_loop_lists_duplicates_once_a_day(db):
    from unittest import mock

    with (
        mock.patch("search.duplicates.refresh") as refresh,
        mock.patch("time.sleep", side_effect=[None, KeyboardInterrupt]),
        mock.patch("notifications.outbox.send_due", return_value=(0, 0)),
        mock.patch("cases.outbound.send_due", return_value=(0, 0)),
    ):
        call_command("send_notifications", "--loop", stdout=mock.Mock())
    assert refresh.call_count == 1  # two turns of the loop, one day


def test_a_failing_duplicate_run_does_not_stop_the_mail_loop(db, caplog, settings):
    from unittest import mock

    with (
        mock.patch("search.duplicates.refresh", side_effect=RuntimeError("disk full")) as refresh,
        mock.patch("time.sleep", side_effect=[None, None, KeyboardInterrupt]),
        mock.patch("notifications.outbox.send_due", return_value=(0, 0)) as mail,
        mock.patch("cases.outbound.send_due", return_value=(0, 0)) as webhooks,
    ):
        call_command("send_notifications", "--loop", stdout=mock.Mock())
    assert (mail.call_count, webhooks.call_count) == (3, 3)  # every turn still sent
    assert refresh.call_count == 1  # tried again an hour later, not every turn
    assert "probable duplicates task failed" in caplog.text and "disk full" in caplog.text


def test_the_duplicate_run_can_be_left_to_cron(db, settings):
    from unittest import mock

    settings.KCS_DUPLICATES_IN_LOOP = False
    with (
        mock.patch("search.duplicates.refresh") as refresh,
        mock.patch("time.sleep", side_effect=[KeyboardInterrupt]),
        mock.patch("notifications.outbox.send_due", return_value=(0, 0)),
        mock.patch("cases.outbound.send_due", return_value=(0, 0)),
    ):
        call_command("send_notifications", "--loop", stdout=mock.Mock())
    assert refresh.call_count == 0
