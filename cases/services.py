"""Operations on cases and links: each checks the policy, then changes what it must.

Linking never edits the article: `Article.version` stays and no revision is written
(`reuse_count` is excluded from versions and set by a queryset update), so an agent linking an
article can never cause a 409 for someone editing it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DateField, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek
from django.utils import timezone, translation
from django.utils.translation import gettext

from articles.models import Article, InvalidChange, Product, Reuse, require
from articles.policy import is_staff

from . import policy, signals
from .choices import REUSE_KINDS, LinkKind, Outcome, RequesterKind, Source, Status
from .models import DESCRIPTION_MAX, EXTERNAL_ID_MAX, SUBJECT_MAX, Case, CaseLink

UNLINK_REASON_MAX = 500
# Written from the case > solved the case > helped with it.
STRENGTH = {LinkKind.REFERENCE: 1, LinkKind.SOLVED: 2, LinkKind.CREATED: 3}


# --- cases ------------------------------------------------------------------------------------


def stored_label(choice) -> str:
    """A choice's label as stored in history (the site's default language, whoever acts)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(choice.label)


def clean_external_id(value) -> str:
    ref = " ".join(str(value if value is not None else "").replace("\x00", "").split())
    if not ref:
        raise InvalidChange(gettext("A case needs its id in the source system."))
    if len(ref) > EXTERNAL_ID_MAX:
        raise InvalidChange(gettext("A case id has at most %(most)s characters.") % {"most": EXTERNAL_ID_MAX})
    return ref


def clean_source(value) -> str:
    if value not in Source.values:
        raise InvalidChange(
            gettext("Unknown case source “%(source)s”; use one of: %(sources)s.")
            % {"source": value, "sources": ", ".join(Source.values)}
        )
    return value


@dataclass
class Upsert:
    case: Case
    created: bool
    changed: bool
    result: str  # what happened, as an integration's log line reads it


def upsert_case(*, source: str, external_id, data: dict, by=None) -> Upsert:
    """Create or update the case (source, external_id) from `data` (the fields of a case).

    Idempotent: the same data twice changes nothing the second time. An event older than the
    last one applied (`updated_at` before the case's `source_updated_at`) changes nothing, and
    a closed case never moves back to open or solved: closed is final in every ticketing tool.
    `by` is checked with `policy.can_sync_cases` (None: a signed webhook, already verified).
    """
    if by is not None:
        require(policy.can_sync_cases(by))
    source, external_id = clean_source(source), clean_external_id(external_id)
    fields = _case_fields(data)
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(source=source, external_id=external_id).first()
        created = case is None
        if created:
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        source=source, external_id=external_id, opened_at=fields.pop("opened_at", None) or timezone.now()
                    )
            except IntegrityError:  # created at the same moment by another delivery: update it instead
                case = Case.objects.select_for_update().get(source=source, external_id=external_id)
                created = False
        updated_at = fields.pop("source_updated_at", None)
        if not created and updated_at and case.source_updated_at and updated_at < case.source_updated_at:
            return Upsert(case, False, False, "ignored: older than the last change applied")
        status = fields.pop("status", None)
        if not created:
            fields.pop("opened_at", None)
        changed = _apply(case, fields)
        if updated_at and updated_at != case.source_updated_at:
            case.source_updated_at = updated_at
            changed = True
        result = "created" if created else ("updated" if changed else "unchanged")
        if status and status != case.status:
            if case.status == Status.CLOSED:
                result += "; a closed case stays closed"
            else:
                _move_status(case, status, at=updated_at)
                changed = True
        if changed or created:
            case.save()
        return Upsert(case, created, changed or created, result)


def _apply(case: Case, fields: dict) -> bool:
    changed = False
    for name, value in fields.items():
        if getattr(case, name) != value:
            setattr(case, name, value)
            changed = True
    return changed


def _move_status(case: Case, status: str, *, at=None) -> None:
    at = at or timezone.now()
    case.status = status
    if status == Status.OPEN:
        # Reopened: it is no longer decided; its outcome is recorded again when it is solved.
        case.solved_at = None
        case.outcome, case.outcome_at = "", None
        return
    if status == Status.SOLVED or case.solved_at is None:
        case.solved_at = case.solved_at or at
    if status == Status.CLOSED:
        case.closed_at = at
    _record_outcome(case, at=at)


