"""Articles are user input: hostile Markdown or HTML in any field never becomes live markup."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from articles.models import Article, Audience, State
from articles.rendering import render_markdown
from conftest import client_for

from .htmlparse import markup_only, start_tags

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "markdown-javascript-link": "[click](javascript:alert(1))",
    "mixed-case-javascript-href": '<a href="JaVaScRiPt:alert(1)">x</a>',
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "svg-onload": "<svg onload=alert(1)><circle r=5></circle></svg>",
    "data-url": "[open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-url-href": '<a href="data:text/html,<script>alert(1)</script>">open</a>',
}
# What must never be live on a page: as a tag, an attribute or a URL.
FORBIDDEN = ("<script", "onerror", "onload", "javascript:", "<iframe", "data:")
FORBIDDEN_TAGS = {"script", "iframe", "svg", "img", "object", "embed", "style"}
MARKDOWN_FIELDS = ("issue", "environment", "resolution", "cause")


# The site's own scripts (search suggestions, header menus, scrolling tables, the authority
# editor's cards), the only ones a page may carry.
SITE_SCRIPTS = tuple(
    f'<script src="/static/kcs/{name}.js" defer></script>'
    for name in ("search", "menu", "tables", "rules-editor", "panel", "merge", "duplicates")
) + tuple(  # the scripts' interface text, in the page's language (kcs_site/urls.py)
    f'<script src="/jsi18n/?v={code}" defer></script>' for code, _name in settings.LANGUAGES
)


def assert_no_active_content(page: str) -> None:
    for script in SITE_SCRIPTS:
        assert page.count(script) <= 1
        page = page.replace(script, "")
    lowered = page.lower()
    assert "<script" not in lowered
    assert "<iframe" not in lowered
    markup = markup_only(page)
    for word in FORBIDDEN:
        assert word not in markup, f"{word!r} is live markup on the page"
    for tag, attrs in start_tags(page):
        assert tag not in FORBIDDEN_TAGS
        for name, value in attrs:
            assert not name.startswith("on"), f"<{tag} {name}=…> is an event handler"
            if name in ("href", "src", "action", "formaction"):
                scheme = "".join((value or "").split()).lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), f"<{tag} {name}={value}>"


def hostile_article(name: str, payload: str, *, by, product) -> Article:
    """A public, validated article whose every field was edited to carry `payload` (version 2 is the hostile one)."""
    article = Article.create(
        by=by,
        slug=f"hostile-{list(HOSTILE).index(name)}",  # the payload's name in a URL would trip the checks
        title="A harmless title",
        product=product,
        issue="Harmless issue.",
        resolution="Harmless resolution.",
        state=State.NOT_VALIDATED,
        audience=Audience.PUBLIC,
    )
    article.edit(
        by=by,
        base_version=article.version,
        changes={
            "title": f"Title {payload}",
            **{field: f"Before {field} {payload} after {field}." for field in MARKDOWN_FIELDS},
            "authority_note": f"Note {payload}",
        },
        rules=[{"action": f"act {payload}", "limit_amount": "5", "limit_unit": "EUR", "decider": "agent", "notes": payload}],
    )
    article.validate(by=by)
    return article


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_content_never_reaches_the_staff_article_page_live(name, kb_owner, product):
    article = hostile_article(name, HOSTILE[name], by=kb_owner, product=product)
    response = client_for(kb_owner).get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert_no_active_content(page)
    assert escape(article.title) in page  # plain text fields are shown as the words typed
    assert escape(article.authority_note) in page
    for field in MARKDOWN_FIELDS:
        assert f"Before {field}" in page and f"after {field}." in page


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_content_never_reaches_the_help_page_live(name, kb_owner, product):
    article = hostile_article(name, HOSTILE[name], by=kb_owner, product=product)
    response = client_for(None).get(article.get_help_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert_no_active_content(page)
    assert "Before resolution" in page and "after resolution." in page
    help_index = client_for(None).get(reverse("help:index")).content.decode()
    assert escape(article.title) in help_index
    assert_no_active_content(help_index)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_content_never_reaches_the_diff_page_live(name, kb_owner, product):
    article = hostile_article(name, HOSTILE[name], by=kb_owner, product=product)
    response = client_for(kb_owner).get(reverse("articles:diff", args=[article.slug]) + "?from=1&to=2")
    assert response.status_code == 200
    page = response.content.decode()
    assert_no_active_content(page)
    # The diff shows the source text, escaped: a reviewer sees exactly what was typed.
    assert escape(HOSTILE[name]) in page
    for label in ("Title", "Issue", "Environment", "Resolution", "Cause", "Decision authority", "Outside this authority"):
        assert f"<h2>{label}</h2>" in page


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_content_never_reaches_the_list_dashboard_or_history_live(name, kb_owner, product):
    article = hostile_article(name, HOSTILE[name], by=kb_owner, product=product)
    client = client_for(kb_owner)
    for url in (reverse("articles:list"), reverse("articles:dashboard"), reverse("articles:history", args=[article.slug])):
        assert_no_active_content(client.get(url).content.decode())


def test_edit_form_shows_hostile_text_escaped_for_editing(kb_owner, product):
    article = hostile_article("script", HOSTILE["script"], by=kb_owner, product=product)
    page = client_for(kb_owner).get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert_no_active_content(page)
    assert escape(f"Before resolution {HOSTILE['script']} after resolution.") in page


RICH = """\
## Check the booking

