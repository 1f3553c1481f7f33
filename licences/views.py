from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Kind, Licence
from accounts.models import User
from articles.models import InvalidChange, require
from kcs_site.decorators import staff_required

from . import policy, services
from .forms import CriteriaForm, PromoteForm
from .models import PROMOTABLE, LevelCriteria, Promotion

# --- access helpers ----------------------------------------------------------------------


def _person_for(request: HttpRequest, username: str) -> User:
    person = get_object_or_404(User, username=username, kind=Kind.STAFF)
    require(policy.can_view_progress(request.user, person))
    return person


# --- pages ----------------------------------------------------------------------------------


@staff_required
def coach_dashboard(request: HttpRequest) -> HttpResponse:
    require(policy.can_view_coach_dashboard(request.user))
    return render(request, "licences/coach.html", {"trainees": services.trainees(request.user)})


@staff_required
def person(request: HttpRequest, username: str) -> HttpResponse:
    person = _person_for(request, username)
    return render(request, "licences/person.html", _person_context(request, person, PromoteForm()))


def _person_context(request: HttpRequest, person: User, form: PromoteForm) -> dict:
    to = policy.next_level(person)
    may_promote = bool(to) and bool(policy.can_promote(request.user, person, to))
    if to:
        form.initial.setdefault("to", to)
    return {
        "person": person,
        "levels": services.licence_progress(person),
        "next_level": to,
        "next_level_label": Licence(to).label if to else "",
        "may_promote": may_promote,
        "may_configure": bool(policy.can_configure_criteria(request.user)),
        "form": form,
        "promotions": Promotion.objects.filter(user=person).select_related("by")[:20],
    }


@staff_required(methods=["POST"])
def promote(request: HttpRequest, username: str) -> HttpResponse:
    person = _person_for(request, username)
    form = PromoteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.promote(person=person, to=data["to"], by=request.user, note=data["note"], override=data["override"])
        except InvalidChange as exc:
            form.add_error(None, str(exc))
        else:
            person.refresh_from_db()
            text = _("%(name)s is now a %(licence)s.") % {"name": person.username, "licence": person.get_licence_display()}
            messages.success(request, text)
            return redirect("licences:person", username=person.username)
    # Nothing is lost: the form comes back with the note and the reason.
    return render(request, "licences/person.html", _person_context(request, person, form), status=400)


@staff_required
def criteria(request: HttpRequest) -> HttpResponse:
    """KB owners set each level's criteria; one form per level, saved together."""
    require(policy.can_configure_criteria(request.user))
    existing = {c.level: c for c in LevelCriteria.objects.all()}
    instances = {level: existing.get(level) or LevelCriteria(level=level) for level, _label in PROMOTABLE}
    data = request.POST if request.method == "POST" else None
    forms = [(label, CriteriaForm(data, instance=instances[level], prefix=level)) for level, label in PROMOTABLE]
    if data is not None:
        if all(form.is_valid() for _label, form in forms):
            with transaction.atomic():
                for _label, form in forms:
                    form.instance.updated_at = timezone.now()
                    form.save()
            messages.success(request, _("Licence criteria saved."))
            return redirect("licences:criteria")
        return render(request, "licences/criteria.html", {"forms": forms}, status=400)
    return render(request, "licences/criteria.html", {"forms": forms})