def _record_outcome(case: Case, *, at=None) -> None:
    """known / new / no link, from the case's live links (saved by the caller)."""
    kinds = set(case.links.live().values_list("kind", flat=True)) if case.pk else set()
    if LinkKind.CREATED in kinds:
        outcome = Outcome.NEW
    elif kinds & set(REUSE_KINDS):
        outcome = Outcome.KNOWN
    else:
        outcome = Outcome.NO_LINK
    case.outcome = outcome
    case.outcome_at = case.outcome_at or at or timezone.now()


def _case_fields(data: dict) -> dict:
    """The model fields named in `data`, checked; unknown keys are ignored (sources send many)."""
    out: dict = {}
    text = {"subject": SUBJECT_MAX, "description": DESCRIPTION_MAX, "team": 100, "requester_name": 200, "url": 500}
    for name, limit in text.items():
        if name in data and data[name] is not None:
            value = str(data[name]).replace("\x00", "").strip()
            if name == "subject":
                value = " ".join(value.split())
            out[name] = value[:limit]
    if out.get("url") and not out["url"].lower().startswith(("https://", "http://")):
        raise InvalidChange("A case link must be an http(s) address.")
    if data.get("requester_email"):
        out["requester_email"] = str(data["requester_email"]).strip()[:254]
    if data.get("requester_kind"):
        if data["requester_kind"] not in RequesterKind.values:
            raise InvalidChange("requester_kind is customer or partner.")
        out["requester_kind"] = data["requester_kind"]
    if data.get("status"):
        if data["status"] not in Status.values:
            raise InvalidChange("status is open, solved or closed.")
        out["status"] = data["status"]
    if "product" in data:
        out["product"], out["product_name"] = _product(data.get("product"))
    if "agent" in data:
        out["agent"] = _agent(data.get("agent"))
    for name, field in (("opened_at", "opened_at"), ("updated_at", "source_updated_at")):
        if data.get(name):
            out[field] = _when(data[name], name)
    return out


def _product(value) -> tuple[Product | None, str]:
    name = " ".join(str(value or "").split())[:100]
    if not name:
        return None, ""
    product = Product.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).first()
    return product, name


def _agent(value):
    """A staff account named by username or email address, or None."""
    key = str(value or "").strip()
    if not key:
        return None
    users = get_user_model().objects.filter(is_active=True)
    found = users.filter(username=key).first() or users.filter(email__iexact=key).order_by("pk").first()
    return found if found is not None and is_staff(found) else None


def _when(value, name: str) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:
            parsed = datetime.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidChange(f"{name} is a date and time such as 2026-05-01T09:30:00Z.") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, datetime.UTC)
    return parsed


def manual_case(ref: str) -> Case:
    """The case an agent typed by reference (no integration knows it yet)."""
    ref = clean_external_id(ref)
    found = Case.objects.filter(external_id__iexact=ref).order_by("pk").first()
    if found is not None:  # the same reference a ticketing tool already synced: that case
        return found
    case, _ = Case.objects.get_or_create(source=Source.MANUAL, external_id=ref)
    return case


# --- what a help-centre requester did before asking -----------------------------------------


def requester_trail(case: Case, user) -> dict:
    """What the requester searched and read before asking (a help-centre hand-over), read leniently:
    each search is text or {"q", "at", "results"}, each article viewed a slug or {"slug", "title", "at"}."""
    raw = case.trail if isinstance(case.trail, dict) else {}
    searches = []
    for item in list(raw.get("searches") or [])[:50]:
        item = item if isinstance(item, dict) else {"q": item}
        query = " ".join(str(item.get("q") or item.get("query") or "").split())
        if query:
            searches.append({"q": query, "at": _when_or_none(item.get("at")), "results": item.get("results")})
    viewed = []
    for item in list(raw.get("viewed") or [])[:50]:
        item = item if isinstance(item, dict) else {"slug": item}
        slug = str(item.get("slug") or "")
        viewed.append({"slug": slug, "title": str(item.get("title") or slug), "at": _when_or_none(item.get("at"))})
    # The articles as they are now (one query), linked when this user may open them.
    known = Article.objects.visible_to(user).in_bulk([v["slug"] for v in viewed if v["slug"]], field_name="slug")
    for view in viewed:
        view["article"] = known.get(view["slug"])
    return {"searches": searches, "viewed": [v for v in viewed if v["slug"] or v["title"]]}