| Rate | Refund |
|------|--------|
| Flexible | Full |
| Non-refundable | None |

```python
print("refund")
```

See [the policy](https://example.com/policy) or [mail us](mailto:help@example.com).
"""


def test_tables_code_and_heading_anchors_render_on_the_staff_and_help_pages(kb_owner, product):
    article = Article.create(
        by=kb_owner,
        title="Rich formatting",
        product=product,
        issue="## Check the booking\n\nThe guest asks.",
        resolution=RICH,
        state=State.NOT_VALIDATED,
        audience=Audience.PUBLIC,
    )
    article.validate(by=kb_owner)
    for page in (
        client_for(kb_owner).get(article.get_absolute_url()).content.decode(),
        client_for(None).get(article.get_help_url()).content.decode(),
    ):
        assert "<table>" in page and '<th dir="auto">Refund</th>' in page and '<td dir="auto">Non-refundable</td>' in page
        assert '<pre><code class="language-python">print("refund")' in page
        # The same heading in two fields gets two ids, prefixed by the field.
        assert '<h2 id="resolution-check-the-booking" dir="auto">Check the booking</h2>' in page
        assert '<h2 id="issue-check-the-booking" dir="auto">Check the booking</h2>' in page
        assert '<a href="https://example.com/policy" rel="noopener noreferrer nofollow">the policy</a>' in page
        assert 'href="mailto:help@example.com"' in page


# --- render_markdown itself ---------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_render_markdown_removes_hostile_markup_entirely(name):
    out = render_markdown(f"Before {HOSTILE[name]} after", id_prefix="resolution")
    lowered = out.lower()
    for word in FORBIDDEN:
        assert word not in lowered
    assert "alert(1)" not in out
    assert "Before" in out and "after" in out
    assert_no_active_content(out)


@pytest.mark.parametrize(
    "text",
    [
        '<p onclick="alert(1)">hi</p>',
        '<a href="jav&#x09;ascript:alert(1)">tab in the scheme</a>',
        "[spaced](  javascript:alert(1))",
        '<a href="vbscript:msgbox(1)">vb</a>',
        "<style>body { display: none }</style>",
        '<object data="x"></object><embed src="x">',
        '<form action="javascript:alert(1)"><input name="x"></form>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<IMG SRC=javascript:alert(1)>",
        '<div style="background:url(javascript:alert(1))">styled</div>',
    ],
)
def test_render_markdown_removes_other_attack_shapes(text):
    out = render_markdown(text)
    assert_no_active_content(out)
    for word in ("javascript:", "vbscript:", "onclick", "onerror", "<style", "style=", "<form", "<input", "<object", "<embed"):
        assert word not in out.lower()


def test_render_markdown_keeps_tables_code_and_prefixed_heading_ids():
    out = render_markdown(RICH, id_prefix="resolution")
    assert '<h2 id="resolution-check-the-booking" dir="auto">Check the booking</h2>' in out
    assert "<table>" in out and "<thead>" in out and '<td dir="auto">Flexible</td>' in out
    assert '<pre><code class="language-python">print("refund")' in out
    assert '<a href="https://example.com/policy" rel="noopener noreferrer nofollow">the policy</a>' in out


def test_render_markdown_without_prefix_uses_a_generic_heading_prefix():
    assert render_markdown("### Reset the router") == '<h3 id="md-reset-the-router" dir="auto">Reset the router</h3>'


def test_raw_html_heading_ids_cannot_collide_with_the_page():
    out = render_markdown('<h2 id="authority-heading">Fake</h2>', id_prefix="resolution")
    assert "authority-heading" not in out and "Fake" in out


def test_render_markdown_keeps_the_harmless_html_an_article_needs():
    out = render_markdown("Press <kbd>Ctrl</kbd>+<kbd>R</kbd>.\n\n<details><summary>Why</summary>Cache.</details>")
    assert "<kbd>Ctrl</kbd>" in out
    assert '<details><summary dir="auto">Why</summary>Cache.</details>' in out


def test_render_markdown_strips_html_comments():
    out = render_markdown("Visible <!-- hidden note --> text")
    assert "hidden note" not in out and "<!--" not in out
    assert "Visible" in out


def test_render_markdown_escapes_code_rather_than_running_it():
    out = render_markdown("Type `<script>alert(1)</script>` to see the bug.")
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in out
    assert "<script" not in out


def test_render_markdown_returns_safe_html_and_nothing_for_empty_text():
    assert render_markdown("") == ""
    assert isinstance(render_markdown("*hi*"), SafeString)
    assert render_markdown("*hi*") == '<p dir="auto"><em>hi</em></p>'


def test_lists_nested_with_three_spaces_render_as_nested_lists_but_code_stays_as_written():
    out = render_markdown(
        "1. Check the status:\n   - Authorised: a hold\n   - Settled: a payment\n2. Next\n\n```\n   - code\n```"
    )
    assert '<li dir="auto">Check the status:\n<ul>' in out and '<li dir="auto">Settled: a payment</li>' in out
    assert "<code>   - code\n</code>" in out


def test_lists_nested_with_two_spaces_nest_at_every_level():
    out = render_markdown("- Router\n  - Reset\n    - Hold the button")
    assert out == (
        '<ul>\n<li dir="auto">Router\n<ul>\n<li dir="auto">Reset\n<ul>\n<li dir="auto">Hold the button</li>\n'
        "</ul>\n</li>\n</ul>\n</li>\n</ul>"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Open [the refund tool](javascript:alert(1)) now.",
        'Open <a href="JaVaScRiPt:alert(1)">the refund tool</a> now.',
        "Open [the refund tool](data:text/html,x) now.",
        'Open <a name="tool" title="a>b">the refund tool</a> now.',
    ],
)
def test_a_link_the_sanitizer_disarmed_is_plain_text_not_a_dead_link(text):
    out = render_markdown(text)
    assert out == '<p dir="auto">Open the refund tool now.</p>'


def test_real_links_beside_a_disarmed_one_keep_their_anchor_and_text():
    out = render_markdown("[bad](javascript:x) then [**good**](https://example.com/a) and [bad again](vbscript:y).")
    assert out == (
        '<p dir="auto">bad then <a href="https://example.com/a" rel="noopener noreferrer nofollow"><strong>good</strong></a>'
        " and bad again.</p>"
    )


def test_each_block_of_text_takes_its_own_writing_direction():
    out = render_markdown("## كيف أسترد\n\nמדיניות ההחזר\n\n- step one\n\n```\nrefund --id 7\n```")
    assert '<h2 id="md-كيف-أسترد" dir="auto">' in out and '<p dir="auto">מדיניות ההחזר</p>' in out
    assert '<li dir="auto">step one</li>' in out and "<pre><code>refund --id 7" in out  # code stays left to right


def test_a_dir_in_the_text_never_reaches_the_page():
    assert render_markdown('<p dir="rtl">x</p>') == '<p dir="auto">x</p>'


def test_plain_text_drops_an_unclosed_script_to_the_end_as_a_browser_would():
    from articles.rendering import plain_text

    assert plain_text("Before.\n\n<script>hidden\n\nstill hidden", internal=False) == "Before."
    assert plain_text("a <!-- note --> b <style>x</style> c", internal=False) == "a b c"
    # Many unclosed openers: one pass, not one rescan of the text per opener.
    assert plain_text("ok " + "<textarea> x " * 20000, internal=False) == "ok"
