from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Kind, Licence


class User(AbstractUser):
    """A person using the knowledge base.

    Staff carry a KCS licence and may also be a coach and/or a KB owner; partners
    and customers read the help centre. What each may do is decided in
    `articles.policy`, never here.
    """

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STAFF)
    licence = models.CharField(max_length=16, choices=Licence.choices, blank=True)
    is_coach = models.BooleanField(gettext_lazy("coach"), default=False)
    is_kb_owner = models.BooleanField(gettext_lazy("KB owner"), default=False)
    # The interface language this person chose (a code of settings.LANGUAGES); empty: the browser's.
    language = models.CharField(gettext_lazy("language"), max_length=8, blank=True)
    # The interface language this person last read the site in (their browser's or the switcher's),
    # kept by kcs_site.locale for what is written to them away from a request (emails): empty is
    # the site's default.
    last_language = models.CharField(max_length=8, blank=True, editable=False)

    class Meta:
        ordering = ["username"]

    @property
    def role_label(self) -> str:
        if self.kind != Kind.STAFF:
            return self.get_kind_display()
        parts = [self.get_licence_display()] if self.licence else []
        if self.is_coach:
            parts.append(_("Coach"))
        if self.is_kb_owner:
            parts.append(_("KB owner"))
        if self.is_superuser:
            parts.append(_("Admin"))
        return " · ".join(parts) or _("Staff")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at=None, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`, stored as its SHA-256 digest.

    The key is shown once, when issued; the database holds only the digest, so a leaked copy of
    the database gives no usable keys (a fast hash is enough: keys are 160 random bits, nothing
    to brute-force). A token stops working when it expires, is revoked, or its user's password
    changes: `password_fingerprint` is the user's session hash (Django's own mechanism for
    ending sessions on a password change) at issue time.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        max_length=8,
        editable=False,
        help_text=gettext_lazy("The key's first characters, to recognise it."),
    )
    password_fingerprint = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = gettext_lazy("API token")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or _('unnamed')}, {self.user})"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str = "") -> tuple[ApiToken, str]:
        """A new token and its key (the only time the key is known)."""
        key = secrets.token_hex(20)  # 40 characters, like DRF's keys
        token = cls.objects.create(
            user=user,
            name=name[:80],
            digest=cls.digest_of(key),
            prefix=key[:8],
            password_fingerprint=user.get_session_auth_hash(),
            expires_at=timezone.now() + timedelta(days=settings.KCS_API_TOKEN_DAYS),
        )
        return token, key

    # What a caller with an unusable token reads (the 401's `detail`).
    PROBLEMS = {
        "revoked": gettext_lazy("This token has been revoked."),
        "expired": gettext_lazy("This token has expired. Request a new one at /api/v1/auth/token/."),
        "password changed": gettext_lazy("This token was issued before the password was changed. Request a new one."),
    }

    @property
    def status(self) -> str:
        """ "active", or why the token no longer works (a key of PROBLEMS)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        if not constant_time_compare(self.password_fingerprint, self.user.get_session_auth_hash()):
            return "password changed"
        return "active"

    def revoke(self) -> None:
        ApiToken.objects.filter(pk=self.pk, revoked_at=None).update(revoked_at=timezone.now())
        self.refresh_from_db(fields=["revoked_at"])
