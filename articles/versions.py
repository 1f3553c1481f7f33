"""Reading an article's history back: version lists, snapshots and field-by-field diffs.

Versions are stored by django-reversion (one revision per saved change, the article
plus its authority rules); `RevisionMeta` adds the article's version number and the
minor/material mark. A snapshot turns a stored version into plain values a person
can read (names rather than ids, rules in plain words), which is what diffs compare.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Version

from accounts.models import User

from . import structure
from .choices import choice_label
from .models import (
    Article,
    ArticleEvent,
    AuthorityRule,
    EscalationContact,
    Product,
    Tag,
    TemplateVersion,
    plain_rule,
    touches_authority,
)

# Order and labels of what a diff shows.
SNAPSHOT_FIELDS = [
    ("title", gettext_lazy("Title")),
    ("issue", gettext_lazy("Issue")),
    ("environment", gettext_lazy("Environment")),
    ("resolution", gettext_lazy("Resolution")),
    ("cause", gettext_lazy("Cause")),
    ("internal_notes", gettext_lazy("Internal notes")),
    ("template", gettext_lazy("Template")),
    ("rules", gettext_lazy("Decision authority")),
    ("escalation", gettext_lazy("Escalation contact")),
    ("authority_note", gettext_lazy("Outside this authority")),
    ("product", gettext_lazy("Product")),
    ("tags", gettext_lazy("Tags")),
    ("owner", gettext_lazy("Owner")),
    ("review_by", gettext_lazy("Review by")),
    ("state", gettext_lazy("Confidence")),
    ("audience", gettext_lazy("Audience")),
    ("governance", gettext_lazy("Governance")),
]
# What a change record's `changed_fields` may name besides the fields a diff shows.
FIELD_LABELS = {
    **dict(SNAPSHOT_FIELDS),
    "source_url": gettext_lazy("Source address"),
    "template_version": gettext_lazy("Template"),
    "language": gettext_lazy("Language"),
}
# A snapshot holds each non-standard section's text as "sections.<key>", and their labels here.
SECTION_PREFIX = structure.SECTION_PREFIX
LABELS_KEY = "_section_labels"


def field_label(name: str) -> str:
    """A change record's field name in words ("sections.steps" → Section “steps”)."""
    if name.startswith(SECTION_PREFIX):
        return _("Section “%(key)s”") % {"key": name[len(SECTION_PREFIX) :]}
    return FIELD_LABELS.get(name, name)


# The text a revert restores (a version stored before a field existed restores it empty).
CONTENT_TEXT_FIELDS = ("title", "issue", "environment", "resolution", "cause", "internal_notes", "authority_note")


class NoSuchVersion(LookupError):
    pass


@dataclass
class ArticleVersion:
    number: int
    version: Version
    user: User | None
    date: object
    comment: str
    material: bool

    @property
    def revision_id(self) -> int:
        return self.version.revision_id


@dataclass
class FieldDiff:
    name: str
    label: str
    old: str
    new: str
    ops: list[tuple[str, str]] = field(default_factory=list)

    @property
    def html(self) -> SafeString:
        parts = []
        for op, text in self.ops:
            if op == "=":
                parts.append(escape(text))
            elif op == "-":
                parts.append(f"<del>{escape(text)}</del>")
            else:
                parts.append(f"<ins>{escape(text)}</ins>")
        return mark_safe("".join(parts))  # noqa: S308 — every piece is escaped above


@dataclass
class Step:
    """One saved version inside a range being compared: who saved it, when, with which note,
    minor or material, and what its change record says it changed."""

    number: int
    user: User | None
    date: object
    comment: str
    material: bool
    fields: list[str]  # labels of the changed fields, in reading order
    authority_changed: bool


@dataclass
class Range:
    """Every version after `older` up to `newer`: what a reader of the diff between them is owed.
    The range is material when any step in it was, and changed the decision authority when any
    step did, whatever the last step says."""

    steps: list[Step]

    @property
    def material(self) -> bool:
        return any(s.material for s in self.steps)

    @property
    def authority_changed(self) -> bool:
        return any(s.authority_changed for s in self.steps)


