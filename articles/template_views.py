"""The pages where KB owners define article templates (articles/structure.py holds the rules)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kcs_site.decorators import staff_required

from . import policy, structure
from .models import ArticleTemplate, Product, require
from .template_forms import ProductDefaultForm, TemplateForm, section_formset


def _owner(request: HttpRequest) -> None:
    require(policy.can_manage_templates(request.user))


@staff_required
def template_list(request: HttpRequest) -> HttpResponse:
    _owner(request)
    templates = ArticleTemplate.objects.select_related("current").prefetch_related(
        Prefetch("default_for", queryset=Product.objects.only("name", "default_template"))
    )
    return render(request, "articles/template_list.html", {"templates": templates})


@staff_required
def template_create(request: HttpRequest) -> HttpResponse:
    _owner(request)
    # The standard sections to start from, in the owner's language: what they save is theirs.
    start = [
        dict(s, required=False, label=structure.shown_label(structure.Section(**s)), help=_(s["help"]) if s["help"] else "")
        for s in structure.STANDARD_SECTIONS
    ]
    return _editor(request, None, start)


@staff_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _owner(request)
    template = get_object_or_404(ArticleTemplate.objects.select_related("current"), pk=pk)
    return _editor(request, template, template.current.sections if template.current else [])


def _editor(request: HttpRequest, template: ArticleTemplate | None, sections: list[dict]) -> HttpResponse:
    form = TemplateForm(request.POST or None, instance=template)
    formset = section_formset(request.POST or None, sections=sections)
    problems: list[str] = []
    status = 200
    if request.method == "POST" and "add-section" in request.POST:
        formset = formset.with_one_more()
        typed = {"name": request.POST.get("name", ""), "description": request.POST.get("description", "")}
        form = TemplateForm(initial=typed, instance=template)
    elif request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            _check_not_stale(request, template)
            saved = _save(request, form, formset, template)
        except structure.InvalidSections as exc:
            problems = exc.problems
        else:
            return redirect(reverse("articles:template-edit", args=[saved.pk]))
    if request.method == "POST" and "add-section" not in request.POST:
        status = 400
    context = {
        "template": template,
        "opened": request.POST.get("opened") if request.method == "POST" else getattr(template, "current_id", ""),
        "form": form,
        "formset": formset,
        "problems": problems,
        **(_history(template) if template else {}),
    }
    return render(request, "articles/template_edit.html", context, status=status)


def _save(request: HttpRequest, form: TemplateForm, formset, template: ArticleTemplate | None) -> ArticleTemplate:
    data = form.cleaned_data
    if template is None:
        template = structure.create_template(
            name=data["name"], description=data["description"], sections=formset.rows(), by=request.user
        )
        messages.success(request, _("Template “%(name)s” created as version 1.") % {"name": template.name})
        return template
    before = template.current_id
    version = structure.save_sections(template, formset.rows(), by=request.user, description=data["description"])
    ArticleTemplate.objects.filter(pk=template.pk).update(name=data["name"])
    if version.pk != before:
        messages.success(
            request,
            _(
                "Saved as version %(number)s. Articles saved with an earlier version keep reading with it "
                "until they are next edited."
            )
            % {"number": version.number},
        )
    else:
        messages.info(request, _("The sections did not change: no new version."))
    return template


def _check_not_stale(request: HttpRequest, template: ArticleTemplate | None) -> None:
    # Two owners editing one template: the second save would silently drop the first one's sections.
    if template is not None and str(template.current_id or "") != request.POST.get("opened", ""):
        raise structure.InvalidSections(
            [
                _(
                    "Someone saved a new version of this template while you were editing it; nothing was saved. "
                    "Open the template again to see their version, then make your change."
                )
            ]
        )


def _history(template: ArticleTemplate) -> dict:
    versions = template.versions.select_related("created_by").annotate(used_by=Count("articles")).order_by("-number")
    return {
        "versions": versions,
        "products": template.default_for.all(),
        "product_form": ProductDefaultForm(),
    }


@staff_required
@require_POST
def template_default(request: HttpRequest, pk: int) -> HttpResponse:
    _owner(request)
    template = get_object_or_404(ArticleTemplate, pk=pk)
    try:
        structure.make_default(template)
    except structure.InvalidSections as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(name)s” is now the site's default template.") % {"name": template.name})
    return redirect("articles:template-list")


@staff_required
@require_POST
def template_archive(request: HttpRequest, pk: int) -> HttpResponse:
    _owner(request)
    template = get_object_or_404(ArticleTemplate, pk=pk)
    archive = request.POST.get("archived") == "1"
    try:
        structure.set_archived(template, archive)
    except structure.InvalidSections as exc:
        messages.error(request, str(exc))
    else:
        if archive:
            said = _("“%(name)s” archived: no longer offered for new articles.")
        else:
            said = _("“%(name)s” offered for new articles again.")
        messages.success(request, said % {"name": template.name})
    return redirect("articles:template-list")


@staff_required
@require_POST
def template_product(request: HttpRequest, pk: int) -> HttpResponse:
    """Make this template the default of a product (or, with "clear", take it off one)."""
    _owner(request)
    template = get_object_or_404(ArticleTemplate, pk=pk)
    form = ProductDefaultForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a product."))
    elif template.archived:
        messages.error(request, _("An archived template cannot be a product's default; offer it again first."))
    else:
        product = form.cleaned_data["product"]
        clear = "clear" in request.POST
        if clear and product.default_template_id == template.pk:
            Product.objects.filter(pk=product.pk).update(default_template=None)
            messages.success(
                request, _("%(product)s now starts new articles from the site's default template.") % {"product": product.name}
            )
        elif not clear:
            Product.objects.filter(pk=product.pk).update(default_template=template)
            messages.success(
                request,
                _("New %(product)s articles now start from “%(template)s”.")
                % {"product": product.name, "template": template.name},
            )
    return redirect("articles:template-edit", pk=template.pk)
