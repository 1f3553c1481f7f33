"""Who someone is: the values the `User` model stores and every app's policy compares.

Kept apart from `accounts.models` so `articles.policy` (which the models import) can name
roles without importing any model.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STAFF = "staff", _("Staff")
    PARTNER = "partner", _("Partner")
    CUSTOMER = "customer", _("Customer")


class Licence(models.TextChoices):
    # KCS licence levels, progressive: each includes what the previous one may do.
    CANDIDATE = "candidate", _("Candidate")
    CONTRIBUTOR = "contributor", _("Contributor")
    PUBLISHER = "publisher", _("Publisher")


LICENCE_RANK = {"": 0, Licence.CANDIDATE: 1, Licence.CONTRIBUTOR: 2, Licence.PUBLISHER: 3}