def changes_between(article: Article, older: int, newer: int, items: list[ArticleVersion] | None = None) -> Range:
    """The steps from version `older` (excluded) to `newer` (included), oldest first, read from the
    stored versions (`items`: the article's history if the caller has it) and their change records
    (one query)."""
    low, high = sorted((older, newer))
    items = items if items is not None else history(article)
    chosen = sorted((v for v in items if low < v.number <= high), key=lambda v: v.number)
    records: dict[int, dict] = {}
    events = ArticleEvent.objects.filter(article=article, version__gt=low, version__lte=high)
    for version, names, rules in events.values_list("version", "changed_fields", "rules_changed"):
        # A version may have two rows (an edit and the audience change beside it): one record.
        record = records.setdefault(version, {"fields": set(), "rules": False})
        record["fields"].update(names or [])
        record["rules"] = record["rules"] or rules
    steps = []
    for v in chosen:
        record = records.get(v.number, {"fields": set(), "rules": False})
        names = record["fields"]
        order = [name for name in FIELD_LABELS if name in names] + sorted(names - set(FIELD_LABELS))
        steps.append(
            Step(
                number=v.number,
                user=v.user,
                date=v.date,
                comment=v.comment,
                material=v.material,
                fields=[field_label(name) for name in order],
                authority_changed=touches_authority(names, record["rules"]),
            )
        )
    return Range(steps=steps)


def authority_changed_since(read: dict[tuple, int]) -> set[tuple]:
    """Which of `read` ({(anything, article id): version read}) saw a change to the decision
    authority (rules, escalation contact or the note on what to do outside it) in a later version,
    in one query: a reader asked to read again is told when the rules they learned changed."""
    if not read:
        return set()
    since: dict[int, int] = {}
    for (_type, article_id), version in read.items():
        since[article_id] = min(version, since.get(article_id, version))
    changed: dict[int, int] = {}  # article id -> newest version that changed the authority
    events = ArticleEvent.objects.filter(article_id__in=since, version__gt=min(since.values()))
    for article_id, version, names, rules in events.values_list("article_id", "version", "changed_fields", "rules_changed"):
        if touches_authority(names, rules):
            changed[article_id] = max(version, changed.get(article_id, 0))
    return {key for key, version in read.items() if changed.get(key[1], 0) > version}


def history(article: Article) -> list[ArticleVersion]:
    """Every stored version of `article`, newest first, in a fixed number of queries."""
    return [_article_version(v) for v in _stored(article)]


def _stored(article: Article):
    return (
        Version.objects.get_for_object(article)
        .select_related("revision__user", "revision__meta")
        .order_by("-revision__date_created", "-pk")
    )


def _article_version(v: Version) -> ArticleVersion:
    meta = getattr(v.revision, "meta", None)
    return ArticleVersion(
        number=meta.article_version if meta else 0,
        version=v,
        user=v.revision.user,
        date=v.revision.date_created,
        comment=v.revision.comment,
        material=meta.material if meta else True,
    )


def version_by_number(article: Article, number: int) -> ArticleVersion | None:
    """One stored version of `article` by its number, in one query (not the whole history)."""
    v = _stored(article).filter(revision__meta__article_version=number).first()
    return _article_version(v) if v is not None else None


def _rules_of_version(version: Version) -> list[dict]:
    """The authority rules stored in the same revision as this article version, in order."""
    rule_ct = ContentType.objects.get_for_model(AuthorityRule)
    rows = [v.field_dict for v in version.revision.version_set.filter(content_type=rule_ct)]
    rows = [r for r in rows if str(r.get("article_id")) == str(version.object_id)]
    rows.sort(key=lambda r: (r.get("position") or 0, r.get("id") or 0))
    return rows


def rules_of_version(version: Version) -> list[dict]:
    """The decision-authority rules of a stored version, comparable between versions."""
    return [_rule_fields(r) for r in _rules_of_version(version)]


def snapshot_of_version(version: Version) -> dict:
    data = version.field_dict
    return _readable(data, rules=_rules_of_version(version), tag_ids=data.get("tags") or [])


