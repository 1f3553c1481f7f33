"""TOTP two-factor sign-in (django-otp): who must use it, their device, its QR code."""

from __future__ import annotations

import segno
from django.conf import settings
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


def needs_two_factor(user: User) -> bool:
    """KB owners decide governed content and admins can change anything: with KCS_2FA_REQUIRED
    on, a stolen password alone must not reach those powers."""
    return settings.KCS_2FA_REQUIRED and user.is_authenticated and (user.is_kb_owner or user.is_staff or user.is_superuser)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: kept until confirmed, so reloading the page keeps the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32 in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """Inline SVG markup (no image request, nothing fetched, allowed by `img-src 'self'`)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title="QR code for your authenticator app")
    return svg.replace("<svg ", '<svg role="img" ', 1)


def code_problem(device: TOTPDevice | None, code: str) -> str:
    """ "" when `code` is right for `device` (and uses it up), else what the person reads.

    django-otp throttles a device after a wrong code (1 s, 2 s, 4 s … before the next try is
    even checked), which is what stops guessing the six digits."""
    if device is None:
        return _("Two-factor sign-in is not set up for this account.")
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return _("Too many wrong codes: wait a few seconds, then enter the newest code.")
    if not device.verify_token(code):
        return _("That code is not right (or was already used). Check the time on your phone and enter the next code.")
    return ""
