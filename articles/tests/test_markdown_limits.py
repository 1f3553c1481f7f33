"""Markdown can never take a page down: bounded rendering, limits at save, rendered HTML cached.

No timing here (bench/markdown_render.py measures): each hostile input must simply render, sanitized,
and each page holding one must answer 200.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from articles import rendering
from articles.models import Article, Audience, InvalidChange, State
from articles.rendering import MAX_ARTICLE_CHARS, MAX_CHARS, MAX_DEPTH, markdown_problem, render_markdown
from conftest import client_for, make_article, unchanged_database

from .htmlparse import form_fields
from .test_api import api, snapshot
from .test_import import PRINTER, REFUND, imported, run_import, write_jsonl
from .test_sanitize import assert_no_active_content

TOO_LONG = "word " * (MAX_CHARS // 5) + "!"
TOO_LONG_MESSAGE = f"This text is {MAX_CHARS + 1:,} characters long; at most {MAX_CHARS:,} are allowed."
TOO_DEEP = "\n".join("  " * level + "- step" for level in range(MAX_DEPTH + 1))
TOO_DEEP_MESSAGE = f"Lists and quotes are nested {MAX_DEPTH + 1} levels deep; at most {MAX_DEPTH} levels are allowed."
DEEP_ENOUGH = "\n".join("  " * level + "- step" for level in range(MAX_DEPTH))

# What stalled or crashed pages with the previous renderer, and other shapes that hurt parsers.
HOSTILE = {
    "brackets": "[" * 12_000,
    "nested lists": "\n".join("  " * level + "- item" for level in range(300)),
    "nested list markers": "- " * 300 + "x",
    "underscores around x": "_" * 5_000 + "x" + "_" * 5_000,
    "emphasis run": "*a" * (MAX_CHARS // 2),
    "quote markers": ">" * 5_000 + " x",
    "link openers": "[](" * (MAX_CHARS // 3),
    "image openers": "![" * (MAX_CHARS // 2),
    "same heading": "# a\n" * 2_000,
    "raw nested divs": "<div>" * 10_000 + "x",
    "raw nested lists": "<ul><li>" * 6_000 + "x",
    "script in a long text": "<script>alert(1)</script>" + "a " * MAX_CHARS,
}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def store(article: Article, **fields) -> Article:
    """Write text as an import made before the limits did: straight to the table."""
    Article.objects.filter(pk=article.pk).update(**fields)
    article.refresh_from_db()
    return article


# --- rendering is bounded whatever the text ----------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_markdown_renders_sanitized_without_error(name):
    out = render_markdown(HOSTILE[name], id_prefix="resolution")
    assert out  # the reader sees something, not an empty field or an error
    assert_no_active_content(out)
    assert "alert(1)</" not in out


def test_text_over_the_limits_is_shown_as_escaped_plain_text():
    out = render_markdown("**bold** <script>alert(1)</script>\n\n" + "a " * MAX_CHARS)
    assert out.startswith("<p>**bold** &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    deep = render_markdown("<blockquote>" * (rendering.MAX_ELEMENT_DEPTH + 1) + "deep")
    assert "&lt;blockquote&gt;" in deep and "<blockquote>" not in deep


def test_nesting_within_the_limit_still_renders_as_lists():
    assert markdown_problem(DEEP_ENOUGH) is None
    assert render_markdown(DEEP_ENOUGH).count("<ul>") == MAX_DEPTH


def test_limits_name_the_problem_and_allow_text_at_the_limit():
    assert markdown_problem("x" * MAX_CHARS) is None
    assert markdown_problem(TOO_LONG).startswith(TOO_LONG_MESSAGE)
    assert markdown_problem(TOO_DEEP) == TOO_DEEP_MESSAGE
    assert markdown_problem("> " * (MAX_DEPTH + 1) + "quoted") == TOO_DEEP_MESSAGE
    assert "HTML elements are nested" in markdown_problem("<div>" * (rendering.MAX_ELEMENT_DEPTH + 1))


@pytest.mark.parametrize("text", [HOSTILE["brackets"], HOSTILE["nested lists"], TOO_LONG, HOSTILE["raw nested divs"]])
def test_stored_hostile_articles_keep_their_pages_up(text, kb_owner, product):
    article = make_article(author=kb_owner, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    store(article, resolution=text, issue=text)
    for client, url in ((client_for(None), article.get_help_url()), (client_for(kb_owner), article.get_absolute_url())):
        response = client.get(url)
        assert response.status_code == 200
        assert_no_active_content(response.content.decode())
    history = client_for(kb_owner).get(reverse("articles:history", args=[article.slug]))
    assert history.status_code == 200


# --- the rendered HTML is cached per text ---------------------------------------------------------


def test_a_page_view_renders_each_field_once_and_a_new_version_shows_new_html(kb_owner, product, monkeypatch):
    article = make_article(author=kb_owner, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    rendered = []
    real = rendering._render
    monkeypatch.setattr(rendering, "_render", lambda text, prefix: rendered.append(prefix) or real(text, prefix))
    reader = client_for(None)

    assert "Offer a date change first." in reader.get(article.get_help_url()).content.decode()
    first = len(rendered)
    assert first >= 2  # issue, environment, resolution, cause
    reader.get(article.get_help_url())
    assert len(rendered) == first  # the second view renders nothing

    article.edit(by=kb_owner, base_version=article.version, changes={"resolution": "Offer a **voucher**."}, note="Voucher")
    page = reader.get(article.get_help_url()).content.decode()
    assert "Offer a <strong>voucher</strong>." in page
    assert "Offer a date change first." not in page
    assert rendered[first:] == ["resolution"]  # only the changed field is rendered again


# --- limits at save: form, API, import, model -----------------------------------------------------


def test_the_create_form_refuses_a_field_over_the_size_limit_and_keeps_the_text(contributor, product):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:create")).content.decode())
    data.update(title="A very long answer", product=str(product.pk), state=State.NOT_VALIDATED, resolution=TOO_LONG)

    with unchanged_database():
        response = client.post(reverse("articles:create"), data)

    assert response.status_code == 400  # a form it could not save
    page = response.content.decode()
    assert TOO_LONG_MESSAGE in page
    assert form_fields(page)["resolution"] == TOO_LONG  # what the author typed is still there
    assert not Article.objects.filter(title="A very long answer").exists()


def test_the_edit_form_refuses_lists_nested_too_deep_and_changes_nothing(article, contributor):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(environment=TOO_DEEP, note="More detail")
    before = (article.version, article.environment)

    with unchanged_database():
        response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 400  # a form it could not save
    page = response.content.decode()
    assert TOO_DEEP_MESSAGE in page
    assert form_fields(page)["environment"] == TOO_DEEP
    article.refresh_from_db()
    assert (article.version, article.environment) == before


def test_an_article_stored_over_the_limit_can_still_be_edited_elsewhere(article, contributor):
    store(article, cause=TOO_LONG)
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(title="Refund a non-refundable room", note="Clearer title")

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.cause) == ("Refund a non-refundable room", TOO_LONG)


def test_the_api_refuses_a_new_article_over_the_limit_with_the_field(contributor, product):
    client = api(contributor)
    with unchanged_database():
        response = client.post(
            "/api/v1/articles/", {"title": "Too long", "product": product.slug, "issue": TOO_LONG}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["issue"][0].startswith(TOO_LONG_MESSAGE)
    assert not Article.objects.filter(title="Too long").exists()


def test_the_api_refuses_an_update_nested_too_deep_and_changes_nothing(article, contributor):
    before = snapshot(article)
    client = api(contributor)
    with unchanged_database():
        response = client.patch(
            f"/api/v1/articles/{article.slug}/", {"resolution": TOO_DEEP, "version": article.version}, format="json"
        )
    assert response.status_code == 400
    assert response.json() == {"resolution": [TOO_DEEP_MESSAGE]}
    assert snapshot(article) == before


def test_fields_each_within_the_limit_are_refused_when_the_article_is_too_long_in_all(article, contributor):
    half = "word " * (MAX_ARTICLE_CHARS // 10) + "more"  # just over half the article-wide limit
    assert len(half) <= MAX_CHARS and 2 * len(half) > MAX_ARTICLE_CHARS
    client = api(contributor)
    ok = client.patch(f"/api/v1/articles/{article.slug}/", {"issue": half, "version": article.version}, format="json")
    assert ok.status_code == 200
    article.refresh_from_db()
    before = snapshot(article)

    with unchanged_database():
        response = client.patch(
            f"/api/v1/articles/{article.slug}/", {"resolution": half, "version": article.version}, format="json"
        )

    assert response.status_code == 400
    assert "characters long in all" in response.json()["resolution"][0]
    assert f"at most {MAX_ARTICLE_CHARS:,} are allowed" in response.json()["resolution"][0]
    assert snapshot(article) == before


def test_an_import_refuses_a_record_too_long_in_all(tmp_path, kb_owner):
    half = "word " * (MAX_ARTICLE_CHARS // 10) + "more"
    path = write_jsonl(tmp_path, {**PRINTER, "summary": half, "body": half})

    out, err, status = run_import(path)

    assert status == 1
    assert "'summary', 'body' and 'internal_notes' are" in err and f"at most {MAX_ARTICLE_CHARS:,} are allowed" in err
    assert not Article.objects.filter(external_id=PRINTER["slug"]).exists()


def test_the_model_refuses_any_other_writer_over_the_limit(article, contributor):
    before = snapshot(article)
    with pytest.raises(InvalidChange, match="Resolution: Lists and quotes are nested"):
        article.edit(by=contributor, base_version=article.version, changes={"resolution": TOO_DEEP})
    assert snapshot(article) == before


def test_an_import_reports_and_skips_a_record_over_the_limit_and_imports_the_others(tmp_path, kb_owner):
    path = write_jsonl(tmp_path, REFUND, {**PRINTER, "body": TOO_LONG}, {**PRINTER, "slug": "deep", "summary": TOO_DEEP})

    out, err, status = run_import(path)

    assert status == 1
    assert "Imported 3: 1 created, 0 updated, 0 unchanged, 2 failed" in out
    assert err.splitlines() == [
        f"kb.jsonl line 2: 'body': {markdown_problem(TOO_LONG)}",
        f"kb.jsonl line 3: 'summary': {TOO_DEEP_MESSAGE}",
    ]
    assert imported(REFUND["slug"]).resolution == REFUND["body"]
    assert not Article.objects.filter(external_id__in=[PRINTER["slug"], "deep"]).exists()


# --- the diff page stays bounded too ---------------------------------------------------------------


def _long_text(seed: int) -> str:
    # 7,000 words from a small vocabulary: many repeated tokens, the costly case for a diff.
    return " ".join(f"w{(i * seed) % 37}" for i in range(7_000))


def test_the_diff_of_two_long_texts_answers_and_a_small_edit_still_shows_word_by_word(article, kb_owner):
    old, rewritten = _long_text(3), _long_text(5)
    article.edit(by=kb_owner, base_version=article.version, changes={"resolution": old}, note="Long")
    article.edit(by=kb_owner, base_version=article.version, changes={"resolution": rewritten}, note="Rewritten")
    edited = rewritten.replace("w10 w15", "w10 refund w15", 1)
    article.edit(by=kb_owner, base_version=article.version, changes={"resolution": edited}, note="One word")
    client = client_for(kb_owner)

    url = reverse("articles:diff", args=[article.slug])
    whole = client.get(f"{url}?from={article.version - 2}&to={article.version - 1}")
    assert whole.status_code == 200
    assert "<h2>Resolution</h2>" in whole.content.decode()

    one_word = client.get(f"{url}?from={article.version - 1}&to={article.version}").content.decode()
    assert "<ins>refund </ins>" in one_word
    assert one_word.count("<ins>") == 1 and "<del>" not in one_word
