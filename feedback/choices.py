"""Flags' vocabulary: the values the feedback models store and `feedback.policy` compares.

Kept apart from `feedback.models` so the policy (which the models import) can name them.
"""

from django.db import models


class Reason(models.TextChoices):
    INCORRECT = "incorrect", "Incorrect"
    OUTDATED = "outdated", "Outdated"
    UNCLEAR = "unclear", "Unclear"
    DUPLICATE = "duplicate", "Duplicate"
    MISSING_INFORMATION = "missing_information", "Missing information"
    # The decision-authority section is wrong or does not say what to do.
    AUTHORITY_UNCLEAR = "authority_unclear", "Decision authority unclear"


# What a reader outside the company may say; agents' reasons (duplicate, authority) are staff matters.
READER_REASONS = [
    (Reason.INCORRECT, "It did not work / it is wrong"),
    (Reason.OUTDATED, "It is out of date"),
    (Reason.UNCLEAR, "It is hard to understand"),
    (Reason.MISSING_INFORMATION, "Something is missing"),
]


class FlagState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Source(models.TextChoices):
    STAFF = "staff", "Staff flag"
    CUSTOMER = "customer", "Customer feedback"
