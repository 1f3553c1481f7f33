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
