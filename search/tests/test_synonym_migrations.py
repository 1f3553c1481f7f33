"""The starter synonym migrations add their groups without overriding what KB owners wrote."""

from importlib import import_module

import pytest
from django.apps import apps

from search.models import Synonym
from search.synonyms import SUPPORT_SYNONYMS

starter_migration = import_module("search.migrations.0002_starter_synonyms")
support_migration = import_module("search.migrations.0004_support_synonyms")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_install():
    # The table as the migrations fill it on a fresh install, whatever an earlier transactional
    # test in the same process flushed from the test database.
    Synonym.objects.all().delete()
    starter_migration.add_starter_synonyms(apps, None)
    support_migration.add_support_synonyms(apps, None)


def test_support_synonyms_are_loaded_on_a_fresh_install():
    loaded = set(Synonym.objects.values_list("terms", flat=True))
    assert set(SUPPORT_SYNONYMS) <= loaded


def test_a_group_sharing_a_word_with_an_owners_group_is_skipped():
    Synonym.objects.filter(terms__in=SUPPORT_SYNONYMS).delete()
    Synonym.objects.create(terms="config, settings")  # the KB owner's own choice for "config"
    support_migration.add_support_synonyms(apps, None)
    assert not Synonym.objects.filter(terms__contains="configuration").exists()
    assert Synonym.objects.filter(terms="config, settings").exists()
    assert Synonym.objects.filter(terms__startswith="vuln,").count() == 1


def test_running_it_again_adds_nothing():
    before = Synonym.objects.count()
    support_migration.add_support_synonyms(apps, None)
    assert Synonym.objects.count() == before
