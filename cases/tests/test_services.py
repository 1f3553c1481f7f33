"""The rules of cases and links, through the operations every page, API and webhook calls."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from articles.models import InvalidChange, Refused, State
from cases import services
from cases.models import Case, CaseLink
from conftest import make_article, make_contributor
from search.models import IndexTask

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def at(hours: float) -> str:
    return (T0 + datetime.timedelta(hours=hours)).isoformat()


def sync(external_id="4711", **data):
    return services.upsert_case(source="zendesk", external_id=external_id, data=data)


# --- upsert ------------------------------------------------------------------------------------


def test_the_same_data_twice_is_one_case_and_the_second_time_changes_nothing():
    first = sync(subject="Refund for a cancelled stay", status="open", updated_at=at(0))
    second = sync(subject="Refund for a cancelled stay", status="open", updated_at=at(0))
    assert (first.created, second.created, second.changed, second.result) == (True, False, False, "unchanged")
    assert Case.objects.count() == 1


def test_an_older_event_changes_nothing():
    sync(subject="New words", updated_at=at(2))
    late = sync(subject="Old words", status="solved", updated_at=at(1))
    case = Case.objects.get()
    assert late.result.startswith("ignored")
    assert (case.subject, case.status) == ("New words", "open")


def test_a_closed_case_never_moves_back_to_open_or_solved():
    sync(status="closed", updated_at=at(1))
    again = sync(status="open", updated_at=at(2))
    case = Case.objects.get()
    assert case.status == "closed" and "stays closed" in again.result
    sync(status="solved", updated_at=at(3))
    assert Case.objects.get().status == "closed"


def test_solving_records_the_outcome_and_reopening_clears_it(contributor, article):
    case = sync(status="open", updated_at=at(0)).case
    services.link(case=case, article=article, kind="solved", by=contributor)
    sync(status="solved", updated_at=at(1))
    case.refresh_from_db()
    assert (case.outcome, case.solved_at) == ("known", T0 + datetime.timedelta(hours=1))
    sync(status="open", updated_at=at(2))
    case.refresh_from_db()
    assert (case.outcome, case.outcome_at, case.solved_at) == ("", None, None)


def test_outcomes_are_new_when_an_article_was_created_and_none_without_links(contributor, article):
    created = sync("1", status="open").case
    services.link(case=created, article=article, kind="created", by=contributor)
    sync("1", status="solved")
    sync("2", status="closed")
    assert dict(Case.objects.values_list("external_id", "outcome")) == {"1": "new", "2": "none"}


def test_a_link_made_after_the_case_was_solved_still_counts_for_its_outcome(contributor, article):
    case = sync(status="solved").case
    assert Case.objects.get().outcome == "none"
    services.link(case=case, article=article, kind="reference", by=contributor)
    assert Case.objects.get().outcome == "known"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"status": "pending"}, "status is open, solved or closed"),
        ({"updated_at": "yesterday"}, "updated_at is a date and time"),
        ({"url": "javascript:alert(1)"}, r"http\(s\) address"),
        ({"requester_kind": "admin"}, "customer or partner"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(data, message):
    with pytest.raises(InvalidChange, match=message):
        sync(**data)
    assert not Case.objects.exists()


def test_unknown_sources_and_empty_ids_are_refused():
    with pytest.raises(InvalidChange, match="Unknown case source"):
        services.upsert_case(source="jira", external_id="1", data={})
    with pytest.raises(InvalidChange, match="id in the source"):
        services.upsert_case(source="zendesk", external_id="  ", data={})


def test_an_agent_may_not_rewrite_cases_but_a_kb_owner_may(contributor, kb_owner):
    with pytest.raises(Refused):
        services.upsert_case(source="zendesk", external_id="1", data={}, by=contributor)
    assert services.upsert_case(source="zendesk", external_id="1", data={}, by=kb_owner).created


def test_product_and_agent_are_matched_by_name_slug_username_or_email(product, contributor, customer):
    contributor.email = "Colin@Example.com"
    contributor.save()
    case = sync(product="HOTEL BOOKINGS", agent="colin@example.com").case
    assert (case.product, case.product_name, case.agent) == (product, "HOTEL BOOKINGS", contributor)
    case = sync(product="Ferries", agent=customer.username).case
    assert (case.product, case.product_name, case.agent) == (None, "Ferries", None)  # customers are never agents


# --- links -------------------------------------------------------------------------------------


def test_one_live_link_per_case_and_article_and_the_count_comes_from_links(contributor, publisher, article):
    case = sync().case
    first, made = services.link(case=case, article=article, kind="reference", by=contributor)
    again, made_again = services.link(case=case, article=article, kind="reference", by=publisher)
    assert made and not made_again and again == first
    article.refresh_from_db()
    assert article.reuse_count == 1


def test_a_stronger_link_replaces_the_weaker_and_keeps_it_in_history(contributor, article):
    case = sync().case
    services.link(case=case, article=article, kind="reference", by=contributor)
    services.link(case=case, article=article, kind="solved", by=contributor)
    services.link(case=case, article=article, kind="reference", by=contributor)  # says nothing new
    assert [(link.kind, link.is_live) for link in CaseLink.objects.order_by("pk")] == [("reference", False), ("solved", True)]
    article.refresh_from_db()
    assert article.reuse_count == 1


def test_unlinking_needs_a_reason_keeps_the_row_and_uncounts_it(contributor, article):
    case = sync().case
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    with pytest.raises(InvalidChange, match="Say why"):
        services.unlink(link=link, by=contributor, reason="  ")
    services.unlink(link=link, by=contributor, reason="Wrong case")
    link.refresh_from_db()
    article.refresh_from_db()
    assert (link.unlinked_by, link.unlink_reason, article.reuse_count) == (contributor, "Wrong case", 0)
    relinked, made = services.link(case=case, article=article, kind="solved", by=contributor)
    assert made and relinked.pk != link.pk  # a new live link; the removed one stays as it was


def test_only_the_linker_a_coach_or_a_kb_owner_removes_a_link(contributor, coach, kb_owner, article):
    case = sync().case
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    other_agent = make_contributor("other-agent")
    with pytest.raises(Refused):
        services.unlink(link=link, by=other_agent, reason="not mine")
    services.unlink(link=link, by=coach, reason="Linked to the wrong case")
    assert CaseLink.objects.get().unlinked_by == coach


def test_customers_and_partners_cannot_link_and_archived_articles_are_not_linked(
    customer, partner, contributor, kb_owner, product
):
    case = sync().case
    public = make_article(author=contributor, product=product, audience="public", kb_owner=kb_owner)
    for outsider in (customer, partner):
        with pytest.raises(Refused):
            services.link(case=case, article=public, kind="reference", by=outsider)
    archived = make_article(author=contributor, product=product, state=State.ARCHIVED, kb_owner=kb_owner)
    with pytest.raises(Refused, match="archived"):
        services.link(case=case, article=archived, kind="solved", by=contributor)
    assert not CaseLink.objects.exists()


def test_linking_never_edits_the_article_and_asks_the_index_for_the_new_count(contributor, article):
    version, updated = article.version, article.updated_at
    IndexTask.objects.all().delete()
    services.link(case=sync().case, article=article, kind="solved", by=contributor)
    article.refresh_from_db()
    assert (article.version, article.updated_at) == (version, updated)
    assert IndexTask.objects.filter(article_id=article.pk, processed_at=None).exists()


def test_created_links_do_not_count_as_reuse_and_keep_the_searches(contributor, article):
    searches = [{"q": "refund  cancelled stay", "at": "2026-11-02T09:00:00Z"}, "   ", "x" * 500]
    link, _ = services.link(case=sync().case, article=article, kind="created", by=contributor, searches=searches)
    article.refresh_from_db()
    assert article.reuse_count == 0
    assert [s["q"] for s in link.searches] == ["refund cancelled stay", "x" * 200]


def test_link_signals_are_sent_after_commit(contributor, article, django_capture_on_commit_callbacks):
    from cases import signals

    seen = []

    def record(sender, link, **kwargs):
        seen.append((link.kind, link.is_live))

    signals.link_created.connect(record)
    signals.link_removed.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            link, _ = services.link(case=sync().case, article=article, kind="solved", by=contributor)
            assert seen == []
        with django_capture_on_commit_callbacks(execute=True):
            services.unlink(link=link, by=contributor, reason="wrong")
    finally:
        signals.link_created.disconnect(record)
        signals.link_removed.disconnect(record)
    assert seen == [("solved", True), ("solved", False)]


# --- outcomes ----------------------------------------------------------------------------------


def test_outcomes_per_agent_give_known_new_no_link_and_the_link_rate(contributor, publisher, coach, article):
    for n, (agent, kind) in enumerate(
        [(contributor, "solved"), (contributor, None), (publisher, "created"), (publisher, "reference")]
    ):
        case = sync(str(n), agent=agent.username, team="Tier 1").case
        if kind:
            services.link(case=case, article=article, kind=kind, by=agent)
        sync(str(n), status="solved")
    sync("open-one", agent=contributor.username)  # not decided: not counted
    rows = {row["group"]: row for row in services.outcomes(coach, by="agent")}
    assert rows[contributor.username] == {
        "group": contributor.username,
        "cases": 2,
        "known": 1,
        "new": 0,
        "no_link": 1,
        "link_rate": 0.5,
    }
    assert (rows[publisher.username]["known"], rows[publisher.username]["new"]) == (1, 1)
    (team,) = services.outcomes(coach, by="team")
    assert (team["group"], team["cases"], team["link_rate"]) == ("Tier 1", 4, 0.75)
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    assert services.outcomes(coach, by="agent", since=tomorrow) == []


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_outcomes_per_week_and_month_start_on_the_local_monday_and_first_of_the_month(coach, zone):
    recorded = {  # UTC; in Berlin the Saturday evening is already Sunday 1 March
        "sat": datetime.datetime(2026, 2, 28, 23, 30, tzinfo=datetime.UTC),
        "sun": datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC),
        "mon": datetime.datetime(2026, 3, 2, 0, 30, tzinfo=datetime.UTC),
    }
    for ref, when in recorded.items():
        Case.objects.create(source="zendesk", external_id=ref, status="solved", outcome="none", outcome_at=when)
    with timezone.override(zone):
        weeks = {row["group"]: row["cases"] for row in services.outcomes(coach, by="week")}
        months = {row["group"]: row["cases"] for row in services.outcomes(coach, by="month")}
    assert weeks == {"2026-02-23": 2, "2026-03-02": 1}
    assert months == ({"2026-02-01": 1, "2026-03-01": 2} if zone == "UTC" else {"2026-03-01": 3})


def test_outcomes_are_for_coaches_and_kb_owners(contributor):
    with pytest.raises(Refused):
        services.outcomes(contributor)
