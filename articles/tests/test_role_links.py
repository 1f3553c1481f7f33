"""Links to role-only pages appear exactly for the people the policy lets in."""

import pytest
from django.urls import reverse

from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("persona", "shown"), [("kb_owner", True), ("coach", False), ("contributor", False)])
def test_search_report_link_is_shown_to_those_who_may_open_the_report(request, persona, shown):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get(reverse("articles:dashboard")).content.decode()
    assert (reverse("search:report") in page) is shown
    assert client.get(reverse("search:report")).status_code == (200 if shown else 403)


@pytest.mark.parametrize(("persona", "shown"), [("coach", True), ("kb_owner", True), ("publisher", False)])
def test_my_trainees_link_is_shown_to_those_who_may_open_the_coach_dashboard(request, persona, shown):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    page = client.get(reverse("articles:dashboard")).content.decode()
    assert reverse("licences:person", args=[user.username]) in page
    assert (reverse("licences:coach") in page) is shown
    assert client.get(reverse("licences:coach")).status_code in ((200,) if shown else (403, 404))
