from __future__ import annotations

import csv

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from articles.http import as_id
from articles.models import Article, Refused, require
from kcs_site.decorators import staff_required

from . import policy, services
from .forms import AssignForm, ItemForm, PathForm, QuestionForm, SectionForm
from .models import Acknowledgement, Assignment, Choice, LearningPath, PathItem, PathSection, Question

# --- access helpers ----------------------------------------------------------------------


def _path_for(request: HttpRequest, pk: int, *, manage: bool = False) -> LearningPath:
    path = get_object_or_404(LearningPath.objects.select_related("product", "team", "created_by"), pk=pk)
    if manage:
        require(policy.can_manage_path(request.user, path))
    return path


# --- pages ---------------------------------------------------------------------------------


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    assignments = list(Assignment.objects.filter(user=request.user).select_related("path"))
    progress = services.progress(request.user, [a.path for a in assignments])
    rows = [(a, progress[a.path_id]) for a in assignments]
    context = {
        "rows": rows,
        "overdue": [(a, p) for a, p in rows if a.is_overdue() and not p.complete],
        "may_manage": policy.may_manage_paths(request.user),
    }
    return render(request, "training/home.html", context)


@staff_required
def path_list(request: HttpRequest) -> HttpResponse:
    paths = LearningPath.objects.select_related("product", "team", "created_by")
    return render(request, "training/path_list.html", {"paths": paths, "may_manage": policy.may_manage_paths(request.user)})


@staff_required
def path_detail(request: HttpRequest, pk: int) -> HttpResponse:
    path = _path_for(request, pk)
    user = request.user
    mine = services.progress(user, [path])[path.pk]
    may_manage = policy.may_manage_paths(user)
    sections = list(PathSection.objects.filter(path=path))
    by_section = {s.pk: [] for s in sections}
    for status in mine.items:
        by_section[status.item.section_id].append(status)
    context = {
        "path": path,
        "progress": mine,
        "sections": [(s, by_section[s.pk]) for s in sections],
        "assignment": Assignment.objects.filter(path=path, user=user).first(),
        "may_manage": may_manage,
        "assignments": Assignment.objects.filter(path=path).select_related("user") if may_manage else [],
        "assign_form": AssignForm() if may_manage else None,
        "section_form": SectionForm() if may_manage else None,
        "item_form": ItemForm(path=path, user=user) if may_manage and sections else None,
    }
    return render(request, "training/path_detail.html", context)


@staff_required
def path_create(request: HttpRequest) -> HttpResponse:
    require(policy.can_manage_path(request.user))
    form = PathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        path = form.save(commit=False)
        path.created_by = request.user
        path.save()
        messages.success(request, _("Learning path created. Add sections and articles below."))
        return redirect(path)
    return render(request, "training/path_form.html", {"form": form})


@staff_required
def path_edit(request: HttpRequest, pk: int) -> HttpResponse:
    path = _path_for(request, pk, manage=True)
    form = PathForm(request.POST or None, instance=path)
    if request.method == "POST" and form.is_valid():
        path = form.save(commit=False)
        path.updated_at = timezone.now()
        path.save()
        messages.success(request, _("Learning path saved."))
        return redirect(path)
    return render(request, "training/path_form.html", {"form": form, "path": path})


@staff_required(methods=["POST"])
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    path = _path_for(request, pk, manage=True)
    form = SectionForm(request.POST)
    if form.is_valid():
        last = path.sections.aggregate(m=Max("position"))["m"]
        PathSection.objects.create(path=path, title=form.cleaned_data["title"], position=(last or 0) + 1)
        messages.success(request, _("Section added."))
    else:
        messages.error(request, _("A section needs a title."))
    return redirect(path)


@staff_required(methods=["POST"])
def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    path = _path_for(request, pk, manage=True)
    form = ItemForm(request.POST, path=path, user=request.user)
    if not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, _("The article was not added: %(errors)s") % {"errors": errors})
        return redirect(path)
    data = form.cleaned_data
    section = data["section"]
    if section.items.filter(article=data["article"]).exists():
        messages.error(request, _("That article is already in this section."))
        return redirect(path)
    last = section.items.aggregate(m=Max("position"))["m"]
    PathItem.objects.create(
        section=section, article=data["article"], note=data["note"], required=data["required"], position=(last or 0) + 1
    )
    messages.success(request, _("Added “%(title)s”.") % {"title": data["article"].title})
    return redirect(path)


@staff_required(methods=["POST"])
def item_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    path = _path_for(request, pk, manage=True)
    get_object_or_404(PathItem, pk=item, section__path=path).delete()  # acknowledgements stay
    messages.success(request, _("Article removed from the path."))
    return redirect(path)


@staff_required(methods=["POST"])
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    path = _path_for(request, pk, manage=True)
    form = AssignForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, _("Not assigned: %(errors)s") % {"errors": errors})
        return redirect(path)
    people = form.people()
    if not people:
        messages.error(request, _("Nobody to assign: that group has no active staff."))
        return redirect(path)
    try:
        services.assign(by=request.user, path=path, people=people, due_date=form.cleaned_data["due_date"])
    except Refused as refusal:
        messages.error(request, str(refusal))
        return redirect(path)
    messages.success(request, _("Assigned to %(people)s.") % {"people": ", ".join(p.username for p in people)})
    return redirect(path)


