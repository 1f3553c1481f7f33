"""The /insights/ pages, their CSV exports and the API: who may see them, and that the three
give the same numbers."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import client_for
from insights.measures import VIEWS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["coach", "kb_owner"])
def test_coaches_and_kb_owners_open_every_view(request, who, article):
    client = client_for(request.getfixturevalue(who))
    response = client.get("/insights/")
    assert response.status_code == 200
    assert "People who took part" in response.content.decode()
    for slug in VIEWS:
        response = client.get(f"/insights/{slug}/?period=30")
        assert response.status_code == 200, slug
        assert "<table>" in response.content.decode()


def test_a_chart_is_an_svg_image_with_its_numbers_in_a_table(coach, article):
    body = client_for(coach).get("/insights/participation/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    assert "its numbers are in the table below" in body
    assert "<script" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_contributor_is_refused_with_a_pointer_to_their_own_figures(contributor):
    response = client_for(contributor).get("/insights/")
    assert response.status_code == 403
    assert "Your own figures are on My work" in response.content.decode()
    assert client_for(contributor).get("/insights/participation/people.csv").status_code == 403
    assert client_for(contributor).get("/api/v1/insights/participation/").status_code == 403


@pytest.mark.parametrize("who", ["customer", "partner"])
def test_readers_outside_find_nothing(request, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/insights/").status_code == 404
    assert client.get("/insights/participation/people.csv").status_code == 404
    assert client.get("/api/v1/insights/participation/").status_code == 404


def test_anonymous_visitors_sign_in_first():
    client = client_for(None)
    assert client.get("/insights/").status_code == 302
    assert client.get("/api/v1/insights/").status_code == 401


def test_a_bad_filter_is_a_message_not_an_error(coach):
    client = client_for(coach)
    response = client.get("/insights/participation/?period=custom&start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400
    assert "starts after it ends" in response.content.decode()
    response = client.get("/insights/participation/?person=nobody-here")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.get("/api/v1/insights/participation/?start=not-a-date&period=custom")
    assert response.status_code == 400 and "start" in response.json()
    assert client.get("/insights/participation/people.csv?period=abc").status_code == 400


def test_an_unknown_view_or_table_is_not_found(coach):
    client = client_for(coach)
    assert client.get("/insights/nothing-here/").status_code == 404
    assert client.get("/insights/participation/nothing.csv").status_code == 404
    assert client.get("/api/v1/insights/participation/nothing/").status_code == 404


@pytest.mark.parametrize("slug", list(VIEWS))
def test_csv_and_api_give_the_same_rows_for_every_table(coach, article, slug):
    client = client_for(coach)
    data = client.get(f"/api/v1/insights/{slug}/?period=90&bucket=month").json()
    assert data["view"] == slug and data["tables"]
    for table in data["tables"]:
        exported = client.get(f"/insights/{slug}/{table['key']}.csv?period=90&bucket=month")
        assert exported.status_code == 200
        assert exported["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.content.decode())))
        assert rows[0] == [c["label"] for c in table["columns"]]
        expected = [["" if row[c["key"]] is None else str(row[c["key"]]) for c in table["columns"]] for row in table["rows"]]
        assert rows[1:] == expected
        one = client.get(f"/api/v1/insights/{slug}/{table['key']}/?period=90&bucket=month")
        assert one.json()["rows"] == table["rows"]
        as_csv = client.get(f"/api/v1/insights/{slug}/{table['key']}/?period=90&bucket=month&format=csv")
        assert as_csv.status_code == 200 and as_csv.content == exported.content


def test_a_csv_cell_a_spreadsheet_would_run_is_kept_as_text():
    from insights.report import Column, Table

    table = Table(
        key="t", title="T", columns=[Column("name", "Name", "text"), Column("n", "N")], rows=[{"name": "=HYPERLINK(1)", "n": -3}]
    )
    assert table.as_csv().splitlines()[1] == "'=HYPERLINK(1),-3"


def test_a_link_naming_only_a_person_shows_the_default_period_chosen(coach, contributor):
    response = client_for(coach).get("/insights/people/?person=colin")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["period"].value() == "90" and form["bucket"].value() == "week"
    assert 'value="90" selected' in response.content.decode()
