"""CSV exports of acknowledgements, per path and per person."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from conftest import client_for, make_candidate
from training.models import Acknowledgement

from .conftest import assign


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_coach_exports_a_paths_acknowledgements(coach, trainee, path, article):
    Acknowledgement.objects.create(user=trainee, article=article, article_version=article.version, path=path)
    response = client_for(coach).get(reverse("training:path-export", args=[path.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0][0] == "person" and rows[1][:3] == [trainee.username, "", article.slug]
    assert rows[1][4] == str(article.version) and rows[1][7] == "current"


def test_a_trainee_exports_their_own_but_nobody_elses(trainee, path, article, coach):
    other = make_candidate("otto")
    assign(path, other, by=coach)
    Acknowledgement.objects.create(user=other, article=article, article_version=1)
    client = client_for(trainee)
    assert len(_rows(client.get(reverse("training:person-export", args=[trainee.username])))) == 1
    assert client.get(reverse("training:person-export", args=[other.username])).status_code == 403
    assert client.get(reverse("training:path-export", args=[path.pk])).status_code == 403


def test_kb_owner_exports_anyones_record(kb_owner, trainee, article):
    Acknowledgement.objects.create(user=trainee, article=article, article_version=1)
    rows = _rows(client_for(kb_owner).get(reverse("training:person-export", args=[trainee.username])))
    assert len(rows) == 2


def test_cells_that_look_like_formulas_are_defused(coach, trainee, path, article):
    article.title = '=HYPERLINK("http://evil")'
    article.save()
    Acknowledgement.objects.create(user=trainee, article=article, article_version=1)
    rows = _rows(client_for(coach).get(reverse("training:path-export", args=[path.pk])))
    assert rows[1][3].startswith("'=")
