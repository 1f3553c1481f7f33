"""Cases and their links to articles under /api/v1/, with the core API's conventions
(articles/api.py): a policy refusal is 403 with `detail`, a bad value 400 naming the field, and
what the caller may not know exists is 404 — cases are the support organisation's, so customers
and partners get 404 for every case address, as for the other staff endpoints.

The operations are `cases.services` (upsert, link, unlink, outcomes); these views read the
request and answer, nothing more. The signed webhooks are cases/hooks.py.
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api_schema import answers, paginated
from articles.models import Article, InvalidChange

from . import adherence, policy, services
from .choices import LinkAccuracy, LinkKind, Outcome, RequesterKind, SearchedFirst, Source, Status
from .models import DESCRIPTION_MAX, SUBJECT_MAX, AdherenceReview, Case, CaseLink

# --- serializers ---------------------------------------------------------------------------


class CaseWriteSerializer(serializers.Serializer):
    """The fields an integration sends; each one left out is left as it is."""

    subject = serializers.CharField(max_length=SUBJECT_MAX, required=False, allow_blank=True)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, trim_whitespace=False)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, help_text="The case in the ticketing tool.")
    product = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Product slug or name; an unknown one is kept as text."
    )
    requester_kind = serializers.ChoiceField(choices=RequesterKind.choices, required=False)
    requester_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requester_email = serializers.EmailField(required=False, allow_blank=True)
    agent = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        help_text="The assigned agent's username or email address; one without a staff account here leaves the case unassigned.",
    )
    team = serializers.CharField(max_length=100, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    opened_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField(
        required=False,
        help_text="The source's time of this change: a change older than the last one applied changes nothing.",
    )

    def validate_url(self, value: str) -> str:
        if value and not value.lower().startswith(("https://", "http://")):
            raise serializers.ValidationError("A case link must be an http(s) address.")
        return value


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = inline_serializer(
        "LinkedCase",
        {"source": serializers.CharField(), "external_id": serializers.CharField(), "subject": serializers.CharField()},
    )
    article = serializers.CharField(source="article.slug", help_text="The article's slug.")
    article_title = serializers.CharField(source="article.title")
    article_version = serializers.IntegerField(help_text="The article's version when it was linked.")
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    linked_by = serializers.CharField(source="linked_by.username")
    linked_at = serializers.DateTimeField()
    unlinked_by = serializers.CharField(source="unlinked_by.username", allow_null=True, default=None)
    unlinked_at = serializers.DateTimeField(allow_null=True)
    unlink_reason = serializers.CharField(allow_blank=True)
    searches = serializers.ListField(child=serializers.DictField(), help_text="What the agent searched before (kind created).")


class CaseSummarySerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=Source.choices)
    external_id = serializers.CharField()
    url = serializers.CharField(allow_blank=True)
    subject = serializers.CharField(allow_blank=True)
    product = serializers.CharField(source="product.slug", allow_null=True, default=None)
    product_name = serializers.CharField(allow_blank=True)
    requester_kind = serializers.ChoiceField(choices=RequesterKind.choices)
    agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
    team = serializers.CharField(allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices)
    opened_at = serializers.DateTimeField()
    solved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=[("", "Not decided yet"), *Outcome.choices], allow_blank=True, help_text="Recorded when solved or closed."
    )
    outcome_at = serializers.DateTimeField(allow_null=True)
    live_links = serializers.IntegerField(help_text="Articles linked to it now.")


class CaseSerializer(CaseSummarySerializer):
    description = serializers.CharField(allow_blank=True)
    requester_name = serializers.CharField(allow_blank=True)
    requester_email = serializers.CharField(allow_blank=True)
    source_updated_at = serializers.DateTimeField(allow_null=True)
    trail = inline_serializer(
        "CaseTrail",
        {
            "searches": serializers.ListField(child=serializers.JSONField(), required=False),
            "viewed": serializers.ListField(child=serializers.JSONField(), required=False),
        },
        help_text="What the requester searched and read before asking (help-centre hand-overs).",
    )
    links = LinkSerializer(many=True, source="live_link_list", help_text="The live links (GET …/links/?removed=1 for history).")


class UpsertedCaseSerializer(CaseSerializer):
    result = serializers.CharField(help_text="What this request did: created, updated, unchanged, or why it was ignored.")


class NewLinkSerializer(serializers.Serializer):
    article = serializers.CharField(max_length=255, help_text="The article's slug.")
    kind = serializers.ChoiceField(
        choices=[(LinkKind.SOLVED, LinkKind.SOLVED.label), (LinkKind.REFERENCE, LinkKind.REFERENCE.label)],
        help_text="solved: it resolved the case; reference: it helped.",
    )


class UnlinkSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.UNLINK_REASON_MAX,
        required=False,
        allow_blank=True,
        help_text="Why the link is removed (required: here or as ?reason=); the case's history keeps it.",
    )


class OutcomeRowSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True, help_text="Agent username, team, product, or the week's or month's first day.")
    cases = serializers.IntegerField()
    known = serializers.IntegerField(help_text="Solved with an existing article.")
    new = serializers.IntegerField(help_text="An article was created from the case.")
    no_link = serializers.IntegerField()
    link_rate = serializers.FloatField(allow_null=True, help_text="(known + new) / cases")


class OutcomesSerializer(serializers.Serializer):
    by = serializers.CharField()
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    groups = OutcomeRowSerializer(many=True)


class AdherenceLinkSerializer(serializers.Serializer):
    link = serializers.IntegerField()
    article = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    # Text, not an enum: LinkSerializer's kind names the link kinds' enum in the schema already.
    kind = serializers.CharField(help_text="solved, reference or created")
    version = serializers.IntegerField(help_text="The article's version when it was linked.")
    live = serializers.BooleanField(help_text="False: the link had been removed when the case was reviewed.")


class AdherenceReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = inline_serializer(
        "ReviewedCase",
        {"source": serializers.CharField(), "external_id": serializers.CharField(), "subject": serializers.CharField()},
    )
    agent = serializers.CharField(source="agent.username", help_text="The case's agent when it was reviewed.")
    reviewer = serializers.CharField(source="reviewer.username")
    reviewed_at = serializers.DateTimeField()
    searched_first = serializers.ChoiceField(choices=SearchedFirst.choices)
    linked = serializers.BooleanField()
    link_accurate = serializers.ChoiceField(choices=LinkAccuracy.choices)
    capture_loss = serializers.BooleanField(help_text="An article should have been created or improved and was not.")
    note = serializers.CharField(allow_blank=True)
    links = AdherenceLinkSerializer(many=True, help_text="The case's links as the reviewer saw them.")
    revision = serializers.IntegerField(help_text="1 for a first review; send it back to change the review.")
    history = serializers.ListField(child=serializers.DictField(), help_text="Earlier answers of this review, oldest first.")


class AdherenceWriteSerializer(serializers.Serializer):
    searched_first = serializers.ChoiceField(choices=SearchedFirst.choices)
    linked = serializers.BooleanField()
    link_accurate = serializers.ChoiceField(choices=LinkAccuracy.choices, help_text="`na` exactly when linked is false.")
    capture_loss = serializers.BooleanField()
    note = serializers.CharField(max_length=adherence.NOTE_MAX, required=False, allow_blank=True, default="")
    revision = serializers.IntegerField(
        min_value=0,
        required=False,
        default=0,
        help_text="The revision of your review you are changing (0: you have none). Another one is 409 Conflict.",
    )


# --- helpers -------------------------------------------------------------------------------


def _require_cases(request: Request) -> None:
    """Anonymous callers sign in (401); anyone outside support finds no cases here (404)."""
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    if not policy.can_see_cases(request.user):
        raise Http404("Not found.")


def _links():
    return CaseLink.objects.select_related("case", "article", "linked_by", "unlinked_by")


def _cases():
    return Case.objects.select_related("product", "agent").with_live_links()


def _case_for(request: Request, source: str, external_id: str, *, detail: bool = False) -> Case:
    _require_cases(request)
    try:
        source, external_id = services.clean_source(source), services.clean_external_id(external_id)
    except InvalidChange as exc:
        raise Http404(str(exc)) from None
    qs = _cases()
    if detail:
        qs = qs.prefetch_related(Prefetch("links", queryset=_links().filter(unlinked_at=None), to_attr="live_link_list"))
    case = qs.filter(source=source, external_id=external_id).first()
    if case is None:
        raise Http404("No case found.")
    return case


def _case_answer(request: Request, case: Case, **extra) -> dict:
    case = _case_for(request, case.source, case.external_id, detail=True)
    return {**CaseSerializer(case).data, **extra}


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


def _paged(request: Request, qs, serializer) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs, request)
    return paginator.get_paginated_response(serializer(page, many=True).data)


# --- cases ---------------------------------------------------------------------------------

SOURCE = OpenApiParameter("source", str, OpenApiParameter.PATH, enum=Source.values, description="The ticketing tool.")
EXTERNAL_ID = OpenApiParameter(
    "external_id", str, OpenApiParameter.PATH, pattern="^[^/]+$", description="The case's id in that tool."
)
CASE_FILTERS = [
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("source", str, enum=Source.values),
    OpenApiParameter("outcome", str, enum=Outcome.values),
    OpenApiParameter("agent", str, description="The assigned agent's username."),
    OpenApiParameter("q", str, description="Words of the subject, or the case's id."),
]


@paginated
@extend_schema(parameters=CASE_FILTERS, responses=CaseSummarySerializer(many=True))
@api_view(["GET"])
def case_list(request: Request) -> Response:
    _require_cases(request)
    qs = _cases()
    params = request.query_params
    for name, lookup in (("status", "status"), ("source", "source"), ("outcome", "outcome"), ("agent", "agent__username")):
        if params.get(name, ""):
            qs = qs.filter(**{lookup: params[name]})
    qs = qs.matching(params.get("q", ""))
    return _paged(request, qs.order_by("-opened_at", "-id"), CaseSummarySerializer)


@extend_schema(methods=["GET"], parameters=[SOURCE, EXTERNAL_ID], responses=CaseSerializer)
@extend_schema(
    methods=["PUT"],
    parameters=[SOURCE, EXTERNAL_ID],
    request=CaseWriteSerializer,
    responses={200: UpsertedCaseSerializer, 201: UpsertedCaseSerializer},
    description=(
        "Create or update the case (idempotent): 201 when it was created, 200 otherwise. Fields left out are "
        "left as they are. Integrations use a token of an account with the “sync cases” permission."
    ),
)
@api_view(["GET", "PUT"])
def case_detail(request: Request, source: str, external_id: str) -> Response:
    if request.method == "GET":
        return Response(CaseSerializer(_case_for(request, source, external_id, detail=True)).data)
    _require_cases(request)
    serializer = CaseWriteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    # An unknown source or an over-long id is a 400 with the reason (InvalidChange).
    upsert = services.upsert_case(source=source, external_id=external_id, data=serializer.validated_data, by=request.user)
    return Response(
        _case_answer(request, upsert.case, result=upsert.result),
        status=status.HTTP_201_CREATED if upsert.created else status.HTTP_200_OK,
    )


# --- links ---------------------------------------------------------------------------------

REMOVED = OpenApiParameter("removed", bool, description="Include removed links, with who removed them, when and why.")


@extend_schema(methods=["GET"], parameters=[SOURCE, EXTERNAL_ID, REMOVED], responses=LinkSerializer(many=True))
@extend_schema(
    methods=["POST"],
    parameters=[SOURCE, EXTERNAL_ID],
    request=NewLinkSerializer,
    responses={201: LinkSerializer, 200: LinkSerializer},
    description="Link an article: 201 for a new link, 200 when the case already has this link (or a stronger one).",
)
@api_view(["GET", "POST"])
def case_links(request: Request, source: str, external_id: str) -> Response:
    case = _case_for(request, source, external_id)
    if request.method == "GET":
        links = _links().filter(case=case)
        if not _flag(request, "removed"):
            links = links.filter(unlinked_at=None)
        return Response(LinkSerializer(links.order_by("-linked_at", "-id"), many=True).data)
    serializer = NewLinkSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    slug = serializer.validated_data["article"]
    article = Article.objects.visible_to(request.user).filter(slug=slug).first()
    if article is None:
        raise ValidationError({"article": ["No article with this slug."]})
    link, created = services.link(case=case, article=article, kind=serializer.validated_data["kind"], by=request.user)
    link = _links().get(pk=link.pk)
    return Response(LinkSerializer(link).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(
    parameters=[
        SOURCE,
        EXTERNAL_ID,
        OpenApiParameter("reason", str, description="Why the link is removed (or `reason` in a JSON body)."),
    ],
    request=UnlinkSerializer,
    responses={200: LinkSerializer},  # the removed link (a DELETE would otherwise be documented as 204)
    description=(
        "Remove a link, saying why. The link stays in the case's history (GET …/links/?removed=1). The agent who "
        "linked it, a coach or a KB owner may remove it."
    ),
)
@api_view(["DELETE"])
def case_link_detail(request: Request, source: str, external_id: str, id: int) -> Response:
    case = _case_for(request, source, external_id)
    link = CaseLink.objects.filter(case=case, pk=id).first()
    if link is None:
        raise Http404("No link found.")
    serializer = UnlinkSerializer(data=request.data if isinstance(request.data, dict) else {})
    serializer.is_valid(raise_exception=True)
    reason = serializer.validated_data.get("reason") or request.query_params.get("reason", "")
    try:
        services.unlink(link=link, by=request.user, reason=reason)
    except InvalidChange as exc:
        raise ValidationError({"reason": [str(exc)]}) from None
    return Response(LinkSerializer(_links().get(pk=link.pk)).data)


@paginated
@extend_schema(parameters=[REMOVED], responses=LinkSerializer(many=True))
@api_view(["GET"])
def article_cases(request: Request, slug: str) -> Response:
    _require_cases(request)
    article = Article.objects.visible_to(request.user).filter(slug=slug).first()
    if article is None:
        raise Http404("No article found.")
    links = _links().filter(article=article)
    if not _flag(request, "removed"):
        links = links.filter(unlinked_at=None)
    return _paged(request, links.order_by("-linked_at", "-id"), LinkSerializer)


# --- outcomes ------------------------------------------------------------------------------


def _day(request: Request, name: str) -> datetime.date | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: ["A date such as 2026-05-31."]}) from None


def _start_of(day: datetime.date | None) -> datetime.datetime | None:
    # The first and last years hold no outcome, and midnight there may not convert to UTC: no bound.
    if day is None or day.year in (datetime.MINYEAR, datetime.MAXYEAR):
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@answers(403)
@extend_schema(
    parameters=[
        OpenApiParameter("by", str, enum=list(services.GROUPS), description="Group by (default agent)."),
        OpenApiParameter("since", OpenApiTypes.DATE, description="Decided on or after this day."),
        OpenApiParameter("until", OpenApiTypes.DATE, description="Decided on or before this day."),
    ],
    responses=OutcomesSerializer,
    description="Solved and closed cases per group: known (solved with an existing article), new, no link, link rate.",
)
@api_view(["GET"])
def case_outcomes(request: Request) -> Response:
    _require_cases(request)
    by = request.query_params.get("by", "") or "agent"
    if by not in services.GROUPS:
        raise ValidationError({"by": [f"One of: {', '.join(services.GROUPS)}."]})
    since, until = _day(request, "since"), _day(request, "until")
    if since and until and until < since:
        raise ValidationError({"until": ["The end comes before the start."]})
    after = until + datetime.timedelta(days=1) if until and until < datetime.date.max else None
    rows = services.outcomes(request.user, by=by, since=_start_of(since), until=_start_of(after))
    return Response({"by": by, "since": since, "until": until, "groups": rows})


# --- process adherence reviews (PAR) --------------------------------------------------------


@paginated
@extend_schema(
    parameters=[
        OpenApiParameter("agent", str, description="The reviewed agent's username."),
        OpenApiParameter("reviewer", str, description="The reviewer's username."),
        OpenApiParameter("since", OpenApiTypes.DATE, description="Reviewed on or after this day."),
        OpenApiParameter("until", OpenApiTypes.DATE, description="Reviewed on or before this day."),
    ],
    responses=AdherenceReviewSerializer(many=True),
    operation_id="cases_adherence_reviews",  # not cases_adherence_list, the GET of one case's reviews
    description=(
        "Process adherence reviews, newest first. Coaches and KB owners read every review; an agent "
        "reads the reviews of their own cases."
    ),
)
@api_view(["GET"])
def adherence_list(request: Request) -> Response:
    _require_cases(request)
    qs = AdherenceReview.objects.visible_to(request.user).for_list()
    params = request.query_params
    for name, lookup in (("agent", "agent__username"), ("reviewer", "reviewer__username")):
        if params.get(name, ""):
            qs = qs.filter(**{lookup: params[name]})
    since, until = _day(request, "since"), _day(request, "until")
    if since and until and until < since:
        raise ValidationError({"until": ["The end comes before the start."]})
    after = until + datetime.timedelta(days=1) if until and until < datetime.date.max else None
    qs = qs.since(_start_of(since)).until(_start_of(after))
    return _paged(request, qs, AdherenceReviewSerializer)


@answers(409, methods=["POST"])
@extend_schema(
    methods=["GET"],
    parameters=[SOURCE, EXTERNAL_ID],
    responses=AdherenceReviewSerializer(many=True),
    description="The case's process adherence reviews the caller may read.",
)
@extend_schema(
    methods=["POST"],
    parameters=[SOURCE, EXTERNAL_ID],
    request=AdherenceWriteSerializer,
    responses={201: AdherenceReviewSerializer, 200: AdherenceReviewSerializer},
    description=(
        "Review the case's process adherence (coaches and KB owners, never on their own case): 201 for a "
        "first review, 200 when it changes yours (send its `revision`; an older one is 409 and changes nothing)."
    ),
)
@api_view(["GET", "POST"])
def case_adherence(request: Request, source: str, external_id: str) -> Response:
    case = _case_for(request, source, external_id)
    if request.method == "GET":
        reviews = AdherenceReview.objects.visible_to(request.user).for_list().filter(case=case)
        return Response(AdherenceReviewSerializer(reviews, many=True).data)
    serializer = AdherenceWriteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    try:
        review, created = adherence.review_case(case=case, by=request.user, **data)
    except adherence.StaleReview as exc:
        current = exc.current.revision if exc.current else 0
        return Response({"detail": str(exc), "current_revision": current}, status=status.HTTP_409_CONFLICT)
    review = AdherenceReview.objects.for_list().get(pk=review.pk)
    return Response(AdherenceReviewSerializer(review).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
