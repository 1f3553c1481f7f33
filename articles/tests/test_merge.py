"""Merging a duplicate article into another, and undoing it (articles/merging.py, merge_views.py)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from django.db.models import Q
from django.urls import reverse

from articles import merging, relations
from articles.models import (
    Article,
    ArticleEvent,
    ArticleMerge,
    ArticleRelation,
    Audience,
    EventKind,
    InvalidChange,
    Refused,
    RelationKind,
    Reuse,
    StaleVersion,
    State,
)
from articles.tests.assertions import assert_versions
from cases.models import Case, CaseLink
from cases.services import link, unlink
from conftest import (
    REFUND_RULES,
    client_for,
    make_article,
    make_candidate,
    make_contributor,
    make_customer,
    make_kb_owner,
    make_user,
)
from feedback.models import Flag, HelpfulVote
from feedback.services import raise_flag, record_vote, resolve_flag
from notifications.models import Subscription
from training.models import Acknowledgement, Assignment, LearningPath, PathItem, PathSection

B_RESOLUTION = "1. Look the room up.\n2. Refund the night in full if the hotel agrees."


def _write(owner, product, title, *, audience=Audience.CUSTOMER, **kwargs) -> Article:
    return make_article(author=owner, product=product, title=title, audience=audience, kb_owner=owner, **kwargs)


def _case(ref: str) -> Case:
    return Case.objects.create(source="zendesk", external_id=ref, subject=f"Case {ref}")


def _path(title: str, owner, *articles) -> LearningPath:
    path = LearningPath.objects.create(title=title, created_by=owner)
    for n, article in enumerate(articles):
        section = PathSection.objects.create(path=path, title=f"Part {n}", position=n)
        PathItem.objects.create(section=section, article=article)
    return path


@pytest.fixture
def kb(db, product, contact):
    """A (stays) and B (its duplicate), with every kind of record that can hang on B."""
    owner = make_kb_owner("olga")
    agent = make_contributor("colin")
    other = make_contributor("dana")
    trainee = make_candidate("tess")
    a = _write(owner, product, "Refund for a non-refundable booking", rules=REFUND_RULES, contact=contact)
    b = _write(owner, product, "Money back on a non-refundable room")
    b.edit(by=owner, base_version=b.version, changes={"resolution": B_RESOLUTION}, note="Better steps")
    c = _write(owner, product, "Change the dates of a booking")
    both, only_b, unlinked = _case("1001"), _case("1002"), _case("1003")
    link(case=both, article=a, kind="solved", by=agent)
    link(case=both, article=b, kind="reference", by=agent)  # the case is linked to both: B's stays
    link(case=only_b, article=b, kind="solved", by=agent)
    gone, _ = link(case=unlinked, article=b, kind="reference", by=agent)
    unlink(link=gone, by=agent, reason="Wrong article")
    for _ in range(2):
        Reuse.objects.create(article=b, user=agent, article_version=b.version)
    Subscription.objects.create(user=agent, article=b)  # moves
    Subscription.objects.create(user=other, article=b)  # stays: dana follows A already
    Subscription.objects.create(user=other, article=a)
    _path("New hires", owner, b)  # moves
    _path("Refunds", owner, a, b)  # leaves the path: it lists A already
    Acknowledgement.objects.create(user=trainee, article=b, article_version=b.version)
    raise_flag(by=agent, article=b, reason="outdated", comment="Policy changed")  # moves
    raise_flag(by=other, article=a, reason="incorrect", comment="On A")
    raise_flag(by=other, article=b, reason="incorrect", comment="Same on B")  # stays: dana has it open on A
    closed = raise_flag(by=agent, article=b, reason="unclear", comment="Which night?")
    resolve_flag(by=owner, flag=closed, note="Clarified")  # closed: stays as B's history
    record_vote(user=make_customer("cleo"), session_key="", article=b, helpful=True)
    ArticleRelation.objects.create(from_article=b, to_article=c, kind=RelationKind.RELATED, created_by=owner)  # moves
    ArticleRelation.objects.create(from_article=a, to_article=b, kind=RelationKind.DUPLICATE_OF, created_by=owner)  # stays
    for x in (a, b):
        x.refresh_from_db()
    return SimpleNamespace(owner=owner, agent=agent, other=other, trainee=trainee, a=a, b=b, c=c, product=product)


MODELS = (CaseLink, Reuse, Subscription, PathItem, Acknowledgement, Flag, HelpfulVote)


def where(kb) -> dict[str, Counter]:
    """For each kind of linked record: how many rows point at A and at B (and in all)."""
    names = {kb.a.pk: "A", kb.b.pk: "B"}
    out = {}
    for model in MODELS:
        out[model.__name__] = Counter(names.get(pk, "other") for pk in model.objects.values_list("article_id", flat=True))
    rels = ArticleRelation.objects.values_list("from_article_id", "to_article_id")
    out["ArticleRelation"] = Counter(f"{names.get(f, 'C')}->{names.get(t, 'C')}" for f, t in rels)
    return out


def merge_as_written(kb, by=None, **kwargs) -> ArticleMerge:
    """Merge B into A keeping A's text (the page's starting point)."""
    return merging.merge(
        source=kb.b,
        target=kb.a,
        by=by or kb.owner,
        base_versions=(kb.a.version, kb.b.version),
        changes=kwargs.pop("changes", {}),
        note=kwargs.pop("note", "Same issue"),
        **kwargs,
    )


# --- the merge itself --------------------------------------------------------------------------


def test_merge_moves_every_kind_of_linked_record_and_loses_nothing(kb):
    before = where(kb)
    assert before["CaseLink"] == Counter(A=1, B=3)
    a_version, b_version = kb.a.version, kb.b.version

    record = merge_as_written(kb)

    after = where(kb)
    for name, counts in before.items():
        if name != "PathItem":  # B's item in the path listing A already leaves it (recorded)
            assert sum(after[name].values()) == sum(counts.values()), f"{name}: rows lost or made"
    assert after["CaseLink"] == Counter(A=3, B=1)  # the link to the case both are linked to stays on B
    assert after["Reuse"] == Counter(A=2)
    assert after["Subscription"] == Counter(A=2, B=1)
    assert after["PathItem"] == Counter(A=2)
    assert len(record.moved[merging.REMOVED_ITEMS]) == 1
    assert after["Acknowledgement"] == Counter(A=1)
    assert after["Flag"] == Counter(A=2, B=2)  # open flag moved; dana's like-for-like and the closed one stay
    assert after["HelpfulVote"] == Counter(B=1)
    assert after["ArticleRelation"] == Counter({"A->C": 1, "A->B": 1})
    same = Flag.objects.get(article=kb.b, comment="Same on B")
    assert same.state == "dismissed" and kb.a.title in same.outcome_note  # dana's flag on A stands for it
    assert Flag.objects.get(article=kb.b, comment="Which night?").state == "resolved"
    assert set(record.kept) == {"cases.CaseLink", "notifications.Subscription"}
    assert len(record.moved["cases.CaseLink"]) == 2

    kb.a.refresh_from_db()
    kb.b.refresh_from_db()
    assert (kb.a.version, kb.b.version) == (a_version + 1, b_version + 1)
    assert (record.target_version, record.source_version, record.source_state) == (kb.a.version, kb.b.version, State.VALIDATED)
    assert kb.b.state == State.ARCHIVED and kb.b.merged_into == kb.a
    assert kb.a.merged_into is None and kb.a.state == State.VALIDATED
    # Reuse counts follow the rows: A's own solved link, B's live links that moved, B's reuse records.
    assert kb.a.reuse_count == 1 + 1 + 2
    assert kb.b.reuse_count == 1  # the reference link to the case both are linked to
    a_event = ArticleEvent.objects.filter(article=kb.a).first()
    b_event = ArticleEvent.objects.filter(article=kb.b).first()
    assert (a_event.kind, a_event.version, a_event.material) == (EventKind.MERGED, kb.a.version, False)
    assert kb.b.title in a_event.note and "Same issue" in a_event.note
    assert (b_event.kind, b_event.from_value, b_event.to_value) == (EventKind.MERGED, State.VALIDATED, State.ARCHIVED)
    assert kb.a.title in b_event.note
    assert_versions(kb.a, a_version + 1)
    assert_versions(kb.b, b_version + 1)


def test_merged_text_is_a_material_version_of_the_target_with_the_authority_chosen(kb, contact):
    changes = {"resolution": kb.a.resolution + "\n\n" + B_RESOLUTION, "escalation": None}
    merge_as_written(kb, changes=changes, rules=kb.b.rule_dicts(), tags=["refund", "booking", "room"])
    kb.a.refresh_from_db()
    assert B_RESOLUTION in kb.a.resolution
    assert kb.a.rule_dicts() == [] and kb.a.escalation is None
    assert kb.a.tag_names() == ["booking", "refund", "room"]
    event = ArticleEvent.objects.filter(article=kb.a).first()
    assert event.material and event.rules_changed and "resolution" in event.changed_fields


def test_acknowledgements_of_other_content_become_stale_for_the_target(kb):
    ack = Acknowledgement.objects.get(article=kb.b)
    merge_as_written(kb)
    ack.refresh_from_db()
    kb.a.refresh_from_db()
    assert ack.article_id == kb.a.pk
    assert ack.stale_at is not None and ack.stale_version == kb.a.version
    assert ack.article_version == kb.a.version - 1  # the trainee reads what A says from before the merge on


def test_acknowledgements_of_the_content_the_target_now_has_stay_current(kb):
    ack = Acknowledgement.objects.get(article=kb.b)
    knowledge = {name: getattr(kb.b, name) for name in ("issue", "environment", "resolution", "cause", "internal_notes")}
    knowledge.update(escalation=kb.b.escalation, authority_note=kb.b.authority_note)
    merge_as_written(kb, changes=knowledge, rules=kb.b.rule_dicts())
    ack.refresh_from_db()
    kb.a.refresh_from_db()
    assert (ack.article_id, ack.article_version, ack.stale_at) == (kb.a.pk, kb.a.version, None)


@pytest.mark.parametrize(
    "case,message",
    [
        ("itself", "cannot be merged into itself"),
        ("target archived", "is archived"),
        ("source merged", "already merged"),
        ("circular", "was merged into another article"),
    ],
)
def test_a_merge_that_cannot_be_is_refused_and_changes_nothing(kb, case, message):
    source, target = kb.b, kb.a
    if case == "itself":
        source = kb.a
    elif case == "target archived":
        kb.a.archive(by=kb.owner, note="Old")
    elif case in ("source merged", "circular"):
        merge_as_written(kb)
        source, target = (kb.b, kb.c) if case == "source merged" else (kb.c, kb.b)
    for x in (source, target):
        x.refresh_from_db()
    counts = where(kb)
    with pytest.raises(InvalidChange, match=message):
        merging.merge(source=source, target=target, by=kb.owner, base_versions=(target.version, source.version), changes={})
    assert where(kb) == counts


def test_a_stale_version_of_either_article_is_refused_and_saves_nothing(kb):
    old = kb.b.version
    kb.b.edit(by=kb.agent, base_version=old, changes={"cause": "Rate rules."}, note="Cause")
    counts = where(kb)
    with pytest.raises(StaleVersion):
        merging.merge(source=kb.b, target=kb.a, by=kb.owner, base_versions=(kb.a.version, old), changes={})
    kb.b.refresh_from_db()
    assert kb.b.state == State.VALIDATED and kb.b.merged_into is None
    assert where(kb) == counts and not ArticleMerge.objects.exists()


# --- undo -----------------------------------------------------------------------------------------


def test_unmerge_restores_the_source_and_moves_back_exactly_what_moved(kb):
    before = where(kb)
    ack_before = Acknowledgement.objects.values("pk", "article_version", "stale_at", "stale_version").get()
    record = merge_as_written(kb)
    kb.a.refresh_from_db()
    merged_version = kb.a.version
    # Made after the merge: stays with A.
    Reuse.objects.create(article=kb.a, user=kb.agent, article_version=kb.a.version)

    back = merging.unmerge(merge=record, by=kb.owner)

    after = where(kb)
    assert after["Reuse"] == before["Reuse"] + Counter(A=1)
    for name in ("CaseLink", "Subscription", "PathItem", "Acknowledgement", "Flag", "HelpfulVote", "ArticleRelation"):
        assert after[name] == before[name], name
    assert Acknowledgement.objects.values("pk", "article_version", "stale_at", "stale_version").get() == ack_before
    assert Flag.objects.get(article=kb.b, comment="Same on B").state == "open"
    assert back["case links"] == 2 and back["reuse records"] == 2
    kb.a.refresh_from_db()
    kb.b.refresh_from_db()
    assert kb.b.state == State.VALIDATED and kb.b.merged_into is None
    assert kb.a.version == merged_version  # A keeps its merged version
    assert (kb.a.reuse_count, kb.b.reuse_count) == (2, 4)
    assert ArticleEvent.objects.filter(article=kb.b).first().kind == EventKind.UNMERGED
    assert ArticleEvent.objects.filter(article=kb.a).first().kind == EventKind.UNMERGED
    record.refresh_from_db()
    assert record.undone_by == kb.owner and record.undone_at is not None
    with pytest.raises(InvalidChange, match="undone already"):
        merging.unmerge(merge=record, by=kb.owner)


def test_merged_article_is_not_restored_by_a_plain_transition(kb):
    merge_as_written(kb)
    kb.b.refresh_from_db()
    with pytest.raises(Refused, match="undo the merge"):
        kb.b.restore(by=kb.owner, to=State.VALIDATED)


def test_unmerge_waits_until_a_later_merge_of_the_target_is_undone(kb):
    first = merge_as_written(kb)
    kb.a.refresh_from_db()
    kb.c.refresh_from_db()
    merging.merge(source=kb.a, target=kb.c, by=kb.owner, base_versions=(kb.c.version, kb.a.version), changes={})
    with pytest.raises(InvalidChange, match="undo that merge first"):
        merging.unmerge(merge=first, by=kb.owner)


# --- who may ---------------------------------------------------------------------------------------


def test_contributor_who_may_edit_both_merges_but_keeps_the_governed_authority(kb):
    page = client_for(kb.agent).get(reverse("articles:merge", args=[kb.a.slug, kb.b.slug]))
    assert page.status_code == 200
    assert "keeps A's" in page.content.decode()
    posted = _posted(page, rules="source", escalation="source", authority_note="Changed")
    response = client_for(kb.agent).post(reverse("articles:merge", args=[kb.a.slug, kb.b.slug]), posted)
    assert response.status_code == 302
    kb.a.refresh_from_db()
    assert len(kb.a.rule_dicts()) == 2 and kb.a.escalation is not None  # A's authority, untouched


def test_contributor_who_may_not_edit_the_source_is_refused(kb):
    kb.b.set_governance(by=kb.owner, to="governed")
    client = client_for(kb.agent)
    url = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    assert client.get(url).status_code == 403
    response = client.post(url, {"title": "x", "target_version": kb.a.version, "source_version": kb.b.version + 1})
    assert response.status_code == 403
    kb.b.refresh_from_db()
    assert kb.b.merged_into is None and kb.b.state == State.VALIDATED


def test_outside_readers_do_not_know_the_merge_page_exists(kb):
    url = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    assert client_for(make_customer()).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # sign in first


def test_only_a_kb_owner_undoes_a_merge(kb):
    merge_as_written(kb)
    url = reverse("articles:unmerge", args=[kb.b.slug])
    assert client_for(kb.agent).post(url).status_code == 403
    assert client_for(make_customer()).post(url).status_code == 404
    kb.b.refresh_from_db()
    assert kb.b.merged_into == kb.a
    response = client_for(kb.owner).post(url, follow=True)
    assert response.status_code == 200
    kb.b.refresh_from_db()
    assert kb.b.merged_into is None and kb.b.state == State.VALIDATED
    assert "Merge undone" in response.content.decode()


# --- the side-by-side page ------------------------------------------------------------------------


def _posted(page, **overrides) -> dict:
    """What the page's form posts as rendered (its initial values), with `overrides`."""
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if not form.fields[name].disabled}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(overrides)
    return data


