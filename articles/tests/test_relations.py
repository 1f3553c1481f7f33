"""Relations between articles (articles/relations.py): who may relate what, what each reader sees
on the staff page, the help centre and the API, the "Superseded by" banner, the refusals (self,
twice, cycles, archived, unseen articles) and the history rows, with no new version."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from articles import relations
from articles.models import ArticleEvent, ArticleRelation, Audience, EventKind, InvalidChange, Refused, State
from articles.tests.assertions import assert_versions
from conftest import client_for, make_article, make_candidate, make_contributor, unchanged_database

pytestmark = pytest.mark.django_db

RELATED, SUPERSEDES, DUPLICATE_OF = "related", "supersedes", "duplicate_of"


@pytest.fixture
def shelf(contributor, kb_owner, product):
    """Articles in every state and audience that matter here, by short name."""

    def make(title, state=State.VALIDATED, audience=Audience.INTERNAL):
        return make_article(author=contributor, product=product, title=title, state=state, audience=audience, kb_owner=kb_owner)

    return {
        "old": make("Old refund steps", audience=Audience.PUBLIC),
        "new": make("New refund steps", audience=Audience.PUBLIC),
        "internal": make("Refund tool for agents"),
        "customer": make("Refunds for signed-in customers", audience=Audience.CUSTOMER),
        "draft": make("Refund draft", state=State.NOT_VALIDATED),
        "archived": make("Refunds before 2020", state=State.ARCHIVED),
    }


def relate(a, b, kind=RELATED, by=None, note=""):
    return relations.relate(from_article=a, to_article=b, kind=kind, by=by or a.created_by, note=note)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def linked_section(html: str) -> str:
    match = re.search(r'<section class="linked-articles".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- relating and unrelating: policy ---------------------------------------------------------


def test_a_contributor_relates_an_article_they_may_edit_and_both_histories_record_it_without_a_new_version(shelf, contributor):
    new, old = shelf["new"], shelf["old"]
    versions_before = (new.version, old.version)
    relation = relate(new, old, SUPERSEDES, by=contributor, note="Policy changed in March")
    assert (relation.from_article, relation.to_article, relation.kind) == (new, old, SUPERSEDES)
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.version, old.version) == versions_before  # relations are not content
    assert_versions(new, new.version)
    mine = ArticleEvent.objects.get(article=new, kind=EventKind.RELATION)
    theirs = ArticleEvent.objects.get(article=old, kind=EventKind.RELATION)
    assert mine.actor == theirs.actor == contributor
    assert mine.note == "Added: Supersedes “Old refund steps” (old-refund-steps)"
    assert theirs.note == "Added: Superseded by “New refund steps” (new-refund-steps)"
    assert mine.version == new.version and not mine.material


def test_a_candidate_may_relate_only_their_own_draft(shelf, product, kb_owner):
    cara = make_candidate()
    own = make_article(author=cara, product=product, title="Cara's draft", state=State.NOT_VALIDATED, kb_owner=kb_owner)
    relate(own, shelf["new"], by=cara)
    with pytest.raises(Refused, match="candidate"):
        relate(shelf["new"], own, by=cara)
    assert ArticleRelation.objects.count() == 1


def test_a_customer_may_not_relate_articles_and_the_page_and_api_refuse(shelf, customer):
    with pytest.raises(Refused):
        relate(shelf["old"], shelf["new"], by=customer)
    pages, client = client_for(customer), api(customer)
    with unchanged_database(ignore={"django_session"}):
        response = pages.post(f"/articles/{shelf['old'].slug}/relations/", {"kind": RELATED, "article": "new-refund-steps"})
        assert response.status_code == 404  # the staff workspace does not exist for customers
        answer = client.post(
            f"/api/v1/articles/{shelf['old'].slug}/relations/", {"kind": RELATED, "article": "new-refund-steps"}, format="json"
        )
        assert answer.status_code == 403
        assert "staff" in answer.json()["detail"]


def test_relating_to_an_article_one_may_not_open_reads_as_not_found(shelf, customer):
    # Staff may open everything; the rule is written for whoever may edit but not see.
    from articles import policy

    decision = policy.can_relate(customer, shelf["old"], shelf["internal"])
    assert not decision
    assert policy.can_relate(shelf["old"].created_by, shelf["old"], shelf["internal"])
    assert relations.find_article(customer, "refund-tool-for-agents") is None
    assert relations.find_article(customer, "/help/new-refund-steps/") == shelf["new"]


def test_the_other_article_is_found_by_slug_or_by_any_address_of_its_pages(shelf, contributor):
    new = shelf["new"]
    for text in (
        "new-refund-steps",
        "  new-refund-steps ",
        "http://testserver/articles/new-refund-steps/",
        "https://kb.example.com/articles/new-refund-steps/history/",
        "/help/new-refund-steps/",
        "https://kb.example.com/help/new-refund-steps/?q=refund#solution",
    ):
        assert relations.find_article(contributor, text) == new, text
    for text in ("", "/articles/", "https://kb.example.com/", "no-such-article"):
        assert relations.find_article(contributor, text) is None, text


# --- refusals that keep the data sound ---------------------------------------------------------


def test_an_article_cannot_be_related_to_itself(shelf, contributor):
    with pytest.raises(InvalidChange, match="itself"):
        relate(shelf["new"], shelf["new"], by=contributor)


def test_the_same_relation_twice_is_refused_with_a_clear_message(shelf, contributor):
    relate(shelf["new"], shelf["old"], SUPERSEDES, by=contributor)
    with pytest.raises(InvalidChange, match="already marked “supersedes” “Old refund steps”"):
        relate(shelf["new"], shelf["old"], SUPERSEDES, by=contributor)
    relate(shelf["new"], shelf["customer"], by=contributor)
    with pytest.raises(InvalidChange, match="already related"):
        relate(shelf["customer"], shelf["new"], by=contributor)  # "related" reads both ways
    assert ArticleRelation.objects.count() == 2
    assert ArticleEvent.objects.filter(kind=EventKind.RELATION).count() == 4


def test_supersedes_may_not_go_round_in_a_cycle(shelf, contributor):
    a, b, c = shelf["new"], shelf["old"], shelf["customer"]
    relate(a, b, SUPERSEDES, by=contributor)
    with pytest.raises(InvalidChange, match="cycle"):
        relate(b, a, SUPERSEDES, by=contributor)
    relate(b, c, SUPERSEDES, by=contributor)
    with pytest.raises(InvalidChange, match="cycle"):
        relate(c, a, SUPERSEDES, by=contributor)  # a → b → c → a
    relate(a, c, SUPERSEDES, by=contributor)  # a shortcut is no cycle


def test_two_articles_cannot_each_be_the_duplicate_of_the_other(shelf, contributor):
    relate(shelf["draft"], shelf["new"], DUPLICATE_OF, by=contributor)
    with pytest.raises(InvalidChange, match="is the original"):
        relate(shelf["new"], shelf["draft"], DUPLICATE_OF, by=contributor)


def test_only_supersedes_may_name_an_archived_article(shelf, contributor):
    for kind in (RELATED, DUPLICATE_OF):
        with pytest.raises(InvalidChange, match="archived"):
            relate(shelf["new"], shelf["archived"], kind, by=contributor)
    relate(shelf["new"], shelf["archived"], SUPERSEDES, by=contributor)


def test_an_archived_article_keeps_its_relations_but_nobody_but_a_kb_owner_changes_them(shelf, contributor, kb_owner):
    relation = relate(shelf["new"], shelf["old"], by=contributor)
    shelf["new"].archive(by=kb_owner, note="Replaced")
    with pytest.raises(Refused, match="archived"):
        relate(shelf["new"], shelf["customer"], by=contributor)
    relations.unrelate(relation=relation, by=contributor)  # contributors may still edit the other end
    assert not ArticleRelation.objects.exists()


def test_removing_a_relation_is_recorded_on_both_articles_and_twice_is_a_message(shelf, contributor):
    relation = relate(shelf["new"], shelf["old"], SUPERSEDES, by=contributor)
    relations.unrelate(relation=relation, by=contributor)
    assert not ArticleRelation.objects.exists()
    notes = set(ArticleEvent.objects.filter(kind=EventKind.RELATION).values_list("note", flat=True))
    assert "Removed: Supersedes “Old refund steps” (old-refund-steps)" in notes
    assert "Removed: Superseded by “New refund steps” (new-refund-steps)" in notes
    with pytest.raises(InvalidChange, match="already removed"):
        relations.unrelate(relation=relation, by=contributor)


def test_whoever_may_edit_either_end_may_remove_a_relation_but_a_candidate_not_on_others_articles(shelf, contributor):
    relation = relate(shelf["new"], shelf["old"], by=contributor)
    with pytest.raises(Refused):
        relations.unrelate(relation=relation, by=make_candidate())
    relations.unrelate(relation=relation, by=make_contributor("another"))


# --- what each reader sees ---------------------------------------------------------------------


@pytest.fixture
def linked(shelf, contributor):
    """ "New refund steps" supersedes the old one, relates to the internal tool and to the
    customers' article, and is the original of the draft."""
    relate(shelf["new"], shelf["old"], SUPERSEDES, by=contributor)
    relate(shelf["new"], shelf["internal"], by=contributor, note="Agents: use the tool")
    relate(shelf["new"], shelf["customer"], by=contributor)
    relate(shelf["draft"], shelf["new"], DUPLICATE_OF, by=contributor)
    return shelf


