"""The articles personas, plus helpers for sign-in tests: a TOTP device and its current code."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import client_for, make_user


@pytest.fixture(autouse=True)
def _fresh_limits():
    # Reset-request counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone shows now (or `steps_ahead` 30-second steps later: the device accepts one step of drift)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


__all__ = ["client_for", "code_for", "enrol", "make_user", "wrong_code"]
