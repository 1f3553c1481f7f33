"""Settings for the test suite and benchmarks: the site's own settings, run as `make run` serves them.

DEBUG stays off (its default), so tests see what production shows. The settings refuse to
start without a secret key; the suite sets a throwaway one here, before they are read
(pytest-django imports the settings before any conftest.py runs). The browser tests' live
server speaks plain HTTP, so the HTTPS-only protections are off, as in the local demo, and
static files come straight from the app folders (no `collectstatic` before a test run).
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", f"test-{secrets.token_urlsafe(40)}")
for name in ("DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SESSION_COOKIE_SECURE", "DJANGO_CSRF_COOKIE_SECURE"):
    os.environ.setdefault(name, "0")

from kcs_site.settings import *  # noqa: E402, F403

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# No index retry timer threads in tests (module fixtures included, which the per-test settings do
# not reach): a thread touching the test database behind a test's back locks SQLite's shared
# in-memory database. The tests of the timer turn it on.
KCS_SEARCH_RETRY_IN_PROCESS = False
