"""Automated accessibility checks (axe-core, bundled with axe-playwright-python: nothing is
fetched at run time) on the main pages of every role, at desktop and phone sizes, with the
header menus open too. A serious or critical violation fails, naming the rule and the elements."""

from __future__ import annotations

import pytest

from articles.models import Article, Audience, State
from training.demo import TITLE
from training.models import LearningPath

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
# Every staff page once, as the KB owner (who sees the most on each); the other staff roles on the
# pages that differ for them. Pages are not photographed here: the journeys keep those shots.
STAFF_PAGES = ["/dashboard/", "/articles/", "{article}", "/search/?q=refund", "/help/", "{help_article}", "/flags/",
               "/coaching/", "/training/", "/whats-new/"]  # fmt: skip
PAGES = {
    "owner": [
        *STAFF_PAGES,
        "/search/report/",
        "/review-queue/",
        "{article}edit/",
        "/cases/",
        "/cases/zendesk/48213/",
        "/agent/panel/?source=zendesk&case=48213",
        "{article}versions/1/",
        "/insights/",
        "/insights/participation/",
        "/insights/people/",
        "/coaching/criteria/",
    ],  # a KB owner; fmt: skip
    "contributor": ["/dashboard/", "{article}", "/flags/", "{article}edit/"],  # an agent
    "coach": ["/dashboard/", "/coaching/", "/licences/coach/", "/insights/", "/cases/adherence/"],
    "candidate": ["/dashboard/", "{article}?path={path}", "/training/paths/{path}/"],  # a new hire
    "customer": ["/help/", "{help_article}", "/search/?q=refund", "/whats-new/", "/notifications/", "/help/contact/"],
    None: ["/help/", "{help_article}", "/search/?q=refund", "/whats-new/", "/accounts/login/", "/help/contact/"],  # anonymous
}


def serious(results: dict) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who or "anonymous")
def test_main_pages_have_no_serious_accessibility_violations(demo, journey, who):
    from axe_playwright_python.sync_playwright import Axe

    axe, page, found = Axe(), journey.page, []
    values = {
        "article": Article.objects.get(slug="hotel-non-refundable-refund-exception").get_absolute_url(),
        "help_article": "/help/"
        + Article.objects.filter(state=State.VALIDATED, audience=Audience.PUBLIC).order_by("pk").first().slug
        + "/",
        "path": LearningPath.objects.get(title=TITLE).pk,
    }
    if who:
        journey.sign_in(who)
    for url in (u.format(**values) for u in PAGES[who]):
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            journey.go(url)
            found += [f"{url} at {size}: {v}" for v in serious(axe.run(page).response)]
    # The header's menus, open: the dropdown and the phone menu are checked as they are seen.
    journey.go("/help/")
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        journey.go("/help/")
        for summary in page.locator("header.top summary").all():
            if summary.is_visible():
                summary.click()
                found += [f"/help/ {size}, menu open: {v}" for v in serious(axe.run(page).response)]
        journey.shot(f"{who or 'anonymous'} menus open {size}")
    assert found == [], "\n".join(found)