def test_staff_see_every_relation_in_the_pages_order_with_inverse_words(linked, contributor):
    links = relations.relations_for(linked["new"], contributor)
    assert [(link.label, link.other.title) for link in links] == [
        ("Supersedes", "Old refund steps"),
        ("Has duplicate", "Refund draft"),
        ("Related to", "Refund tool for agents"),
        ("Related to", "Refunds for signed-in customers"),
    ]
    assert [(link.label, link.other.title) for link in relations.relations_for(linked["old"], contributor)] == [
        ("Superseded by", "New refund steps")
    ]


def test_readers_outside_see_only_relations_to_articles_they_may_open(linked, customer):
    seen = {link.other.title for link in relations.relations_for(linked["new"], customer)}
    assert seen == {"Old refund steps", "Refunds for signed-in customers"}
    anonymous = {link.other.title for link in relations.relations_for(linked["new"], None)}
    assert anonymous == {"Old refund steps"}


def test_the_staff_page_shows_linked_articles_apart_from_related_ones_with_the_add_form_for_editors(linked, contributor):
    html = page(client_for(contributor), linked["new"].get_absolute_url())
    section = linked_section(html)
    assert '<h2 id="linked-articles-heading">Linked articles</h2>' in section
    for words in (
        "Supersedes",
        "Old refund steps",
        "Has duplicate",
        "Refund draft",
        "Refund tool for agents",
        "Agents: use the tool",
    ):
        assert words in section
    assert section.count(">Remove</button>") == 4
    assert 'action="/articles/new-refund-steps/relations/"' in section
    assert html.count("Related articles") <= 1  # the automatic panel keeps its own, single heading


