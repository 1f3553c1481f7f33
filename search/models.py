from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kcs_site.languages import CONTENT_LANGUAGE_CHOICES, DEFAULT_CONTENT_LANGUAGE


class IndexTask(models.Model):
    """A pending search-index update for one article.

    Written in the same transaction as the article change, so an update is never
    lost: if indexing fails (index lock held by another process, crash, disk full)
    the row stays pending and is retried; `rebuild_index` and `check_index --repair`
    repair anything else. Claimed with a conditional UPDATE so several processes can
    work the queue at once.
    """

    article_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["processed_at", "next_attempt_at"], name="indextask_pending_idx")]

    def __str__(self) -> str:
        return f"index article {self.article_id} ({'done' if self.processed_at else 'pending'})"


class Synonym(models.Model):
    """Words and phrases that mean the same thing to searchers, managed by KB owners.

    `terms` is a comma-separated group, e.g. "2fa, two-factor authentication, mfa":
    a query in the group's language containing any of them also finds articles that use the others.
    """

    terms = models.CharField(max_length=500)
    # The content language whose queries it expands (kcs_site.languages): a German query uses the
    # German groups only.
    language = models.CharField(_("language"), max_length=8, choices=CONTENT_LANGUAGE_CHOICES, default=DEFAULT_CONTENT_LANGUAGE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["language", "terms"]
        constraints = [models.UniqueConstraint(fields=["terms", "language"], name="synonym_terms_per_language")]

    def __str__(self) -> str:
        return self.terms

    def members(self) -> list[str]:
        return [t.strip().lower() for t in self.terms.split(",") if t.strip()]


class SearchLog(models.Model):
    """One search as it was asked: what KB owners read to find gaps in the knowledge base."""

    query = models.CharField(max_length=500)
    caller_kind = models.CharField(max_length=16)  # staff, partner, customer, anonymous
    filters = models.JSONField(default=dict, blank=True)
    result_count = models.PositiveIntegerField()
    # `query` is what the person typed. `corrected_to`: the correction applied automatically (the
    # hits were for it); `suggestion`: a "Did you mean" offered but not applied.
    corrected_to = models.CharField(max_length=500, blank=True)
    suggestion = models.CharField(max_length=500, blank=True)
    # What the person did with it: chose "Search instead for <as typed>" after an applied
    # correction, or followed the "Did you mean" offered (what the report and synonym mining read).
    correction_undone = models.BooleanField(default=False)
    suggestion_taken = models.BooleanField(default=False)
    opened_slug = models.CharField(max_length=200, blank=True)
    # Where the opened result stood in the list (1 = first), for the click-position measure.
    opened_position = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Covers the KCS measures' counts of a period's searches (by caller, found nothing, opened, where).
            models.Index(
                fields=["created_at", "caller_kind", "result_count", "opened_position", "opened_slug"],
                name="searchlog_measures_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.result_count})"


class ArticleVector(models.Model):
    """An article's meaning as a vector (search.semantic), written through the index queue.

    One row per article: the embedding of its title and summary by the model named in `model`
    (a fingerprint: another model re-embeds everything), for the article `version` it was
    computed from (check_index compares it, like the keyword index). Both backends keep vectors
    here, in the database: they are rebuilt from it, and every process reads them from it.
    """

    article_id = models.BigIntegerField(primary_key=True)
    version = models.PositiveIntegerField()
    model = models.CharField(max_length=100)
    vector = models.BinaryField()  # float32, little-endian, L2-normalised
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"vector of article {self.article_id} v{self.version} ({self.model})"


class DismissedSynonymCandidate(models.Model):
    """A synonym candidate mined from the search log that a KB owner turned down: not offered again."""

    terms = models.CharField(max_length=500, unique=True)  # the candidate's words, sorted, comma-separated
    dismissed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.terms


class PopularQuery(models.Model):
    """A past query searched at least twice in the last 90 days that found something, by one kind
    of caller: what search.suggest offers as you type. Rebuilt from SearchLog by
    search.suggest.refresh (`manage.py refresh_popular_queries`), never edited."""

    caller_kind = models.CharField(max_length=16)  # as SearchLog.caller_kind
    normalised = models.CharField(max_length=200)  # its content words' stems, sorted (search.suggest.normalise)
    text = models.CharField(max_length=200)  # as most people typed it (lowercase, spaces collapsed)
    searches = models.PositiveIntegerField()
    last_searched = models.DateTimeField()
    refreshed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller_kind", "normalised"], name="popularquery_unique")]

    def __str__(self) -> str:
        return f"{self.text!r} ({self.searches}, {self.caller_kind})"


class DuplicatePair(models.Model):
    """Two articles that probably describe the same issue, found by `find_duplicates` (the
    background loop or cron), for KB owners to merge, relate or dismiss. `first` has the lower id."""

    first = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)  # why they matched, in words
    found_at = models.DateTimeField(default=timezone.now)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="duplicate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["dismissed_at", "-score"], name="duplicate_pair_open_idx")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id} ({self.score:.2f})"
