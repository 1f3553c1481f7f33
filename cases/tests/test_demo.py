"""The demo has cases from Zendesk and Freshdesk with links, outcomes and a help-centre hand-over,
and loading it again adds nothing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from articles.tests.test_pages import text_of
from cases.demo import CASES, HANDOVER
from cases.models import Case, CaseIntegration, CaseLink
from conftest import client_for


def test_the_demo_has_synced_cases_with_every_outcome(db, demo):
    synced = Case.objects.filter(source__in=["zendesk", "freshdesk"])
    assert synced.filter(source="zendesk").count() >= 5 and synced.filter(source="freshdesk").count() >= 4
    assert set(synced.values_list("outcome", flat=True)) == {"known", "new", "none", ""}
    assert synced.filter(status="open").exists() and synced.filter(status="closed").exists()
    for case in synced.decided():
        kinds = set(case.links.live().values_list("kind", flat=True))
        expected = "new" if "created" in kinds else "known" if kinds else "none"
        assert case.outcome == expected, case
        assert case.outcome_at == case.solved_at
    # The cases demo's own "created" links (insights/demo.py adds older ones, since validated).
    ours = [demo_case.external_id for demo_case in CASES]
    created = CaseLink.objects.live().filter(kind="created", case__external_id__in=ours).select_related("article")
    assert created.count() >= 2 and all(link.article.state == "wip" and link.searches for link in created)
    assert len({case.outcome_at.date() for case in synced.decided()}) >= 5  # spread over the last weeks
    assert set(synced.values_list("agent__username", flat=True)) >= {"contributor", "publisher", "candidate"}
    assert set(CaseIntegration.objects.values_list("kind", flat=True)) == {"zendesk", "freshdesk"}


def test_the_demo_hand_over_carries_what_the_visitor_searched_and_read(db, demo):
    handover = Case.objects.get(source="help-centre", external_id=HANDOVER.external_id)
    assert len(handover.trail["searches"]) >= 2 and len(handover.trail["viewed"]) >= 2
    page = text_of(
        client_for(User.objects.get(username="contributor")).get(
            reverse("cases:detail", args=[handover.source, handover.external_id])
        )
    )
    assert "Before asking for help" in page and "crushed box" in page
    assert "Can I return a set I've already opened?" in page


def test_the_demo_case_pages_and_the_article_panel_have_something_to_show(db, demo):
    client = client_for(User.objects.get(username="owner"))
    assert "Zendesk #48213" in text_of(client.get(reverse("cases:list") + "?q=48213"))
    case = Case.objects.get(source="zendesk", external_id="48213")
    page = text_of(client.get(reverse("cases:detail", args=["zendesk", "48213"])))
    assert "The hotel says they have no room for me" in page and "Known" in page
    article = case.links.live().get().article
    assert "Linked cases" in text_of(client.get(article.get_absolute_url()))


def test_loading_the_demo_again_adds_no_case_link_or_integration(db, demo):
    before = (Case.objects.count(), CaseLink.objects.count(), CaseIntegration.objects.count())
    outcomes = dict(Case.objects.values_list("pk", "outcome"))
    call_command("load_demo", stdout=StringIO())
    assert (Case.objects.count(), CaseLink.objects.count(), CaseIntegration.objects.count()) == before
    assert dict(Case.objects.values_list("pk", "outcome")) == outcomes
