from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

import reversion
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from kcs_site.languages import (
    CONTENT_LANGUAGE_CHOICES,
    CONTENT_LANGUAGES,
    DEFAULT_CONTENT_LANGUAGE,
    interface_language_for,
)
from kcs_site.locale import help_url

from . import policy, structure
from .choices import Audience, Decider, Governance, State
from .rendering import MAX_ARTICLE_CHARS, markdown_problem, public_text
from .signals import article_changed
from .slugs import slug_base
from .tags import read_tags

# Fields an edit may change (the KCS content standard plus metadata); workflow
# fields (state, audience, governance) change only through their own operations.
CONTENT_FIELDS = ("title", "issue", "environment", "resolution", "cause", "internal_notes")
METADATA_FIELDS = ("product", "owner", "review_by", "source_url", "language")
AUTHORITY_FIELDS = ("escalation", "authority_note")
# The article's structure (articles/structure.py): the template version it is read with, and
# the text of its non-standard sections by key.
STRUCTURE_FIELDS = structure.STRUCTURE_KEYS
# Rendered as Markdown on the pages, so bounded in size and nesting (articles/rendering.py).
MARKDOWN_FIELDS = ("issue", "environment", "resolution", "cause", "internal_notes")
# The long text an article list never shows: lists leave it in the database (`.defer()`), so a
# page of titles does not read every article body.
LONG_FIELDS = (*MARKDOWN_FIELDS, "authority_note")


def next_review_date(today: datetime.date | None = None) -> datetime.date:
    """When a validated article is next due for review: on validation, on import as validated,
    and when its owner confirms it is still correct."""
    return (today or timezone.localdate()) + datetime.timedelta(days=settings.KCS_REVIEW_AFTER_DAYS)


def long_fields(via: str = "") -> list[str]:
    """LONG_FIELDS for `.defer()`, from a related model when `via` names the relation ("article")."""
    return [f"{via}__{name}" if via else name for name in LONG_FIELDS]


# An article's decision authority is a short list an agent reads mid-call; a cap also bounds
# the work a posted form or API body can ask for (the editor builds one form per rule).
MAX_AUTHORITY_RULES = 30
MAX_TAGS = 50  # each new tag is a row to create: the cap bounds the work one save can ask for
MAX_REVIEW_YEARS = 5  # a review date further out than this is a typo


def check_review_date(to: datetime.date | None) -> None:
    """The dates a person may choose for a review (InvalidChange says why not): one rule for
    the review-date form, the editor and the API. Validation and "confirm still correct" set
    the date themselves."""
    today = timezone.localdate()
    if to is None:
        raise InvalidChange(_("A validated article keeps a review date; choose one after today."))
    if to <= today:
        raise InvalidChange(_("Choose a review date after today; use “Confirm still correct” if you have reviewed it."))
    if to > today + datetime.timedelta(days=366 * MAX_REVIEW_YEARS):
        raise InvalidChange(_("Choose a review date within %(years)s years.") % {"years": MAX_REVIEW_YEARS})


class StaleVersion(Exception):
    """The edit was based on an older version than the one saved."""

    def __init__(self, article: Article):
        self.current = article
        super().__init__(
            _("This article has changed since you opened it (now version %(version)s).") % {"version": article.version}
        )


class Refused(Exception):
    """A policy refusal; `str()` is the reason shown to the user."""


class InvalidChange(Exception):
    """The change breaks a content rule (e.g. validating an article with no resolution)."""


class ReasonNeeded(InvalidChange):
    """Archiving or reopening without saying why (`policy.transition_needs_reason`)."""


REASON_NEEDED = {
    State.ARCHIVED: gettext_lazy("Say why you archive this article: the reason is kept in its history."),
    State.NOT_VALIDATED: gettext_lazy("Say why you reopen this validated article: the reason is kept in its history."),
}


