"""Test-wide settings: fast hashing, a temporary var/ per test run, warnings as errors."""

import pytest


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KCS_SEARCH_INDEX_DIR = tmp_path / "search-index"
    # No timer threads touching the test database behind a test's back (search tests turn it on).
    settings.KCS_SEARCH_RETRY_IN_PROCESS = False
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _close_search_backends():
    yield
    from search import indexing
    from search.backends import reset_backends

    indexing.cancel_retry()  # a retry timer set by this test must not fire in a later one
    reset_backends()
