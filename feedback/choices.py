"""Flags' vocabulary: the values the feedback models store and `feedback.policy` compares.

Kept apart from `feedback.models` so the policy (which the models import) can name them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    INCORRECT = "incorrect", _("Incorrect")
    OUTDATED = "outdated", _("Outdated")
    UNCLEAR = "unclear", _("Unclear")
    DUPLICATE = "duplicate", _("Duplicate")
    MISSING_INFORMATION = "missing_information", _("Missing information")
    # The decision-authority section is wrong or does not say what to do.
    AUTHORITY_UNCLEAR = "authority_unclear", _("Decision authority unclear")


# What a reader outside the company may say; agents' reasons (duplicate, authority) are staff matters.
READER_REASONS = [
    (Reason.INCORRECT, _("It did not work / it is wrong")),
    (Reason.OUTDATED, _("It is out of date")),
    (Reason.UNCLEAR, _("It is hard to understand")),
    (Reason.MISSING_INFORMATION, _("Something is missing")),
]


class FlagState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Source(models.TextChoices):
    STAFF = "staff", _("Staff flag")
    CUSTOMER = "customer", _("Customer feedback")
