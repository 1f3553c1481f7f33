"""The self-service help centre: validated articles for customers, partners and anonymous visitors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import help_trail, policy, relations
from .merge_views import follows_merges
from .models import Article, Audience, Product
from .signals import article_viewed
from .views import query_param

# Fewer results than this is a "poor" search: the page offers to contact support (cases.handover).
POOR_RESULTS = 3


def help_articles(user):
    # Visibility decides what a reader may open; the help centre shows only validated
    # articles written for readers outside the company, so staff preview the same set.
    return Article.objects.visible_to(user).validated().exclude(audience=Audience.INTERNAL)


def index(request: HttpRequest) -> HttpResponse:
    qs = help_articles(request.user).select_related("product")
    product = query_param(request, "product")
    if product:
        qs = qs.filter(product__slug=product)
    q = query_param(request, "q").strip()
    if q:
        qs = qs.filter(title__icontains=q)
    page = Paginator(qs.order_by("-updated_at", "-id"), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    # Only products with something to read here: naming the others would leak internal topics.
    products = Product.objects.filter(Exists(help_articles(request.user).filter(product=OuterRef("pk"))))
    poor = bool(q) and page.paginator.count < POOR_RESULTS
    context = {"page": page, "products": products, "product": product, "q": q, "offer_contact": poor}
    response = render(request, "help/index.html", context)
    if q:
        help_trail.record_search(request, response, q, page.paginator.count)
    return response


@follows_merges("help:detail", help_centre=True)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = help_articles(request.user).select_related("product", "template_version").filter(slug=slug).first()
    if article is None:
        replacement = relations.replacement_for(request.user, slug, help_articles(request.user))
        if replacement is None:
            raise Http404("No such article")
        # Not permanent: who replaces an article is a relation its editors may change.
        messages.info(request, _("The article at that address was replaced by this one."))
        return redirect(replacement.get_help_url())
    from kcs_site import pages  # composes panels from other apps (search's related articles)

    response = render(request, "help/detail.html", {"article": article, "panels": pages.help_article_panels(request, article)})
    if help_trail.record_view(request, response, article.slug, article.title):
        # Counted for the measures (insights); a reload of the page just read is not a new view.
        article_viewed.send(sender=Article, article=article, reader=policy.reader_kind(request.user))
    return response
