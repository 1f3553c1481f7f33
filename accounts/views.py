"""Sign-in with an optional second step, two-factor enrolment, password reset and API tokens."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import django_otp
from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from articles import policy

from . import two_factor
from .forms import CodeForm, LimitedPasswordResetForm, TokenForm, under_limit
from .models import ApiToken

# The password step's result waits this long for the code step.
PENDING_KEY = "kcs_2fa_pending"
PENDING_SECONDS = 300


def _safe(request: HttpRequest, url: str, default: str) -> str:
    ok = url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return url if ok else default


# --- sign-in -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login, plus a second step for people with a confirmed authenticator device."""

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        # Password right, not signed in yet: the code page finishes the sign-in.
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("accounts:login_code")


def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Sign in with your password first (the code step waits five minutes)."))
        return redirect("login")
    user = get_object_or_404(get_user_model(), pk=pending["user"], is_active=True)
    device = two_factor.confirmed_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = two_factor.code_problem(device, form.cleaned_data["code"])
        if not problem:
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            django_otp.login(request, device)
            return redirect(_safe(request, pending["next"], reverse(settings.LOGIN_REDIRECT_URL)))
        form.add_error("code", problem)
    return render(request, "accounts/login_code.html", {"form": form}, status=400 if form.errors else 200)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the site's login page: one page with the lockout and the code step."""
    if request.user.is_authenticated:
        # Signed in, yet the admin sent them here: the account may not use the admin. Signing in
        # again would only come back to this page.
        raise PermissionDenied(_("The admin is for administrators; your account does not have access to it."))
    target = _safe(request, request.GET.get("next", ""), reverse("admin:index"))
    return redirect(reverse("login") + "?" + urlencode({"next": target}))


# --- two-factor enrolment ------------------------------------------------------------------------


@login_required
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app, or verify this session with it, or turn it off."""
    if not policy.is_staff(request.user):
        raise Http404(_("Two-factor sign-in is for staff accounts."))
    device = two_factor.confirmed_device(request.user)
    enrolling = device is None
    if enrolling:
        device = two_factor.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if enrolling:
        form.fields["code"].widget.attrs.pop("autofocus")  # read the steps first, not jump past them
    if request.method == "POST" and form.is_valid():
        problem = two_factor.code_problem(device, form.cleaned_data["code"])
        if not problem:
            revoked = 0
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                # A token issued on the password alone (perhaps a stolen one) must not outlive this.
                revoked = ApiToken.objects.filter(user=request.user).usable().update(revoked_at=timezone.now())
            django_otp.login(request, device)
            messages.success(request, _("Two-factor sign-in is on.") if enrolling else _("Code accepted."))
            if revoked:
                text = ngettext(
                    "Your %(count)s API token issued before it was revoked; issue new ones with a code.",
                    "Your %(count)s API tokens issued before it were revoked; issue new ones with a code.",
                    revoked,
                )
                messages.info(request, text % {"count": revoked})
            return redirect(_safe(request, request.GET.get("next", ""), reverse("accounts:two_factor")))
        form.add_error("code", problem)
    context = {
        "form": form,
        "enrolling": enrolling,
        "verified": request.user.is_verified(),
        "required": two_factor.needs_two_factor(request.user),
    }
    if enrolling:
        context |= {"qr_svg": two_factor.qr_svg(device), "secret": two_factor.secret_text(device)}
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    if two_factor.needs_two_factor(request.user):
        messages.error(request, _("Your role requires two-factor sign-in, so it stays on."))
    elif not request.user.is_verified():
        messages.error(request, _("Enter a code first: only a verified session may turn two-factor sign-in off."))
    else:
        two_factor.TOTPDevice.objects.filter(user=request.user).delete()
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:two_factor")


# --- password reset --------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset: the same answer whether the address is known or not; a few requests per
    hour from one address (KCS_PASSWORD_RESET_PER_IP), a few emails per hour to one account."""

    form_class = LimitedPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def get_extra_email_context(self):
        return {"site_url": settings.KCS_SITE_URL.rstrip("/")}

    def form_valid(self, form):
        ip = get_client_ip_address(self.request) or "unknown"
        if not under_limit(f"kcs:reset:ip:{ip}", settings.KCS_PASSWORD_RESET_PER_IP):
            form.add_error(None, _("Too many reset requests from your network. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # Whoever holds the emailed link owns the account: a sign-in pause for it has done its job.
        axes_reset(username=form.user.get_username())
        return super().form_valid(form)


# --- API tokens ----------------------------------------------------------------------------------


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and two_factor.confirmed_device(request.user) and not request.user.is_verified():
        # The token endpoint asks a device holder for a code; so does this page (a session opened
        # before the device was added, e.g. with a stolen password, is not verified).
        messages.error(request, _("Enter a code from your authenticator app first, then issue the token."))
        return redirect(reverse("accounts:two_factor") + "?" + urlencode({"next": reverse("accounts:tokens")}))
    if request.method == "POST" and form.is_valid():
        _token, new_key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    mine = ApiToken.objects.filter(user=request.user).select_related("user")
    context = {"form": form, "tokens": mine, "new_key": new_key, "days": settings.KCS_API_TOKEN_DAYS}
    return render(request, "accounts/tokens.html", context, status=200)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token.revoke()
    messages.success(request, _("Token %(prefix)s… revoked: it no longer works.") % {"prefix": token.prefix})
    return redirect("accounts:tokens")
