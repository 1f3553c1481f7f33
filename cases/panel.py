"""The agent panel: a ticketing tool frames it in its sidebar (about 360 px wide) for one case.

`/agent/panel/?source=zendesk&case=12345` shows the case, searches its subject at once (the
agent refines), and for each hit what the agent may decide alone, where that ends and whom to
ask; the agent links hits to the case or writes a new article from it. A page view never writes
a case: before the case has synced, the panel shows what the launch URL passed (`subject`,
`description`), and the row is made only when the agent acts (`capture.case_from_launch`).

Only origins in KCS_PANEL_FRAME_ANCESTORS may frame these views (kcs_site.framing); signing in
inside the frame is docs/decisions/0009-agent-panel-sign-in.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from articles import policy as article_policy
from articles.choices import Decider
from articles.models import Article, InvalidChange, Product, Refused
from articles.templatetags.kcs import in_sentence
from kcs_site.framing import frameable_by_panel_origins
from search import service
from search import views as search_views
from search.backends.base import SearchRequest

from . import capture, policy, services
from .choices import REUSE_KINDS, LinkKind
from .models import Case

PANEL_HITS = 6
# Searches remembered per case (the panel's trail, recorded on a `created` link), and cases per session.
SEARCHES_PER_CASE = 20
CASES_REMEMBERED = 30
SESSION_KEY = "panel_searches"


@dataclass
class Launch:
    """What the ticketing tool passed: the case's source and id, and its words if not synced yet."""

    source: str
    ref: str
    subject: str = ""
    description: str = ""

    @classmethod
    def read(cls, data) -> Launch:
        return cls(*(data.get(name, "").replace("\x00", "") for name in ("source", "case", "subject", "description")))

    @property
    def key(self) -> str:
        return f"{self.source}:{self.ref}"

    def url(self, *, synced: bool, q: str = "") -> str:
        """The panel for this case; the launch words ride along only until the case is saved here."""
        query = {"source": self.source, "case": self.ref}
        if not synced:
            query |= {"subject": self.subject, "description": self.description}
        if q:
            query["q"] = q
        return reverse("panel:panel") + "?" + urlencode({k: v for k, v in query.items() if v})

    def saved_case(self, by) -> Case:
        """The case the agent acts on, saved from these words if it has not synced yet."""
        return capture.case_from_launch(
            source=self.source, external_id=self.ref, subject=self.subject, description=self.description, by=by
        )


# --- the panel --------------------------------------------------------------------------------


@frameable_by_panel_origins
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    launch = Launch.read(request.GET)
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    try:
        case = capture.find_case(launch.source, launch.ref) or capture.launch_case(
            launch.source, launch.ref, subject=launch.subject, description=launch.description
        )
    except InvalidChange as exc:
        return render(request, "cases/panel_message.html", {"problem": str(exc)}, status=400)
    typed = "q" in request.GET
    q = service.param(request, "q") if typed else case.subject
    results = _search(request, q, log=typed, autocorrect=service.param(request, service.NO_CORRECTION) != "1")
    if q:
        remember_search(request, launch, q)
    return render(request, "cases/panel.html", _context(request, launch, case, q, results))


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """Signed out: sign in inside the frame (or a new window); customers and partners: refused."""
    if not request.user.is_authenticated:
        context = {"login_url": reverse("login") + "?" + urlencode({"next": request.get_full_path()})}
        return render(request, "cases/panel_signin.html", context)
    seen = policy.can_see_cases(request.user)
    if not seen:
        return render(request, "cases/panel_message.html", {"problem": seen.reason}, status=403)
    return None


def _search(request: HttpRequest, q: str, *, log: bool, autocorrect: bool = True):
    if not q:
        return None
    # The automatic search of the case's subject is not logged: only what the agent typed is a search.
    search_request = SearchRequest(text=q, user=request.user, per_page=PANEL_HITS, facets=False, autocorrect=autocorrect)
    return service.search(search_request, log=log)


