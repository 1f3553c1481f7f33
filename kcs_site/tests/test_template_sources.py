"""Template comments stay comments: Django's `{# … #}` ends at the end of its line, so one spread
over several lines is printed on the page as text (`{% comment %}` is the multi-line form)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def test_no_one_line_comment_runs_over_several_lines():
    base = Path(settings.BASE_DIR)
    found = []
    for path in base.glob("*/templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.count("{#") > line.count("#}"):
                found.append(f"{path.relative_to(base)}:{number}")
    assert not found, "a {# comment #} must end on its own line: " + ", ".join(found)
