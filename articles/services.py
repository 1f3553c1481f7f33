"""Operations that span several models: importing articles from another knowledge base.

`manage.py import_articles` reads files and reports; this module turns one record into
an article. A new article gets exactly one version and one `created` event, whatever
state it is imported in (going through each transition would record several). A
record already imported (same `external_id`) becomes an edit, so a re-import is an
ordinary new version, and an unchanged record changes nothing. `import_batch` does this
for a batch of records, writing its new articles (with their versions and events) in bulk.

What `manage.py export_articles` writes comes back in (articles/exporting.py):
- `state`, `audience`, `governance`, `owner` and `review_by` are the article's own for a new
  article and take the place of the command's `--state`, `--audience`, `--owner`; an article
  already imported keeps what its people have given it since. An `owner` who is not a user here,
  or may not own articles, falls back to the command's owner with a warning (a KB moving to
  another site should not lose articles over accounts not made yet).
- `rules`, `escalation` and `authority_note`: the decision authority. Each rule passes the
  article editor's checks (articles.forms.RuleForm). The escalation contact is matched by its
  team name; a team not here is created from the record (channel, hours, response time,
  notes), and an existing contact is never changed by an import (its page is where KB owners
  change it for every article naming it). A translation's rules follow its source
  (articles/translations.py): a record whose rules differ from its source's in limits, units
  or who decides is refused when the source is here already, and made to follow it when it
  is linked later. As on the site, only a KB owner (or superuser) importing may set a new
  article's decision authority or make it governed.
- `relations` ({kind, to, note}: related to, supersedes, duplicate of another article by its key
  or slug) are made once every record is in, through the checks of the article page
  (articles/relations.py); a re-import adds the relations it names and removes none. One that
  cannot be made is reported with its record's line, and the article stays imported.
- `versions` (and `version`, `created_at`, `created_by`, `updated_at`, `merged_into`,
  `reuse_count`) are the exported history: an import cannot rewrite history, so the new article
  has one version whose note says which version of which export it came from ("Imported from
  kb.jsonl (exported at version 7)"); the export file keeps the rest. A `version` or `versions`
  of another shape (a docs site's list of product versions) is ignored, as other fields are.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_unicode_slug
from django.db import DataError, IntegrityError, router, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.text import slugify
from reversion.models import Revision, Version
from reversion.revisions import _get_options as reversion_options  # what add_to_revision serializes

from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE

from . import policy, structure
from .choices import Audience, Decider, Governance
from .models import (
    MAX_AUTHORITY_RULES,
    RESERVED_SLUGS,
    Article,
    ArticleEvent,
    EscalationContact,
    EventKind,
    InvalidChange,
    Product,
    Refused,
    RelationKind,
    RevisionMeta,
    StaleVersion,
    State,
    Tag,
    _normalise_rules,
    _revision_meta,
    announce,
    clean_tags,
    next_review_date,
    unique_slug,
)
from .rendering import MAX_ARTICLE_CHARS, markdown_problem
from .signals import articles_written
from .slugs import slug_base

if TYPE_CHECKING:
    from accounts.models import User

_TEXT_FIELDS = ("slug", "title", "summary", "body", "internal_notes", "product", "source_url")
_check_url = URLValidator(schemes=["http", "https"])


class BadRecord(Exception):
    """A record that cannot be imported; `str()` is the reason shown next to its line or file."""


@dataclass(frozen=True)
class ImportRecord:
    """One article as the source describes it, checked and cleaned."""

    key: str  # the source's own identifier, kept as Article.external_id
    title: str
    issue: str
    resolution: str
    product: str
    tags: tuple[str, ...]
    source_url: str
    # Optional staff-only notes, never shown outside; None when the source has none to say, so
    # a re-import keeps the notes staff wrote here.
    internal_notes: str | None = None
    # Optional: the template's name and its sections' text by key (standard keys fill the issue,
    # environment, resolution and cause fields). None: the article keeps what it has.
    template: str | None = None
    sections: dict[str, str] | None = field(default=None, hash=False, compare=False)
    # Languages (articles/translations.py): the article's language, and for a translation the key
    # (external id) or slug of its source, in the same file or already here, and the source's
    # version it was translated from (default: the source's current version).
    language: str = DEFAULT_CONTENT_LANGUAGE
    translation_of: str | None = None
    source_version: int | None = None
    # What an export carries beyond the content (see the module docstring). None: not said, so
    # the command's default applies to a new article and an existing one keeps what it has.
    translation_outdated: bool | None = None
    state: str | None = None
    audience: str | None = None
    governance: str | None = None
    owner: str | None = None
    review_by: datetime.date | None = None
    rules: tuple[dict, ...] | None = field(default=None, hash=False)
    escalation: dict | None = field(default=None, hash=False)
    authority_note: str | None = None
    # The exported history, as information: the version exported (the last in `versions`).
    exported_version: int | None = None
    # The address the article had where it was exported; a new article takes it when it is free.
    page_slug: str | None = None
    # Its relations to other articles ({kind, to: their key or slug, note}), made by
    # link_relations once every record is in.
    relations: tuple[dict, ...] | None = field(default=None, hash=False)

    @classmethod
    def from_dict(cls, data, *, default_product: str) -> ImportRecord:
        """Check the import format's fields (`slug, title, summary, body, product, tags,
        source_url`, optionally `internal_notes`, the language fields and what an export adds:
        see the module docstring); other fields are ignored. Raises BadRecord."""
        if not isinstance(data, dict):
            raise BadRecord(f"expected an object with slug, title, body..., found {type(data).__name__}")
        for name in _TEXT_FIELDS:
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise BadRecord(f"'{name}' must be a string, not {type(value).__name__}")
            if value and "\x00" in value:
                raise BadRecord(f"'{name}' contains a NUL character")
        key = (data.get("slug") or "").strip()
        title = (data.get("title") or "").strip()
        if not key:
            raise BadRecord("missing 'slug'")
        if len(key) > 255:
            raise BadRecord(f"'slug' is {len(key)} characters long; at most 255 are allowed")
        if not title:
            raise BadRecord("missing 'title'")
        if len(title) > 200:
            raise BadRecord(f"'title' is {len(title)} characters long; at most 200 are allowed")
        for name in ("summary", "body", "internal_notes"):  # Markdown fields: issue, resolution, notes
            problem = markdown_problem(data.get(name) or "")
            if problem:
                raise BadRecord(f"'{name}': {problem}")
        total = sum(len(data.get(name) or "") for name in ("summary", "body", "internal_notes"))
        if total > MAX_ARTICLE_CHARS:
            raise BadRecord(
                f"'summary', 'body' and 'internal_notes' are {total:,} characters long in all; "
                f"at most {MAX_ARTICLE_CHARS:,} are allowed"
            )
        product = (data.get("product") or "").strip() or default_product
        if len(product) > 100 or not slugify(product):
            raise BadRecord(f"'product' must be a name of 1 to 100 characters with a letter or digit: {product!r}")
        template = data.get("template")
        if template is not None and (not isinstance(template, str) or not template.strip()):
            raise BadRecord("'template' must be the name of a template")
        sections = data.get("sections")
        if sections is not None:
            if not isinstance(sections, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in sections.items()):
                raise BadRecord("'sections' must be an object of {section key: text}")
            for name, text in sections.items():
                if "\x00" in text:
                    raise BadRecord(f"section '{name}' contains a NUL character")
        language, translation_of, source_version = _language_fields(data)
        return cls(
            **_export_fields(data),
            language=language,
            translation_of=translation_of,
            source_version=source_version,
            template=template.strip() if template else None,
            sections=dict(sections) if sections is not None else None,
            key=key,
            title=title,
            issue=data.get("summary") or "",
            resolution=data.get("body") or "",
            internal_notes=data.get("internal_notes"),
            product=product,
            tags=_tags(data.get("tags")),
            source_url=_source_url(data.get("source_url")),
        )


@dataclass(frozen=True)
class ImportResult:
    status: str  # "created" | "updated" | "unchanged"
    article: Article
    warnings: tuple[str, ...] = ()  # imported, but not quite as the record says (an unknown owner)


def existing_articles(keys: Iterable[str]) -> dict[str, Article]:
    """Articles already imported under these keys, ready for import_record(known=...)."""
    found = Article.objects.filter(external_id__in=list(keys)).prefetch_related("tags")
    return {article.external_id: article for article in found}


def import_record(
    *,
    record: ImportRecord,
    by,
    state: str,
    audience: str,
    source: str,
    known: dict[str, Article] | None = None,
    products: dict[str, Product] | None = None,
) -> ImportResult:
    """Create or update the article for `record`, as `by`, in its own transaction.

    `state`, `audience` and `by` (as owner) apply to new articles whose record does not say
    its own: an article already imported keeps the confidence, audience and owner its people
    have given it since. `known` maps keys
    to articles found by existing_articles() (so a batch costs one query); without it,
    the record's key is looked up; `products` maps names to products already stored. Raises
    BadRecord with the reason when nothing could be saved.
    """
    article = known.get(record.key) if known is not None else existing_articles([record.key]).get(record.key)
    try:
        with transaction.atomic():
            if article is None:
                created, warnings = _create(record, by=by, state=state, audience=audience, source=source)
                return ImportResult("created", created, tuple(warnings))
            return _update(article, record, by=by, source=source, products=products)
    except (InvalidChange, Refused, StaleVersion) as error:
        raise BadRecord(str(error)) from error
    except (IntegrityError, DataError) as error:
        # A concurrent import of the same key, or a value the database refused.
        raise BadRecord(f"the database refused it: {error}") from error


def import_batch(
    items: list[tuple[ImportRecord, str]], *, by: User, state: str, audience: str, index_later: bool = False
) -> list[ImportResult | BadRecord]:
    """Import `items` (record, where it came from) in the caller's transaction; one result or
    BadRecord per item, in order.

    Records already imported go through import_record (an edit, optimistic locking, a version
    per change; unchanged ones cost no query). New ones are written in bulk, each exactly as
    _create writes it alone: the article, its tags, one revision with its RevisionMeta and
    version, one `created` event announced after the commit, and its search documents (the
    `articles_written` signal; with `index_later` only queued, for a rebuild when the job ends).
    The queries are a handful per batch, not per article. Should the database refuse the bulk
    write (a key or slug taken meanwhile by another process), the new records are imported one
    at a time, so only the culprit fails, with the reason. A record with decision-authority rules
    (or translating one earlier in the batch) is imported one at a time in its place (_alone).
    """
    known = existing_articles(record.key for record, _ in items)
    products = {p.name: p for p in Product.objects.filter(name__in={record.product for record, _ in items})}
    results: list[ImportResult | BadRecord | None] = [None] * len(items)
    new: list[int] = []
    alone: set[int] = set()  # new records imported one at a time (_alone says why)
    new_names: set[str] = set()  # keys and addresses of the batch's new records so far
    for i, (record, source) in enumerate(items):
        if record.key not in known:
            new.append(i)
            if _alone(record, new_names):
                alone.add(i)
            new_names.update(name for name in (record.key, record.page_slug) if name)
            continue
        if _unchanged(known[record.key], record, products, by=by):
            results[i] = ImportResult("unchanged", known[record.key])  # no savepoint for nothing to save
            continue
        try:
            results[i] = import_record(
                record=record, by=by, state=state, audience=audience, source=source, known=known, products=products
            )
        except BadRecord as error:
            results[i] = error
    # In the file's order, as one at a time: a run of new records is written in bulk before the
    # next record that must be imported alone, so what that one finds here (an escalation contact
    # created by an earlier record, its translation source, a taken address) is as it would be.
    run: list[int] = []
    for i in new:
        if i in alone:
            _write_new(run, items, results, products, by=by, state=state, audience=audience, index_later=index_later)
            run = []
            _write_one(i, items, results, by=by, state=state, audience=audience)
        else:
            run.append(i)
    _write_new(run, items, results, products, by=by, state=state, audience=audience, index_later=index_later)
    return results


def _write_one(i: int, items, results: list, *, by: User, state: str, audience: str) -> None:
    record, source = items[i]
    try:
        results[i] = import_record(record=record, by=by, state=state, audience=audience, source=source)
    except BadRecord as error:
        results[i] = error


def _write_new(
    run: list[int], items, results: list, products: dict[str, Product], *, by: User, state: str, audience: str, index_later: bool
) -> None:
    """Write the new records `run` (indexes into `items`) in bulk, their results into `results`;
    `products` maps names to the products stored (new ones are added)."""
    if not run:
        return
    built: list[tuple[int, Article]] = []
    warnings: dict[int, list[str]] = {}
    for i in run:
        record = items[i][0]
        try:
            if record.escalation:
                # A savepoint: the escalation contact new_article may create goes if the record fails.
                with transaction.atomic():
                    article, extras = new_article(record, by=by, state=state, audience=audience)
            else:
                article, extras = new_article(record, by=by, state=state, audience=audience)
            warnings[i] = extras.warnings
            built.append((i, article))
        except BadRecord as error:
            results[i] = error
    built = _with_products(built, items, products, results)
    _with_slugs(built, items, warnings)
    try:
        with transaction.atomic():
            _save_new(built, items, by=by, index_later=index_later)
    except (IntegrityError, DataError):
        for i, _ in built:
            _write_one(i, items, results, by=by, state=state, audience=audience)
    else:
        for i, article in built:
            results[i] = ImportResult("created", article, tuple(warnings[i]))


def _alone(record: ImportRecord, new_names: set[str]) -> bool:
    """A new record import_batch leaves to import_record: one with decision-authority rules (they
    are saved and versioned with the article, as _create does), or a translation of a record
    earlier in the batch (its rules and contact are checked against its source's, which must be
    saved before, as when imported one at a time)."""
    return bool(record.rules) or (record.translation_of is not None and record.translation_of in new_names)


def _with_products(built, items, products: dict[str, Product], results: list) -> list[tuple[int, Article]]:
    """Give each new article its product: a stored one, or a new one saved now (once per name),
    unless its address is another product's (that record fails, as _product says)."""
    missing = {items[i][0].product for i, _ in built} - set(products)
    if missing:  # perhaps saved since `products` was read (by a record imported alone in the batch)
        products.update((p.name, p) for p in Product.objects.filter(name__in=missing))
        missing -= set(products)
    taken = set(Product.objects.filter(slug__in={slugify(name) for name in missing}).values_list("slug", flat=True))
    kept = []
    for i, article in built:
        name = items[i][0].product
        if name not in products:
            slug = slugify(name)
            if slug in taken:
                results[i] = BadRecord(
                    f"product {name!r} would have the same address ({slug}) as an existing product with another name"
                )
                continue
            products[name] = Product.objects.create(name=name, slug=slug)
            taken.add(slug)
        article.product = products[name]
        kept.append((i, article))
    return kept


def _with_slugs(built, items, warnings: dict[int, list[str]]) -> None:
    """slug_for for a batch: one query for every candidate, and no two articles of the batch alike.
    An article whose record gives its exported address (`page_slug`, free here: record_extras)
    keeps it unless an article earlier in the batch took it, as when imported one at a time."""
    candidates = {i: _slug_candidates(items[i][0].key) for i, _ in built}
    taken = set(Article.objects.filter(slug__in={c for cs in candidates.values() for c in cs}).values_list("slug", flat=True))
    for i, article in built:
        if article.slug and article.slug not in taken:
            taken.add(article.slug)
            continue
        if article.slug:
            warnings[i].append(f"the address {article.slug!r} is taken here: the article gets another")
        free = [c for c in candidates[i] if c not in taken]
        if free:
            article.slug = free[0]
        else:
            base = slug_base(candidates[i][0] if candidates[i] else article.title)
            like = Article.objects.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"))
            used = taken | set(like.values_list("slug", flat=True))
            article.slug, n = base, 2
            while article.slug in used or article.slug in RESERVED_SLUGS:
                article.slug, n = f"{base}-{n}", n + 1
        taken.add(article.slug)


def _save_new(built: list[tuple[int, Article]], items, *, by: User, index_later: bool) -> None:
    if not built:
        return
    articles = [article for _, article in built]
    Article.objects.bulk_create(articles)
    names = {article.pk: clean_tags(list(items[i][0].tags)) for i, article in built}
    tags = _stored_tags({name for article_names in names.values() for name in article_names})
    through = Article.tags.through
    through.objects.bulk_create(
        through(article_id=article.pk, tag_id=tags[name].pk) for article in articles for name in names[article.pk]
    )
    # One query for the batch, so the versions below serialize each article's tags without one.
    prefetch_related_objects(articles, "tags")
    # One revision per article with the metadata _revision_meta gives one saved alone.
    notes = {article.pk: _import_note(items[i][0], items[i][1]) for i, article in built}
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        Revision(date_created=now, user=by, comment=notes[article.pk][:2000]) for article in articles
    )
    RevisionMeta.objects.bulk_create(
        RevisionMeta(revision=revision, material=True, article_version=article.version)
        for revision, article in zip(revisions, articles, strict=True)
    )
    Version.objects.bulk_create(_version(article, revision) for revision, article in zip(revisions, articles, strict=True))
    events = ArticleEvent.objects.bulk_create(
        ArticleEvent(
            article=article,
            actor=by,
            kind=EventKind.CREATED,
            to_value=article.state,
            note=notes[article.pk],
            version=article.version,
            material=True,
        )
        for article in articles
    )
    articles_written.send(sender=Article, ids=[article.pk for article in articles], index_later=index_later)
    for event in events:
        announce(event)


def _import_note(record: ImportRecord, source: str) -> str:
    """A new article's first version note: where it came from, and which exported version it was."""
    note = f"Imported from {source}"
    if record.exported_version:
        note += f" (exported at version {record.exported_version})"
    return note


def _version(article: Article, revision: Revision) -> Version:
    """The Version reversion.add_to_revision stores for a new article without rules (reversion
    follows an article's rules: a record with rules is imported by _create, see _alone)."""
    options = reversion_options(Article)
    return Version(
        revision=revision,
        content_type=ContentType.objects.get_for_model(Article),
        object_id=str(article.pk),
        db=router.db_for_write(Article, instance=article),
        format=options.format,
        serialized_data=serializers.serialize(
            options.format, (article,), fields=options.fields, use_natural_foreign_keys=options.use_natural_foreign_keys
        ),
        object_repr=str(article),
    )


def _stored_tags(names: set[str]) -> dict[str, Tag]:
    """The tags named, created where missing (ignoring a name another process just created)."""
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    if len(found) < len(names):
        Tag.objects.bulk_create([Tag(name=name) for name in names - set(found)], ignore_conflicts=True)
        found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return found


def slug_for(key: str, title: str) -> str:
    """A readable, unused slug: the key's last path segment, with more of the path in
    front while that is taken (two sources often share "quickstart"), else numbered."""
    candidates = _slug_candidates(key)
    taken = set(Article.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return unique_slug(candidates[0] if candidates else title)


def _slug_candidates(key: str) -> list[str]:
    segments = [s for s in key.split("/") if slugify(s)]
    candidates = []
    for n in range(1, len(segments) + 1):
        candidate = slugify("-".join(segments[-n:]))[:200].strip("-")
        if candidate not in RESERVED_SLUGS and candidate not in candidates:
            candidates.append(candidate)
    return candidates


# --- helpers -----------------------------------------------------------------------------


def _structure(record: ImportRecord, article: Article | None) -> dict:
    """The record's template and sections as article fields, checked (BadRecord says what is wrong)."""
    if record.template is None and record.sections is None:
        # The article keeps its template: the summary and body must still have a section in it.
        if article is not None:
            version = structure.version_for_edit(article)
            _check_fixed_fields(record, structure.sections_of(version), version)
        return {}
    if record.template is not None:
        template = structure.offered_templates().filter(name=record.template).first()
        if template is None:
            offered = ", ".join(structure.offered_templates().values_list("name", flat=True))
            raise BadRecord(f"no template named {record.template!r} is offered for articles (offered: {offered})")
        version = template.current
    else:
        version = structure.version_for_edit(article) if article else structure.default_template().current
    sections = structure.sections_of(version)
    keys = {s.key for s in sections}
    _check_fixed_fields(record, sections, version)
    texts = record.sections or {}
    standard = {key: text for key, text in texts.items() if key in structure.STANDARD_KEYS and key in keys}
    own = {key: text for key, text in texts.items() if key not in standard}
    problems = structure.section_problems(sections, own, current=article.sections if article else None)
    problems.update({key: problem for key in standard if (problem := markdown_problem(standard[key]))})
    if problems:
        raise BadRecord("; ".join(f"section {key!r}: {problem}" for key, problem in problems.items()))
    return {**standard, "template_version": version, "sections": own}


def _check_fixed_fields(record: ImportRecord, sections, version) -> None:
    # The summary and body fill the issue and resolution columns: text there would be hidden (and
    # seem lost) in an article whose template has no such section.
    keys = {s.key for s in sections}
    name = version.template.name if version else "Standard"
    for source_name, key, text in (("summary", "issue", record.issue), ("body", "resolution", record.resolution)):
        if text and key not in keys:
            raise BadRecord(f"'{source_name}' fills the {key}, which template {name!r} has not: give the text in 'sections'")


def new_article(record: ImportRecord, *, by: User, state: str, audience: str) -> tuple[Article, Extras]:
    """The unsaved article a new record becomes, checked (BadRecord says what is wrong), with what
    else its record sets (record_extras: its rules to save with it, warnings to show). Its slug is
    the record's `page_slug` when that is free here, else empty; its product is looked up by the
    caller (per batch). Every value a new article takes from its record is set here, for the
    one-at-a-time and the batch path alike."""
    fields = _structure(record, None)
    extras = record_extras(record, by=by, new=True)
    state = extras.fields.pop("state", state)
    article = Article(
        external_id=record.key,
        title=record.title,
        issue=record.issue,
        resolution=record.resolution,
        internal_notes=record.internal_notes or "",
        source_url=record.source_url,
        language=record.language,
        owner=by,
        created_by=by,
        state=state,
        audience=audience,
    )
    for name, value in {**fields, **extras.fields}.items():
        setattr(article, name, value)
    # Only these states need the template's required sections (an archived article may be a framed one).
    missing = structure.missing_required(article) if state in (State.NOT_VALIDATED, State.VALIDATED) else []
    if [s.key for s in missing] == ["resolution"]:
        raise BadRecord(f"the body is empty: only work in progress may lack a resolution (import it with --state {State.WIP})")
    if missing:
        names = ", ".join(repr(s.key) for s in missing)
        raise BadRecord(
            f"the template requires {names}: only work in progress may lack them (import it with --state {State.WIP})"
        )
    if state == State.VALIDATED and "review_by" not in extras.fields:
        # As Article._transition does when an article is validated.
        article.review_by = next_review_date()
    return article, extras


def _create(record: ImportRecord, *, by: User, state: str, audience: str, source: str) -> tuple[Article, list[str]]:
    article, extras = new_article(record, by=by, state=state, audience=audience)
    article.slug = article.slug or slug_for(record.key, record.title)
    article.product = _product(record.product)
    note = _import_note(record, source)
    # Managed manually so the article is serialized once, with its tags, rather than
    # again on every save and tag change (about a quarter of an import's time otherwise).
    with reversion.create_revision(manage_manually=True):
        article.save()
        article.set_tags(list(record.tags))
        if extras.rules:
            article._replace_rules(extras.rules)
        reversion.add_to_revision(article)
        change = article._record(by, EventKind.CREATED, to_value=article.state, note=note, material=True)
        _revision_meta(by, note, material=True, version=article.version)
        announce(change)
    return article, extras.warnings


def _update(
    article: Article, record: ImportRecord, *, by: User, source: str, products: dict[str, Product] | None = None
) -> ImportResult:
    found = _changes(article, record, products, by=by)
    if found is None:
        return ImportResult("unchanged", article)
    changes, tags, rules = found
    article.edit(
        by=by,
        base_version=article.version,
        changes=changes,
        tags=tags,
        rules=rules,
        note=f"Re-imported from {source}",
        material=True,
    )
    return ImportResult("updated", article)


def _unchanged(article: Article, record: ImportRecord, products: dict[str, Product], *, by: User) -> bool:
    """The record says what the article says (no query for its product: it is among `products`).
    A record naming an escalation contact is left to import_record: a contact not here is
    created, in the savepoint of the edit it belongs to."""
    if record.product not in products or record.escalation:
        return False
    try:
        return _changes(article, record, products, by=by) is None
    except BadRecord:
        return False  # import_record reports it


def _changes(
    article: Article, record: ImportRecord, products: dict[str, Product] | None, *, by: User
) -> tuple[dict, list[str], list[dict] | None] | None:
    """The article's fields, tags and rules (None: unchanged) the record changes, or None when it
    changes nothing. (An article already imported gets no warnings: record_extras warns about
    what a new article takes from its record only.)"""
    wanted = {
        "title": record.title,
        "issue": record.issue,
        "resolution": record.resolution,
        "source_url": record.source_url,
        "language": record.language,
    }
    if record.internal_notes is not None:
        wanted["internal_notes"] = record.internal_notes
    fields = _structure(record, article)
    wanted.update({name: value for name, value in fields.items() if name != "sections"})
    extras = record_extras(record, by=by, new=False)
    wanted.update(extras.fields)
    changes = {name: value for name, value in wanted.items() if getattr(article, name) != value}
    if any((article.sections or {}).get(key, "") != text for key, text in fields.get("sections", {}).items()):
        changes["sections"] = fields["sections"]
    product = (products or {}).get(record.product) or _product(record.product)
    if product.pk != article.product_id:
        changes["product"] = product
    tags = clean_tags(list(record.tags))
    rules = extras.rules
    if rules is not None and _normalise_rules(rules) == article.rule_dicts():
        rules = None
    if not changes and tags == article.tag_names() and rules is None:
        return None
    return changes, tags, rules


def _language_fields(data: dict) -> tuple[str, str | None, int | None]:
    language = data.get("language")
    if language is None or language == "":
        language = DEFAULT_CONTENT_LANGUAGE
    if not isinstance(language, str) or language not in CONTENT_LANGUAGES:
        codes = ", ".join(CONTENT_LANGUAGES)
        raise BadRecord(f"'language' must be one of the content languages ({codes}), not {language!r}")
    source = data.get("translation_of")
    if source is not None and (not isinstance(source, str) or not source.strip() or len(source) > 255 or "\x00" in source):
        raise BadRecord("'translation_of' must be the slug of the source article")
    version = data.get("source_version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise BadRecord("'source_version' must be a version number (1 or more)")
    return language, source.strip() if source else None, version


def link_translation(*, key: str, source_key: str, source_version: int | None, by, outdated: bool | None = None) -> Article:
    """Make the article imported under `key` a translation of the one imported under (or with the
    slug) `source_key`, once the whole file is in (a translation may come before its source).
    Its decision authority and audience follow the source's (translations.py). `outdated`: the
    record says the translation was out of date where it was exported (its source's versions
    there are not this site's). Raises BadRecord."""
    from . import translations

    with transaction.atomic():
        article = Article.objects.select_for_update().get(external_id=key)
        source = Article.objects.filter(external_id=source_key).first() or Article.objects.filter(slug=source_key).first()
        if source is None:
            raise BadRecord(f"'translation_of': no article {source_key!r} in this import or already here")
        source = source.source
        if source.pk == article.pk:
            raise BadRecord("'translation_of' names the article itself")
        if article.translation_of_id is not None and article.translation_of_id != source.pk:
            # Moving a translation to another source would carry its words, history and
            # out-of-date mark to a text it never translated.
            raise BadRecord(f"this article is already a translation of {article.translation_of.slug!r}")
        if article.translation_of_id is None and (source.state == State.ARCHIVED or source.merged_into_id is not None):
            raise BadRecord(f"the source {source.slug!r} is archived: restore it before linking translations to it")
        if article.translations.exists():
            raise BadRecord("this article has translations of its own: it cannot be a translation")
        if source.language == article.language:
            raise BadRecord(f"the source {source.slug!r} is written in {article.language!r} too")
        if source.translations.filter(language=article.language).exclude(pk=article.pk).exists():
            raise BadRecord(f"the source {source.slug!r} has a {article.language!r} translation already")
        if article.translation_of_id is None or source_version is not None:
            # A new link, or the record says which source version it translates. A re-import of
            # a linked translation without one keeps its out-of-date mark (and version) as it is.
            version = min(source_version or source.version, source.version)
            Article.objects.filter(pk=article.pk).update(
                translation_of=source, source_version=version, translation_outdated=version < source.version or bool(outdated)
            )
            article.refresh_from_db()
        authority = translations.rule_structure(article.rule_dicts()) != translations.rule_structure(source.rule_dicts()) or (
            article.escalation_id != source.escalation_id
        )
        narrow = translations.wider(article.audience, source.audience)
        if authority or narrow:
            translations._follow(article, source, by=by, authority=authority, narrow=narrow)
    return article


def _product(name: str) -> Product:
    product = Product.objects.filter(name=name).first()
    if product is None:
        slug = slugify(name)
        if Product.objects.filter(slug=slug).exists():
            raise BadRecord(f"product {name!r} would have the same address ({slug}) as an existing product with another name")
        product = Product.objects.create(name=name, slug=slug)
    return product


def _tags(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise BadRecord("'tags' must be a list of strings")
    return tuple(value)


def _source_url(value: str | None) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        raise BadRecord(f"'source_url' is {len(url)} characters long; at most 500 are allowed")
    try:
        _check_url(url)
    except ValidationError:
        raise BadRecord(f"'source_url' is not a web address: {url!r}") from None
    return url


# --- what an export adds (articles/exporting.py) ------------------------------------------------

_CHOICES = {"state": State.values, "audience": Audience.values, "governance": Governance.values}
_RULE_FIELDS = ("action", "limit_amount", "limit_unit", "decider", "notes")
_CONTACT_FIELDS = ("team", "channel", "hours", "response_time", "notes")


def _export_fields(data: dict) -> dict:
    """ImportRecord's fields for what an export adds, checked: BadRecord names the field and why."""
    out: dict = {}
    for name, allowed in _CHOICES.items():
        value = data.get(name)
        if value is not None:
            if value not in allowed:
                raise BadRecord(f"'{name}' must be one of {', '.join(allowed)}, not {value!r}")
            out[name] = value
    owner = data.get("owner")
    if owner is not None:
        if not isinstance(owner, str) or not owner.strip() or len(owner) > 150 or "\x00" in owner:
            raise BadRecord(f"'owner' must be a username, not {owner!r}")
        out["owner"] = owner.strip()
    out["review_by"] = _date("review_by", data.get("review_by"))
    page_slug = data.get("page_slug")
    if page_slug is not None and page_slug != "":
        if not isinstance(page_slug, str) or len(page_slug) > 200:
            raise BadRecord("'page_slug' must be an address of at most 200 characters")
        try:
            validate_unicode_slug(page_slug)
        except ValidationError:
            raise BadRecord(f"'page_slug' must be letters, digits, '-' and '_' only, not {page_slug!r}") from None
        out["page_slug"] = page_slug
    outdated = data.get("translation_outdated")
    if outdated is not None and not isinstance(outdated, bool):
        raise BadRecord(f"'translation_outdated' must be true or false, not {outdated!r}")
    out["translation_outdated"] = outdated
    note = data.get("authority_note")
    if note is not None:
        if not isinstance(note, str):
            raise BadRecord(f"'authority_note' must be a string, not {type(note).__name__}")
        if "\x00" in note:
            raise BadRecord("'authority_note' contains a NUL character")
        if len(note) > MAX_ARTICLE_CHARS:
            raise BadRecord(f"'authority_note' is {len(note):,} characters long; at most {MAX_ARTICLE_CHARS:,} are allowed")
        out["authority_note"] = note.strip()
    rules = data.get("rules")
    if rules is not None:
        if not isinstance(rules, list):
            raise BadRecord("'rules' must be a list of {action, limit_amount, limit_unit, decider, notes}")
        if len(rules) > MAX_AUTHORITY_RULES:
            raise BadRecord(f"'rules' has {len(rules)} rules; an article has at most {MAX_AUTHORITY_RULES}")
        out["rules"] = tuple(_rule(n, rule) for n, rule in enumerate(rules, start=1))
    if "escalation" in data:
        out["escalation"] = _contact_fields(data["escalation"])
    out["exported_version"] = _exported_version(data)
    if data.get("relations") is not None:
        out["relations"] = _relations(data["relations"])
    return out


def _relations(value) -> tuple[dict, ...]:
    from .relations import MAX_NOTE, MAX_RELATIONS

    shape = "a list of {kind, to, note}"
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise BadRecord(f"'relations' must be {shape}")
    if len(value) > MAX_RELATIONS:
        raise BadRecord(f"'relations' has {len(value)}; an article links to at most {MAX_RELATIONS} others")
    out = []
    for n, relation in enumerate(value, start=1):
        unknown = sorted(set(relation) - {"kind", "to", "note"})
        if unknown:
            raise BadRecord(f"relation {n} has unknown fields {', '.join(unknown)} (a relation has kind, to, note)")
        kind, to, note = relation.get("kind"), relation.get("to"), relation.get("note") or ""
        if kind not in RelationKind.values:
            raise BadRecord(f"relation {n}: 'kind' must be one of {', '.join(RelationKind.values)}, not {kind!r}")
        if not isinstance(to, str) or not to.strip() or len(to) > 255 or "\x00" in to:
            raise BadRecord(f"relation {n}: 'to' must be the key or slug of another article")
        if not isinstance(note, str) or len(note) > MAX_NOTE or "\x00" in note:
            raise BadRecord(f"relation {n}: 'note' must be a text of at most {MAX_NOTE} characters")
        out.append({"kind": kind, "to": to.strip(), "note": note})
    return tuple(out)


def link_relations(*, key: str, relations: Iterable[dict], by) -> list[str]:
    """Relate the article imported under `key` to the articles its record names, once the whole
    file is in (they may come after it), through the same checks as on its page
    (articles/relations.py). Relations it has already are kept; others it has stay too (a
    re-import adds, never removes). Returns what could not be made, one message a relation."""
    from . import relations as relating

    article = Article.objects.get(external_id=key)
    have = set(article.relations_out.values_list("kind", "to_article_id"))
    problems = []
    for relation in relations:
        other = _article_here(relation["to"])
        if other is None:
            problems.append(f"{relation['kind']} {relation['to']!r}: no such article in this import or already here")
            continue
        if (relation["kind"], other.pk) in have:
            continue
        try:
            relating.relate(from_article=article, to_article=other, kind=relation["kind"], by=by, note=relation["note"])
        except (InvalidChange, Refused) as error:
            problems.append(f"{relation['kind']} {relation['to']!r}: {error}")
    return problems


def _date(name: str, value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value  # YAML front matter reads an unquoted 2027-03-01 as a date
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise BadRecord(f"'{name}' must be a date as YYYY-MM-DD, not {value!r}")


def _rule(n: int, rule) -> dict:
    """One rule through the article editor's checks (RuleForm): lengths, a limit of at most 12
    digits and not negative, a known decider."""
    from .forms import RuleForm  # the forms build on the models this module imports

    if not isinstance(rule, dict):
        raise BadRecord(f"rule {n} must be an object with {', '.join(_RULE_FIELDS)}")
    unknown = sorted(set(rule) - set(_RULE_FIELDS))
    if unknown:
        # A misspelt "limit" would otherwise drop the limit and widen the agent's authority.
        raise BadRecord(f"rule {n} has unknown fields {', '.join(unknown)} (a rule has {', '.join(_RULE_FIELDS)})")
    raw = {}
    for name in _RULE_FIELDS:
        value = rule.get(name)
        if name == "limit_amount" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise BadRecord(f"rule {n}: '{name}' must be a string, not {type(value).__name__}")
        if value and "\x00" in value:
            raise BadRecord(f"rule {n}: '{name}' contains a NUL character")
        raw[name] = value or ""
    if not raw["decider"]:
        # Not "agent" by default: a rule that forgot who decides must not grant the widest authority.
        raise BadRecord(f"rule {n}: 'decider' is missing (one of {', '.join(Decider.values)})")
    form = RuleForm(data=raw)
    if not form.is_valid():
        problems = "; ".join(f"'{name}': {' '.join(messages)}" for name, messages in form.errors.items())
        raise BadRecord(f"rule {n}: {problems}")
    if not form.cleaned_data["action"]:
        raise BadRecord(f"rule {n}: 'action' is missing (what the agent may do)")
    return {name: form.cleaned_data[name] for name in _RULE_FIELDS}


def _contact_fields(value) -> dict:
    """The escalation contact as the record gives it; {} for none (null)."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = {"team": value}  # a name alone: a contact that must be here already
    if not isinstance(value, dict):
        raise BadRecord(f"'escalation' must be an object with {', '.join(_CONTACT_FIELDS)}, or null")
    unknown = sorted(set(value) - set(_CONTACT_FIELDS))
    if unknown:
        raise BadRecord(f"'escalation' has unknown fields {', '.join(unknown)} (a contact has {', '.join(_CONTACT_FIELDS)})")
    out = {}
    for name in _CONTACT_FIELDS:
        text = value.get(name)
        if text is not None and not isinstance(text, str):
            raise BadRecord(f"'escalation': '{name}' must be a string, not {type(text).__name__}")
        if text and "\x00" in text:
            raise BadRecord(f"'escalation': '{name}' contains a NUL character")
        out[name] = (text or "").strip()
    if not out["team"]:
        raise BadRecord("'escalation' needs its 'team' (the contact's name)")
    return out


def _exported_version(data: dict) -> int | None:
    """The version an export was taken at (information for the first version's note): `version`,
    else the last number of an export's `versions`. Other sources use these names for other
    things (a docs site lists the product versions a page is for), and history is information
    only, so a value of another shape is ignored, never a bad record."""
    version = data.get("version")
    if _is_number(version):
        return version
    history = data.get("versions")
    if isinstance(history, list) and history and all(isinstance(v, dict) and _is_number(v.get("number")) for v in history):
        return max(v["number"] for v in history)
    return None


def _is_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass
class Extras:
    """What a record sets beyond the content, as article fields (`fields`), rules (None: not said)
    and warnings to show next to the record."""

    fields: dict
    rules: list[dict] | None
    warnings: list[str]


def record_extras(record: ImportRecord, *, by, new: bool) -> Extras:
    """The record's workflow fields (a new article only: state, audience, governance, owner,
    review date, address) and decision authority (rules, escalation contact, note), checked against what
    is here: the owner's account, the contact, a translation's source. Raises BadRecord."""
    from . import translations  # it builds on the models this module imports

    fields: dict = {}
    warnings: list[str] = []
    if new:
        for name in ("state", "audience", "governance", "review_by"):
            if getattr(record, name) is not None:
                fields[name] = getattr(record, name)
        if record.owner is not None:
            fields["owner"], warning = _owner_for(record.owner, by)
            warnings += [warning] if warning else []
        if record.page_slug is not None:
            holder = Article.objects.filter(slug=record.page_slug).only("external_id").first()
            if holder is not None and holder.external_id is None and record.key == record.page_slug:
                # This site's own article, exported and imported back: a copy of every such
                # article is not what anyone re-importing an export wants. (Imported ones match
                # on their key and are updated.)
                raise BadRecord(
                    f"the article at {record.page_slug!r} was written here, not imported: an import does not update it "
                    "(edit it on the site, or remove 'page_slug' to import a copy)"
                )
            if holder is not None or record.page_slug in RESERVED_SLUGS:
                warnings.append(f"the address {record.page_slug!r} is taken here: the article gets another")
            else:
                fields["slug"] = record.page_slug
    if record.authority_note is not None:
        fields["authority_note"] = record.authority_note
    if record.escalation is not None:
        fields["escalation"] = _contact(record.escalation)
    rules = list(record.rules) if record.rules is not None else None
    if new:
        # As Article.create asks (the importer is checked as a creator by the command): the
        # decision authority is governed content, and governance is a KB owner's call. A
        # translation's authority is its source's, checked below.
        probe = Article(state=State.WIP, audience=Audience.INTERNAL, owner=by, created_by=by)
        sets_authority = rules or record.escalation or record.authority_note
        if sets_authority and not record.translation_of and not (decision := policy.can_edit_authority(by, probe)):
            raise BadRecord(f"{by.username!r} may not import decision authority: {decision.reason}")
        if record.governance == Governance.GOVERNED and not (decision := policy.can_change_governance(by, probe)):
            raise BadRecord(f"{by.username!r} may not import a governed article: {decision.reason}")
    source = _source_here(record.translation_of) if record.translation_of else None
    if source is not None:
        differs = []
        if rules is not None and translations.rule_structure(rules) != translations.rule_structure(source.rule_dicts()):
            differs.append("rules")
        if "escalation" in fields and _pk(fields["escalation"]) != source.escalation_id:
            differs.append("escalation contact")
        if differs:
            raise BadRecord(f"its {' and '.join(differs)} differ from those of its source {source.slug!r}: {translations.LOCKED}")
    return Extras(fields=fields, rules=rules, warnings=warnings)


def _pk(value):
    return getattr(value, "pk", value)


def _article_here(key: str) -> Article | None:
    """The article imported under `key`, else the one at that address."""
    return Article.objects.filter(external_id=key).first() or Article.objects.filter(slug=key).first()


def _source_here(key: str) -> Article | None:
    found = _article_here(key)
    return found.source if found is not None else None


def _owner_for(username: str, by) -> tuple[User, str]:
    """The user named, or `by` with a warning when there is no such user or they may not own articles."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return by, f"owner {username!r} is not a user here: owned by {by.username!r} instead"
    decision = policy.can_create(user) if user.is_active else policy.refuse("the account is inactive")
    if not decision:
        return by, f"owner {username!r} cannot own articles ({decision.reason}): owned by {by.username!r} instead"
    return user, ""


def _contact(spec: dict) -> EscalationContact | None:
    """The contact of that team; created from the record when not here. An existing contact is
    never changed: KB owners change a contact on its own page, for every article naming it."""
    if not spec:
        return None
    contact = EscalationContact.objects.filter(team=spec["team"]).first()
    if contact is not None:
        return contact
    if not spec["channel"]:
        raise BadRecord(
            f"escalation contact {spec['team']!r} is not here, and the record does not say how to reach them "
            "('channel') to create it"
        )
    contact = EscalationContact(**spec)
    try:
        contact.full_clean()
    except ValidationError as error:
        problems = "; ".join(f"'{name}': {' '.join(messages)}" for name, messages in error.message_dict.items())
        raise BadRecord(f"escalation contact {spec['team']!r}: {problems}") from None
    contact.save()
    return contact
