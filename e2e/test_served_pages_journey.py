"""Pages pass the Content-Security-Policy in a real browser, and error pages look like the site.

A CSP violation does not fail a page load: the browser blocks the script or style and reports it
on the console only. These journeys collect the console and fail on any violation, across the
help centre, the staff workspace and the Django admin. The error pages (400, 403, 404, 500) are
photographed at desktop and phone sizes for a customer and an anonymous visitor.
"""

from __future__ import annotations

import pytest

from articles.models import Article, Audience, State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("kcs_site.tests.urls")]

PAGES = {
    None: ["/help/", "/search/?q=refund", "/whats-new/", "/accounts/login/", "/no-such-page/", "/api/v1/docs/"],
    "customer": ["/help/", "/search/?q=refund", "/notifications/"],
    "owner": ["/dashboard/", "/articles/", "/articles/new/", "/flags/", "/review-queue/", "/coaching/", "/training/",
              "/licences/coach/", "/search/report/", "/search/?q=refund+hotel", "/api/v1/articles/", "/api/v1/", "/api/v1/docs/"],
    "admin": ["/admin/", "/admin/articles/article/", "/admin/articles/article/add/", "/admin/accounts/user/"],
}  # fmt: skip


def violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or m.startswith("pageerror")]


def test_pages_pass_the_content_security_policy(demo, journey):
    page = journey.page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    article = Article.objects.filter(state=State.VALIDATED).order_by("pk").first()
    seen = []
    for user, urls in PAGES.items():
        if user:
            journey.sign_in(user)
        extra = [f"/articles/{article.slug}/", f"/articles/{article.slug}/edit/"] if user == "owner" else []
        extra += [f"/admin/articles/article/{article.pk}/change/"] if user == "admin" else []
        for url in urls + extra:
            journey.go(url)
            page.wait_for_load_state()  # "load": after the deferred scripts have run
            if url.startswith(("/admin/articles/article/", "/api/")):
                journey.shot(f"{user}-{url}")  # the admin and the browsable API, styled under the policy
            seen.append((user, url, violations(console)))
            console.clear()
        if user == "owner":
            page.fill("#site-search", "missing piece")  # the suggestions script runs under the policy
            page.wait_for_selector("#site-search-suggestions [role=option]")
    assert [s for s in seen if s[2]] == []


SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_error_pages_look_like_the_site(demo, journey, who):
    page = journey.page
    public = Article.objects.filter(state=State.VALIDATED, audience=Audience.PUBLIC).order_by("pk").first()
    internal = Article.objects.filter(audience=Audience.INTERNAL).order_by("pk").first()
    if who == "customer":
        journey.sign_in("customer")

    def each_size(label: str) -> None:
        for name, size in SIZES.items():
            page.set_viewport_size(size)
            journey.shot(f"{who}-{label}-{name}")
        page.set_viewport_size(SIZES["desktop"])

    journey.go(f"/help/{internal.slug}/")  # an internal article's address
    assert "Not found" in page.inner_text("h1")
    assert internal.title not in page.content()
    each_size("404")

    # A form that lost its CSRF cookie (a long-open page, a sign-out in another tab).
    journey.go(f"/help/{public.slug}/")
    page.context.clear_cookies(name="csrftoken")
    page.locator("form[action$='/helpful/'] button").first.click()
    page.wait_for_load_state()
    assert "Not allowed" in page.inner_text("h1")
    assert "reload the page and send it again" in page.inner_text("main")
    each_size("403")

    # A post far over the size limit (a pasted log file; over KCS_MAX_REQUEST_BYTES, 8 MiB).
    journey.go(f"/help/{public.slug}/")
    page.evaluate(
        """() => { const f = document.querySelector("form[action$='/helpful/']");
        const t = document.createElement('textarea'); t.name = 'pasted'; t.value = 'x'.repeat(9000000);
        f.appendChild(t); f.querySelector('button').click(); }"""
    )
    page.wait_for_url(f"**/help/{public.slug}/helpful/")
    assert "Request not accepted" in page.inner_text("h1")
    each_size("400")

    journey.go("/test-broken/")
    assert "Something went wrong" in page.inner_text("h1")
    assert "secret internal detail" not in page.content()
    each_size("500")
