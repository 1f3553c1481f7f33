"""Assigning learning paths: to a person or to everyone in a group (a team), on the page and in the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from accounts.models import Kind
from conftest import client_for, make_user, unchanged_database
from training.models import Assignment, LearningPath

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    coach = make_user("cora", coach=True)
    team = Group.objects.create(name="Hotel team")
    members = [make_user(f"agent{n}", licence="candidate") for n in range(3)]
    team.user_set.add(*members, make_user("cust", kind=Kind.CUSTOMER))  # outside readers are never assigned
    path = LearningPath.objects.create(title="Hotel basics", created_by=coach)
    return coach, team, members, path


def test_a_coach_assigns_a_path_to_everyone_in_a_group(setup):
    coach, team, members, path = setup
    response = client_for(coach).post(f"/training/paths/{path.pk}/assign/", {"group": team.pk, "due_date": "2027-01-31"})
    assert response.status_code == 302
    assert sorted(Assignment.objects.filter(path=path).values_list("user__username", flat=True)) == [m.username for m in members]


def test_assignments_api_lists_mine_and_lets_coaches_assign(setup):
    coach, team, members, path = setup
    api = client_for(coach)
    made = api.post("/api/v1/training/assignments/", {"path": path.pk, "group": "Hotel team"}, content_type="application/json")
    assert made.status_code == 201 and len(made.json()) == 3
    trainee = client_for(members[0])
    mine = trainee.get("/api/v1/training/assignments/").json()["results"]
    assert [a["user"] for a in mine] == [members[0].username]
    assert trainee.get("/api/v1/training/assignments/", {"user": members[1].username}).status_code == 403
    with unchanged_database():
        refused = trainee.post(
            "/api/v1/training/assignments/", {"path": path.pk, "user": members[1].username}, content_type="application/json"
        )
    assert refused.status_code == 403
    assert Assignment.objects.count() == 3  # the three the coach made, nothing more
    assert client_for(make_user("cleo", kind=Kind.CUSTOMER)).get("/api/v1/training/assignments/").status_code == 404
    with unchanged_database():
        empty = api.post("/api/v1/training/assignments/", {"path": path.pk}, content_type="application/json")
    assert empty.status_code == 400


def test_a_path_names_the_team_it_is_for(setup):
    coach, team, members, path = setup
    response = client_for(coach).post(
        f"/training/paths/{path.pk}/edit/", {"title": path.title, "description": "", "team": team.pk}
    )
    assert response.status_code == 302
    path.refresh_from_db()
    assert path.team == team
    assert "for Hotel team" in client_for(members[0]).get(f"/training/paths/{path.pk}/").content.decode()
    assert client_for(members[0]).get("/api/v1/training/paths/").json()["results"][0]["team"] == "Hotel team"
