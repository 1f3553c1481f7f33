"""Operations that span several models: importing articles from another knowledge base.

`manage.py import_articles` reads files and reports; this module turns one record into
an article. A new article gets exactly one version and one `created` event, whatever
state it is imported in (going through each transition would record several). A
record already imported (same `external_id`) becomes an edit, so a re-import is an
ordinary new version, and an unchanged record changes nothing. `import_batch` does this
for a batch of records, writing its new articles (with their versions and events) in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DataError, IntegrityError, router, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.text import slugify
from reversion.models import Revision, Version
from reversion.revisions import _get_options as reversion_options  # what add_to_revision serializes

from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE

from . import structure
from .models import (
    RESERVED_SLUGS,
    Article,
    ArticleEvent,
    EventKind,
    InvalidChange,
    Product,
    Refused,
    RevisionMeta,
    StaleVersion,
    State,
    Tag,
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

    @classmethod
    def from_dict(cls, data, *, default_product: str) -> ImportRecord:
        """Check the import format's fields (`slug, title, summary, body, product, tags,
        source_url`, optionally `internal_notes`); other fields are ignored. Raises BadRecord."""
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

    `state` and `audience` apply to new articles only: an article already imported
    keeps the confidence and audience its people have given it since. `known` maps keys
    to articles found by existing_articles() (so a batch costs one query); without it,
    the record's key is looked up; `products` maps names to products already stored. Raises
    BadRecord with the reason when nothing could be saved.
    """
    article = known.get(record.key) if known is not None else existing_articles([record.key]).get(record.key)
    try:
        with transaction.atomic():
            if article is None:
                return ImportResult("created", _create(record, by=by, state=state, audience=audience, source=source))
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
    at a time, so only the culprit fails, with the reason.
    """
    known = existing_articles(record.key for record, _ in items)
    products = {p.name: p for p in Product.objects.filter(name__in={record.product for record, _ in items})}
    results: list[ImportResult | BadRecord | None] = [None] * len(items)
    new: list[int] = []
    for i, (record, source) in enumerate(items):
        if record.key not in known:
            new.append(i)
            continue
        if _unchanged(known[record.key], record, products):
            results[i] = ImportResult("unchanged", known[record.key])  # no savepoint for nothing to save
            continue
        try:
            results[i] = import_record(
                record=record, by=by, state=state, audience=audience, source=source, known=known, products=products
            )
        except BadRecord as error:
            results[i] = error
    built: list[tuple[int, Article]] = []
    for i in new:
        try:
            built.append((i, new_article(items[i][0], by=by, state=state, audience=audience)))
        except BadRecord as error:
            results[i] = error
    built = _with_products(built, items, products, results)
    _with_slugs(built, items)
    try:
        with transaction.atomic():
            _save_new(built, items, by=by, state=state, index_later=index_later)
    except (IntegrityError, DataError):
        for i, _ in built:
            record, source = items[i]
            try:
                results[i] = import_record(record=record, by=by, state=state, audience=audience, source=source)
            except BadRecord as error:
                results[i] = error
    else:
        for i, article in built:
            results[i] = ImportResult("created", article)
    return results


def _with_products(built, items, products: dict[str, Product], results: list) -> list[tuple[int, Article]]:
    """Give each new article its product: a stored one, or a new one saved now (once per name),
    unless its address is another product's (that record fails, as _product says)."""
    missing = {items[i][0].product for i, _ in built} - set(products)
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


def _with_slugs(built, items) -> None:
    """slug_for for a batch: one query for every candidate, and no two articles of the batch alike."""
    candidates = {i: _slug_candidates(items[i][0].key) for i, _ in built}
    taken = set(Article.objects.filter(slug__in={c for cs in candidates.values() for c in cs}).values_list("slug", flat=True))
    for i, article in built:
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


def _save_new(built: list[tuple[int, Article]], items, *, by: User, state: str, index_later: bool) -> None:
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
    notes = {article.pk: f"Imported from {items[i][1]}" for i, article in built}
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
            to_value=state,
            note=notes[article.pk],
            version=article.version,
            material=True,
        )
        for article in articles
    )
    articles_written.send(sender=Article, ids=[article.pk for article in articles], index_later=index_later)
    for event in events:
        announce(event)


def _version(article: Article, revision: Revision) -> Version:
    """The Version reversion.add_to_revision stores for a new article (which has no rules yet:
    reversion follows an article's rules, and a new article's would be added here)."""
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


def new_article(record: ImportRecord, *, by: User, state: str, audience: str) -> Article:
    """The unsaved article a new record becomes, checked (BadRecord says what is wrong), without
    its slug and product (looked up per batch by the caller). Every value a new article takes
    from its record is set here, for the one-at-a-time and the batch path alike."""
    fields = _structure(record, None)
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
    for name, value in fields.items():
        setattr(article, name, value)
    missing = structure.missing_required(article) if state != State.WIP else []
    if [s.key for s in missing] == ["resolution"]:
        raise BadRecord(f"the body is empty: only work in progress may lack a resolution (import it with --state {State.WIP})")
    if missing:
        names = ", ".join(repr(s.key) for s in missing)
        raise BadRecord(
            f"the template requires {names}: only work in progress may lack them (import it with --state {State.WIP})"
        )
    if state == State.VALIDATED:
        # As Article._transition does when an article is validated.
        article.review_by = next_review_date()
    return article


def _create(record: ImportRecord, *, by: User, state: str, audience: str, source: str) -> Article:
    article = new_article(record, by=by, state=state, audience=audience)
    article.slug = slug_for(record.key, record.title)
    article.product = _product(record.product)
    note = f"Imported from {source}"
    # Managed manually so the article is serialized once, with its tags, rather than
    # again on every save and tag change (about a quarter of an import's time otherwise).
    with reversion.create_revision(manage_manually=True):
        article.save()
        article.set_tags(list(record.tags))
        reversion.add_to_revision(article)
        change = article._record(by, EventKind.CREATED, to_value=state, note=note, material=True)
        _revision_meta(by, note, material=True, version=article.version)
        announce(change)
    return article


def _update(
    article: Article, record: ImportRecord, *, by: User, source: str, products: dict[str, Product] | None = None
) -> ImportResult:
    found = _changes(article, record, products)
    if found is None:
        return ImportResult("unchanged", article)
    changes, tags = found
    article.edit(
        by=by,
        base_version=article.version,
        changes=changes,
        tags=tags,
        note=f"Re-imported from {source}",
        material=True,
    )
    return ImportResult("updated", article)


def _unchanged(article: Article, record: ImportRecord, products: dict[str, Product]) -> bool:
    """The record says what the article says (no query: its product is among `products`)."""
    if record.product not in products:
        return False
    try:
        return _changes(article, record, products) is None
    except BadRecord:
        return False  # import_record reports it


def _changes(article: Article, record: ImportRecord, products: dict[str, Product] | None) -> tuple[dict, list[str]] | None:
    """The article's fields and tags the record changes, or None when it changes nothing."""
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
    changes = {name: value for name, value in wanted.items() if getattr(article, name) != value}
    if any((article.sections or {}).get(key, "") != text for key, text in fields.get("sections", {}).items()):
        changes["sections"] = fields["sections"]
    product = (products or {}).get(record.product) or _product(record.product)
    if product.pk != article.product_id:
        changes["product"] = product
    tags = clean_tags(list(record.tags))
    if not changes and tags == article.tag_names():
        return None
    return changes, tags


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


def link_translation(*, key: str, source_key: str, source_version: int | None, by) -> Article:
    """Make the article imported under `key` a translation of the one imported under (or with the
    slug) `source_key`, once the whole file is in (a translation may come before its source).
    Its decision authority and audience follow the source's (translations.py). Raises BadRecord."""
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
                translation_of=source, source_version=version, translation_outdated=version < source.version
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
