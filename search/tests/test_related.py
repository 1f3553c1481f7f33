"""Related articles on an article page: the nearest in meaning that the reader may open."""

from __future__ import annotations

import pytest

from articles.models import Article, Audience, Product
from conftest import make_customer, make_kb_owner
from search import indexing
from search.models import Synonym


def write(owner, product, title, issue, *, audience=Audience.PUBLIC, validated=True) -> Article:
    article = Article.create(by=owner, title=title, product=product, issue=issue, resolution="See the steps.", audience=audience)
    if validated:
        article.validate(by=owner)
    article.refresh_from_db()
    return article


@pytest.fixture
def kb(db):
    Synonym.objects.all().delete()
    owner = make_kb_owner("olga")
    product = Product.objects.create(name="Smart Home", slug="smart-home")
    articles = {
        "router": write(owner, product, "Router drops the wireless connection", "The wireless network goes away every evening."),
        "wifi": write(owner, product, "Wi-Fi signal is weak in some rooms", "The wireless network is slow far from the router."),
        "mesh": write(
            owner,
            product,
            "Wireless mesh nodes lose the router",
            "The wireless network of the mesh goes away.",
            audience=Audience.INTERNAL,
        ),
        "draft": write(owner, product, "Router wireless connection drops at night", "The wireless goes away.", validated=False),
        "refund": write(owner, product, "Refund a cancelled booking", "The guest wants the money back."),
    }
    indexing.rebuild()
    return owner, articles


def related_titles(response) -> list[str]:
    return [a.title for a in response.context["panels"]["related"]]


def test_staff_see_close_articles_not_unrelated_ones(kb, client):
    owner, articles = kb
    client.force_login(owner)
    response = client.get(articles["router"].get_absolute_url())
    titles = related_titles(response)
    assert "Wi-Fi signal is weak in some rooms" in titles
    assert "Wireless mesh nodes lose the router" in titles  # staff may open internal articles
    assert "Router drops the wireless connection" not in titles  # never itself
    assert "Refund a cancelled booking" not in titles  # nearest is not the same as related
    html = response.content.decode()
    assert 'aria-labelledby="related-heading"' in html
    assert articles["wifi"].get_absolute_url() in html


def test_help_centre_shows_only_what_the_reader_may_open(kb, client):
    owner, articles = kb
    customer = make_customer()
    for who in (None, customer):
        if who:
            client.force_login(who)
        response = client.get(articles["router"].get_help_url())
        titles = related_titles(response)
        assert "Wi-Fi signal is weak in some rooms" in titles
        assert "Wireless mesh nodes lose the router" not in titles  # internal
        assert "Router wireless connection drops at night" not in titles  # not validated
        html = response.content.decode()
        assert "Wireless mesh" not in html and "drops at night" not in html
        assert articles["wifi"].get_help_url() in html


def test_staff_previewing_the_help_centre_see_the_customers_list(kb, client):
    owner, articles = kb
    client.force_login(owner)
    titles = related_titles(client.get(articles["router"].get_help_url()))
    assert "Wireless mesh nodes lose the router" not in titles
    assert "Router wireless connection drops at night" not in titles


def test_never_the_articles_own_translations_or_source(kb, client):
    from articles import translations

    owner, articles = kb
    router = articles["router"]
    german = translations.create(
        router,
        by=owner,
        language="de",
        title="Router drops the wireless connection (Router verliert die Verbindung)",
        texts={"issue": "The wireless network goes away every evening.", "resolution": "See the steps."},
        rule_words=[],
    )
    german.validate(by=owner)
    indexing.rebuild()
    client.force_login(owner)
    assert german.title not in related_titles(client.get(router.get_absolute_url()))
    assert "Wi-Fi signal is weak in some rooms" in related_titles(client.get(german.get_absolute_url()))
    for url in (german.get_absolute_url(), german.get_help_url()):
        assert router.title not in related_titles(client.get(url))


def test_no_related_section_when_matching_by_meaning_is_off(kb, client, settings):
    owner, articles = kb
    settings.KCS_SEMANTIC = False
    client.force_login(owner)
    response = client.get(articles["router"].get_absolute_url())
    assert related_titles(response) == []
    assert "related-heading" not in response.content.decode()


def test_a_model_that_fails_leaves_the_pages_without_related_articles(kb, client, monkeypatch):
    from search import semantic

    owner, articles = kb

    def broken(texts):
        raise RuntimeError("the model's runtime failed")

    monkeypatch.setattr(semantic, "embed", broken)
    monkeypatch.setattr(semantic.index(), "vector_of", lambda pk: None)  # every page must embed
    client.force_login(owner)
    for url in (articles["router"].get_absolute_url(), articles["router"].get_help_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert "related-heading" not in response.content.decode()