def _when_or_none(value):
    try:
        return _when(value, "at") if value else None
    except InvalidChange:
        return None


# --- links ------------------------------------------------------------------------------------


def link(*, case: Case, article: Article, kind: str, by, searches: list | None = None) -> tuple[CaseLink, bool]:
    """Link `article` to `case` as `kind`. Returns (link, created).

    One live link per case and article: the same link again, or a weaker one, is the existing
    link (nothing counted twice); a stronger kind (reference → solved) replaces it, the old link
    kept as removed with the reason. To weaken a link, remove it first.
    """
    if kind not in LinkKind.values:
        raise InvalidChange(gettext("A link is solved, reference or created."))
    require(policy.can_link(by, case, article))
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()  # one linker of this case at a time
        current = CaseLink.objects.live().filter(case=case, article=article).first()
        if current is not None and STRENGTH[current.kind] >= STRENGTH[kind]:
            return current, False  # "it helped" after "it solved it" says nothing new
        now = timezone.now()
        if current is not None:
            current.unlinked_by, current.unlinked_at = by, now
            current.unlink_reason = f"Changed to “{stored_label(LinkKind(kind))}”."
            current.save(update_fields=["unlinked_by", "unlinked_at", "unlink_reason"])
        made = CaseLink.objects.create(
            case=case,
            article=article,
            article_version=article.version,
            kind=kind,
            linked_by=by,
            linked_at=now,
            searches=_clean_searches(searches),
        )
        _after_links_changed(case, article)
        transaction.on_commit(lambda: signals.link_created.send(sender=CaseLink, link=made))
    return made, True


