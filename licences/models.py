"""Licence progression: the criteria KB owners set for each KCS licence level, and the record
of every promotion (who, from, to, by whom, when, with which note).

A person's licence itself lives on `accounts.User.licence`; `services.promote` changes it and
writes the `Promotion` row in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Licence

# Levels one is promoted *to*; candidate is where everyone starts.
PROMOTABLE = [(Licence.CONTRIBUTOR.value, Licence.CONTRIBUTOR.label), (Licence.PUBLISHER.value, Licence.PUBLISHER.label)]


class LevelCriteria(models.Model):
    """What a person should have shown before a coach promotes them to `level`."""

    level = models.CharField(max_length=16, choices=PROMOTABLE, unique=True)
    min_paths_completed = models.PositiveSmallIntegerField(_("learning paths completed"), default=0)
    min_articles_validated = models.PositiveSmallIntegerField(_("own articles validated"), default=0)
    min_average_checklist_score = models.PositiveSmallIntegerField(
        _("average content-standard score (% of criteria met)"), default=0, validators=[MaxValueValidator(100)]
    )
    # Link accuracy from process adherence reviews (cases.adherence): the share of a person's
    # reviewed cases with a link whose link a coach found accurate. With fewer than
    # `min_link_reviews` such reviews there is no figure yet, and a minimum above 0 is unmet.
    min_link_accuracy = models.PositiveSmallIntegerField(
        _("link accuracy in process adherence reviews (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    min_link_reviews = models.PositiveSmallIntegerField(
        _("reviewed cases with a link needed before link accuracy counts"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("With fewer reviews the link-accuracy criterion is not met yet."),
    )
    note = models.TextField(blank=True, help_text=_("What else the coach looks for (shown on the progress page)."))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["level"]
        verbose_name_plural = _("level criteria")

    def __str__(self) -> str:
        return gettext("Criteria for %(level)s") % {"level": self.get_level_display()}


class Promotion(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promotions")
    from_level = models.CharField(max_length=16, choices=Licence.choices, blank=True)
    to_level = models.CharField(max_length=16, choices=Licence.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promotions_given")
    note = models.TextField(blank=True)
    # True when the coach promoted although some criteria were not met ("promote anyway");
    # `unmet` lists them as they stood at that moment.
    override = models.BooleanField(default=False)
    unmet = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} → {self.get_to_level_display()}"
