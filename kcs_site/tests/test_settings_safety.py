"""The settings are safe with nothing set: DEBUG off, and no start without a real secret key."""

import os
import subprocess
import sys

from django.conf import settings

READ_SETTINGS = "import kcs_site.settings as s; print(s.DEBUG, s.SECRET_KEY == s.DEVELOPMENT_SECRET_KEY)"


def read_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only `env` set (nothing from this test run)."""
    clean = {"PATH": os.environ.get("PATH", ""), "KCS_VAR_DIR": str(settings.BASE_DIR / "var"), **env}
    return subprocess.run(
        [sys.executable, "-c", READ_SETTINGS], env=clean, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )


def test_debug_is_off_when_nothing_says_otherwise():
    result = read_settings(DJANGO_SECRET_KEY="a-long-random-value-for-this-test-only-0123456789abcdef")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_missing_secret_key_stops_startup_with_a_clear_message():
    result = read_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "DJANGO_DEBUG=1" in result.stderr  # says how to develop without one


def test_the_public_development_key_is_refused_in_production():
    result = read_settings(DJANGO_SECRET_KEY="dev-insecure-kcs-knowledge-platform-key-change-me-0123456789")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_development_key_only_with_debug_explicitly_on():
    result = read_settings(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_manage_py_commands_work_on_a_fresh_checkout_with_a_key_of_its_own(tmp_path):
    # No key and no DEBUG: management commands make a random key in var/secret_key (owner only)
    # instead of refusing to start or falling back to the public development key.
    clean = {"PATH": os.environ.get("PATH", ""), "KCS_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"]
    result = subprocess.run(command, env=clean, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    key = tmp_path / "secret_key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert len(key.read_text().strip()) >= 50
    again = subprocess.run(command, env=clean, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and len(key.read_text().strip()) >= 50  # kept, not made anew


def test_email_links_follow_the_port_served_unless_a_site_url_is_set():
    key = "a-long-random-value-for-this-test-only-0123456789abcdef"
    code = "import kcs_site.settings as s; print(s.KCS_SITE_URL)"
    env = {"PATH": os.environ.get("PATH", ""), "KCS_VAR_DIR": str(settings.BASE_DIR / "var"), "DJANGO_SECRET_KEY": key}
    for extra, expected in (
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"PORT": "8123", "KCS_SITE_URL": "https://kb.example.com"}, "https://kb.example.com"),
    ):
        result = subprocess.run(
            [sys.executable, "-c", code], env={**env, **extra}, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
        )
        assert result.stdout.strip() == expected, result.stderr
