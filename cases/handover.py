"""Self-service hands over to assisted support: the help centre's contact form (/help/contact/).

A reader who did not find their answer tells support what happened; the case created (source
`help-centre`) carries this visit's searches and the articles read (`articles.help_trail`), so the
agent does not ask again. The reader sees that list on the form and may leave it out.

Against abuse, in the order a post meets them:
- a honeypot field people never see (bots fill every field) and a minimum time between showing
  the form and posting it (a signed timestamp in the form: bots post at once);
- length limits, and at most MAX_LINKS links in the message (link spam is the usual payload);
- a rate per visitor address, or per account when signed in (KCS_HANDOVER_RATE), counted with the
  site's own counter (`accounts.forms.under_limit`, as password resets are): an office of
  customers behind one address is limited per person, not all together.
A refused post shows the form again with what was typed and the reason; never a silent drop.
The form says nothing about accounts: an email address typed by a visitor is never looked up.
"""

from __future__ import annotations

import re
import secrets
import time
from functools import partial

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.choices import Kind
from accounts.forms import under_limit
from articles import help_trail
from articles.help_views import help_articles
from articles.http import query_param
from notifications.models import OutgoingEmail
from notifications.services import absolute_url

from . import signals
from .choices import RequesterKind, Source
from .models import Case

# A person reads the form and types; a bot posts within a second of fetching it.
MIN_SECONDS = 3
# A form left open longer than this is shown again (with what was typed) to be sent once more.
FORM_MAX_AGE = 24 * 3600
MAX_LINKS = 2
NAME_LIMIT = 200
SUBJECT_LIMIT = 200
DESCRIPTION_LIMIT = 5000
SHOWN_SALT = "cases.handover.shown"
SENT_SALT = "cases.handover.sent"
SENT_MAX_AGE = 7 * 24 * 3600
# References are read out on the phone: no 0/O, 1/I/L.
REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REF_ATTEMPTS = 5
LINK = re.compile(r"https?://|www\.|\[url", re.IGNORECASE)
RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*")
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# --- the form ------------------------------------------------------------------------------


def shown_token(now: float | None = None) -> str:
    """The signed time the form was shown, posted back with it."""
    return signing.dumps(now if now is not None else time.time(), salt=SHOWN_SALT)


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=NAME_LIMIT)
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        help_text=gettext_lazy("We answer at this address."),
        # Another app's German catalogue says "du" for this message; the help centre says "Sie".
        error_messages={"invalid": pgettext_lazy("contact form", "Enter a valid email address.")},
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=SUBJECT_LIMIT,
        help_text=gettext_lazy("In a few words: what do you need help with?"),
    )
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        help_text=gettext_lazy("What you tried, what you expected and what you saw instead (error messages, booking numbers)."),
    )
    attach_trail = forms.BooleanField(
        label=gettext_lazy("Attach my searches and the articles I read"), label_suffix="", required=False, initial=True
    )
    # The honeypot: hidden from people (see the template), named like a field bots like to fill.
    website = forms.CharField(required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.spam = False
        # Signed-in readers are not asked again what their account already says.
        if account is not None:
            del self.fields["name"]
            if account.email:
                del self.fields["email"]

    def clean_subject(self) -> str:
        return " ".join(self.cleaned_data["subject"].split())  # one line: it becomes an email subject

    def clean(self):
        data = super().clean()
        if data.get("website"):
            self._refuse_spam(
                _(
                    "This looked like an automatic submission: a field meant to stay empty was filled in "
                    "(some browsers fill it by themselves). Nothing was sent. Please press “Send” again."
                )
            )
            return data
        try:
            shown = float(signing.loads(self.data.get("shown", ""), salt=SHOWN_SALT, max_age=FORM_MAX_AGE))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                _("This form was open for a long time. Nothing was sent: check your message and press “Send” again.")
            ) from None
        if time.time() - shown < MIN_SECONDS:
            self._refuse_spam(
                _(
                    "That was faster than anyone can type, so we took it for an automatic submission. "
                    "Nothing was sent: check your message and press “Send” again."
                )
            )
        links = len(LINK.findall(f"{data.get('subject', '')} {data.get('description', '')}"))
        if links > MAX_LINKS:
            self.add_error(
                "description",
                _(
                    "Your message has %(links)s links; we accept at most %(most)s, to keep spam out. "
                    "Please remove some (naming the page is enough)."
                )
                % {"links": links, "most": MAX_LINKS},
            )
        return data

    def _refuse_spam(self, message: str) -> None:
        self.spam = True
        raise forms.ValidationError(message)


# --- the service ---------------------------------------------------------------------------


def new_reference(today=None) -> str:
    """A reference a person can read out: HC-20250314-7K3QXM (30^6 per day: clashes are rare and retried)."""
    day = (today or timezone.localdate()).strftime("%Y%m%d")
    return f"HC-{day}-{''.join(secrets.choice(REF_ALPHABET) for _ in range(6))}"


def create_handover(*, account, name: str, email: str, subject: str, description: str, trail: dict) -> Case:
    """The case for a help-centre request; a copy to KCS_HANDOVER_EMAIL through the outbox, and
    `handover_created` once committed (forwarders react to it)."""
    kind = RequesterKind.PARTNER if account is not None and account.kind == Kind.PARTNER else RequesterKind.CUSTOMER
    fields = {
        "source": Source.HELP_CENTRE,
        "subject": subject,
        "description": description,
        "requester_kind": kind,
        "requester_name": name[:NAME_LIMIT],
        "requester_email": email,
        "trail": trail,
    }
    with transaction.atomic():
        case = _insert_with_reference(fields)
        if settings.KCS_HANDOVER_EMAIL:
            OutgoingEmail.objects.create(
                recipient=None,
                to=settings.KCS_HANDOVER_EMAIL,
                subject=f"[Help centre] {case.external_id}: {subject}"[:300],
                body=email_body_stored(case),
                send_after=timezone.now(),
            )
        transaction.on_commit(partial(signals.handover_created.send, sender=Case, case=case))
    return case


