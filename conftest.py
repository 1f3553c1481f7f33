"""Test-wide settings (fast hashing, a temporary var/ per test run) and the named personas for
every role, so permission tests read like sentences. Every app's tests see the fixtures by name and
import the `make_*` helpers with `from conftest import make_article`."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings

from accounts.models import Kind, Licence, User
from articles.models import Article, Audience, EscalationContact, Product, State


def make_user(username: str, *, kind=Kind.STAFF, licence="", coach=False, kb_owner=False, superuser=False) -> User:
    return User.objects.create_user(
        username=username,
        password="pw",
        kind=kind,
        licence=licence,
        is_coach=coach,
        is_kb_owner=kb_owner,
        is_superuser=superuser,
        is_staff=superuser,
    )


def make_candidate(name="cara"):
    return make_user(name, licence=Licence.CANDIDATE)


def make_contributor(name="colin"):
    return make_user(name, licence=Licence.CONTRIBUTOR)


def make_publisher(name="paula"):
    return make_user(name, licence=Licence.PUBLISHER)


def make_coach(name="cody"):
    return make_user(name, licence=Licence.CONTRIBUTOR, coach=True)


def make_kb_owner(name="olga"):
    return make_user(name, licence=Licence.PUBLISHER, kb_owner=True)


def make_partner(name="pat"):
    return make_user(name, kind=Kind.PARTNER)


def make_customer(name="chris"):
    return make_user(name, kind=Kind.CUSTOMER)


@pytest.fixture
def candidate(db):
    return make_candidate()


@pytest.fixture
def contributor(db):
    return make_contributor()


@pytest.fixture
def publisher(db):
    return make_publisher()


@pytest.fixture
def coach(db):
    return make_coach()


@pytest.fixture
def kb_owner(db):
    return make_kb_owner()


@pytest.fixture
def partner(db):
    return make_partner()


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def product(db):
    return Product.objects.create(name="Hotel Bookings", slug="hotel-bookings")


@pytest.fixture
def contact(db):
    return EscalationContact.objects.create(
        team="Billing Escalations",
        channel="#billing-escalations",
        hours="08:00-20:00 CET",
        response_time="15 minutes",
    )


REFUND_RULES = [
    {"action": "refund the booking", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"},
    {"action": "refund the booking", "limit_amount": "150", "limit_unit": "EUR", "decider": "team_lead"},
]


def make_article(
    *,
    author,
    product,
    state=State.VALIDATED,
    audience=Audience.INTERNAL,
    governed=False,
    title="Refund for a non-refundable booking",
    rules=None,
    contact=None,
    owner=None,
    kb_owner=None,
    validator=None,
):
    """An article built through the real operations, ending in `state` and `audience`."""
    from articles.models import Governance

    admin = kb_owner or User.objects.filter(is_kb_owner=True).first() or make_kb_owner("kbo-helper")
    article = Article.create(
        by=author,
        title=title,
        product=product,
        issue="The customer wants money back for a non-refundable room.",
        environment="Booking made on the website.",
        resolution="" if state == State.WIP else "1. Check the booking.\n2. Offer a date change first.",
        cause="Non-refundable rate.",
        state=State.WIP if state == State.WIP else State.NOT_VALIDATED,
        tags=["refund", "booking"],
    )
    changes = {}
    if owner is not None:
        changes["owner"] = owner
    if contact is not None:
        changes["escalation"] = contact
        changes["authority_note"] = "Ask Billing Escalations."
    if rules or changes:
        article.edit(by=admin, base_version=article.version, changes=changes, rules=rules or [], note="Authority")
    if governed:
        article.set_governance(by=admin, to=Governance.GOVERNED)
    if audience != Audience.INTERNAL:
        article.edit(by=admin, base_version=article.version, changes={"audience": audience}, note="Widen", material=False)
    if state in (State.VALIDATED, State.ARCHIVED):
        article.validate(by=validator or admin)
    if state == State.ARCHIVED:
        article.archive(by=admin)
    article.refresh_from_db()
    return article


@pytest.fixture
def article(db, contributor, kb_owner, product, contact):
    return make_article(author=contributor, product=product, rules=REFUND_RULES, contact=contact, kb_owner=kb_owner)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- settings for every test ---------------------------------------------------------------------


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
def _interface_language_reset():
    """A request leaves its interface language active in the thread (LocaleMiddleware activates,
    nothing deactivates): each test starts and ends in the site's default language."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _default_checklist_criteria(request, django_db_blocker):
    """The content-standard criteria and the starter synonym groups are rows data migrations
    write; a transactional test's flush (the browser journeys, the race tests) empties their
    tables for every test after it on that worker. Put them back, as the migrations left them,
    before any test that uses the database."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db:
        return
    from coaching.demo import restore_default_criteria
    from search.synonyms import restore_starter_synonyms

    with django_db_blocker.unblock():
        restore_default_criteria()
        restore_starter_synonyms()


@pytest.fixture(autouse=True)
def _close_search_backends():
    yield
    from search import indexing, semantic
    from search.backends import reset_backends

    indexing.cancel_retry()
    # A search-index retry timer a test started (KCS_SEARCH_RETRY_IN_PROCESS) must not outlive
    # it: running later, it would hold the index lock and the database while the next test
    # writes ("database table is locked" on SQLite). Cancel it, or wait for a pass under way.
    with override_settings(KCS_SEARCH_RETRY_IN_PROCESS=False):
        for thread in threading.enumerate():
            if thread.name == "search-index-retry":
                thread.cancel()
                thread.join(timeout=15)
    indexing._retry_timer = None  # a cancelled timer never clears itself
    reset_backends()
    semantic.index().forget()  # the article vectors a test's searches loaded belong to its database


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


# --- the demo, loaded once per test process ----------------------------------------------------
#
# `manage.py load_demo` takes seconds. Each test process (xdist worker) runs it once, for real and
# committed (so its on-commit work happens), keeps a copy of every row of every table in memory,
# and puts the database back as it was. A test that asks for `demo` then gets those rows restored
# (everything else in the database is replaced): inside its transaction for `db` tests, so its
# writes roll back; committed for transactional tests (the browser journeys), which are flushed
# afterwards as usual.


def _table_rows() -> dict[str, tuple[list[str], list[tuple]]]:
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    return rows


def _put_rows(rows: dict[str, tuple[list[str], list[tuple]]]) -> None:
    """Replace every row of every table with `rows` (foreign keys are checked at commit)."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table in rows:
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table, (columns, values) in rows.items():
            if values:
                names = ", ".join(quote(c) for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", values)
    # Content types are cached by id; the ids may differ from those a flush recreated since.
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def demo_rows(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every table's rows right after `load_demo`, loaded once for this test process."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            KCS_SEARCH_INDEX_DIR=tmp_path_factory.mktemp("demo-index"),
            KCS_SEARCH_RETRY_IN_PROCESS=False,
        ),
    ):
        before = _table_rows()
        try:
            call_command("load_demo", stdout=StringIO())
            loaded = _table_rows()
        finally:
            _put_rows(before)
    return loaded


@pytest.fixture
def demo(demo_rows, db):
    """The demo data (users with the password `kcs-demo`, articles, flags, paths...), in place of
    whatever else is in the database. Writes roll back with the test."""
    _put_rows(demo_rows)
    yield
    ContentType.objects.clear_cache()  # the rolled-back demo's ids are not the database's


# Tables a refused request may still write: the session, sign-in attempts.
BOOKKEEPING_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


@contextmanager
def unchanged_database(*, ignore=()):
    """Assert that the block leaves every row of every table as it was: for a refused write,
    checked after its status code. `ignore` names more tables that may change (e.g. a token's
    last use)."""
    skip = BOOKKEEPING_TABLES | set(ignore)
    before = {t: sorted(map(repr, rows)) for t, (_, rows) in _table_rows().items() if t not in skip}
    yield
    after = {t: sorted(map(repr, rows)) for t, (_, rows) in _table_rows().items() if t not in skip}
    changed = sorted(t for t in before if before[t] != after.get(t))
    assert not changed, f"a refused request changed {changed}"