def _spelling_link(request: HttpRequest, q: str, results) -> str:
    """The panel's own query string for "Search instead for <as typed>" after an applied correction,
    or for "Did you mean <suggestion>", keeping the case it was opened for."""
    if results is None or not (results.corrected or results.suggestion):
        return ""
    query = request.GET.copy()
    query["q"] = q if results.corrected else results.suggestion
    if results.corrected:
        query[service.NO_CORRECTION] = "1"
    else:
        query.pop(service.NO_CORRECTION, None)
    return query.urlencode()


def _context(request: HttpRequest, launch: Launch, case: Case, q: str, results) -> dict:
    user = request.user
    links = []
    if case.pk:
        visible = Article.objects.visible_to(user).values("pk")
        links = list(case.links.live().filter(article__in=visible).select_related("article"))
    linked = {link.article_id: link for link in links}
    creating = article_policy.can_create(user)
    return {
        "launch": launch,
        "case": case,
        "synced": case.pk is not None,
        "q": q,
        "query_typed": q if q != case.subject else "",
        "results": results,
        "spelling_link": _spelling_link(request, q, results),
        "hits": _hits(user, results, linked, _open_token(request, results)),
        "links": [(link, bool(policy.can_unlink(user, link))) for link in links],
        "trail": services.requester_trail(case, request.user),
        "can_create": creating,
        "products": list(Product.objects.all()) if creating and case.product_id is None else [],
        "searches": remembered_searches(request, launch),
        "reuse_kinds": [(kind, LinkKind(kind).label) for kind in REUSE_KINDS],
    }


@dataclass
class PanelHit:
    article: Article
    state: str
    alone: list[str]
    ends: list[str]
    link: object = None  # the live CaseLink to this case, if any
    url: str = ""  # through search's open_result when the search was logged (records the click)


def _open_token(request: HttpRequest, results) -> str:
    """The token that lets a logged search record which result the agent opened ("" when not logged)."""
    if results is None or results.log_id is None:
        return ""
    return search_views.open_token(request, results.log_id)


def _hits(user, results, linked: dict, token: str = "") -> list[PanelHit]:
    """Each hit with its authority summary: three queries whatever the number of hits."""
    if results is None or not results.hits:
        return []
    ids = [hit.article_id for hit in results.hits]
    rows = Article.objects.visible_to(user).select_related("escalation").prefetch_related("rules").in_bulk(ids)
    out = []
    for hit in results.hits:
        article = rows.get(hit.article_id)
        if article is not None:
            alone, ends = authority_summary(article)
            url = search_views.open_url(token, hit) if token else article.get_absolute_url()
            out.append(PanelHit(article, hit.state, alone, ends, linked.get(article.pk), url))
    return out


def authority_summary(article: Article, lines: int = 2) -> tuple[list[str], list[str]]:
    """What the agent may decide alone, and where that ends, in a few lines (the article's
    authority box has them all). Reads `article.rules.all()`, prefetched by the caller."""
    rules = list(article.rules.all())
    alone = [rule.plain_words() for rule in rules if rule.decider == Decider.AGENT]
    ends = [rule.plain_words() for rule in rules if rule.decider != Decider.AGENT]
    return alone[:lines], ends[:lines]


# --- the searches run in the panel, per case (the session) ------------------------------------


def remember_search(request: HttpRequest, launch: Launch, q: str) -> None:

    memory = request.session.get(SESSION_KEY, {})
    trail = memory.get(launch.key, [])
    if trail and trail[-1]["q"] == q:
        return  # a reload, or back from a link: the same search
    trail = [*trail, {"q": q, "at": timezone.now().isoformat(timespec="seconds")}][-SEARCHES_PER_CASE:]
    memory.pop(launch.key, None)
    memory[launch.key] = trail  # last in order: the cases worked on most recently are kept
    while len(memory) > CASES_REMEMBERED:
        memory.pop(next(iter(memory)))
    request.session[SESSION_KEY] = memory


