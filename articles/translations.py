"""Articles in several languages: a source article and its translations (docs/decisions/0016).

A translation is an article of its own (versions, state, audience, reviewer) whose
`translation_of` names its source. What stays the source's:
- the decision authority's structure: a translation's rules mirror the source's one-to-one
  (position, limit, unit, decider) and it names the same escalation contact; its translator
  writes only the words (action, notes, "outside this authority"). `check_edit` refuses any
  other change on every path (pages, API, import), and `source_changed` copies a new structure
  of the source onto its translations;
- the audience ceiling: a translation is never shown to readers the source is not shown to;
- whether it is current: a material update of the source marks every translation out of date
  (`translation_outdated`), in the same transaction; saving the translation or confirming it
  (`confirm`) clears it.
"""

from __future__ import annotations

import difflib

import reversion
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kcs_site.languages import CONTENT_LANGUAGES, language_name

from . import policy
from .choices import Audience, State
from .models import (
    Article,
    ArticleEvent,
    EventKind,
    InvalidChange,
    _normalise_rules,
    _revision_meta,
    announce,
    require,
)

AUDIENCE_WIDTH = {value: n for n, value in enumerate(Audience.values)}  # narrowest first


def wider(audience: str, than: str) -> bool:
    return AUDIENCE_WIDTH[audience] > AUDIENCE_WIDTH[than]


def rule_structure(rules: list[dict]) -> list[tuple]:
    """What of the rules the source governs: each rule's limit, unit and decider, in order."""
    return [(r["limit_amount"], r["limit_unit"], r["decider"]) for r in _normalise_rules(rules)]


def mirrored_rules(source_rules: list[dict], words: list[dict], old_source_rules: list[dict] | None = None) -> list[dict]:
    """The source's rules with the translation's words; a rule without words (new on the source
    since) keeps the source's words as a placeholder to translate.

    `words` are by the positions of `old_source_rules` (the source's rules the translation
    mirrored until now; None: the same as `source_rules`). Each translated rule goes with the
    source rule it translated, wherever that rule moved: a rule inserted, deleted or moved on the
    source does not shift the translation's words onto other rules."""
    if old_source_rules is not None:
        words = _words_following(_normalise_rules(old_source_rules), _normalise_rules(source_rules), words)
    out = []
    for n, rule in enumerate(source_rules):
        said = words[n] if n < len(words) else {}
        out.append(
            {
                **rule,
                "action": (said.get("action") or "").strip() or rule["action"],
                "notes": (said.get("notes") or "").strip() or rule["notes"],
            }
        )
    return out


def _rule_key(rule: dict) -> tuple:
    return (rule["action"], rule["notes"], rule["limit_amount"], rule["limit_unit"], rule["decider"])


def _words_following(old: list[dict], new: list[dict], words: list[dict]) -> list[dict]:
    """The translation's words (by the positions of `old`) by the positions of `new`."""
    mapping = rule_mapping(old, new)
    return [words[mapping[j]] if j in mapping and mapping[j] < len(words) else {} for j in range(len(new))]