def test_a_reader_who_may_not_edit_sees_the_links_without_forms(linked, product, kb_owner):
    cara = make_candidate()
    section = linked_section(page(client_for(cara), linked["new"].get_absolute_url()))
    assert "Old refund steps" in section
    assert "<form" not in section


def test_the_help_centre_shows_a_customer_only_what_they_may_open_and_no_staff_notes(linked, customer, contributor):
    html = page(client_for(customer), linked["new"].get_help_url())
    section = linked_section(html)
    assert "Old refund steps" in section and "/help/old-refund-steps/" in section
    assert "Refunds for signed-in customers" in section
    assert "Refund tool for agents" not in html
    assert "Agents: use the tool" not in html
    assert "Refund draft" not in html
    assert "<form" not in section
    # Staff previewing the help page see what customers see, not the internal links.
    staff_html = page(client_for(contributor), linked["new"].get_help_url())
    assert "Refund tool for agents" not in staff_html


def test_a_superseded_article_says_so_to_readers_who_may_open_its_replacement(linked, customer, contributor):
    banner = re.compile(r'<p class="superseded-note" role="note">.*?</p>', re.S)
    staff = banner.search(page(client_for(contributor), linked["old"].get_absolute_url()))
    assert staff and "Superseded by" in staff.group(0) and 'href="/articles/new-refund-steps/"' in staff.group(0)
    outside = banner.search(page(client_for(customer), linked["old"].get_help_url()))
    assert outside and 'href="/help/new-refund-steps/"' in outside.group(0)
    # Superseded by an internal article only: customers get no banner pointing to it.
    relate(linked["internal"], linked["customer"], SUPERSEDES, by=contributor)
    assert not banner.search(page(client_for(customer), linked["customer"].get_help_url()))
    assert banner.search(page(client_for(contributor), linked["customer"].get_absolute_url()))


