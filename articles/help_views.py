"""The self-service help centre: validated articles for customers, partners and anonymous visitors."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Article, Audience, Product
from .views import query_param


def _help_articles(request: HttpRequest):
    # Visibility decides what a reader may open; the help centre shows only validated
    # articles written for readers outside the company, so staff preview the same set.
    return Article.objects.visible_to(request.user).validated().exclude(audience=Audience.INTERNAL)


def index(request: HttpRequest) -> HttpResponse:
    qs = _help_articles(request).select_related("product")
    product = query_param(request, "product")
    if product:
        qs = qs.filter(product__slug=product)
    q = query_param(request, "q").strip()
    if q:
        qs = qs.filter(title__icontains=q)
    page = Paginator(qs.order_by("-updated_at", "-id"), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    # Only products with something to read here: naming the others would leak internal topics.
    products = Product.objects.filter(Exists(_help_articles(request).filter(product=OuterRef("pk"))))
    return render(request, "help/index.html", {"page": page, "products": products, "product": product, "q": q})


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(_help_articles(request).select_related("product"), slug=slug)
    return render(request, "help/detail.html", {"article": article})