def rule_mapping(old: list[dict], new: list[dict]) -> dict[int, int]:
    """{position in `new`: position in `old`} of the source's rules that stayed what they were: a
    rule found unchanged among `old` (the longest matching runs, so inserted, deleted and moved
    rules are told apart), or changed in place with the same words (only its limit or decider).
    A rule not in it is new: its translation starts from the source's words."""
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(a=[_rule_key(r) for r in old], b=[_rule_key(r) for r in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            mapping.update(zip(range(j1, j2), range(i1, i2), strict=True))
        elif tag == "replace":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=False):
                if (old[i]["action"], old[i]["notes"]) == (new[j]["action"], new[j]["notes"]):
                    mapping[j] = i
    # A rule moved elsewhere: the first unmatched old rule with the same words and structure.
    taken = set(mapping.values())
    for j, rule in enumerate(new):
        if j in mapping:
            continue
        for i, was in enumerate(old):
            if i not in taken and _rule_key(was) == _rule_key(rule):
                mapping[j] = i
                taken.add(i)
                break
    return mapping


def rules_rearranged(old: list[dict], new: list[dict]) -> bool:
    """Did the source's rules move, or some come or go (not only change in place)?"""
    old, new = _normalise_rules(old), _normalise_rules(new)
    return len(old) != len(new) or any(j != i for j, i in rule_mapping(old, new).items())


def missing_languages(source: Article, *, taken: set[str] | None = None) -> list[tuple[str, str]]:
    """(code, name) of the content languages `source`'s set has no article in yet (`taken`: the
    set's languages, when the caller has read the whole set)."""
    if taken is None:
        taken = {source.language, *source.translations.values_list("language", flat=True)}
    return [(code, lang.name) for code, lang in CONTENT_LANGUAGES.items() if code not in taken]


def translation_set(article: Article, user) -> list[Article]:
    """The source and its translations that `user` may see, source first, then by language."""
    source = article.source
    found = Article.objects.visible_to(user).filter(Q(pk=source.pk) | Q(translation_of=source.pk))
    items = list(found.select_related("translation_of").only(*SET_FIELDS))
    return sorted(items, key=lambda a: (a.translation_of_id is not None, a.language))


SET_FIELDS = (
    "slug",
    "title",
    "language",
    "state",
    "audience",
    "version",
    "translation_of",
    "source_version",
    "translation_outdated",
    "merged_into",
    "translation_of__version",
    "translation_of__slug",
)


# --- creating a translation ---------------------------------------------------------------------


def create(
    source: Article,
    *,
    by,
    language: str,
    title: str,
    texts: dict,
    rule_words: list[dict],
    audience: str | None = None,
    seen_version: int | None = None,
    note: str = "",
    slug: str = "",
) -> Article:
    """A new translation of `source` (of its source, if `source` is a translation) into `language`.

    `texts`: issue, environment, resolution, cause, internal_notes, authority_note and
    `sections` {key: text}; `rule_words`: [{action, notes}] by the source's rule positions.
    `seen_version`: the source's version the translator read; if the source changed since, the
    translation starts out of date against the one read.
    """
    source = Article.objects.select_related("translation_of").get(pk=source.pk).source
    require(policy.can_translate(by, source))
    if language not in CONTENT_LANGUAGES:
        raise InvalidChange(_("Choose one of the content languages."))
    if language == source.language:
        raise InvalidChange(_("The source article is written in %(language)s already.") % {"language": language_name(language)})
    audience = audience or source.audience
    if audience not in AUDIENCE_WIDTH:
        _refuse_wider_than(source)
    _check_audience(audience, source)
    if source.translations.filter(language=language).exists():
        raise InvalidChange(_one_per_language(language))
    version = seen_version if seen_version and seen_version <= source.version else source.version
    fields = {k: v for k, v in texts.items() if k in TEXT_FIELDS}
    try:
        with transaction.atomic():
            return Article.create(
                by=by,
                title=title,
                product=source.product,
                tags=source.tag_names(),
                rules=mirrored_rules(source.rule_dicts(), rule_words),
                state=State.WIP,
                audience=audience,
                governance=source.governance,
                note=note or _("Translated from version %(version)s of the source") % {"version": version},
                language=language,
                translation_of=source,
                source_version=version,
                translation_outdated=version != source.version,
                template_version=source.template_version,
                escalation=source.escalation,
                slug=slug,
                **fields,
            )
    except IntegrityError:
        # Two translators saving the same language at once: the constraint lets one win.
        if Article.objects.filter(translation_of=source, language=language).exists():
            raise InvalidChange(_one_per_language(language)) from None
        raise


TEXT_FIELDS = ("issue", "environment", "resolution", "cause", "internal_notes", "authority_note", "sections")


def _one_per_language(language: str) -> str:
    return _("This article has a %(language)s translation already: open it to update it.") % {"language": language_name(language)}


# --- what stays the source's ------------------------------------------------------------------------


def check_edit(current: Article, changed: dict, rules: list[dict] | None) -> None:
    """Refuse (InvalidChange) what an edit may not change about a translation set (Article.edit)."""
    if "language" in changed:
        if current.is_translation:
            raise InvalidChange(_("A translation's language cannot change: translate the source into another language."))
        if current.translations.filter(language=changed["language"]).exists():
            raise InvalidChange(_one_per_language(changed["language"]))
    if not current.is_translation:
        return
    source = current.translation_of
    if "escalation" in changed and _pk(changed["escalation"]) != source.escalation_id:
        raise InvalidChange(str(LOCKED))
    if rules is not None and rule_structure(rules) != rule_structure(source.rule_dicts()):
        raise InvalidChange(str(LOCKED))
    if "audience" in changed:
        _check_audience(changed["audience"], source)


def _check_audience(audience: str, source: Article) -> None:
    """A translation is never shown to more readers than its source."""
    if wider(audience, source.audience):
        _refuse_wider_than(source)


def _refuse_wider_than(source: Article) -> None:
    raise InvalidChange(
        _("A translation is never shown to more readers than its source: choose %(audience)s or narrower.")
        % {"audience": source.get_audience_display()}
    )


LOCKED = gettext_lazy(
    "A translation's decision authority follows its source: the rules, their limits and who decides, and "
    "the escalation contact change on the source only. Translate the words; flag the source to suggest a change."
)


def _pk(value):
    return getattr(value, "pk", value)


def source_changed(source: Article, *, by, material: bool, old_rules: list[dict] | None, changed: dict) -> None:
    """After `source` was saved (inside its transaction): mark its translations out of date on a
    material update, copy a new authority structure onto them, narrow any now wider than it."""
    new_rules = source.rule_dicts() if old_rules is not None else None
    structure_changed = "escalation" in changed or (
        old_rules is not None
        and (rule_structure(old_rules) != rule_structure(new_rules) or rules_rearranged(old_rules, new_rules))
    )
    narrowed = "audience" in changed
    if not (material or structure_changed or narrowed):
        return
    translations = list(source.translations.select_for_update().order_by("pk"))
    if not translations:
        return
    if material or structure_changed:
        mark_outdated(source, translations, by=by)
    for translation in translations:
        follow_authority = structure_changed
        narrow = narrowed and wider(translation.audience, source.audience)
        if follow_authority or narrow:
            _follow(translation, source, by=by, authority=follow_authority, narrow=narrow, old_source_rules=old_rules)


def mark_outdated(source: Article, translations: list[Article], *, by) -> None:
    fresh = [t for t in translations if not t.translation_outdated]
    if not fresh:
        return
    Article.objects.filter(pk__in=[t.pk for t in fresh]).update(translation_outdated=True)
    note = _("The source changed in version %(version)s.") % {"version": source.version}
    ArticleEvent.objects.bulk_create(
        ArticleEvent(article=t, actor=by, kind=EventKind.OUTDATED, to_value=str(source.version), note=note, version=t.version)
        for t in fresh
    )
    for t in fresh:
        t.translation_outdated = True


def _follow(
    translation: Article, source: Article, *, by, authority: bool, narrow: bool, old_source_rules: list[dict] | None = None
) -> None:
    """Save a version of `translation` with its source's authority structure and/or audience
    (`old_source_rules`: the source's rules before the change, which the translation mirrored)."""
    fields, rules = [], None
    from_audience = translation.audience
    if authority:
        rules = mirrored_rules(source.rule_dicts(), translation.rule_dicts(), old_source_rules)
        if translation.escalation_id != source.escalation_id:
            translation.escalation_id = source.escalation_id
            fields.append("escalation")
    if narrow:
        translation.audience = source.audience
    translation.version += 1
    translation.updated_at = timezone.now()
    note = _("Follows its source (version %(version)s)") % {"version": source.version}
    with reversion.create_revision():
        translation.save()
        if rules is not None:
            translation._replace_rules(rules)
            fields.append("rules")
        record = {"material": True, "changed_fields": fields, "rules_changed": rules is not None, "outside_changed": False}
        if narrow:
            change = translation._record(
                by, EventKind.AUDIENCE, from_value=from_audience, to_value=translation.audience, note=note, **record
            )
        else:
            change = translation._record(by, EventKind.EDITED, note=note, **record)
        _revision_meta(by, note, material=True, version=translation.version)
        announce(change)


# --- keeping a translation current -----------------------------------------------------------------


def confirm(translation: Article, *, by, note: str = "") -> Article:
    """The translator says the translation still matches its source as it stands now: no new
    content version, a history row naming the source version confirmed against."""
    with transaction.atomic():
        current = Article.objects.select_for_update(of=("self",)).select_related("translation_of").get(pk=translation.pk)
        require(policy.can_confirm_translation(by, current))
        source_version = current.translation_of.version
        Article.objects.filter(pk=current.pk).update(source_version=source_version, translation_outdated=False)
        ArticleEvent.objects.create(
            article=current,
            actor=by,
            kind=EventKind.CONFIRMED,
            from_value=str(current.source_version or ""),
            to_value=str(source_version),
            note=note or _("Still matches version %(version)s of the source.") % {"version": source_version},
            version=current.version,
        )
    translation.refresh_from_db()
    return translation


def restore_currency(translation: Article, source_version: int | None) -> None:
    """A translation reverted to a version that translated `source_version` of its source: it is
    out of date if the source changed materially after that version (not saved here)."""
    source = translation.translation_of
    version = min(source_version or 0, source.version) or None
    translation.source_version = version
    translation.translation_outdated = version is None or (
        version < source.version and ArticleEvent.objects.filter(article=source, material=True, version__gt=version).exists()
    )


# --- the translators' queue ------------------------------------------------------------------------


def missing_in(language: str) -> QuerySet:
    """Validated sources with no article in `language` in their set, most reused first."""
    has = Article.objects.filter(translation_of=OuterRef("pk"), language=language)
    return (
        Article.objects.filter(translation_of__isnull=True, state=State.VALIDATED)
        .exclude(language=language)
        .exclude(Exists(has))
        .for_list()
        .order_by("-reuse_count", "-id")
    )


def outdated_in(language: str) -> QuerySet:
    """Translations into `language` whose source changed since, by the source's reuse."""
    return (
        Article.objects.filter(language=language, translation_of__isnull=False, translation_outdated=True)
        .exclude(state=State.ARCHIVED)
        .select_related("translation_of", "owner", "product")
        .defer(*[f"translation_of__{name}" for name in TEXT_FIELDS], *TEXT_FIELDS)
        .order_by("-translation_of__reuse_count", "-translation_of_id")
    )
