from django.contrib.auth.models import AbstractUser
from django.db import models


class Kind(models.TextChoices):
    STAFF = "staff", "Staff"
    PARTNER = "partner", "Partner"
    CUSTOMER = "customer", "Customer"


class Licence(models.TextChoices):
    # KCS licence levels, progressive: each includes what the previous one may do.
    CANDIDATE = "candidate", "Candidate"
    CONTRIBUTOR = "contributor", "Contributor"
    PUBLISHER = "publisher", "Publisher"


LICENCE_RANK = {"": 0, Licence.CANDIDATE: 1, Licence.CONTRIBUTOR: 2, Licence.PUBLISHER: 3}


class User(AbstractUser):
    """A person using the knowledge base.

    Staff carry a KCS licence and may also be a coach and/or a KB owner; partners
    and customers read the help centre. What each may do is decided in
    `articles.policy`, never here.
    """

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STAFF)
    licence = models.CharField(max_length=16, choices=Licence.choices, blank=True)
    is_coach = models.BooleanField("coach", default=False)
    is_kb_owner = models.BooleanField("KB owner", default=False)

    class Meta:
        ordering = ["username"]

    @property
    def is_kcs_staff(self) -> bool:
        return self.is_active and (self.kind == Kind.STAFF or self.is_superuser)

    def has_licence(self, level: str) -> bool:
        """True when the user's licence is `level` or higher."""
        return LICENCE_RANK.get(self.licence, 0) >= LICENCE_RANK[level]

    @property
    def role_label(self) -> str:
        if self.kind != Kind.STAFF:
            return self.get_kind_display()
        parts = [self.get_licence_display()] if self.licence else []
        if self.is_coach:
            parts.append("Coach")
        if self.is_kb_owner:
            parts.append("KB owner")
        if self.is_superuser:
            parts.append("Admin")
        return " · ".join(parts) or "Staff"
