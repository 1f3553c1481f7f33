"""The KCS measures in a real browser: a KB owner reads the overview, filters a view to a team,
downloads a table as CSV; a coach opens the per-person view. Screenshots of every view's charts
at desktop and phone sizes; each chart is an image with its numbers in a table under it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from insights.measures import VIEWS

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _charts_drawn(page) -> int:
    """How many chart images the page shows, each loaded (its SVG decoded into a real size)."""
    images = page.locator("figure.chart img")
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0"), "a chart did not draw"
    return images.count()


def test_kb_owner_reads_every_view_filters_by_team_and_downloads_a_table(demo, journey):
    page = journey.page
    journey.sign_in("owner")
    journey.go("/dashboard/")
    page.click("header.top summary:has-text('More')")
    page.click("a:has-text('KCS measures')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "KCS measures"
    assert page.locator(".insights-card").count() >= 1
    journey.shot("owner overview desktop")
    page.set_viewport_size(PHONE)
    journey.shot("owner overview phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.set_viewport_size(DESKTOP)

    drawn = 0
    for slug, view in VIEWS.items():
        journey.go(f"/insights/{slug}/")
        assert page.locator("h1").inner_text().startswith(str(view.title))
        drawn += _charts_drawn(page)
        assert page.locator("table").count() >= 1
        journey.shot(f"owner {slug} desktop")
        page.set_viewport_size(PHONE)
        journey.shot(f"owner {slug} phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, f"{slug} wider than a phone"
        page.set_viewport_size(DESKTOP)
    assert drawn >= len(VIEWS)

    # A period of a year by month, through the form; the page says what it shows.
    journey.go("/insights/participation/")
    page.select_option("select[name=period]", "365")
    page.select_option("select[name=bucket]", "month")
    page.click("form.insights-filters button[type=submit]")
    page.wait_for_load_state()
    assert "bucket=month" in page.url
    assert page.locator("#t-over_time ~ div table tbody tr").count() >= 12

    # The people table, downloaded: the same rows the page shows.
    with page.expect_download() as download:
        page.click("a:has-text('Download “Contributions per person” as CSV')")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    shown = page.locator("#t-people ~ div table tbody tr").count()
    assert rows[0][0] == "Person" and len(rows) - 1 == shown

    # A bad choice is said in words, and the page still answers.
    journey.go("/insights/participation/?period=custom&start=2026-05-02&end=2026-05-01")
    assert "starts after it ends" in page.locator(".insights-filters").inner_text()
    journey.shot("owner bad period")


def test_coach_opens_the_measures_and_a_contributor_sees_only_their_own(demo, journey):
    page = journey.page
    journey.sign_in("coach")
    journey.go("/insights/people/")
    assert page.locator("h1").inner_text().startswith(str(VIEWS["people"].title))
    _charts_drawn(page)
    journey.shot("coach people desktop")
    page.set_viewport_size(PHONE)
    journey.shot("coach people phone")
    page.set_viewport_size(DESKTOP)

    journey.sign_in("contributor")
    journey.go("/insights/")
    assert "Your own figures are on My work" in page.locator("main").inner_text()
    journey.go("/dashboard/")
    journey.shot("contributor dashboard")