def remembered_searches(request: HttpRequest, launch: Launch) -> list[dict]:
    return list(request.session.get(SESSION_KEY, {}).get(launch.key, []))


# --- the agent acts (POST, then back to the panel) --------------------------------------------


def _act(request: HttpRequest, action, *, make_case: bool = True) -> HttpResponse:
    """Run `action(case)` for the case the form names, as the signed-in agent; say what happened
    (or why not) on the panel. Makes the case row from the launch words if it is not here yet."""
    launch = Launch.read(request.POST)
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    q = request.POST.get("q", "").replace("\x00", "").strip()[:500]
    try:
        case = launch.saved_case(request.user) if make_case else capture.find_case(launch.source, launch.ref)
        messages.success(request, action(case))
    except (Refused, InvalidChange) as exc:
        messages.error(request, str(exc))
    except ValueError:  # a case or article id the form could not have sent
        return render(request, "cases/panel_message.html", {"problem": _("That case or article is not known here.")}, status=400)
    synced = Case.objects.filter(source=launch.source, external_id=launch.ref).exists()
    return redirect(launch.url(synced=synced, q="" if "q" not in request.POST else q))


def _article(request: HttpRequest) -> Article:
    found = Article.objects.visible_to(request.user).filter(pk=int(request.POST.get("article", ""))).first()
    if found is None:
        raise InvalidChange(_("That article is not there any more, or you may not see it."))
    return found


@frameable_by_panel_origins
@require_POST
def link(request: HttpRequest) -> HttpResponse:
    def act(case: Case) -> str:
        kind = request.POST.get("kind", "")
        if kind not in REUSE_KINDS:
            raise InvalidChange(_("Link an article as “solved it” or as a reference."))
        article = _article(request)
        # The panel's searches for this case go with the link: the evidence a coach reads in a
        # process adherence review of whether the agent searched first.
        searches = remembered_searches(request, Launch.read(request.POST))
        made, created = services.link(case=case, article=article, kind=kind, by=request.user, searches=searches)
        values = {"title": article.title, "case": case.label, "kind": in_sentence(made.get_kind_display())}
        if not created:
            return _("“%(title)s” was already linked to this case (%(kind)s).") % values
        return _("Linked “%(title)s” to %(case)s: %(kind)s.") % values

    return _act(request, act)


@frameable_by_panel_origins
@require_POST
def unlink(request: HttpRequest) -> HttpResponse:
    def act(case: Case | None) -> str:
        found = case.links.live().filter(pk=int(request.POST.get("link", ""))).first() if case else None
        if found is None:
            raise InvalidChange(_("That link is not on this case any more."))
        services.unlink(link=found, by=request.user, reason=request.POST.get("reason", ""))
        return _("Link to “%(title)s” removed; the case's history keeps it.") % {"title": found.article.title}

    return _act(request, act, make_case=False)


@frameable_by_panel_origins
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """ "New article from this case": the form opens this in a new tab, which lands on the new
    article's editor; the panel reloads itself (panel.js) and shows the `created` link."""
    launch = Launch.read(request.POST)
    refusal = _refusal(request)
    if refusal is not None:
        return refusal
    try:
        with transaction.atomic():  # refused: no case row made for it either
            case = launch.saved_case(request.user)
            product = Product.objects.filter(pk=int(request.POST.get("product") or 0)).first()
            article, _created = capture.new_article_from_case(
                case=case, by=request.user, product=product, searches=remembered_searches(request, launch)
            )
    except (Refused, InvalidChange, ValueError) as exc:
        problem = str(exc) if not isinstance(exc, ValueError) else _("Choose a product from the list.")
        context = {"problem": problem, "back": launch.url(synced=False)}
        return render(request, "cases/panel_message.html", context, status=403 if isinstance(exc, Refused) else 400)
    text = _("Started from %(case)s and linked to it. Write what solved it, then save.")
    messages.success(request, text % {"case": case.label})
    return redirect("articles:edit", slug=article.slug)