def test_the_relations_of_an_article_cost_one_query_however_many_there_are(shelf, contributor, customer, product, kb_owner):
    new = shelf["new"]
    for i in range(8):
        other = make_article(author=contributor, product=product, title=f"Other {i}", audience=Audience.PUBLIC, kb_owner=kb_owner)
        relate(new, other, by=contributor) if i % 2 else relate(other, new, by=contributor)
    for reader in (contributor, customer, None):
        with CaptureQueriesContext(connection) as ctx:
            links = relations.relations_for(new, reader)
            [link.other.product.name for link in links]
        assert len(links) == 8
        assert len(ctx.captured_queries) == 1


def test_the_article_page_costs_the_same_queries_with_two_or_ten_relations(shelf, contributor, product, kb_owner):
    new = shelf["new"]
    client = client_for(contributor)

    def cost() -> int:
        client.get(new.get_absolute_url())  # warm what the first view caches
        with CaptureQueriesContext(connection) as ctx:
            client.get(new.get_absolute_url())
        return len(ctx.captured_queries)

    relate(new, shelf["old"], by=contributor)
    relate(shelf["customer"], new, by=contributor)
    few = cost()
    for i in range(8):
        other = make_article(author=contributor, product=product, title=f"More {i}", kb_owner=kb_owner)
        relate(new, other, by=contributor)
    assert cost() == few


# --- the pages' forms ----------------------------------------------------------------------------


def test_the_page_form_relates_by_address_and_says_so(shelf, contributor):
    client = client_for(contributor)
    response = client.post(
        "/articles/new-refund-steps/relations/",
        {"kind": SUPERSEDES, "article": "http://testserver/articles/old-refund-steps/", "note": "March policy"},
    )
    assert response.status_code == 302 and response["Location"] == "/articles/new-refund-steps/#linked-articles"
    relation = ArticleRelation.objects.get()
    assert (relation.from_article, relation.to_article, relation.kind, relation.note, relation.created_by) == (
        shelf["new"],
        shelf["old"],
        SUPERSEDES,
        "March policy",
        contributor,
    )
    assert "Linked: supersedes “Old refund steps”." in page(client, "/articles/new-refund-steps/")


