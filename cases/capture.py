"""Capturing knowledge in the case's context (KCS "capture"): the agent panel's write operations.

The panel is opened from a ticketing tool before the case may have synced here. It never writes
on a page view: the case row is made only when the agent acts (`case_from_launch`), and an
article written from a case starts from the requester's own words (`new_article_from_case`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from articles import policy as article_policy
from articles.models import Article, InvalidChange, Product, require

from . import policy, services
from .choices import LinkKind
from .models import DESCRIPTION_MAX, SUBJECT_MAX, Case, CaseLink

TITLE_MAX = Article._meta.get_field("title").max_length


def find_case(source: str, external_id) -> Case | None:
    """The case (source, external_id) if it is known here; raises InvalidChange for a bad source or id."""
    source, external_id = services.clean_source(source), services.clean_external_id(external_id)
    return Case.objects.select_related("product").filter(source=source, external_id=external_id).first()


def launch_case(source: str, external_id, *, subject: str = "", description: str = "") -> Case:
    """The case as the launch URL describes it, not saved: what the panel shows before a sync."""
    source, external_id = services.clean_source(source), services.clean_external_id(external_id)
    return Case(
        source=source,
        external_id=external_id,
        subject=" ".join((subject or "").replace("\x00", "").split())[:SUBJECT_MAX],
        description=(description or "").replace("\x00", "").strip()[:DESCRIPTION_MAX],
    )


def case_from_launch(*, source: str, external_id, subject: str = "", description: str = "", by) -> Case:
    """The case the agent acts on: the synced row if there is one (left exactly as synced), else a
    new row from what the launch URL passed. Called only when the agent acts (a POST)."""
    require(policy.can_see_cases(by))
    found = find_case(source, external_id)
    if found is not None:
        return found
    launched = launch_case(source, external_id, subject=subject, description=description)
    # get_or_create: a sync arriving at the same moment wins, and its data is kept.
    case, _ = Case.objects.get_or_create(
        source=launched.source,
        external_id=launched.external_id,
        defaults={"subject": launched.subject, "description": launched.description},
    )
    return case


def new_article_from_case(
    *, case: Case, by, product: Product | None = None, searches: list | None = None
) -> tuple[Article, CaseLink]:
    """A WIP article written from `case`, linked to it as `created` with the agent's searches.

    Issue: the case's subject and description as the requester wrote them (KCS: capture in the
    requester's words); environment: the product the case is about. `product` is the agent's
    choice, used only when the case names no product.
    """
    require(article_policy.can_create(by))
    product = case.product or product
    if product is None:
        raise InvalidChange(gettext("Choose the product this article is about: the case does not name one."))
    # What is stored (title, environment, change note) reads the same whatever the agent's interface language.
    with translation.override(settings.LANGUAGE_CODE):
        label, environment = case.label, _environment(case, product)
    with transaction.atomic():
        article = Article.create(
            by=by,
            title=(case.subject or label)[:TITLE_MAX],
            product=product,
            issue=_issue(case),
            environment=environment,
            note=f"Created from case {label}",
        )
        made, _ = services.link(case=case, article=article, kind=LinkKind.CREATED, by=by, searches=searches)
    return article, made


def _issue(case: Case) -> str:
    parts = [case.subject, case.description]
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _environment(case: Case, product: Product) -> str:
    lines = [f"- Product: {product.name}"]
    if case.product_name and case.product_name.lower() != product.name.lower():
        lines.append(f"- As the case names it: {case.product_name}")
    lines.append(f"- Requester: {case.get_requester_kind_display().lower()}, through {case.get_source_display()}")
    return "\n".join(lines)
