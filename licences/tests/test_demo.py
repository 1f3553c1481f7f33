from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from licences import services
from licences.models import LevelCriteria


@pytest.mark.usefixtures("demo")
def test_demo_sets_criteria_and_the_coach_has_the_candidate_as_trainee():
    call_command("load_demo", verbosity=0)  # a second time: idempotent
    assert set(LevelCriteria.objects.values_list("level", flat=True)) == {"contributor", "publisher"}
    contributor = LevelCriteria.objects.get(level="contributor")
    assert (contributor.min_paths_completed, contributor.min_articles_validated, contributor.min_average_checklist_score) == (
        1,
        1,
        60,
    )
    coach = User.objects.get(username="coach")
    assert "candidate" in [t.person.username for t in services.trainees(coach)]