@staff_required(methods=["POST"])
def acknowledge(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    path_id = as_id(request.POST.get("path", ""))
    path = LearningPath.objects.filter(pk=path_id).first() if path_id is not None else None
    ack = services.acknowledge(user=request.user, article=article, path=path)
    said = _("Recorded: you read and understood version %(version)s.") % {"version": ack.article_version}
    if services.check_still_needed(user=request.user, ack=ack, path=path):
        said += " " + _("It counts as done once you pass its knowledge check.")
    messages.success(request, said)
    if path is not None:
        return redirect(path)
    return redirect(article)


# --- CSV exports ------------------------------------------------------------------------------

CSV_HEADER = [
    "person",
    "name",
    "article",
    "title",
    "version acknowledged",
    "acknowledged at",
    "path",
    "status",
    "changed in version",
]


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start like a formula; article titles are user input.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(acks, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for ack in acks:
        writer.writerow(
            _cell(v)
            for v in (
                ack.user.username,
                ack.user.get_full_name(),
                ack.article.slug,
                ack.article.title,
                ack.article_version,
                ack.at.isoformat(),
                ack.path.title if ack.path else "",
                "stale" if ack.stale_at else "current",
                ack.stale_version or "",
            )
        )
    return response


@staff_required
def path_export(request: HttpRequest, pk: int) -> HttpResponse:
    path = _path_for(request, pk)
    require(policy.can_export_path(request.user, path))
    articles = PathItem.objects.filter(section__path=path).values("article_id")
    people = Assignment.objects.filter(path=path).values("user_id")
    acks = Acknowledgement.objects.filter(article_id__in=articles, user_id__in=people).for_export()
    return _csv(acks, f"path-{path.pk}-acknowledgements.csv")


@staff_required
def person_export(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    require(policy.can_view_progress_of(request.user, person))
    acks = Acknowledgement.objects.filter(user=person).for_export()
    return _csv(acks, f"{person.username}-acknowledgements.csv")


# --- knowledge checks -------------------------------------------------------------------------


def _article_for(request: HttpRequest, slug: str, *, manage: bool = False) -> Article:
    article = get_object_or_404(Article.objects.visible_to(request.user), slug=slug)
    if manage:
        require(policy.can_manage_questions(request.user, article))
    return article


def _save_question(form: QuestionForm, article: Article, user) -> Question:
    question = form.save(commit=False)
    question.article, question.needs_review, question.updated_at = article, False, timezone.now()
    if question.created_by_id is None:
        question.created_by = user
    question.save()
    question.choices.all().delete()  # answers already given keep their score; see AttemptAnswer
    Choice.objects.bulk_create(
        Choice(question=question, text=text, correct=correct, position=n)
        for n, (text, correct) in enumerate(form.cleaned_data["choices"], 1)
    )
    return question


@staff_required
def questions(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug, manage=True)
    form = QuestionForm(request.POST or None, article=article)
    if request.method == "POST" and form.is_valid():
        _save_question(form, article, request.user)
        messages.success(request, _("Question added."))
        return redirect("training:questions", slug=article.slug)
    context = {"article": article, "questions": Question.objects.filter(article=article).for_check(), "form": form}
    return render(request, "training/questions.html", context)


@staff_required
def question_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    article = _article_for(request, slug, manage=True)
    question = get_object_or_404(Question.objects.for_check(), pk=pk, article=article)
    form = QuestionForm(request.POST or None, instance=question, article=article)
    if request.method == "POST" and form.is_valid():
        _save_question(form, article, request.user)
        messages.success(request, _("Question saved."))
        return redirect("training:questions", slug=article.slug)
    return render(request, "training/question_form.html", {"article": article, "question": question, "form": form})


@staff_required(methods=["POST"])
def question_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    article = _article_for(request, slug, manage=True)
    get_object_or_404(Question, pk=pk, article=article).delete()  # attempts keep their scores
    messages.success(request, _("Question removed."))
    return redirect("training:questions", slug=article.slug)


@staff_required
def check(request: HttpRequest, slug: str) -> HttpResponse:
    article = _article_for(request, slug)
    require(policy.can_take_check(request.user, article))
    path_id = as_id(request.GET.get("path", "") or request.POST.get("path", ""))
    path = LearningPath.objects.filter(pk=path_id).first() if path_id is not None else None
    context = {"article": article, "path": path, "attempt": None, "marked": None}
    if request.method == "POST":
        answers = {}
        for key in request.POST:
            if key.startswith("q-") and as_id(key[2:]) is not None:
                answers[as_id(key[2:])] = request.POST.getlist(key)
        try:
            context["attempt"], context["marked"] = services.submit_attempt(
                user=request.user, article=article, path=path, answers=answers
            )
        except services.Unanswered as unanswered:
            # The form again, with what was ticked, the reason on top and at each empty question.
            context.update(error=str(unanswered), unanswered=unanswered.question_ids, status=400)
            context["chosen"] = {as_id(c) for values in answers.values() for c in values}
        except Refused as refusal:
            messages.error(request, str(refusal))
    context["questions"] = (
        [m.question for m in context["marked"]]
        if context["marked"]
        else list(Question.objects.filter(article=article).for_check())
    )
    context["may_manage"] = policy.can_manage_questions(request.user, article)
    return render(request, "training/check.html", context, status=context.pop("status", 200))
