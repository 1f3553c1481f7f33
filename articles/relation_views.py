"""Pages that relate an article to another and remove a relation (articles/relations.py)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kcs_site.decorators import staff_required

from . import policy, relations
from .models import Article, ArticleRelation, InvalidChange, Refused, require
from .relation_forms import RelationForm
from .views import _article_for


def _back(article: Article) -> str:
    return article.get_absolute_url() + "#linked-articles"


@staff_required(methods=["GET", "POST"])
def add(request: HttpRequest, slug: str) -> HttpResponse:
    """The form on its own page (GET), and what the article page's form posts to: a refusal or a
    mistake comes back here with what was typed and the reason."""
    article = _article_for(request, slug)
    require(policy.can_relate(request.user, article))
    form = RelationForm(request.POST or None, auto_id="relation_%s")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        other = relations.find_article(request.user, data["article"])
        try:
            if other is None:
                raise InvalidChange(policy.NO_SUCH_ARTICLE)
            relations.relate(from_article=article, to_article=other, kind=data["kind"], by=request.user, note=data["note"])
        except (Refused, InvalidChange) as exc:
            form.add_error("article" if other is None else None, str(exc))
        else:
            label = relations.RelationKind(data["kind"]).label.lower()
            messages.success(request, _("Linked: %(kind)s “%(title)s”.") % {"kind": label, "title": other.title})
            return redirect(_back(article))
    status = 400 if request.method == "POST" else 200
    return render(request, "articles/relation_form.html", {"article": article, "form": form}, status=status)


@staff_required(methods=["POST"])
def remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    article = _article_for(request, slug)
    mine = ArticleRelation.objects.filter(Q(from_article=article) | Q(to_article=article))
    relation = get_object_or_404(mine.select_related("from_article", "to_article"), pk=pk)
    other = relation.to_article if relation.from_article_id == article.pk else relation.from_article
    if not policy.can_view(request.user, other):
        raise Http404("No such relation")
    try:
        relations.unrelate(relation=relation, by=request.user)
    except InvalidChange as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Removed the link to “%(title)s”.") % {"title": other.title})
    return redirect(_back(article))
