"""The KCS measures at /insights/: an overview, one page a view, and a CSV file a table."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from articles.models import require
from kcs_site.decorators import staff_required

from . import charts, policy
from .filters import filters_from
from .measures import VIEWS
from .measures.common import shared


def _view_for(slug: str):
    try:
        return VIEWS[slug]
    except KeyError:
        raise Http404("No such measure.") from None


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
    view = _view_for(slug)
    filters, form = filters_from(request.GET)
    context = {"views": VIEWS.values(), "view": view, "form": form, "filters": filters}
    if filters is not None:
        context["query"] = urlencode(filters.as_query())
        with shared():
            context["tables"] = [(table, charts.images(table)) for table in view.build(filters)]
    return render(request, "insights/measure.html", context, status=200 if filters is not None else 400)


@staff_required
def table_csv(request: HttpRequest, slug: str, table: str) -> HttpResponse:
    require(policy.can_see_insights(request.user))
    view = _view_for(slug)
    filters, form = filters_from(request.GET)
    if filters is None:
        return HttpResponse(_errors(form), status=400, content_type="text/plain; charset=utf-8")
    with shared():
        found = next((t for t in view.build(filters) if t.key == table), None)
    if found is None:
        raise Http404("No such table.")
    response = HttpResponse(found.as_csv(), content_type="text/csv; charset=utf-8")
    name = f"kcs-{slug}-{table}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _errors(form) -> str:
    return "\n".join(str(message) for messages in form.errors.values() for message in messages)
