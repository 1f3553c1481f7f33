from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from articles.http import query_param
from articles.models import Article, Product, long_fields, require

from . import policy, services
from .forms import PreferenceForm, SubscribeForm
from .models import ArticleUpdate, EmailChoice, Notification, Preference, Subscription
from .services import recent_updates

# --- access helpers ----------------------------------------------------------------------


def _mine(request: HttpRequest, pk: int) -> Notification:
    # Someone else's notification does not exist for you.
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def is_site_path(url: str) -> bool:
    """Only paths on this site: notifications never send anyone elsewhere (no open redirect)."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=False)
    )


# --- notifications ---------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient=request.user).select_related("article").defer(*long_fields(via="article"))
    page = Paginator(qs, settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    return render(request, "notifications/index.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """POST (the list's button) marks it read, then goes to its page; GET only goes there, so a
    prefetching browser, a link checker or a cross-site image tag changes nothing."""
    note = _mine(request, pk)
    if request.method == "POST" and note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at=None).update(read_at=timezone.now())
    if note.url and is_site_path(note.url):
        return redirect(note.url)
    messages.error(request, _("This notification has no page on this site to open."))
    return redirect("notifications:index")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = _mine(request, pk)
    Notification.objects.filter(pk=note.pk, read_at=None).update(read_at=timezone.now())
    return redirect("notifications:index")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.filter(recipient=request.user, read_at=None).update(read_at=timezone.now())
    text = ngettext("Marked %(count)s notification as read.", "Marked %(count)s notifications as read.", count)
    messages.success(request, text % {"count": count})
    return redirect("notifications:index")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferenceForm(request.POST or None, initial={"email": services.email_choice(request.user)})
    if request.method == "POST" and form.is_valid():
        Preference.objects.update_or_create(user=request.user, defaults={"email": form.cleaned_data["email"]})
        choice = EmailChoice(form.cleaned_data["email"]).label
        messages.success(request, _("Saved: %(choice)s.") % {"choice": str(choice).lower()})
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "has_email": bool(request.user.email)})


# --- subscriptions -------------------------------------------------------------------------------


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    subs = Subscription.objects.visible_to(request.user).select_related("article", "product", "tag")
    return render(request, "notifications/subscriptions.html", {"subscriptions": subs})


@login_required
@require_POST
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.visible_to(request.user).select_related("product"), slug=slug)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to subscribe to."))
        return redirect(_back(request, article))
    target = _target(article, form.cleaned_data)
    require(policy.can_subscribe(request.user, article))
    try:
        with transaction.atomic():
            Subscription.objects.get_or_create(user=request.user, **target)
    except IntegrityError:
        pass  # subscribed twice at once: one row is enough
    messages.success(request, _("You will hear about material updates to %(target)s.") % {"target": _describe(target)})
    return redirect(_back(request, article))


@login_required
@require_POST
def unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    sub = get_object_or_404(Subscription.objects.select_related("article", "product", "tag"), pk=pk, user=request.user)
    described = _describe({sub.kind: sub.target})
    sub.delete()
    messages.success(request, _("Unsubscribed from %(target)s.") % {"target": described})
    nxt = request.POST.get("next", "")
    return redirect(nxt if is_site_path(nxt) else reverse("notifications:subscriptions"))


def _target(article: Article, data: dict) -> dict:
    if data["target"] == "article":
        return {"article": article}
    if data["target"] == "product":
        return {"product": article.product}
    tag = article.tags.filter(name=data["tag"]).first()
    if tag is None:
        raise Http404(_("This article has no such tag."))
    return {"tag": tag}


def _describe(target: dict) -> str:
    kind, obj = next(iter(target.items()))
    if kind == "article":
        return _("“%(title)s”") % {"title": obj}
    if kind == "product":
        return _("the product %(name)s") % {"name": obj}
    return _("the tag %(name)s") % {"name": obj}


def _back(request: HttpRequest, article: Article) -> str:
    return article.get_absolute_url() if policy.is_staff(request.user) else article.get_help_url()


# --- what's new ------------------------------------------------------------------------------------


def whats_new(request: HttpRequest) -> HttpResponse:
    product = query_param(request, "product")
    page = Paginator(recent_updates(request.user, product=product), settings.KCS_PAGE_SIZE).get_page(query_param(request, "page"))
    context = {
        "page": page,
        "product": product,
        "products": Product.objects.all() if policy.is_staff(request.user) else _outside_products(request.user),
        "staff": policy.is_staff(request.user),
    }
    return render(request, "notifications/whats_new.html", context)


def _outside_products(user):
    # Only products with something this reader may see: the others' names would leak internal topics.
    return Product.objects.filter(pk__in=Article.objects.visible_to(user).values("product_id")).distinct()


class PublicUpdatesFeed(Feed):
    """Material updates to public validated articles, for customers' feed readers."""

    feed_type = Atom1Feed
    title = gettext_lazy("Northwind KB: what's new")
    subtitle = gettext_lazy("Material updates to public help-centre articles.")

    def link(self) -> str:
        return reverse("notifications:whats_new")

    def items(self):
        # What an anonymous reader may see: updates to public articles, made while they were public.
        return ArticleUpdate.objects.visible_to(AnonymousUser()).select_related("article").order_by("-at", "-id")[:50]

    def item_title(self, item: ArticleUpdate) -> str:
        return _("%(title)s (updated)") % {"title": item.article.title}

    def item_description(self, item: ArticleUpdate) -> str:
        return _("This article has been updated.")  # the change note is staff text

    def item_link(self, item: ArticleUpdate) -> str:
        return item.article.get_help_url()

    def item_guid(self, item: ArticleUpdate) -> str:
        return f"urn:northwind-kb:update:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ArticleUpdate):
        return item.at

    def item_updateddate(self, item: ArticleUpdate):
        return item.at
