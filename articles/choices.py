"""An article's vocabulary: the values the models store and every app's policy compares.

Kept apart from `articles.models` so `articles.policy` (which the models import) can name
states and audiences without importing any model.
"""

from django.db import models


class State(models.TextChoices):
    # KCS confidence.
    WIP = "wip", "Work in progress"
    NOT_VALIDATED = "not_validated", "Not validated"
    VALIDATED = "validated", "Validated"
    ARCHIVED = "archived", "Archived"


class Audience(models.TextChoices):
    # Ordered from narrowest to widest, as forms and filters list them.
    INTERNAL = "internal", "Internal"
    PARTNER = "partner", "Partner"
    CUSTOMER = "customer", "Customer"
    PUBLIC = "public", "Public"


class Governance(models.TextChoices):
    EXPERIENCE = "experience", "Experience-based"
    GOVERNED = "governed", "Governed"


class Decider(models.TextChoices):
    AGENT = "agent", "Agent alone"
    TEAM_LEAD = "team_lead", "With team-lead approval"
    ESCALATE = "escalate", "Escalate"


# Stored workflow values ("not_validated", "public") as the words the pages use. The three sets
# of values do not overlap, so one lookup serves state, audience and governance alike.
_WORKFLOW_LABELS = {**dict(State.choices), **dict(Audience.choices), **dict(Governance.choices)}


def choice_label(value: str) -> str:
    """The label of a state, audience or governance value: "not_validated" → "Not validated";
    anything else as stored."""
    return _WORKFLOW_LABELS.get(value, value)