def unlink(*, link: CaseLink, by, reason: str, draft: Article | None = None) -> CaseLink:
    """Remove `link` as `by`, saying why. With `draft`: `link` is the `created` link of that draft,
    removed as the draft is dropped for another article (`policy.can_unlink_with_draft`)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidChange(gettext("Say why the link is removed: the case's history keeps it."))
    if len(reason) > UNLINK_REASON_MAX:
        raise InvalidChange(gettext("A reason has at most %(most)s characters.") % {"most": UNLINK_REASON_MAX})
    with transaction.atomic():
        link = CaseLink.objects.select_for_update().select_related("case", "article").get(pk=link.pk)
        require(policy.can_unlink(by, link) if draft is None else policy.can_unlink_with_draft(by, link, draft))
        link.unlinked_by, link.unlinked_at, link.unlink_reason = by, timezone.now(), reason
        link.save(update_fields=["unlinked_by", "unlinked_at", "unlink_reason"])
        _after_links_changed(link.case, link.article)
        transaction.on_commit(lambda: signals.link_removed.send(sender=CaseLink, link=link))
    return link


def _after_links_changed(case: Case, article: Article) -> None:
    if case.is_decided:
        # A link made at close (agents often link last) still counts for that case's outcome.
        case.refresh_from_db()
        _record_outcome(case)
        Case.objects.filter(pk=case.pk).update(outcome=case.outcome, outcome_at=case.outcome_at)
    recount_reuse([article.pk])


def _clean_searches(searches) -> list:
    out = []
    for item in list(searches or [])[:20]:
        query = " ".join(str(item.get("q") if isinstance(item, dict) else item).split())[:200]
        if query:
            out.append({"q": query, "at": item.get("at", "") if isinstance(item, dict) else ""})
    return out


def recount_reuse(article_ids) -> None:
    """Set `reuse_count` from the rows: live reuse links plus reuse recorded without a case.

    One UPDATE computed by the database, so two agents linking at once both count, and a
    removed link is never counted.
    """
    # A translation shares its source's identity (docs/decisions/0016-translations.md): the source's
    # count is the whole translation set's reuse, a translation's its own.
    ids = set(article_ids)
    ids |= set(Article.objects.filter(pk__in=ids, translation_of__isnull=False).values_list("translation_of", flat=True))
    in_set = Q(article=OuterRef("pk")) | Q(article__translation_of=OuterRef("pk"))

    def counted(rows):
        # One row per article: its rows, and for a source its translations' rows too.
        return Coalesce(
            Subquery(rows.filter(in_set).order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")), 0
        )

    Article.objects.filter(pk__in=ids).update(reuse_count=counted(CaseLink.objects.live().reuse()) + counted(Reuse.objects.all()))
    from search import indexing  # the index keeps reuse_count (a ranking nudge); no save happens here

    indexing.enqueue(list(ids))


def recent_reusers(article: Article, days: int = 90):
    """People who used `article` on a case (linked it, or recorded reuse) in the last `days` days."""
    since = timezone.now() - datetime.timedelta(days=days)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(pk__in=CaseLink.objects.live().reuse().filter(article=article, linked_at__gte=since).values("linked_by"))
            | Q(pk__in=Reuse.objects.filter(article=article, at__gte=since).values("user"))
        )
    )


def links_on_case_ref(user, ref: str):
    """Live links of the cases whose id is `ref` (any source), on articles `user` may see."""
    require(policy.can_see_cases(user))
    ref = " ".join((ref or "").split())
    if not ref:
        return CaseLink.objects.none()
    visible = Article.objects.visible_to(user).values("pk")
    return (
        CaseLink.objects.live()
        .filter(case__external_id__iexact=ref, article__in=visible)
        .select_related("case", "article", "article__product", "linked_by")
        .order_by("-linked_at", "-id")
    )


# --- outcomes (the base of the KCS measures) ------------------------------------------------

GROUPS = {"agent": "agent__username", "team": "team", "product": "product__name", "week": "week", "month": "month"}


def outcomes(user, *, by: str = "agent", since=None, until=None) -> list[dict]:
    """Decided cases per agent, team, product, week or month: known, new, no link and the link rate.

    `since`/`until` bound the time the outcome was recorded (solved or closed).
    """
    require(policy.can_see_outcomes(user))
    if by not in GROUPS:
        raise InvalidChange(f"Group by one of: {', '.join(GROUPS)}.")
    qs = Case.objects.decided()
    if since:
        qs = qs.filter(outcome_at__gte=since)
    if until:
        qs = qs.filter(outcome_at__lt=until)
    if by in ("week", "month"):
        qs = qs.annotate(**{by: _first_day_of(by)})
    key = GROUPS[by]
    rows = qs.values(key).annotate(**outcome_counts()).order_by(key)
    out = []
    for row in rows:
        group = row[key]
        if isinstance(group, datetime.datetime):
            group = group.date()
        if isinstance(group, datetime.date):
            group = group.isoformat()
        out.append({"group": group if group not in (None, "") else None, **outcome_figures(row)})
    return out


def outcome_counts() -> dict:
    """The aggregates of decided cases (for `annotate` or `aggregate`): cases, known, new, no_link.

    The outcomes above and the KCS measures (insights/measures/links.py) count with these.
    """
    return {
        "cases": Count("pk"),
        "known": Count("pk", filter=Q(outcome=Outcome.KNOWN)),
        "new": Count("pk", filter=Q(outcome=Outcome.NEW)),
        "no_link": Count("pk", filter=Q(outcome=Outcome.NO_LINK)),
    }


def outcome_figures(row: dict) -> dict:
    """A row of `outcome_counts` with its link rate: decided cases with a link (known or new) out
    of all decided cases, 0..1 with four decimals, None without decided cases."""
    cases, known, new = row.get("cases") or 0, row.get("known") or 0, row.get("new") or 0
    return {
        "cases": cases,
        "known": known,
        "new": new,
        "no_link": row.get("no_link") or 0,
        "link_rate": round((known + new) / cases, 4) if cases else None,
    }


def _first_day_of(period: str):
    """The Monday of the week, or the first of the month, the outcome was recorded in (local time).

    On SQLite Django truncates a date-time with a Python function called once a row (0.5 s over
    75,000 decided cases, bench/cases.py); in UTC, SQLite's own date() gives the same day at a
    fifth of the cost. Another time zone, or PostgreSQL (date_trunc), uses Django's truncation.
    """
    if connection.vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        # 'weekday 0' moves on to the Sunday (a Sunday stays), six days back is that week's Monday.
        modifiers = "'start of month'" if period == "month" else "'weekday 0', '-6 days'"
        return Func(F("outcome_at"), template=f"date(%(expressions)s, {modifiers})", output_field=DateField())
    return (TruncMonth if period == "month" else TruncWeek)("outcome_at")
