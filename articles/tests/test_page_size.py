"""KCS_PAGE_SIZE sets how many rows each paged list shows."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.choices import Audience
from conftest import client_for, make_article

pytestmark = pytest.mark.django_db


def test_article_list_and_help_centre_show_kcs_page_size_rows(settings, contributor, publisher, kb_owner, product):
    settings.KCS_PAGE_SIZE = 2
    for n in range(3):
        make_article(author=publisher, product=product, audience=Audience.PUBLIC, title=f"Paged article {n}", kb_owner=kb_owner)
    staff_page = client_for(contributor).get(reverse("articles:list"))
    assert len(staff_page.context["page"].object_list) == 2
    assert staff_page.context["page"].paginator.num_pages == 2
    help_page = Client().get(reverse("help:index"))
    assert len(help_page.context["page"].object_list) == 2
    assert help_page.context["page"].paginator.num_pages == 2