def _template_version(data: dict) -> TemplateVersion | None:
    # A version stored before templates existed has no template_version_id: it reads as standard.
    pk = data.get("template_version_id")
    return TemplateVersion.objects.select_related("template").filter(pk=pk).first() if pk else None


def snapshot_of_article(article: Article) -> dict:
    data = {
        name: getattr(article, name)
        for name in (
            "title",
            "issue",
            "environment",
            "resolution",
            "cause",
            "internal_notes",
            "authority_note",
            "review_by",
            "state",
            "audience",
            "governance",
        )
    }
    data.update(
        product_id=article.product_id,
        owner_id=article.owner_id,
        escalation_id=article.escalation_id,
        template_version_id=article.template_version_id,
        sections=article.sections,
    )
    return _readable(data, rules=article.rule_dicts(), tag_ids=[t.pk for t in article.tags.all()])


def content_of_version(version: Version) -> dict:
    """What a revert restores: content, metadata and authority, not workflow fields."""
    data = version.field_dict
    rules = _rules_of_version(version)
    product = Product.objects.filter(pk=data["product_id"]).first()
    escalation = EscalationContact.objects.filter(pk=data.get("escalation_id")).first()
    changes = {name: data.get(name, "") for name in CONTENT_TEXT_FIELDS}
    if product:
        changes["product"] = product
    changes["escalation"] = escalation
    changes["template_version"] = _template_version(data)
    changes["sections"] = dict(data.get("sections") or {})
    tags = list(Tag.objects.filter(pk__in=data.get("tags") or []).values_list("name", flat=True))
    return {"changes": changes, "tags": tags, "rules": [_rule_fields(r) for r in rules]}


def diff(old: dict, new: dict) -> list[FieldDiff]:
    """Changed fields only, in reading order, each with word-level operations."""
    out = []
    labels = {**old.get(LABELS_KEY, {}), **new.get(LABELS_KEY, {})}
    keys = [k for k in new if k.startswith(SECTION_PREFIX)] + [k for k in old if k.startswith(SECTION_PREFIX) and k not in new]
    for name, label in [*SNAPSHOT_FIELDS[:6], *((k, labels.get(k, k)) for k in keys), *SNAPSHOT_FIELDS[6:]]:
        a, b = old.get(name, ""), new.get(name, "")
        if a == b:
            continue
        out.append(FieldDiff(name=name, label=label, old=a, new=b, ops=_word_ops(a, b)))
    return out


# difflib's work grows with the product of the two token counts: two long texts that differ
# throughout (a field rewritten at the 50,000-character limit) would take a minute. Above this
# product, the changed middle is compared by lines, and above it again it is shown as
# replaced whole.
DIFF_BUDGET = 1_000_000
# A word with the whitespace after it, so the commonest token (a space) never matches everywhere.
_WORDS = re.compile(r"\s+|\S+\s*")


def _word_ops(a: str, b: str) -> list[tuple[str, str]]:
    ta, tb = _WORDS.findall(a), _WORDS.findall(b)
    # An edit usually touches a small middle: the common start and end are found in linear time.
    start = 0
    while start < min(len(ta), len(tb)) and ta[start] == tb[start]:
        start += 1
    end = 0
    while end < min(len(ta), len(tb)) - start and ta[-1 - end] == tb[-1 - end]:
        end += 1
    ops = [("=", "".join(ta[:start]))]
    ops += _middle_ops(ta[start : len(ta) - end], tb[start : len(tb) - end])
    ops.append(("=", "".join(ta[len(ta) - end :])))
    return _tidy(ops)


