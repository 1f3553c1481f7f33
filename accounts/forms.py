from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.template import loader
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Enter the 6 digits your app shows."))
        return code


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name (what will use it)"), max_length=80, required=False)


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's form, sending at most KCS_PASSWORD_RESET_PER_ACCOUNT emails an hour to one account,
    so the form cannot be used to flood someone's mailbox. Over the limit the page says the same
    as always: nothing tells the visitor whether an email went out."""

    def get_users(self, email):
        for user in super().get_users(email):
            if under_limit(f"kcs:reset:user:{user.pk}", settings.KCS_PASSWORD_RESET_PER_ACCOUNT):
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        """Queued in the outbox (sent by `send_notifications`), never sent during the request: a
        known address would otherwise answer as much slower as a mail server takes to accept a
        message, telling anyone who times the page which addresses have an account."""
        from notifications.models import OutgoingEmail

        # In the account's own interface language when it has one, else the language of the page
        # that asked for it.
        with translation.override(context["user"].language or translation.get_language()):
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
        OutgoingEmail.objects.create(
            recipient=context["user"], to=to_email, subject=subject[:300], body=body, send_after=timezone.now()
        )


def under_limit(key: str, limit: int, period: int = 3600) -> bool:
    """Counts one use of `key` in the cache; False once `limit` uses fell in the current period.

    The default cache is per process; several app servers need a shared CACHES backend for the
    limit to be shared too."""
    cache.add(key, 0, period)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period)
        return True
