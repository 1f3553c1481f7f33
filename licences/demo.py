"""Demo licence criteria. Called by `manage.py load_demo`; idempotent (existing criteria are
left as the KB owners changed them). `coach` sees `candidate` as a trainee through the demo
learning path (training.demo) and reviews (coaching.demo)."""

from __future__ import annotations

from .models import LevelCriteria

CRITERIA = {
    "contributor": {
        "min_paths_completed": 1,
        "min_articles_validated": 1,
        "min_average_checklist_score": 60,
        "note": "Your coach also looks at how you handle feedback in reviews.",
    },
    "publisher": {
        "min_paths_completed": 2,
        "min_articles_validated": 5,
        "min_average_checklist_score": 75,
        "note": "Publishers write for customers: clear customer wording matters most.",
    },
}


def load(users: dict) -> None:
    for level, values in CRITERIA.items():
        LevelCriteria.objects.get_or_create(level=level, defaults=values)
