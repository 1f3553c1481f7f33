"""A review's status: the values `ReviewRequest` stores and `coaching.policy` compares.

Kept apart from `coaching.models` so the policy (which the models import) can name them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting for the coach")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN = [Status.PENDING, Status.CHANGES_REQUESTED]


# The content standard's checklist as the site ships it: (key, name, help text), in the order a
# scorer reads an article. The migration that made the criteria data seeds these (and labels the
# answers given before it); `coaching.demo` seeds them into an empty table. After that they are
# data: KB owners rename, reweight, reorder, add and deactivate criteria on /coaching/criteria/.
DEFAULT_CRITERIA = [
    (
        "customer_words",
        "Issue in the customer's words",
        "The issue is written as the customer said it (their symptoms, error messages and words), "
        "so the next person searching with those words finds it.",
    ),
    (
        "environment",
        "Environment complete",
        "Product, version, platform and anything else relevant to where the issue happens; nothing missing "
        "that would change the resolution.",
    ),
    (
        "resolution",
        "Resolution complete and correct",
        "The steps (or the cause and the fix) resolve the issue as described, and someone else could follow them.",
    ),
    (
        "title",
        "Title states issue and environment",
        "The title names the issue and its environment, so a reader knows from the result list whether it applies.",
    ),
    (
        "one_resolution",
        "One article per resolution",
        "The article answers one issue with one resolution; other issues or resolutions belong in their own articles.",
    ),
    (
        "no_customer_data",
        "No customer data",
        "No names, addresses, account numbers, logs or screenshots that identify a customer or their data.",
    ),
    (
        "metadata",
        "Metadata right",
        "Product, audience, state and tags are set correctly, so the article reaches the right readers.",
    ),
    (
        "authority",
        "Decision authority actionable",
        "When a step needs someone's authority (refund, exception, escalation), the article says who decides "
        "and how to reach them.",
    ),
]