def test_owner_sees_both_side_by_side_with_what_will_move(kb):
    page = client_for(kb.owner).get(reverse("articles:merge", args=[kb.a.slug, kb.b.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert kb.a.title in html and kb.b.title in html
    assert "Refund the night in full" in html  # B's resolution, beside A's
    assert "<strong>2</strong> case links move to A; 1 stay with B (the case is linked to both articles)" in html
    assert "helpful votes stay with B" in html
    assert "learning-path items move to A; 1 leave their path (the path lists A already)" in html
    assert "open flags move to A; 1 are closed (the same person has the same flag open on A)" in html
    assert reverse("articles:merge", args=[kb.b.slug, kb.a.slug]) in html  # swap


def test_use_b_button_fills_the_merged_text_without_saving(kb):
    url = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    page = client_for(kb.owner).get(url)
    response = client_for(kb.owner).post(url, _posted(page, use="resolution:b"))
    assert response.status_code == 200
    assert response.context["form"]["resolution"].value() == B_RESOLUTION
    kb.b.refresh_from_db()
    assert kb.b.merged_into is None


def test_posting_the_page_merges_and_redirects_to_the_target(kb):
    url = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    page = client_for(kb.owner).get(url)
    response = client_for(kb.owner).post(url, _posted(page, resolution=B_RESOLUTION, note="Same room refunds"))
    assert response.status_code == 302 and response["Location"] == kb.a.get_absolute_url()
    kb.a.refresh_from_db()
    assert kb.a.resolution == B_RESOLUTION
    assert ArticleMerge.objects.get().note == "Same room refunds"


def test_a_stale_page_merges_nothing_and_shows_the_newer_text(kb):
    url = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    page = client_for(kb.owner).get(url)
    kb.a.edit(by=kb.agent, base_version=kb.a.version, changes={"cause": "Rate rules changed in May."}, note="Cause")
    response = client_for(kb.owner).post(url, _posted(page, resolution="My merged steps"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was merged" in html and "Rate rules changed in May." in html
    assert response.context["form"]["resolution"].value() == "My merged steps"
    assert not ArticleMerge.objects.exists()
    kb.a.refresh_from_db()
    assert response.context["form"]["target_version"].value() == kb.a.version  # merging again is deliberate


def test_the_page_says_why_a_merge_cannot_be(kb):
    merge_as_written(kb)
    response = client_for(kb.owner).get(reverse("articles:merge", args=[kb.c.slug, kb.b.slug]))
    assert response.status_code == 200
    assert "already merged" in response.content.decode()
    posted = client_for(kb.owner).post(reverse("articles:merge", args=[kb.c.slug, kb.b.slug]), {"title": "x"})
    assert posted.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"title": "x", "target_version": "garbage", "source_version": "1"},
        {"title": "", "target_version": "", "source_version": ""},
        {"use": "nonsense"},
        {"use": "version:b"},
        {"title": "x" * 500, "target_version": "1", "source_version": "1", "rules": "neither"},
    ],
)
def test_bad_input_is_a_clear_answer_not_a_500(kb, data):
    response = client_for(kb.owner).post(reverse("articles:merge", args=[kb.a.slug, kb.b.slug]), data)
    assert response.status_code in (200, 400)
    kb.b.refresh_from_db()
    assert kb.b.merged_into is None


def test_start_from_the_article_page_with_an_address_or_a_slug(kb):
    client = client_for(kb.owner)
    page = client.get(kb.a.get_absolute_url()).content.decode()
    assert "Merge another article into this one" in page
    start = reverse("articles:merge-start", args=[kb.a.slug])
    target = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    for typed in (kb.b.slug, f"http://testserver/articles/{kb.b.slug}/history/", f"/help/{kb.b.slug}/"):
        assert client.get(start, {"other": typed})["Location"] == target
    missing = client.get(start, {"other": "/articles/no-such-article/"}, follow=True)
    assert "No article has that address" in missing.content.decode()
    assert client.get(start, {"other": "\x00%%%"}).status_code in (302, 400)


# --- addresses of a merged article ----------------------------------------------------------------


def test_a_merged_articles_addresses_lead_to_the_target_for_who_may_see_both(kb):
    merge_as_written(kb)
    customer = make_customer()
    staff = client_for(kb.agent)
    checks = [
        (staff, "articles:detail"),
        (staff, "help:detail"),
        (staff, "api:article-detail"),
        (client_for(customer), "help:detail"),
        (client_for(customer), "api:article-detail"),
    ]
    for client, name in checks:
        response = client.get(reverse(name, args=[kb.b.slug]))
        assert response.status_code == 301, name
        assert response["Location"] == reverse(name, args=[kb.a.slug])
    # A customer on the staff address: on to A, then to A's help-centre page.
    response = client_for(customer).get(reverse("articles:detail", args=[kb.b.slug]))
    assert (response.status_code, response["Location"]) == (301, kb.a.get_absolute_url())
    # Anonymous visitors never saw these customer articles: no hint either existed.
    assert client_for(None).get(reverse("help:detail", args=[kb.b.slug])).status_code == 404


def test_no_redirect_for_who_may_not_see_the_target(kb):
    kb.a.edit(by=kb.owner, base_version=kb.a.version, changes={"audience": Audience.INTERNAL}, note="Internal", material=False)
    kb.a.refresh_from_db()
    merge_as_written(kb)
    customer = client_for(make_customer())
    assert customer.get(reverse("help:detail", args=[kb.b.slug])).status_code == 404
    assert customer.get(reverse("api:article-detail", args=[kb.b.slug])).status_code == 404
    assert client_for(kb.agent).get(reverse("help:detail", args=[kb.b.slug])).status_code == 404  # A is not in the help centre


def test_no_redirect_reveals_an_article_the_reader_never_could_see(kb, product):
    hidden = _write(kb.owner, product, "Internal goodwill refunds", audience=Audience.INTERNAL)
    merging.merge(source=hidden, target=kb.a, by=kb.owner, base_versions=(kb.a.version, hidden.version), changes={})
    assert client_for(make_customer()).get(reverse("help:detail", args=[hidden.slug])).status_code == 404


def test_the_merged_articles_history_stays_readable_with_the_banner(kb):
    record = merge_as_written(kb)
    kb.b.refresh_from_db()
    owner, agent = client_for(kb.owner), client_for(kb.agent)
    history = owner.get(reverse("articles:history", args=[kb.b.slug]))
    html = history.content.decode()
    assert history.status_code == 200
    assert "Merged into" in html and kb.a.title in html and "Undo merge" in html
    assert "Undo merge" not in agent.get(reverse("articles:history", args=[kb.b.slug])).content.decode()
    assert agent.get(reverse("articles:version", args=[kb.b.slug, 1])).status_code == 200
    diff = agent.get(kb.b.get_diff_url(record.source_version - 1, record.source_version))
    assert diff.status_code == 200 and "Merged into" in diff.content.decode()
    page = agent.get(kb.a.get_absolute_url()).content.decode()
    assert "Merged from" in page and reverse("articles:history", args=[kb.b.slug]) in page


def test_the_merged_article_drops_out_of_search(kb, settings):
    from search.service import SearchRequest, search

    merge_as_written(kb)
    hits = search(SearchRequest(text="non-refundable", user=kb.agent)).hits
    assert kb.b.slug not in [h.slug for h in hits]


def test_the_page_costs_a_fixed_number_of_queries(kb, django_assert_max_num_queries):
    client = client_for(kb.owner)
    url = reverse("articles:merge", args=[kb.a.slug, kb.b.slug])
    client.get(url)
    for n in range(3):
        make_user(f"extra{n}")
        Reuse.objects.create(article=kb.b, user=kb.agent, article_version=kb.b.version)
    with django_assert_max_num_queries(45):
        assert client.get(url).status_code == 200


def test_the_page_shows_both_texts_sanitized(kb):
    from articles.tests.test_sanitize import assert_no_active_content

    hostile = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    kb.b.edit(by=kb.owner, base_version=kb.b.version, changes={"cause": hostile}, note="Hostile")
    html = client_for(kb.owner).get(reverse("articles:merge", args=[kb.a.slug, kb.b.slug])).content.decode()
    assert_no_active_content(html)
    assert " style=" not in html


# --- what the rows that follow a merge become ---------------------------------------------------


def test_a_trainee_who_finished_a_path_listing_both_stays_finished_and_the_undo_puts_the_item_back(db, product):
    from training import services as training

    owner, trainee = make_kb_owner("olga"), make_candidate("tess")
    a = _write(owner, product, "Refund for a non-refundable booking")
    b = _write(owner, product, "Money back on a non-refundable room")
    path = _path("Refunds", owner, a, b)
    Assignment.objects.create(path=path, user=trainee, assigned_by=owner)
    item = PathItem.objects.get(article=b)
    PathItem.objects.filter(pk=item.pk).update(position=7, note="The hotel's side", required=True)
    for article in (a, b):
        training.acknowledge(user=trainee, article=article, path=path)
    a.refresh_from_db()
    b.refresh_from_db()

    record = merging.merge(source=b, target=a, by=owner, base_versions=(a.version, b.version), changes={})

    done = training.progress(trainee, [path])[path.pk]
    assert (done.required_done, done.required_total) == (1, 1)  # no item of the archived B left to read
    assert not PathItem.objects.filter(article=b).exists()

    merging.unmerge(merge=record, by=owner)

    back = PathItem.objects.get(article=b)
    assert (back.pk, back.section_id, back.position, back.note, back.required) == (
        item.pk,
        item.section_id,
        7,
        "The hotel's side",
        True,
    )


def test_moved_flags_links_and_reuse_name_the_targets_version_and_get_their_own_back(db, product):
    owner, agent = make_kb_owner("olga"), make_contributor("colin")
    a = _write(owner, product, "Refund for a non-refundable booking")
    b = _write(owner, product, "Money back on a non-refundable room")
    for n in range(4):  # B's numbers run past A's
        b.edit(by=owner, base_version=b.version, changes={"cause": f"Cause {n}"}, note=f"Edit {n}")
    a.refresh_from_db()
    b.refresh_from_db()
    flag = raise_flag(by=agent, article=b, reason="outdated", comment="Old")
    case_link, _ = link(case=_case("77"), article=b, kind="solved", by=agent)
    reuse = Reuse.objects.create(article=b, user=agent, article_version=b.version)
    b_version, a_before = b.version, a.version

    record = merging.merge(source=b, target=a, by=owner, base_versions=(a.version, b.version), changes={})

    for row in (flag, case_link, reuse):
        row.refresh_from_db()
        assert (row.article_id, row.article_version) == (a.pk, a_before), type(row).__name__
    a.refresh_from_db()
    resolve_flag(by=owner, flag=flag, version=a.version, note="Fixed in the merged text")  # was refused
    page = client_for(owner).get(reverse("articles:version", args=[a.slug, case_link.article_version]))
    assert page.status_code == 200

    merging.unmerge(merge=record, by=owner)

    for row in (case_link, reuse):
        row.refresh_from_db()
        assert (row.article_id, row.article_version) == (b.pk, b_version), type(row).__name__


def test_rows_kept_on_a_later_merge_follow_when_an_undo_frees_the_target(db, product):
    owner, agent = make_kb_owner("olga"), make_contributor("colin")
    a = _write(owner, product, "Refund for a non-refundable booking")
    b = _write(owner, product, "Money back on a non-refundable room")
    c = _write(owner, product, "Refund non refundable")
    case = _case("1")
    link(case=case, article=b, kind="solved", by=agent)
    c_link, _ = link(case=case, article=c, kind="solved", by=agent)
    Subscription.objects.create(user=agent, article=b)
    Subscription.objects.create(user=agent, article=c)
    path = _path("Refunds", owner, b, c)
    c_item = PathItem.objects.get(article=c)
    raise_flag(by=agent, article=b, reason="outdated", comment="On B")
    c_flag = raise_flag(by=agent, article=c, reason="outdated", comment="On C")
    for x in (a, b, c):
        x.refresh_from_db()
    first = merging.merge(source=b, target=a, by=owner, base_versions=(a.version, b.version), changes={})
    a.refresh_from_db()
    second = merging.merge(source=c, target=a, by=owner, base_versions=(a.version, c.version), changes={})
    assert set(second.kept) == {"cases.CaseLink", "notifications.Subscription"}

    merging.unmerge(merge=first, by=owner)

    # What C kept because B's rows were on A now follows C onto A: nothing is stranded on C.
    assert CaseLink.objects.live().filter(case=case, article=a).exists()
    assert Subscription.objects.filter(user=agent, article=a).exists()
    assert PathItem.objects.filter(section__path=path, article=a).exists()
    c_flag.refresh_from_db()
    assert (c_flag.article_id, c_flag.state) == (a.pk, "open")
    a.refresh_from_db()
    c.refresh_from_db()
    assert (a.reuse_count, c.reuse_count) == (1, 0)
    second.refresh_from_db()
    assert second.kept == {}

    merging.unmerge(merge=second, by=owner)  # and the undo of the later merge takes them back to C

    c_link.refresh_from_db()
    assert c_link.article_id == c.pk and c_link.unlinked_at is None
    assert Subscription.objects.filter(user=agent, article=c).exists()
    assert PathItem.objects.get(pk=c_item.pk).article_id == c.pk
    c_flag.refresh_from_db()
    assert (c_flag.article_id, c_flag.state) == (c.pk, "open")


def test_a_case_solved_by_the_source_is_solved_by_the_target_after_the_merge(db, product):
    owner, agent = make_kb_owner("olga"), make_contributor("colin")
    a = _write(owner, product, "Refund for a non-refundable booking")
    b = _write(owner, product, "Money back on a non-refundable room")
    case = _case("5")
    a_link, _ = link(case=case, article=a, kind="reference", by=agent)
    link(case=case, article=b, kind="solved", by=agent)
    record = merging.merge(source=b, target=a, by=owner, base_versions=(a.version, b.version), changes={})
    a_link.refresh_from_db()
    assert a_link.kind == "solved"
    merging.unmerge(merge=record, by=owner)
    a_link.refresh_from_db()
    assert a_link.kind == "reference"


# --- the pages: addresses, redirects and the warning --------------------------------------------


@pytest.mark.parametrize("other", ["http://[::1", "https://example.com:99999999/articles/x/", "http://[/help/x/"])
def test_an_address_that_is_not_one_says_so(kb, other):
    client = client_for(kb.owner)
    response = client.get(reverse("articles:merge-start", args=[kb.a.slug]), {"other": other}, follow=True)
    assert response.status_code == 200
    assert "No article has that address" in response.content.decode()


def test_the_redirect_keeps_the_query_and_is_kept_an_hour_at_most(kb):
    merge_as_written(kb)
    for client in (client_for(kb.agent), client_for(make_customer())):
        response = client.get(reverse("help:detail", args=[kb.b.slug]), {"q": "refund", "page": "2"})
        assert response.status_code == 301
        assert response["Location"] == reverse("help:detail", args=[kb.a.slug]) + "?q=refund&page=2"
        assert "max-age=3600" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "b_audience, a_state, a_audience, warned",
    [
        (Audience.CUSTOMER, State.NOT_VALIDATED, Audience.CUSTOMER, True),  # same audience, A not published
        (Audience.PUBLIC, State.VALIDATED, Audience.CUSTOMER, True),  # visitors lose it
        (Audience.CUSTOMER, State.VALIDATED, Audience.PUBLIC, False),  # A reaches more readers
        (Audience.INTERNAL, State.WIP, Audience.INTERNAL, False),  # B never was outside
    ],
)
def test_the_page_warns_when_outside_readers_of_b_could_not_open_a(db, product, b_audience, a_state, a_audience, warned):
    owner = make_kb_owner("olga")
    a = _write(owner, product, "Refund for a non-refundable booking", audience=a_audience, state=a_state)
    b = _write(owner, product, "Money back on a non-refundable room", audience=b_audience)
    page = client_for(owner).get(reverse("articles:merge", args=[a.slug, b.slug]))
    assert page.status_code == 200
    assert ("will no longer find it" in page.content.decode()) is warned


def test_relations_that_would_turn_back_on_the_target_stay_with_the_source(db, product):
    owner, agent = make_kb_owner("kim"), make_contributor("cal")

    def art(title):
        return make_article(author=agent, product=product, kb_owner=owner, title=title)

    a, b, x, y, z = art("A"), art("B"), art("X"), art("Y"), art("Z")
    relations.relate(from_article=a, to_article=x, kind=RelationKind.SUPERSEDES, by=owner)
    relations.relate(from_article=x, to_article=b, kind=RelationKind.SUPERSEDES, by=owner)  # X→A would be a cycle
    relations.relate(from_article=a, to_article=y, kind=RelationKind.RELATED, by=owner)
    relations.relate(from_article=y, to_article=b, kind=RelationKind.RELATED, by=owner)  # Y→A: A↔Y twice
    relations.relate(from_article=b, to_article=z, kind=RelationKind.RELATED, by=owner)  # moves: A→Z
    a.refresh_from_db()
    b.refresh_from_db()
    merging.merge(source=b, target=a, by=owner, base_versions=(a.version, b.version), changes={})
    on_a = set(
        ArticleRelation.objects.filter(Q(from_article=a) | Q(to_article=a)).values_list("from_article", "kind", "to_article")
    )
    assert on_a == {
        (a.pk, RelationKind.SUPERSEDES, x.pk),
        (a.pk, RelationKind.RELATED, y.pk),
        (a.pk, RelationKind.RELATED, z.pk),
    }
    assert ArticleRelation.objects.filter(to_article=b).count() == 2  # kept with B, listed as kept