def _middle_ops(ta: list[str], tb: list[str]) -> list[tuple[str, str]]:
    if len(ta) * len(tb) > DIFF_BUDGET:
        ta, tb = "".join(ta).splitlines(keepends=True), "".join(tb).splitlines(keepends=True)
    if len(ta) * len(tb) > DIFF_BUDGET:
        return [("-", "".join(ta)), ("+", "".join(tb))]
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("=", "".join(ta[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            ops.append(("-", "".join(ta[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(("+", "".join(tb[j1:j2])))
    return ops


def _tidy(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Whitespace that both sides of a replacement end with is unchanged text ("60 " → "75 "
    shows as 60 → 75, then the space); empty operations go, neighbours of one kind join."""
    out: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if text and out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif text:
            out.append((op, text))

    n = 0
    while n < len(ops):
        op, text = ops[n]
        if op == "-" and n + 1 < len(ops) and ops[n + 1][0] == "+":
            new = ops[n + 1][1]
            space = text[len(text.rstrip()) :]
            if not (space and new.endswith(space)):
                space = ""
            add("-", text[: len(text) - len(space)])
            add("+", new[: len(new) - len(space)])
            add("=", space)
            n += 2
            continue
        add(op, text)
        n += 1
    return out


def _rule_fields(row: dict) -> dict:
    return {k: row.get(k) for k in ("action", "limit_amount", "limit_unit", "decider", "notes")}


def _readable(data: dict, *, rules: list[dict], tag_ids: list) -> dict:
    product = Product.objects.filter(pk=data.get("product_id")).values_list("name", flat=True).first()
    owner = User.objects.filter(pk=data.get("owner_id")).values_list("username", flat=True).first()
    escalation = EscalationContact.objects.filter(pk=data.get("escalation_id")).first()
    tags = sorted(Tag.objects.filter(pk__in=[int(t) for t in tag_ids]).values_list("name", flat=True))
    review_by = data.get("review_by")
    version = _template_version(data)
    sections = {}
    labels = {}
    for section in structure.sections_of(version):
        if not section.is_standard:
            name = SECTION_PREFIX + section.key
            sections[name] = structure.text_of_stored(data, section)
            label = structure.shown_label(section)
            labels[name] = _("%(label)s (staff only)") % {"label": label} if section.staff_only else label
    return {
        **sections,
        LABELS_KEY: labels,
        "template": f"{version.template.name} v{version.number}" if version else _("Standard v1"),
        "title": data.get("title") or "",
        "issue": data.get("issue") or "",
        "environment": data.get("environment") or "",
        "resolution": data.get("resolution") or "",
        "cause": data.get("cause") or "",
        "internal_notes": data.get("internal_notes") or "",
        "rules": "\n".join(f"{i}. {plain_rule(_rule_fields(r))}" for i, r in enumerate(rules, 1)),
        "escalation": escalation.plain_words() if escalation else "",
        "authority_note": data.get("authority_note") or "",
        "product": product or "",
        "tags": ", ".join(tags),
        "owner": owner or "",
        "review_by": review_by.isoformat() if hasattr(review_by, "isoformat") else str(review_by or ""),
        "state": choice_label(data.get("state") or ""),
        "audience": choice_label(data.get("audience") or ""),
        "governance": choice_label(data.get("governance") or ""),
    }


def history_since(article: Article, number: int, *, limit: int = 50) -> list[ArticleVersion]:
    """The stored versions of `article` numbered `number` or later, newest first, at most `limit`.

    Without the stored content (only number, author, date, note): what a choice of versions
    shows, cheap however long the article's texts are.
    """
    stored = _stored(article).filter(revision__meta__article_version__gte=number).defer("serialized_data")
    return [_article_version(v) for v in stored[:limit]]


def article_as_of(version: Version) -> tuple[Article, list[AuthorityRule]]:
    """The article and its authority rules as they were at a stored version, unsaved, for
    pages that show a past version the way the article page shows the current one (with the
    escalation contact it named then, as it reads now)."""
    data = version.field_dict
    fields = {f.attname: data[f.attname] for f in Article._meta.concrete_fields if f.attname in data}
    article = Article(**fields)
    article.escalation = EscalationContact.objects.filter(pk=article.escalation_id).first()
    rows = _rules_of_version(version)
    rules = [AuthorityRule(pk=r.get("id"), position=r.get("position") or 0, **_rule_fields(r)) for r in rows]
    for rule in rules:
        rule.article = article  # each rule reads in the language its article was written in then
    return article, rules
