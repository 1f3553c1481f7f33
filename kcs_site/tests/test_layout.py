"""What the page layout promises, checked on the served HTML: the article page starts with the
decision authority, its forms have one id per field with a label, an empty review panel is left
out, a trainee's dashboard starts with the path's progress, long queries are shortened in the
search report, and the header has a skip link and menus that work without JavaScript."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from accounts.models import User
from articles.models import Article
from conftest import client_for
from search.models import SearchLog

pytestmark = pytest.mark.django_db


def page_for(username: str, url: str) -> str:
    response = client_for(User.objects.get(username=username)).get(url)
    assert response.status_code == 200
    return response.content.decode()


def ids_in(html: str) -> Counter:
    return Counter(re.findall(r'\sid="([^"]+)"', html))


@pytest.mark.parametrize("username", ["contributor", "owner", "coach", "candidate"])
def test_staff_article_page_has_no_duplicate_ids_and_labels_every_case_field(demo, username):
    html = page_for(username, Article.objects.get(slug="hotel-non-refundable-refund-exception").get_absolute_url())
    assert [i for i, n in ids_in(html).items() if n > 1] == []
    for field_id in re.findall(r'<input[^>]*name="case_ref"[^>]*id="([^"]+)"', html) + re.findall(
        r'<input[^>]*id="([^"]+)"[^>]*name="case_ref"', html
    ):
        wrapped = rf'<label>[^<]*(<span[^>]*>[^<]*</span>)?<input[^>]*id="{field_id}"'  # the label holds the field
        assert f'for="{field_id}"' in html or re.search(wrapped, html)


def test_reuse_and_flag_forms_ask_for_the_case_under_their_own_ids(demo):
    html = page_for("contributor", Article.objects.get(slug="toy-set-missing-part").get_absolute_url())
    assert 'id="reuse_case_ref"' in html and 'id="flag_case_ref"' in html
    assert 'for="flag_case_ref"' in html
    assert 'id="id_case_ref"' not in html


def test_article_page_puts_authority_and_escalation_before_the_side_panels(demo):
    html = page_for("owner", Article.objects.get(slug="hotel-non-refundable-refund-exception").get_absolute_url())
    authority = html.index('class="authority"')
    assert html.index("<h1") < authority < html.index("<h2>Issue</h2>")
    assert authority < html.index('class="contact"') < html.index('class="rules"')  # whom to ask, on the first screen
    for panel in ('class="subscribe-box"', 'class="health"', 'class="flags"'):
        assert html.index("<h2>Resolution</h2>") < html.index(panel), panel


def test_no_empty_review_and_coaching_heading(demo):
    # An agent reading someone else's validated article has no review to see, ask for or score.
    html = page_for("contributor", Article.objects.get(slug="hotel-non-refundable-refund-exception").get_absolute_url())
    assert "Review and coaching" not in html
    # A coach may score it: the panel is there, with what it is for.
    html = page_for("coach", Article.objects.get(slug="hotel-non-refundable-refund-exception").get_absolute_url())
    assert "Review and coaching" in html and "Score against the content standard" in html


def test_new_hire_dashboard_starts_with_the_learning_path_progress(demo):
    html = page_for("candidate", "/dashboard/")
    progress = html.index("<progress")
    assert html.index("<h1>My work</h1>") < progress < html.index("<h2>My drafts</h2>")
    assert re.search(r'<progress max="\d+" value="\d+" aria-label="Required articles (read|done)">', html)
    assert re.search(r"\d+ / \d+ required (read|done) \(\d+%\)", html)  # the same as text


def test_search_report_shortens_a_pasted_query_and_keeps_it_whole_in_the_link(demo):
    SearchLog.objects.all().delete()  # this search alone in the report (the demo logs months of them)
    long_query = "q" * 5000
    client = client_for(User.objects.get(username="owner"))
    client.get("/search/", {"q": long_query})
    html = client.get("/search/report/").content.decode()
    logged = long_query[:500]  # what the search log keeps
    shown = re.findall(r">(q{100,}…?)<", html)
    assert shown and all(len(s) <= 160 for s in shown)
    assert f"?q={logged}" in html and f'title="{logged}"' in html  # the whole query is still there


@pytest.mark.parametrize("username", [None, "customer", "contributor"])
def test_header_has_a_skip_link_first_and_main_is_its_target(demo, client, username):
    if username:
        client = client_for(User.objects.get(username=username))
    html = client.get("/help/").content.decode()
    body = html[html.index("<body>") :]
    first_link = re.search(r"<(a|button|input|select|textarea|summary)\b[^>]*>", body).group(0)
    assert 'class="skip-link" href="#content"' in first_link
    assert '<main id="content" tabindex="-1">' in html


def test_staff_header_groups_secondary_links_in_menus_that_need_no_script(demo):
    html = page_for("owner", "/dashboard/")
    header = html[html.index('<header class="top">') : html.index("</header>")]
    assert '<details class="nav-toggle"><summary>Menu</summary></details>' in header
    more = header[header.index('class="nav-more"') :]
    assert "Cases" in more and "Help centre" in more and "What's new" in more
    account = header[header.index('<details class="account">') :]
    for link in ("Search report", "API tokens", "Log out"):
        assert link in account
    assert 'class="bell-icon" aria-hidden="true"' in header and 'aria-label="Notifications:' in header
    assert not re.search("[\U0001f300-\U0001faff\u2600-\u26ff]", header)  # no emoji in the frame