def _insert_with_reference(fields: dict) -> Case:
    # The unique (source, external_id) constraint decides: a clash (two requests drawing the same
    # random reference) rolls back only its savepoint and draws again.
    for attempt in range(REF_ATTEMPTS):
        try:
            with transaction.atomic():
                return Case.objects.create(external_id=new_reference(), **fields)
        except IntegrityError:
            if attempt == REF_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def email_body_stored(case: Case) -> str:
    """The support team's email, in the site's default language whatever the requester reads."""
    with translation.override(settings.LANGUAGE_CODE):
        return email_body(case)


def email_body(case: Case) -> str:
    lines = [
        "A help-centre reader asked for help.",
        "",
        f"Reference: {case.external_id}",
        f"From: {case.requester_name} <{case.requester_email}> ({case.get_requester_kind_display().lower()})",
        f"Subject: {case.subject}",
        "",
        "What happened:",
        case.description,
        "",
        *trail_lines(case.trail),
        "",
        # The panel's address is fixed (docs: DESIGN "Pages with fixed addresses").
        f"Open it in the agent panel: {absolute_url(f'/agent/panel/?source={case.source}&case={case.external_id}')}",
    ]
    return "\n".join(lines)


def trail_lines(trail: dict) -> list[str]:
    searches, viewed = trail.get("searches", []), trail.get("viewed", [])
    lines = ["Searches on this visit (oldest first):" if searches else "No searches on this visit."]
    lines += [f"- “{s['query']}” ({s['results']} result{'s' if s['results'] != 1 else ''})" for s in searches]
    lines.append("Articles read (oldest first):" if viewed else "No articles read on this visit.")
    lines += [f"- {v['title']}: {absolute_url(reverse('help:detail', args=[v['slug']]))}" for v in viewed]
    return lines


def visible_trail(request: HttpRequest) -> help_trail.Trail:
    """This visit's trail with only the articles this reader may open now, under their titles now."""
    trail = help_trail.read(request)
    if trail.viewed:
        titles = dict(help_articles(request.user).filter(slug__in=[v[0] for v in trail.viewed]).values_list("slug", "title"))
        trail.viewed = [[slug, titles[slug], at] for slug, _title, at in trail.viewed if slug in titles]
    return trail


def parse_rate(text: str) -> tuple[int, int]:
    """The rate setting as (count, seconds): "5/h" → (5, 3600), "10/15m" → (10, 900)."""
    match = RATE.fullmatch(text or "")
    if not match:
        raise ImproperlyConfigured(f"KCS_HANDOVER_RATE must look like 5/h or 10/15m, not {text!r}.")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * PERIODS[unit]


def take_allowance(request: HttpRequest) -> bool:
    """Counts one request against the visitor's address, or the signed-in account; False once over."""
    limit, period = parse_rate(settings.KCS_HANDOVER_RATE)
    if request.user.is_authenticated:
        key = f"kcs:handover:user:{request.user.pk}"
    else:
        key = f"kcs:handover:ip:{get_client_ip_address(request) or 'unknown'}"
    return under_limit(key, limit, period)


# --- the views -----------------------------------------------------------------------------


def _account(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    trail = visible_trail(request)
    account = _account(request)
    if request.method == "GET":
        form = ContactForm(account=account, initial={"subject": " ".join(query_param(request, "q").split())[:SUBJECT_LIMIT]})
        return _form_page(request, form, trail)
    form = ContactForm(request.POST, account=account)
    if not form.is_valid():
        if form.spam:
            take_allowance(request)  # a bot's posts use up its allowance too
        return _form_page(request, form, trail, status=400)
    if not take_allowance(request):
        return _form_page(request, form, trail, status=429)
    data = form.cleaned_data
    case = create_handover(
        account=account,
        name=(account.get_full_name() or account.get_username()) if account else data["name"],
        email=data.get("email") or account.email,
        subject=data["subject"],
        description=data["description"],
        trail=trail.as_case_trail() if data["attach_trail"] else {"searches": [], "viewed": []},
    )
    response = redirect("handover:sent", token=signing.dumps(case.external_id, salt=SENT_SALT))
    help_trail.clear(response)  # asked and attached: the next question starts a new trail
    return response


def _form_page(request: HttpRequest, form: ContactForm, trail, *, status: int = 200) -> HttpResponse:
    account = _account(request)
    context = {
        "form": form,
        "trail": trail.as_case_trail(),
        "account": account,
        "account_name": (account.get_full_name() or account.get_username()) if account else "",
        "shown": shown_token(),
        "limited": status == 429,
        "max_links": MAX_LINKS,
    }
    return render(request, "cases/handover_form.html", context, status=status)


def sent(request: HttpRequest, token: str) -> HttpResponse:
    # The reference travels signed: only the one who sent the request is shown it, and no one
    # can make this page name another case.
    try:
        reference = signing.loads(token, salt=SENT_SALT, max_age=SENT_MAX_AGE)
    except signing.BadSignature:
        raise Http404("Not found") from None
    return render(request, "cases/handover_sent.html", {"reference": reference})
