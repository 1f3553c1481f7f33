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


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """End any other PostgreSQL session on this worker's test database before it is dropped.

    Tests that run threads (concurrent saves, the browser journeys' live server, the index retry
    timer) close their connections, yet on a loaded machine one can still be attached when the
    run ends, and DROP DATABASE then fails a run whose tests all passed.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