def test_the_page_form_keeps_what_was_typed_and_says_what_is_wrong(shelf, contributor):
    client = client_for(contributor)
    with unchanged_database(ignore={"django_session"}):
        response = client.post(
            "/articles/new-refund-steps/relations/", {"kind": RELATED, "article": "no-such-thing", "note": "kept"}
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert "No article was found at that address, or it is not available to you." in html
    assert 'value="no-such-thing"' in html and 'value="kept"' in html
    relate(shelf["new"], shelf["old"], by=contributor)
    response = client.post("/articles/new-refund-steps/relations/", {"kind": RELATED, "article": "old-refund-steps"})
    assert response.status_code == 400
    assert "already marked “related to” “Old refund steps”" in response.content.decode()


def test_the_page_form_refuses_those_who_may_not_edit(shelf):
    client = client_for(make_candidate())
    with unchanged_database(ignore={"django_session"}):
        response = client.post("/articles/new-refund-steps/relations/", {"kind": RELATED, "article": "old-refund-steps"})
    assert response.status_code == 403


def test_removing_from_the_page_needs_a_post_and_a_relation_of_this_article(linked, contributor):
    client = client_for(contributor)
    relation = ArticleRelation.objects.get(kind=SUPERSEDES)
    assert client.get(f"/articles/new-refund-steps/relations/{relation.pk}/remove/").status_code == 405
    assert client.post(f"/articles/refund-tool-for-agents/relations/{relation.pk}/remove/").status_code == 404
    response = client.post(f"/articles/old-refund-steps/relations/{relation.pk}/remove/")
    assert response.status_code == 302
    assert not ArticleRelation.objects.filter(pk=relation.pk).exists()


def test_the_remove_form_is_protected_by_csrf(linked, contributor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    relation = ArticleRelation.objects.get(kind=SUPERSEDES)
    assert client.post(f"/articles/new-refund-steps/relations/{relation.pk}/remove/").status_code == 403
    assert ArticleRelation.objects.filter(pk=relation.pk).exists()


# --- the API -----------------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def test_the_article_detail_lists_the_relations_the_caller_may_follow(linked, contributor, customer):
    staff = api(contributor).get("/api/v1/articles/new-refund-steps/").json()
    assert [(r["label"], r["article"]["slug"], r["direction"]) for r in staff["relations"]] == [
        ("Supersedes", "old-refund-steps", "out"),
        ("Has duplicate", "refund-draft", "in"),
        ("Related to", "refund-tool-for-agents", "out"),
        ("Related to", "refunds-for-signed-in-customers", "out"),
    ]
    tool = staff["relations"][2]
    assert tool["note"] == "Agents: use the tool" and tool["created_by"] == contributor.username
    assert tool["article"]["url"] == "http://testserver/articles/refund-tool-for-agents/"
    outside = api(customer).get("/api/v1/articles/new-refund-steps/").json()
    assert outside["relations"] == [
        {
            "kind": SUPERSEDES,
            "direction": "out",
            "label": "Supersedes",
            "article": {
                "slug": "old-refund-steps",
                "title": "Old refund steps",
                "url": "http://testserver/help/old-refund-steps/",
            },
        },
        {
            "kind": RELATED,
            "direction": "out",
            "label": "Related to",
            "article": {
                "slug": "refunds-for-signed-in-customers",
                "title": "Refunds for signed-in customers",
                "url": "http://testserver/help/refunds-for-signed-in-customers/",
            },
        },
    ]
    assert api(None).get("/api/v1/articles/old-refund-steps/relations/").json()[0]["label"] == "Superseded by"


def test_the_api_creates_and_deletes_relations(shelf, contributor):
    client = api(contributor)
    response = client.post(
        "/api/v1/articles/new-refund-steps/relations/", {"kind": SUPERSEDES, "article": "/help/old-refund-steps/"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["direction"], body["article"]["slug"]) == (SUPERSEDES, "out", "old-refund-steps")
    assert ArticleRelation.objects.filter(pk=body["id"], from_article=shelf["new"], to_article=shelf["old"]).exists()
    listed = client.get("/api/v1/articles/old-refund-steps/relations/").json()
    assert [(r["id"], r["label"]) for r in listed] == [(body["id"], "Superseded by")]
    assert client.delete(f"/api/v1/articles/old-refund-steps/relations/{body['id']}/").status_code == 204
    assert not ArticleRelation.objects.exists()
    assert ArticleEvent.objects.filter(kind=EventKind.RELATION).count() == 4


def test_the_api_says_clearly_what_is_wrong(linked, contributor, customer):
    client, outside, anonymous = api(contributor), api(customer), api(None)
    url = "/api/v1/articles/new-refund-steps/relations/"
    with unchanged_database(ignore={"django_session"}):
        missing = client.post(url, {"kind": RELATED, "article": "nowhere"}, format="json")
        assert missing.status_code == 400
        assert missing.json() == {"article": ["No article was found at that address, or it is not available to you."]}
        twice = client.post(url, {"kind": SUPERSEDES, "article": "old-refund-steps"}, format="json")
        assert twice.status_code == 400 and "already marked" in twice.json()["detail"]
        itself = client.post(url, {"kind": RELATED, "article": "new-refund-steps"}, format="json")
        assert itself.status_code == 400 and "itself" in itself.json()["detail"]
        bad_kind = client.post(url, {"kind": "parent_of", "article": "old-refund-steps"}, format="json")
        assert bad_kind.status_code == 400 and "kind" in bad_kind.json()
        assert (
            client.post("/api/v1/articles/nowhere/relations/", {"article": "old-refund-steps"}, format="json").status_code == 404
        )
        assert anonymous.post(url, {"article": "old-refund-steps"}, format="json").status_code == 401
        # A relation of another article, or one whose other end the caller may not open: 404.
        tool = ArticleRelation.objects.get(to_article=linked["internal"])
        assert client.delete(f"/api/v1/articles/old-refund-steps/relations/{tool.pk}/").status_code == 404
        assert outside.delete(f"/api/v1/articles/new-refund-steps/relations/{tool.pk}/").status_code == 404
        visible = ArticleRelation.objects.get(to_article=linked["old"])
        refused = outside.delete(f"/api/v1/articles/new-refund-steps/relations/{visible.pk}/")
        assert refused.status_code == 403 and refused.json()["detail"]


def test_the_schema_documents_relations_in_the_article_and_their_endpoints():
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/articles/{slug}/relations/" in schema["paths"]
    assert "/api/v1/articles/{slug}/relations/{id}/" in schema["paths"]
    components = schema["components"]["schemas"]
    assert "relations" in components["ArticleDetail"]["properties"]
    assert components["PublicArticleDetail"]["additionalProperties"] is False
    assert "note" not in components["PublicRelation"]["properties"]


def test_an_old_help_centre_link_to_a_replaced_article_leads_to_its_replacement(shelf, contributor, customer, kb_owner):
    old = make_article(
        author=contributor,
        product=shelf["new"].product,
        title="Refunds by cheque",
        state=State.ARCHIVED,
        audience=Audience.PUBLIC,
        kb_owner=kb_owner,
    )
    relate(shelf["new"], old, SUPERSEDES, by=contributor)
    for client in (client_for(customer), Client()):
        response = client.get(old.get_help_url())
        assert response.status_code == 302 and response["Location"] == shelf["new"].get_help_url()
        assert "replaced by this one" in client.get(response["Location"]).content.decode()


def test_no_replacement_is_offered_for_an_article_the_reader_never_could_read_or_by_one_they_may_not(
    shelf, contributor, customer, kb_owner
):
    # "Refunds before 2020" was internal: its address says nothing to a customer, even replaced.
    relate(shelf["new"], shelf["archived"], SUPERSEDES, by=contributor)
    assert client_for(customer).get(shelf["archived"].get_help_url()).status_code == 404
    # A public article replaced by an internal one: the customer may not be sent there.
    relate(shelf["internal"], shelf["old"], SUPERSEDES, by=contributor)
    shelf["old"].archive(by=kb_owner, note="Replaced by the agents' tool")
    assert client_for(customer).get(shelf["old"].get_help_url()).status_code == 404
    # Staff keep the archived article's own page, with its banner.
    assert client_for(contributor).get(shelf["old"].get_absolute_url()).status_code == 200


@pytest.mark.parametrize("text", ["http://[::1", "https://kb.example:port/articles/x/", "[::1]/help/"])
def test_text_that_is_no_address_is_not_found_on_the_page_and_in_the_api(shelf, contributor, text):
    page_answer = client_for(contributor).post("/articles/new-refund-steps/relations/", {"kind": RELATED, "article": text})
    assert page_answer.status_code == 400 and "No article was found" in page_answer.content.decode()
    api = APIClient()
    api.force_authenticate(contributor)
    answer = api.post("/api/v1/articles/new-refund-steps/relations/", {"kind": RELATED, "article": text}, format="json")
    assert answer.status_code == 400 and "article" in answer.json()
    assert not ArticleRelation.objects.exists()


def test_duplicate_of_may_not_go_round_in_a_cycle_of_any_length(shelf, contributor):
    first, second, third = shelf["old"], shelf["new"], shelf["customer"]
    relate(first, second, DUPLICATE_OF, by=contributor)
    relate(second, third, DUPLICATE_OF, by=contributor)
    with pytest.raises(InvalidChange, match="one of them is the original"):
        relate(third, first, DUPLICATE_OF, by=contributor)


def test_what_a_governed_article_supersedes_is_changed_only_by_who_may_edit_it(shelf, contributor, kb_owner):
    governed, replaced = shelf["new"], shelf["old"]
    relation = relate(governed, replaced, SUPERSEDES, by=kb_owner)
    governed.set_governance(by=kb_owner, to="governed")
    colleague = make_contributor("cleo")  # may edit the replaced article, not the governed one
    with pytest.raises(Refused):
        relations.unrelate(relation=relation, by=colleague)
    relations.unrelate(relation=relation, by=kb_owner)
    assert not ArticleRelation.objects.exists()


def test_no_replacement_is_offered_for_an_article_outside_readers_never_read(shelf, contributor, customer, kb_owner):
    never = make_article(
        author=contributor,
        product=shelf["new"].product,
        title="Unfinished cheque refunds",
        state=State.NOT_VALIDATED,
        audience=Audience.PUBLIC,
        kb_owner=kb_owner,
    )
    never.archive(by=kb_owner, note="Never finished")
    relate(shelf["new"], never, SUPERSEDES, by=contributor)
    assert client_for(customer).get(never.get_help_url()).status_code == 404


def test_the_api_answers_a_new_relation_whatever_the_article_already_has(shelf, contributor, product, kb_owner, settings):
    # More incoming links than a page lists: the answer is the relation made, not a search among them.
    target = shelf["new"]
    for n in range(relations.MAX_SHOWN + 1):
        other = make_article(author=contributor, product=product, title=f"Refund case {n}", kb_owner=kb_owner)
        ArticleRelation.objects.create(from_article=other, to_article=target, kind=RELATED, created_by=contributor)
    api = APIClient()
    api.force_authenticate(contributor)
    answer = api.post(
        f"/api/v1/articles/{target.slug}/relations/", {"kind": SUPERSEDES, "article": "old-refund-steps"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["article"]["slug"] == "old-refund-steps" and answer.json()["kind"] == SUPERSEDES