class Product(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    # The template an author starts from when capturing for this product (none: the site's default).
    default_template = models.ForeignKey(
        "ArticleTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="default_for"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@reversion.register()
class EscalationContact(models.Model):
    """Whom to turn to beyond an article's authority.

    Articles point at a contact rather than copy it, so that changing a contact's
    hours or channel changes every article that names it.
    """

    team = models.CharField(max_length=120, unique=True)
    channel = models.CharField(gettext_lazy("how to reach them"), max_length=200)
    hours = models.CharField(max_length=120, blank=True)
    response_time = models.CharField(gettext_lazy("expected response time"), max_length=80, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["team"]

    def __str__(self) -> str:
        return self.team

    def plain_words(self) -> str:
        parts = [self.team, self.channel]
        if self.hours:
            parts.append(self.hours)
        if self.response_time:
            parts.append(_("answer within %(time)s") % {"time": self.response_time})
        return ", ".join(parts)


class ArticleQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        # The one place visibility is turned into a query; policy.visibility_q says what.
        return self.filter(policy.visibility_q(user))

    def validated(self) -> ArticleQuerySet:
        return self.filter(state=State.VALIDATED)

    def drafts(self) -> ArticleQuerySet:
        return self.filter(state__in=[State.WIP, State.NOT_VALIDATED])

    def due_for_review(self, today: datetime.date | None = None) -> ArticleQuerySet:
        today = today or timezone.localdate()
        return self.validated().filter(review_by__lte=today)

    def awaiting_review_by(self, user) -> ArticleQuerySet:
        """Not-validated articles this user could validate (someone else's work)."""
        if not policy.may_validate_at_all(user):
            return self.none()
        return self.filter(state=State.NOT_VALIDATED).exclude(created_by=user).order_by("-updated_at")

    def for_list(self) -> ArticleQuerySet:
        return self.select_related("product", "owner").prefetch_related("tags").defer(*long_fields())


@reversion.register(follow=("rules",), exclude=("reuse_count",))
class Article(models.Model):
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)  # articles/slugs.py
    # The key an imported article had in its source (may contain "/"); re-imports match on it.
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=200)
    issue = models.TextField(blank=True)
    environment = models.TextField(blank=True)
    resolution = models.TextField(blank=True)
    cause = models.TextField(blank=True)
    # Staff guidance versioned with the article (tools, reason codes, goodwill rules): never shown
    # outside, like the `:::internal` passages any Markdown field may hold (articles/rendering.py).
    internal_notes = models.TextField(gettext_lazy("internal notes"), blank=True)

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_articles")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_articles")
    review_by = models.DateField(gettext_lazy("review by"), null=True, blank=True)

    state = models.CharField(max_length=16, choices=State.choices, default=State.WIP)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.INTERNAL)
    governance = models.CharField(max_length=16, choices=Governance.choices, default=Governance.EXPERIENCE)

    # Decision authority: rules live in AuthorityRule; these say where authority ends.
    escalation = models.ForeignKey(
        EscalationContact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=gettext_lazy("escalation contact"),
    )
    authority_note = models.TextField(gettext_lazy("outside this authority"), blank=True)

    # Optimistic locking: every saved change increments it; an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)
    reuse_count = models.PositiveIntegerField(default=0)

    # Structure (articles/structure.py: templates KB owners define). The template version the article
    # was last saved with; its sections say which text goes where. Sections stored in the standard
    # fields (issue, environment, resolution, cause) keep them; other sections' text is in
    # `sections`, by section key. Versioned with the article, so an old version renders with the
    # sections it had.
    template_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    sections = models.JSONField(default=dict, blank=True)
    # Set while this article stands merged into another (ArticleMerge): its pages redirect there.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from")
    # Languages (kcs_site/languages.py). A translation is an article of its own (versions, state,
    # audience, reviewer) in its source's translation set: `translation_of` names the source (never
    # itself a translation), `source_version` the source's version it was translated from or last
    # confirmed against, and `translation_outdated` is set when the source changed materially since.
    language = models.CharField(max_length=8, choices=CONTENT_LANGUAGE_CHOICES, default=DEFAULT_CONTENT_LANGUAGE)
    translation_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="translations")
    source_version = models.PositiveIntegerField(null=True, blank=True)
    translation_outdated = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        # Each list page walks one of these in order and stops after a page (see bench/pages.py).
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="article_recent_idx"),
            models.Index(fields=["state", "-updated_at"], name="article_state_recent_idx"),
            models.Index(fields=["state", "audience", "-updated_at"], name="article_audience_recent_idx"),
            models.Index(fields=["product", "-updated_at"], name="article_product_recent_idx"),
            models.Index(fields=["owner", "-updated_at"], name="article_owner_recent_idx"),
            models.Index(fields=["owner", "state", "review_by"], name="article_owner_review_idx"),
            models.Index(fields=["state", "review_by"], name="article_review_idx"),
            # The KCS measures match a link's agent with the article's author (citation: reuse by
            # others) from this narrow index instead of the wide article rows.
            models.Index(fields=["id", "created_by"], name="article_author_idx"),
            models.Index(fields=["language", "state", "audience"], name="article_language_idx"),
        ]
        constraints = [
            # One translation per language in a translation set.
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                condition=models.Q(translation_of__isnull=False),
                name="article_one_translation_per_language",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.slug])

    def get_help_url(self) -> str:
        """Its help-centre page, under its language's prefix (/help/de/<slug>/) when it has one."""
        return help_url(self.slug, self.language)

    def get_diff_url(self, from_version: int, to_version: int) -> str:
        """The staff page comparing two versions of this article."""
        return reverse("articles:diff", args=[self.slug]) + f"?from={from_version}&to={to_version}"

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # What of a source decides who may see its translations, as read (search.signals).
        article.loaded_visibility = article.visibility_key()
        return article

    def visibility_key(self) -> tuple:
        return tuple(self.__dict__.get(name) for name in ("state", "audience", "merged_into_id"))

    @property
    def source(self) -> Article:
        """The article of this translation set its translations are made from (itself if a source)."""
        return self.translation_of if self.translation_of_id else self

    @property
    def is_translation(self) -> bool:
        return self.translation_of_id is not None

    @property
    def is_outdated_translation(self) -> bool:
        """A translation whose source changed materially since it was translated or confirmed."""
        return self.is_translation and self.translation_outdated

    @property
    def is_governed(self) -> bool:
        return self.governance == Governance.GOVERNED

    @property
    def is_due_for_review(self) -> bool:
        return self.state == State.VALIDATED and self.review_by is not None and self.review_by <= timezone.localdate()

    # --- creation -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        by,
        title: str,
        product: Product,
        tags: list[str] | None = None,
        rules: list[dict] | None = None,
        state: str = State.WIP,
        audience: str = Audience.INTERNAL,
        governance: str = Governance.EXPERIENCE,
        owner=None,
        note: str = "",
        slug: str = "",
        **fields,
    ) -> Article:
        """Create an article as `by`, checking the policy for everything it sets."""
        require(policy.can_create(by))
        require(policy.can_assign_owner(by, owner))
        fields = normalize_text(fields)
        if "sections" in fields:
            fields["sections"] = normalize_text(dict(fields["sections"] or {}))
        article = cls(title=title, product=product, created_by=by, owner=owner or by, **fields)
        _check_markdown(markdown_problems(fields))
        _check_sections(article, fields.get("sections") or {})
        if state not in (State.WIP, State.NOT_VALIDATED):
            raise InvalidChange(_("A new article starts as work in progress or not validated."))
        missing = structure.missing_required(article) if state == State.NOT_VALIDATED else []
        if missing:
            raise InvalidChange(
                structure.missing_message(missing, leaving=_("An article without a resolution is work in progress."))
            )
        article.state = state
        if audience != Audience.INTERNAL:
            require(policy.can_change_audience(by, article, audience))
        article.audience = audience
        source = article.translation_of if article.translation_of_id else None
        if source is not None:
            # A translation of governed content is governed like its source: only whoever may
            # change the source may translate it (policy.can_translate), on every path.
            require(policy.can_translate(by, source))
        if governance != Governance.EXPERIENCE and (source is None or source.governance != governance):
            # Anything else is a KB owner's call.
            require(policy.can_change_governance(by, article))
        article.governance = governance
        if rules or article.escalation_id or article.authority_note:
            require(policy.can_edit_authority(by, article))
        _check_tag_count(tags or [])
        with transaction.atomic(), reversion.create_revision():
            article._save_with_unique_slug(slug or title)
            article.set_tags(tags or [])
            article._replace_rules(rules or [])
            change = article._record(by, EventKind.CREATED, to_value=state, note=note or "Created", material=True)
            _revision_meta(by, note or "Created", material=True, version=article.version)
            announce(change)
        return article

    def _save_with_unique_slug(self, text: str) -> None:
        # Two people may create "Printer offline" at the same moment: both pick the same free
        # slug and the unique index lets one insert win. The loser retries in a savepoint (its
        # transaction stays usable on PostgreSQL) with the next free slug, and from its second
        # collision on with a random suffix: twenty creates at once would otherwise all race
        # for the same "-2", then "-3"... with one winner per round and most running out of tries.
        for attempt in range(SLUG_ATTEMPTS):
            self.slug = unique_slug(text, random_suffix=attempt >= 2)
            try:
                with transaction.atomic():
                    self.save(force_insert=True)
                return
            except IntegrityError:
                # Another unique field (external_id) is not ours to retry.
                if attempt == SLUG_ATTEMPTS - 1 or not Article.objects.filter(slug=self.slug).exists():
                    raise

    # --- edits --------------------------------------------------------------------------

    def edit(
        self,
        *,
        by,
        base_version: int,
        changes: dict,
        tags: list[str] | None = None,
        rules: list[dict] | None = None,
        note: str = "",
        material: bool = True,
        event: str | None = None,
        resolves: list[int] | None = None,
        restores: int | None = None,
        even_unchanged: bool = False,
        restored_source_version: int | None = None,
    ) -> Article:
        """Apply `changes` made from `base_version`; raises StaleVersion if someone saved since.

        `changes` may hold content, metadata, authority and audience fields; each kind is
        checked against the policy. `rules=None` leaves the authority rules alone. `resolves`:
        ids of flags the editor says this edit addresses (the feedback app closes them).
        `restores`: the version a revert brings back, kept on the change record (its `to_value`).
        `even_unchanged`: save a version even when nothing changed (a merge is a version of the
        article merged into, whichever text it keeps: articles/merging.py).
        `restored_source_version`: a translation's revert, the source version the restored version
        translated.
        """
        unknown = set(changes) - set(CONTENT_FIELDS + METADATA_FIELDS + AUTHORITY_FIELDS + STRUCTURE_FIELDS + ("audience",))
        if unknown:
            raise InvalidChange(_("These fields cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
        changes = normalize_text(changes)
        if "sections" in changes and not isinstance(changes["sections"], dict):
            raise InvalidChange(_("Give the sections as {key: text}."))
        _check_tag_count(tags or [])
        with transaction.atomic():
            current = Article.objects.select_for_update().get(pk=self.pk)
            if current.version != base_version:
                raise StaleVersion(current)
            if "sections" in changes:
                # Sections not named keep their text: a section a newer template version dropped is
                # never lost, and the article's versions hold every change to it.
                changes["sections"] = {**(current.sections or {}), **normalize_text(changes["sections"])}
            changed = {k: v for k, v in changes.items() if getattr(current, _attr(k)) != _value(v)}
            tags_changed = tags is not None and clean_tags(tags) != current.tag_names()
            rules_changed = rules is not None and _normalise_rules(rules) != current.rule_dicts()
            if not (changed or tags_changed or rules_changed or even_unchanged):
                return self
            from . import translations  # it builds on this module

            translations.check_edit(current, changed, _normalise_rules(rules) if rules_changed else None)
            self._check_edit(by, current, changed, rules_changed)
            old_rules = current.rule_dicts() if rules_changed and current.translations.exists() else None
            _check_markdown(markdown_problems(changed, current=current))
            before = structure.outside_values(current)
            old_sections = dict(current.sections or {})
            staff_only_before = {s.key for s in structure.sections_of(current) if s.staff_only}
            # Compared with the stored text, so before the new values are set.
            text_changed = _outside_text_changed(current, changed)
            for name, value in changed.items():
                setattr(current, name, value)
            _check_sections(current, changed.get("sections") or {}, stored=old_sections)
            if "template_version" in changed:
                _check_staff_text_stays_staff(current, staff_only_before)
            outside_changed = text_changed or before != structure.outside_values(current)
            missing = structure.missing_required(current)
            if current.state in (State.NOT_VALIDATED, State.VALIDATED) and missing:
                # Only work in progress may lack a resolution (KCS: a "framed" article), or any
                # other section its template requires.
                state = current.get_state_display().lower()
                if [s.key for s in missing] == ["resolution"]:
                    raise InvalidChange(
                        _(
                            "A %(state)s article needs a resolution; "
                            "move it back to work in progress first if the resolution is no longer known."
                        )
                        % {"state": state}
                    )
                names = ", ".join(f"“{structure.shown_label(s)}”" for s in missing)
                raise InvalidChange(
                    _(
                        "A %(state)s article needs %(sections)s (its template requires them); "
                        "move it back to work in progress first if they are no longer known."
                    )
                    % {"state": state, "sections": names}
                )
            with reversion.create_revision():
                current.version += 1
                current.updated_at = timezone.now()
                if current.is_translation and event == EventKind.REVERTED:
                    # A revert brings back what that version translated: its source version, and
                    # out of date if the source changed materially since (translations.py).
                    translations.restore_currency(current, restored_source_version)
                elif current.is_translation:
                    # Saving a translation brings it up to date with its source as it stands now.
                    current.source_version = current.translation_of.version
                    current.translation_outdated = False
                current.save()
                if tags_changed:
                    current.set_tags(tags)
                if rules_changed:
                    current._replace_rules(rules)
                # One change record per version, whatever it changed: the edit's row when the
                # content changed (the audience row beside it is history only), else the audience row.
                fields = _changed_names(changed, old_sections)
                fields += (["tags"] if tags_changed else []) + (["rules"] if rules_changed else [])
                record = {
                    "material": material,
                    "changed_fields": fields,
                    "rules_changed": rules_changed,
                    "resolves": sorted({int(pk) for pk in resolves or []}),
                    "outside_changed": outside_changed,
                }
                change = None
                if set(changed) - {"audience"} or tags_changed or rules_changed or even_unchanged:
                    restored = {"to_value": str(restores)} if restores else {}
                    change = current._record(by, event or EventKind.EDITED, note=note, **restored, **record)
                if "audience" in changed:
                    audience = {} if change else record
                    row = current._record(
                        by, EventKind.AUDIENCE, from_value=self.audience, to_value=changed["audience"], note=note, **audience
                    )
                    change = change or row
                _revision_meta(by, note or "Edited", material=material, version=current.version)
                announce(change)
            if not current.is_translation:
                # In the same transaction: a source's material update marks its translations out
                # of date, and their decision authority follows its structure (translations.py).
                translations.source_changed(current, by=by, material=material, old_rules=old_rules, changed=changed)
        self.refresh_from_db()
        return self

    def revert(self, *, by, to_number: int, base_version: int) -> Article:
        """Restore the content of version `to_number` as a new version (nothing is lost).

        An edit that restores earlier content: the same policy checks and optimistic locking
        apply, so restoring different authority rules needs a KB owner, like any authority change.
        """
        from . import versions

        target = versions.version_by_number(self, to_number)
        if target is None:
            raise versions.NoSuchVersion(_("There is no version %(number)s of this article.") % {"number": to_number})
        content = versions.content_of_version(target.version)
        # The restored template version's sections get the text they had (empty if added since),
        # so the article reads as it did; text of sections that version lacks stays, hidden.
        restored = content["changes"]["sections"] or {}
        shown = [s.key for s in structure.sections_of(content["changes"]["template_version"]) if not s.is_standard]
        content["changes"]["sections"] = {key: restored.get(key, "") for key in shown}
        if content["changes"]["template_version"] is None and structure.sections_of(self) == structure.sections_of(None):
            # Stored before templates: it read with the standard sections, which the article still has.
            del content["changes"]["template_version"]
        return self.edit(
            by=by,
            base_version=base_version,
            changes=content["changes"],
            tags=content["tags"],
            rules=content["rules"],
            note=f"Reverted to version {to_number}",
            material=True,
            event=EventKind.REVERTED,
            restores=to_number,
            restored_source_version=target.version.field_dict.get("source_version"),
        )

    def _check_edit(self, by, current: Article, changed: dict, rules_changed: bool) -> None:
        content = set(changed) - set(AUTHORITY_FIELDS) - {"audience"}
        if content:
            require(policy.can_edit(by, current))
        if touches_authority(changed, rules_changed):
            require(policy.can_edit_authority(by, current))
        if "audience" in changed:
            require(policy.can_change_audience(by, current, changed["audience"]))
        if "owner" in changed:
            require(policy.can_change_owner(by, current))
        if "review_by" in changed:
            require(policy.can_change_review_date(by, current))
            check_review_date(changed["review_by"])

    def set_tags(self, names: list[str]) -> None:
        clean = clean_tags(names)
        existing = {t.name: t for t in Tag.objects.filter(name__in=clean)}
        for name in clean:
            if name not in existing:
                existing[name] = Tag.objects.get_or_create(name=name)[0]
        self.tags.set([existing[n] for n in clean])

    def tag_names(self) -> list[str]:
        return sorted(t.name for t in self.tags.all())

    def rule_dicts(self) -> list[dict]:
        return [r.as_dict() for r in self.rules.all()]

    def _replace_rules(self, rules: list[dict]) -> None:
        self.rules.all().delete()
        AuthorityRule.objects.bulk_create(
            AuthorityRule(article=self, position=i, **rule) for i, rule in enumerate(_normalise_rules(rules))
        )
        # bulk_create sends no signals: add the article again, which follows its new rules.
        if reversion.is_active():
            reversion.add_to_revision(self)

    # --- workflow ---------------------------------------------------------------------

    def submit(self, *, by, note: str = "") -> Article:
        """Work in progress → not validated: the resolution is written."""
        return self._transition(by, State.NOT_VALIDATED, note)

    def validate(self, *, by, note: str = "") -> Article:
        return self._transition(by, State.VALIDATED, note)

    def reopen(self, *, by, note: str = "") -> Article:
        """Validated → not validated, or not validated → work in progress."""
        to = State.NOT_VALIDATED if self.state == State.VALIDATED else State.WIP
        return self._transition(by, to, note)

    def archive(self, *, by, note: str = "") -> Article:
        return self._transition(by, State.ARCHIVED, note)

    def restore(self, *, by, to: str = State.NOT_VALIDATED, note: str = "") -> Article:
        if self.state != State.ARCHIVED:
            raise Refused(_("Only an archived article can be restored."))
        return self._transition(by, to, note)

    def transition(self, *, by, to: str, note: str = "", base_version: int | None = None) -> Article:
        """Move to state `to` by whichever operation that is (the pages' and API's entry point).

        With `base_version`, the move is refused (StaleVersion) if the article changed since
        the person looked at it: nobody validates text they have not seen.
        """
        if to not in State.values:
            raise InvalidChange(
                _("Unknown state '%(state)s'. Choose one of: %(choices)s.") % {"state": to, "choices": ", ".join(State.values)}
            )
        return self._transition(by, to, note, base_version, ask_reason=True)

    def _transition(
        self,
        by,
        to: str,
        note: str,
        base_version: int | None = None,
        ask_reason: bool = False,
        *,
        kind: str = "",
        allowed: policy.Decision | None = None,
    ) -> Article:
        """`kind` and `allowed`: for an operation that moves the state as part of something larger
        and asked the policy its own question (a merge archives the article it merges away)."""
        with transaction.atomic():
            current = Article.objects.select_for_update().get(pk=self.pk)
            if base_version is not None and current.version != base_version:
                raise StaleVersion(current)
            require(allowed if allowed is not None else policy.can_transition(by, current, to))
            if ask_reason and policy.transition_needs_reason(current.state, to) and not note.strip():
                raise ReasonNeeded(REASON_NEEDED[to])
            missing = structure.missing_required(current) if to in (State.NOT_VALIDATED, State.VALIDATED) else []
            if missing:
                raise InvalidChange(structure.missing_message(missing))
            from_state = current.state
            current.state = to
            current.version += 1
            current.updated_at = timezone.now()
            if to == State.VALIDATED:
                current.review_by = next_review_date()
            with reversion.create_revision():
                current.save()
                fields = ["state", "review_by"] if to == State.VALIDATED else ["state"]
                change = current._record(
                    by, kind or EventKind.STATE, from_value=from_state, to_value=to, note=note, changed_fields=fields
                )
                with override(None):  # kept in the stored history as written: in the source language
                    comment = f"{State(from_state).label} → {State(to).label}" + (f": {note}" if note else "")
                _revision_meta(by, comment, material=False, version=current.version)
                announce(change)
        self.refresh_from_db()
        return self

    def set_governance(self, *, by, to: str, note: str = "") -> Article:
        if to not in Governance.values:
            raise InvalidChange(_("Unknown governance '%(governance)s'.") % {"governance": to})
        with transaction.atomic():
            current = Article.objects.select_for_update().get(pk=self.pk)
            require(policy.can_change_governance(by, current))
            if current.governance == to:
                return self
            current._change_governance(by, to, note)
            if not current.translation_of_id:
                # A source's translations are governed like it: each records the change in its history.
                for translation in current.translations.select_for_update().order_by("pk"):
                    if translation.governance != to:
                        translation._change_governance(by, to, note)
        self.refresh_from_db()
        return self

    def _change_governance(self, by, to: str, note: str) -> None:
        from_value = self.governance
        self.governance = to
        self.version += 1
        self.updated_at = timezone.now()
        with reversion.create_revision():
            self.save()
            change = self._record(
                by, EventKind.GOVERNANCE, from_value=from_value, to_value=to, note=note, changed_fields=["governance"]
            )
            with override(None):  # stored history, in the source language
                comment = note or f"Governance: {Governance(to).label}"
            _revision_meta(by, comment, material=False, version=self.version)
            announce(change)

    def _record(self, by, kind: str, *, from_value: str = "", to_value: str = "", note: str = "", **change) -> ArticleEvent:
        """Write the history row; with `change` (material, changed_fields, rules_changed,
        resolves) it is also the change record that `announce` hands to the other apps."""
        return ArticleEvent.objects.create(
            article=self,
            actor=by,
            kind=kind,
            from_value=from_value,
            to_value=to_value,
            note=note,
            version=self.version,
            **change,
        )


@reversion.register()
class AuthorityRule(models.Model):
    """One thing an agent may do on this kind of case, and who decides it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    action = models.CharField(max_length=200, help_text=gettext_lazy("What may be done, e.g. “refund the booking”."))
    limit_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    limit_unit = models.CharField(max_length=40, blank=True, help_text=gettext_lazy("e.g. EUR, items, days"))
    decider = models.CharField(max_length=16, choices=Decider.choices, default=Decider.AGENT)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["article", "position", "id"]

    def __str__(self) -> str:
        return self.plain_words()

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "limit_amount": self.limit_amount,
            "limit_unit": self.limit_unit,
            "decider": self.decider,
            "notes": self.notes,
        }

    def plain_words(self) -> str:
        """The rule as a sentence in its article's language (the action is written in it), whatever
        language the page around it speaks."""
        article = self._state.fields_cache.get("article") or (self.article if self.article_id else None)
        if article is None:  # a rule rebuilt from a version, apart from its article: the page's language
            return plain_rule(self.as_dict())
        with override(interface_language_for(article.language) or settings.LANGUAGE_CODE):
            return plain_rule(self.as_dict())


def plain_rule(rule: dict) -> str:
    """A rule in words an agent can act on mid-call. Also used to diff versions."""
    action = rule["action"].strip().rstrip(".")
    amount = rule.get("limit_amount")
    limit = ""
    if amount not in (None, ""):
        amount_text = f"{Decimal(str(amount)).normalize():f}"
        limit = " " + (_("up to %(amount)s %(unit)s") % {"amount": amount_text, "unit": rule.get("limit_unit") or ""}).rstrip()
    decider = rule.get("decider") or Decider.AGENT
    if decider == Decider.AGENT:
        text = _("You may %(action)s without approval.") % {"action": action + limit}
    elif decider == Decider.TEAM_LEAD:
        text = _("With your team lead's approval you may %(action)s.") % {"action": action + limit}
    else:
        text = _("Escalate before you %(action)s: this is not yours to decide.") % {"action": action + limit}
    if rule.get("notes"):
        text += f" ({rule['notes']})"
    return text


class EventKind(models.TextChoices):
    CREATED = "created", gettext_lazy("Created")
    EDITED = "edited", gettext_lazy("Edited")
    STATE = "state", gettext_lazy("Confidence changed")
    AUDIENCE = "audience", gettext_lazy("Audience changed")
    GOVERNANCE = "governance", gettext_lazy("Governance changed")
    REVERTED = "reverted", gettext_lazy("Reverted")
    MERGED = "merged", gettext_lazy("Merged")
    UNMERGED = "unmerged", gettext_lazy("Merge undone")
    RELATION = "relation", gettext_lazy("Relations changed")
    # Translations (articles/translations.py): the source changed materially since the version
    # translated; the translator confirmed the translation still says what the source says.
    OUTDATED = "outdated", gettext_lazy("Source changed")
    CONFIRMED = "confirmed", gettext_lazy("Translation confirmed")


class ArticleEvent(models.Model):
    """Who did what to an article, when (KCS Verified: creation, modification, state changes)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_value = models.CharField(max_length=32, blank=True)
    to_value = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField()
    # The change record (STYLE.md: one domain signal carrying it): what the receivers in other
    # apps need to know, so none of them re-reads the stored versions to work it out.
    material = models.BooleanField(default=False)
    changed_fields = models.JSONField(default=list, blank=True)  # field names, plus "tags" and "rules"
    rules_changed = models.BooleanField(default=False)  # the decision-authority rules changed
    resolves = models.JSONField(default=list, blank=True)  # ids of flags the editor says this edit addresses
    # Whether the text outside readers see changed (False when only internal notes, `:::internal`
    # passages, authority or metadata did): they are told of an update only then.
    outside_changed = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["article", "-at"]),
            # The KCS measures count a period's events per person and kind from the index alone.
            models.Index(fields=["at", "kind", "actor"], name="event_measures_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def authority_changed(self) -> bool:
        """The decision authority changed: its rules, the escalation contact or the note on what to do outside it."""
        return touches_authority(self.changed_fields, self.rules_changed)


def touches_authority(changed_fields, rules_changed: bool) -> bool:
    """A change record's fields (and its rules flag) changed the decision authority."""
    return bool(rules_changed) or bool(set(changed_fields or []) & set(AUTHORITY_FIELDS))


class Reuse(models.Model):
    """An agent used an article without naming a case (KCS reuse): who, when, and whether it solved it.

    Use on a named case is a link (`cases.CaseLink`); `case_ref` is kept on rows recorded before
    cases existed. Kept apart from customers' "was this helpful" votes. `Article.reuse_count`
    counts these rows and live reuse links (`cases.services.recount_reuse`).
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reuses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reuses")
    at = models.DateTimeField(default=timezone.now)
    case_ref = models.CharField(gettext_lazy("case reference"), max_length=100, blank=True)
    solved = models.BooleanField(null=True, blank=True)  # None: not said
    article_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["article", "-at"], name="reuse_article_idx"),
            models.Index(fields=["case_ref"], name="reuse_case_idx"),
            models.Index(fields=["user", "-at"], name="reuse_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article} used by {self.user} at {self.at:%Y-%m-%d %H:%M}"


class RevisionMeta(models.Model):
    """What reversion does not store itself: the article version number and minor/material."""

    revision = models.OneToOneField("reversion.Revision", on_delete=models.CASCADE, related_name="meta")
    article_version = models.PositiveIntegerField()
    material = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"version {self.article_version} ({'material' if self.material else 'minor'})"


# --- helpers -----------------------------------------------------------------------------


def require(decision: policy.Decision) -> None:
    """Go on only if the policy allows: a refusal raises Refused with its reason."""
    if not decision:
        raise Refused(decision.reason)


def markdown_problems(values: dict, *, current: Article | None = None) -> dict[str, str]:
    """{field: why it cannot be saved} for the Markdown fields in `values` over the limits.

    A field that keeps the text `current` has is not judged again: text stored before the
    limits existed stays editable around it (and renders as plain text).
    """
    problems = {}
    changed = []
    for name in MARKDOWN_FIELDS:
        value = values.get(name)
        if not isinstance(value, str) or (current is not None and value == getattr(current, name)):
            continue
        changed.append(name)
        problem = markdown_problem(value)
        if problem:
            problems[name] = problem
    sections = values["sections"] if isinstance(values.get("sections"), dict) else getattr(current, "sections", None) or {}
    if isinstance(values.get("sections"), dict) and values["sections"] != getattr(current, "sections", None):
        changed.append("sections")
    if changed and not problems:
        # A staff page shows all these fields: their sum bounds the work of its first view.
        texts = {name: values[name] if name in values else getattr(current, name, "") or "" for name in MARKDOWN_FIELDS}
        texts["sections"] = "".join(text for text in sections.values() if isinstance(text, str))
        total = sum(len(text) for text in texts.values())
        if total > MAX_ARTICLE_CHARS:
            longest = max(changed, key=lambda name: len(texts[name]))
            problems[longest] = _(
                "The article's text is %(total)s characters long in all "
                "(issue, environment, resolution, cause, the template's other sections and internal notes); "
                "at most %(limit)s are allowed. Shorten it or split the article."
            ) % {"total": count(total), "limit": count(MAX_ARTICLE_CHARS)}
    return problems


# What customers, partners and visitors read of an article (help centre, public API).
OUTSIDE_TEXT_FIELDS = ("title", "issue", "environment", "resolution", "cause")


def count(n: int) -> str:
    """A count of characters as the active language groups its digits ("12,000"; "12.000" in German)."""
    return number_format(n, force_grouping=True)


def _outside_text_changed(current: Article, changed: dict) -> bool:
    return any(
        public_text(changed[name]) != public_text(getattr(current, name)) for name in OUTSIDE_TEXT_FIELDS if name in changed
    )


def _check_markdown(problems: dict[str, str]) -> None:
    # The last guard for every writer (pages, API, import, revert); the form and the API
    # report the same problems next to their fields before getting here.
    if problems:
        raise InvalidChange(" ".join(f"{name.capitalize()}: {problem}" for name, problem in problems.items()))


def announce(change: ArticleEvent) -> None:
    """Tell the other apps about `change` once its transaction commits (articles.signals)."""
    transaction.on_commit(lambda: article_changed.send(sender=Article, change=change))


def _revision_meta(by, comment: str, *, material: bool, version: int) -> None:
    reversion.set_user(by)
    reversion.set_comment(comment[:2000])
    reversion.add_meta(RevisionMeta, material=material, article_version=version)


def _attr(name: str) -> str:
    return f"{name}_id" if name in ("product", "owner", "escalation", "template_version") else name


def _changed_names(changed: dict, old_sections: dict) -> list[str]:
    """The change record's field names: each changed section as "sections.<key>"."""
    names = sorted(name for name in changed if name != "sections")
    if "sections" in changed:
        new = changed["sections"]
        names += sorted(
            structure.SECTION_PREFIX + key for key in set(old_sections) | set(new) if old_sections.get(key) != new.get(key)
        )
    return names


def _check_sections(article: Article, values: dict, *, stored: dict | None = None) -> None:
    """Section text fits the article's template (known keys, size and nesting limits)."""
    problems = structure.section_problems(structure.sections_of(article), values, current=stored)
    if problems:
        raise InvalidChange(
            " ".join(_("Section “%(key)s”: %(problem)s") % {"key": key, "problem": problem} for key, problem in problems.items())
        )


def _check_staff_text_stays_staff(article: Article, staff_only_before: set[str]) -> None:
    """Another template must not show to everyone the text a staff-only section held: moving an
    article to a template with the same key shown to everyone would publish it."""
    shown = [
        structure.shown_label(s)
        for s in structure.sections_of(article)
        if not s.staff_only and s.key in staff_only_before and str((article.sections or {}).get(s.key) or "").strip()
    ]
    if shown:
        raise InvalidChange(
            _(
                "%(sections)s: this template shows the section to everyone, and it holds text that was staff-only. "
                "Move or clear that text first, or choose a template that keeps it staff-only."
            )
            % {"sections": ", ".join(shown)}
        )


def _value(value):
    return value.pk if isinstance(value, models.Model) else value


def _normalise_rules(rules: list[dict]) -> list[dict]:
    if len(rules) > MAX_AUTHORITY_RULES:
        raise InvalidChange(_("An article has at most %(limit)s authority rules.") % {"limit": MAX_AUTHORITY_RULES})
    out = []
    for rule in rules:
        action = (rule.get("action") or "").strip()
        if not action:
            continue
        amount = rule.get("limit_amount")
        amount = None if amount in (None, "") else Decimal(str(amount)).quantize(Decimal("0.01"))
        decider = rule.get("decider") or Decider.AGENT
        if decider not in Decider.values:
            raise InvalidChange(
                _("Unknown decider '%(decider)s'. Choose one of: %(choices)s.")
                % {"decider": decider, "choices": ", ".join(Decider.values)}
            )
        out.append(
            {
                "action": action,
                "limit_amount": amount,
                "limit_unit": (rule.get("limit_unit") or "").strip(),
                "decider": decider,
                "notes": (rule.get("notes") or "").strip(),
            }
        )
    return out


def _check_tag_count(names: list[str]) -> None:
    if len(names) > MAX_TAGS:
        raise InvalidChange(_("An article has at most %(limit)s tags.") % {"limit": MAX_TAGS})


def clean_tags(names: list[str]) -> list[str]:
    """The tags stored for `names` (articles/tags.py); forms and the API report what changed."""
    return read_tags(names).tags


def normalize_newlines(text: str) -> str:
    """Line ends as "\n": browsers post textareas with "\r\n", and an edit made in one must not
    show every line of the article as changed."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalize_text(values: dict) -> dict:
    """`values` with the line ends of every text normalized (see normalize_newlines)."""
    return {name: normalize_newlines(value) if isinstance(value, str) else value for name, value in values.items()}


SLUG_ATTEMPTS = 5
# /articles/new/ is the create page, /articles/similar/ the duplicate check while capturing
# (search.duplicate_urls); /help/contact/ the help centre's contact form (cases.handover); and
# /help/<language>/ the help centre in a language (kcs_site.locale): every content language's
# code, for the interface languages of today and of later.
RESERVED_SLUGS = {"new", "similar", "contact"} | set(CONTENT_LANGUAGES) | {code.lower() for code, _name in settings.LANGUAGES}


def unique_slug(text: str, *, exclude_pk: int | None = None, random_suffix: bool = False) -> str:
    """The first free slug for `text` ("title", "title-2", ...), or "title-<random>" with `random_suffix`."""
    base = slug_base(text)
    if random_suffix:
        return f"{base}-{secrets.token_hex(3)}"
    taken = Article.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True)) | RESERVED_SLUGS
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


# --- one article per issue: templates, relations, merges ----------------------------------


class ArticleTemplate(models.Model):
    """A structure for articles that KB owners define: named sections in order. Each change
    to its sections is a new TemplateVersion, so articles saved with an older one still render
    with the sections they had."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    # The site's default (the standard issue / environment / resolution / cause structure at first).
    is_default = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)  # no longer offered for new articles
    current = models.ForeignKey("TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_template"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """The sections of a template as saved at one time (never changed once articles use it).

    `sections`: a list of {"key", "label", "help", "required", "format" ("markdown"|"plain"),
    "visibility" ("everyone"|"staff"), "role" (what search weighs it as)}, in reading order.
    """

    template = models.ForeignKey(ArticleTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    sections = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="template_version_number")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class RelationKind(models.TextChoices):
    RELATED = "related", gettext_lazy("Related to")
    SUPERSEDES = "supersedes", gettext_lazy("Supersedes")
    DUPLICATE_OF = "duplicate_of", gettext_lazy("Duplicate of")


class ArticleRelation(models.Model):
    """A link from one article to another that readers follow: related, supersedes, duplicate of."""

    from_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="relations_out")
    to_article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=16, choices=RelationKind.choices, default=RelationKind.RELATED)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article", "kind"], name="article_relation_once"),
            models.CheckConstraint(condition=~Q(from_article=models.F("to_article")), name="article_relation_not_self"),
        ]
        indexes = [models.Index(fields=["to_article", "kind"], name="article_relation_in_idx")]

    def __str__(self) -> str:
        return f"{self.from_article_id} {self.kind} {self.to_article_id}"


class ArticleMerge(models.Model):
    """Article `source` (B) merged into `target` (A): what moved, so the merge can be undone.

    `moved`: {"<app_label.Model>": [ids of rows moved from B to A], ...}; `kept`: rows that
    stayed on B because A already had their like (e.g. a subscription), by the same keys.
    """

    source = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="merges_out")
    target = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="merges_in")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    source_state = models.CharField(max_length=16, choices=State.choices)  # B's state before, restored by un-merge
    source_version = models.PositiveIntegerField()  # B's version saved by the merge (archived)
    target_version = models.PositiveIntegerField()  # A's version saved by the merge
    moved = models.JSONField(default=dict, blank=True)
    kept = models.JSONField(default=dict, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_id} merged into {self.target_id}"
