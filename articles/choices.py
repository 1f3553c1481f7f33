"""An article's vocabulary: the values the models store and every app's policy compares.

Kept apart from `articles.models` so `articles.policy` (which the models import) can name
states and audiences without importing any model.

The labels are translated when shown (gettext_lazy): the stored values never are.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    # KCS confidence.
    WIP = "wip", _("Work in progress")
    NOT_VALIDATED = "not_validated", _("Not validated")
    VALIDATED = "validated", _("Validated")
    ARCHIVED = "archived", _("Archived")


class Audience(models.TextChoices):
    # Ordered from narrowest to widest, as forms and filters list them.
    # "audience": who may read an article, not a kind of person (accounts.choices.Kind).
    INTERNAL = "internal", pgettext_lazy("audience", "Internal")
    PARTNER = "partner", pgettext_lazy("audience", "Partner")
    CUSTOMER = "customer", pgettext_lazy("audience", "Customer")
    PUBLIC = "public", pgettext_lazy("audience", "Public")


class Governance(models.TextChoices):
    EXPERIENCE = "experience", _("Experience-based")
    GOVERNED = "governed", _("Governed")


class Decider(models.TextChoices):
    AGENT = "agent", _("Agent alone")
    TEAM_LEAD = "team_lead", _("With team-lead approval")
    ESCALATE = "escalate", _("Escalate")


# Stored workflow values ("not_validated", "public") as the words the pages use. The three sets
# of values do not overlap, so one lookup serves state, audience and governance alike. The
# labels are lazy: each is read in the language active when `choice_label` is called.
_WORKFLOW_LABELS = {**dict(State.choices), **dict(Audience.choices), **dict(Governance.choices)}


def choice_label(value: str) -> str:
    """The label of a state, audience or governance value in the active language:
    "not_validated" → "Not validated"; anything else as stored."""
    label = _WORKFLOW_LABELS.get(value)
    return str(label) if label is not None else value
