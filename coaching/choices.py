"""A review's status: the values `ReviewRequest` stores and `coaching.policy` compares.

Kept apart from `coaching.models` so the policy (which the models import) can name them.
"""

from django.db import models


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for the coach"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN = [Status.PENDING, Status.CHANGES_REQUESTED]
