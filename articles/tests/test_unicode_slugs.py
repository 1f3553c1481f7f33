"""Titles in any script get an address in their own words, and every page and API call that
takes an article's address accepts it."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote, unquote

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from articles.models import Article, Audience, State
from articles.slugs import UnicodeSlugConverter, slug_base
from conftest import client_for, make_article
from search import indexing

from .test_api import api

ARABIC = "كيف أسترد ثمن الحجز"
HEBREW = "איך מבטלים הזמנה"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (ARABIC, "كيف-أسترد-ثمن-الحجز"),
        (HEBREW, "איך-מבטלים-הזמנה"),
        ("Ελληνικά: επιστροφή χρημάτων", "ελληνικά-επιστροφή-χρημάτων"),
        ("Printer shows E-42", "printer-shows-e-42"),
        ("🎉", "party-popper"),
        ("🎉🎁🎉", "party-popper-wrapped-present"),
        ("👍🏽", "thumbs-up-sign"),  # the skin-tone modifier is part of the emoji, not a word
        ('*"():-', "article-2027-03-01"),
    ],
)
def test_a_slug_keeps_the_titles_words_in_any_script(title, slug):
    assert slug_base(title, today=datetime.date(2027, 3, 1)) == slug


def test_an_arabic_article_opens_at_its_own_address_for_staff_api_and_help_centre(db, publisher, kb_owner, product):
    article = make_article(author=publisher, product=product, audience=Audience.PUBLIC, title=ARABIC, kb_owner=kb_owner)
    assert article.slug == "كيف-أسترد-ثمن-الحجز"
    # Links are percent-encoded UTF-8 (what a browser sends), shown by the browser as typed.
    assert article.get_absolute_url() == f"/articles/{quote(article.slug)}/"

    staff = client_for(publisher)
    for url in (
        article.get_absolute_url(),
        reverse("articles:edit", args=[article.slug]),
        reverse("articles:history", args=[article.slug]),
    ):
        assert staff.get(url).status_code == 200, url
    assert ARABIC in client_for(None).get(article.get_help_url()).content.decode()
    answer = api(None).get(f"/api/v1/articles/{quote(article.slug)}/").json()
    assert answer["slug"] == article.slug and unquote(answer["html_url"]).endswith(f"/help/{article.slug}/")


def test_two_emoji_titles_get_two_named_addresses(db, contributor, product):
    first = Article.create(by=contributor, title="🎉", product=product)
    second = Article.create(by=contributor, title="🎉", product=product)
    assert (first.slug, second.slug) == ("party-popper", "party-popper-2")
    assert client_for(contributor).get(second.get_absolute_url()).status_code == 200


def test_the_api_creates_a_hebrew_article_under_a_hebrew_slug(db, contributor, product):
    response = api(contributor).post(
        "/api/v1/articles/", {"title": HEBREW, "product": product.slug, "issue": "הלקוח רוצה לבטל"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "איך-מבטלים-הזמנה"
    assert Article.objects.get(slug="איך-מבטלים-הזמנה").state == State.WIP


def test_a_search_hit_links_to_the_unicode_address(db, publisher, kb_owner, product):
    article = make_article(author=publisher, product=product, audience=Audience.PUBLIC, title=HEBREW, kb_owner=kb_owner)
    indexing.rebuild()
    client = client_for(None)
    page = client.get("/search/", {"q": "מבטלים"}).content.decode()
    link = re.search(r'href="(/search/open/[^"]+)"', page).group(1)
    assert unquote(link.split("?")[0]).endswith(f"/{article.slug}/")
    opened = client.get(link.replace("&amp;", "&"))
    assert opened.status_code == 302 and unquote(opened["Location"]) == f"/help/{article.slug}/"


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, getattr(entry.pattern, "converters", {})


def test_every_address_that_takes_an_article_slug_accepts_unicode():
    # Django's <slug:…> takes ASCII only: an Arabic article would have a page but no edit, flag,
    # history or API address. Every "slug" in a route must be <uslug:slug>.
    ascii_only = [
        route
        for route, converters in _patterns(get_resolver())
        if "slug" in converters and not isinstance(converters["slug"], UnicodeSlugConverter)
    ]
    assert ascii_only == []


def test_right_to_left_text_takes_its_own_direction_on_every_page_that_shows_it(db, publisher, kb_owner, product):
    article = make_article(author=publisher, product=product, audience=Audience.PUBLIC, title=ARABIC, kb_owner=kb_owner)
    Article.objects.filter(pk=article.pk).update(resolution="اتصل بالفندق أولاً.\n\n- اعرض تغيير التاريخ")
    article.set_tags(["استرداد"])
    indexing.rebuild()
    staff = client_for(publisher).get(article.get_absolute_url()).content.decode()
    help_page = client_for(None).get(article.get_help_url()).content.decode()
    for page in (staff, help_page):
        assert re.search(f'<h1 dir="auto"( lang="en")?>{ARABIC}</h1>', page)  # the staff page names the title's language
        assert '<p dir="auto">اتصل بالفندق أولاً.</p>' in page and '<li dir="auto">اعرض تغيير التاريخ</li>' in page
    assert 'class="tag" dir="auto"' in staff
    listing = client_for(publisher).get(reverse("articles:list")).content.decode()
    assert f'dir="auto">{ARABIC}</a>' in listing
    results = client_for(publisher).get("/search/", {"q": "الحجز"}).content.decode()
    assert 'class="hit-title" dir="auto"' in results and 'class="snippet" dir="auto"' in results
