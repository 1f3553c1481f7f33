"""Bad input in a real browser, at desktop and phone sizes: text over the limit comes back in the
form with the reason, an Arabic article reads right to left at its own address, and the API
documentation page runs Swagger UI under the site's Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from accounts.models import User
from articles.models import Article, Audience, State
from articles.rendering import MAX_CHARS

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SLUG = "toy-set-missing-part"
ARABIC_TITLE = "العميل يطلب استرداد ثمن حجز غير قابل للاسترداد"
ARABIC_ISSUE = "يريد العميل استرداد ثمن غرفة محجوزة بسعر غير قابل للاسترداد."
ARABIC_RESOLUTION = (
    "1. اعرض على العميل تغيير التاريخ مجاناً أولاً.\n"
    "2. يمكنك رد ما يصل إلى **50 يورو** كبادرة حسن نية.\n\n"
    "Open the booking in the *Reservations* tool and note the case number."
)


def screen(journey, label: str) -> None:
    """What is on the screen now (the full-page shot of a phone page is too tall to read)."""
    journey.step += 1
    journey.page.screenshot(path=str(journey.folder / f"{journey.step:02d}-{label}.png"))


@pytest.mark.parametrize("size", SIZES)
def test_text_over_the_limit_comes_back_with_the_reason(demo, journey, size):
    page = journey.page
    page.set_viewport_size(SIZES[size])
    journey.sign_in("owner")
    journey.go(f"/articles/{SLUG}/edit/")
    textarea = page.locator("#id_resolution")
    assert textarea.get_attribute("maxlength") == str(MAX_CHARS) and textarea.get_attribute("dir") == "auto"
    # The browser stops typing at maxlength; a pasted text set by a script (or an old browser) is not
    # stopped, and the server must still give it back with the reason.
    pasted = "Refund steps from the old wiki.\n" * (MAX_CHARS // 32 + 100)
    page.eval_on_selector("#id_resolution", "(el, text) => { el.removeAttribute('maxlength'); el.value = text; }", pasted)
    page.fill("#id_note", "Pasted the whole old wiki page")
    page.click("form.article-form button.save")
    page.wait_for_load_state()
    assert "Nothing was saved: correct the fields marked below." in page.inner_text("main")
    assert f"This text is {len(pasted):,} characters long; at most {MAX_CHARS:,} are allowed." in page.inner_text("main")
    assert page.input_value("#id_resolution") == pasted.replace("\r\n", "\n")
    journey.shot(f"over-long resolution refused {size}")
    page.locator(".field.has-error").first.scroll_into_view_if_needed()
    screen(journey, "the-field-and-its-reason-on-screen")
    assert "Pasted the whole" not in Article.objects.get(slug=SLUG).resolution


@pytest.mark.parametrize("size", SIZES)
def test_an_arabic_article_reads_right_to_left_at_its_own_address(demo, journey, size):
    owner = User.objects.get(username="owner")
    toy = Article.objects.get(slug=SLUG)
    article = Article.create(
        by=owner,
        title=ARABIC_TITLE,
        product=toy.product,
        issue=ARABIC_ISSUE,
        resolution=ARABIC_RESOLUTION,
        state=State.NOT_VALIDATED,
        audience=Audience.PUBLIC,
        tags=["استرداد", "hotel"],
    )
    article.validate(by=owner)
    page = journey.page
    page.set_viewport_size(SIZES[size])
    journey.sign_in("owner")
    journey.go(article.get_absolute_url())
    assert unquote(page.url).endswith(f"/articles/{article.slug}/")
    title = page.locator("main h1").first
    assert title.inner_text() == ARABIC_TITLE
    assert title.evaluate("el => getComputedStyle(el).direction") == "rtl"
    first_step = page.locator("main li", has_text="اعرض على العميل")
    assert first_step.evaluate("el => getComputedStyle(el).direction") == "rtl"
    english = page.locator("main p", has_text="Open the booking")
    assert english.evaluate("el => getComputedStyle(el).direction") == "ltr"
    journey.shot(f"arabic article for staff {size}")
    page.locator("main h1").first.scroll_into_view_if_needed()
    screen(journey, "the-title-on-screen")
    page.context.clear_cookies()
    journey.go(article.get_help_url())
    assert page.locator("main h1").first.evaluate("el => getComputedStyle(el).direction") == "rtl"
    journey.shot(f"arabic article in the help centre {size}")
    screen(journey, "the-help-page-on-screen")


@pytest.mark.parametrize("size", SIZES)
def test_the_api_documentation_runs_under_the_sites_policy(demo, journey, size):
    page = journey.page
    page.set_viewport_size(SIZES[size])
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    journey.go("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=30000)
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("KCS knowledge platform API")
    journey.shot(f"api docs anonymous {size}")
    screen(journey, "the-docs-on-screen")
    page.locator(".swagger-ui .opblock-summary", has_text="/api/v1/articles/").first.click()
    journey.shot(f"api docs an operation opened {size}")
    assert [m for m in console if "Content Security Policy" in m or m.startswith("pageerror")] == []
