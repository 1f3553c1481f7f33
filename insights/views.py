"""The KCS measures at /insights/: an overview, one page a view, and a CSV file a table."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from articles.models import require
from kcs_site.decorators import staff_required

from . import charts, measures, policy
from .filters import filters_from
from .measures import VIEWS
from .measures.common import shared


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    require(policy.can_see_insights(request.user))
    filters, form = filters_from(request.GET)
    context = {"views": VIEWS.values(), "form": form, "filters": filters}
    if filters is not None:
        query = urlencode(filters.as_query())
        context["query"] = query
        with shared():
            context["headlines"] = [(view, view.headline(filters)) for view in VIEWS.values() if view.headline]
    return render(request, "insights/index.html", context)


@staff_required
def measure(request: HttpRequest, slug: str) -> HttpResponse:
    require(policy.can_see_insights(request.user))
    view = measures.find(slug)
    filters, form = filters_from(request.GET)
    context = {"views": VIEWS.values(), "view": view, "form": form, "filters": filters}
    if filters is not None:
        context["query"] = urlencode(filters.as_query())
        context["tables"] = [(table, charts.images(table)) for table in measures.tables(slug, filters)]
    return render(request, "insights/measure.html", context, status=200 if filters is not None else 400)


@staff_required
def table_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    require(policy.can_see_insights(request.user))
    measures.find(slug)
    filters, form = filters_from(request.GET)
    if filters is None:
        return HttpResponse(_errors(form), status=400, content_type="text/plain; charset=utf-8")
    return csv_response(measures.table(slug, table, filters), slug, filters)


def csv_response(found, slug: str, filters) -> HttpResponse:
    """A table as the CSV file people download (the page's link and the API's format=csv)."""
    response = HttpResponse(found.as_csv(), content_type="text/csv; charset=utf-8")
    name = f"kcs-{slug}-{found.key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _errors(form) -> str:
    return "\n".join(str(message) for messages in form.errors.values() for message in messages)
