"""HTTP API under /api/v1/: the same model operations and policy as the pages.

Conventions: a refused action is 403 with a `detail` reason; an article the caller
may not see is 404; an update based on a stale `version` is 409 and changes nothing.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.choices import Kind
from accounts.models import User
from kcs_site.languages import CONTENT_LANGUAGE_CHOICES

from . import policy, relations_api, structure, translations, versions
from .api_schema import answers, paginated
from .merge_views import follows_merges
from .models import (
    MAX_AUTHORITY_RULES,
    MAX_TAGS,
    Article,
    Audience,
    AuthorityRule,
    Decider,
    EscalationContact,
    Governance,
    Product,
    State,
    markdown_problems,
    require,
)
from .rendering import public_text
from .tags import read_tags

# --- serializers ---------------------------------------------------------------------------


class RuleSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=200)
    limit_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, required=False, min_value=0)
    limit_unit = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    decider = serializers.ChoiceField(choices=Decider.choices, default=Decider.AGENT)
    notes = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    plain_words = serializers.CharField(read_only=True)


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationContact
        fields = ["id", "team", "channel", "hours", "response_time", "notes"]


class EscalationField(serializers.PrimaryKeyRelatedField):
    """Takes an escalation contact's id; the article answers with the contact itself (see below)."""


class EscalationFieldSchema(OpenApiSerializerFieldExtension):
    target_class = EscalationField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {**build_basic_type(OpenApiTypes.INT), "nullable": True}
        return {"allOf": [auto_schema.resolve_serializer(EscalationSerializer, direction).ref], "nullable": True}


class AuthoritySerializer(serializers.Serializer):
    rules = RuleSerializer(many=True, required=False, max_length=MAX_AUTHORITY_RULES)
    escalation = EscalationField(queryset=EscalationContact.objects.all(), allow_null=True, required=False)
    note = serializers.CharField(allow_blank=True, required=False)

    def to_representation(self, article: Article) -> dict:
        return {
            "rules": [{**RuleSerializer(rule).data, "plain_words": rule.plain_words()} for rule in article.rules.all()],
            "escalation": EscalationSerializer(article.escalation).data if article.escalation else None,
            "note": article.authority_note,
        }


class TemplateField(serializers.Field):
    """The article's template: its name when writing (the template's current version is used), and
    {"name", "version"} when reading (the version the article was last saved with)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # A name no template can have is not looked up (PostgreSQL refuses a NUL in a query: a 500).
        named = isinstance(data, str) and "\x00" not in data and len(data) <= 100
        template = structure.offered_templates().filter(name=data).first() if named else None
        if template is None:
            names = ", ".join(structure.offered_templates().values_list("name", flat=True))
            raise serializers.ValidationError(f"No template named “{data}” is offered for articles (offered: {names}).")
        return {"template_version": template.current}

    def to_representation(self, article: Article) -> dict:
        version = article.template_version
        return {"name": version.template.name, "version": version.number} if version else {"name": "Standard", "version": 1}


class SectionsField(serializers.Field):
    """The article's sections: {key: text} when writing (the template's keys; standard keys are
    the issue/environment/resolution/cause fields), a list in reading order when reading. Outside
    readers get the sections shown to everyone, without `:::internal` passages."""

    def __init__(self, *, public: bool = False, **kwargs):
        self.public = public
        kwargs.setdefault("source", "*")
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise serializers.ValidationError("Give the sections as an object of {key: text}.")
        if any("\x00" in k or "\x00" in v for k, v in data.items()):  # a form-encoded body may carry one
            raise serializers.ValidationError("Null characters are not allowed.")
        if len(data) > structure.MAX_SECTIONS:
            raise serializers.ValidationError(f"At most {structure.MAX_SECTIONS} sections.")
        return {"section_texts": data}

    def to_representation(self, article: Article) -> list[dict]:
        pairs = structure.outside_values(article) if self.public else structure.section_values(article)
        return [
            {"key": s.key, "label": s.label, "format": s.format, "visibility": s.visibility, "text": text} for s, text in pairs
        ]


class TemplateFieldSchema(OpenApiSerializerFieldExtension):
    target_class = TemplateField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "string", "description": "The name of an offered template (its current version is used)."}
        return {
            "type": "object",
            "properties": {"name": {"type": "string"}, "version": {"type": "integer"}},
            "required": ["name", "version"],
        }


class SectionsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = SectionsField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "object", "additionalProperties": {"type": "string"}, "description": "{section key: text}"}
        item = {
            "type": "object",
            "properties": {
                "key": {"type": "string"},
                "label": {"type": "string"},
                "format": {"type": "string", "enum": list(structure.FORMATS)},
                "visibility": {"type": "string", "enum": list(structure.VISIBILITY)},
                "text": {"type": "string"},
            },
            "required": ["key", "label", "format", "visibility", "text"],
        }
        return {"type": "array", "items": item}


class PublicMarkdownField(serializers.CharField):
    """A Markdown field as outside readers get it: without its `:::internal` passages."""

    def to_representation(self, value) -> str:
        return public_text(super().to_representation(value))


class PublicArticleSerializer(serializers.Serializer):
    """What a customer, partner or anonymous reader gets: content only, no internal guidance."""

    closed_schema = True  # exactly these fields: a client tells it from the staff `Article` by them

    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    issue = PublicMarkdownField(read_only=True)
    environment = PublicMarkdownField(read_only=True)
    resolution = PublicMarkdownField(read_only=True)
    cause = PublicMarkdownField(read_only=True)
    template = TemplateField(read_only=True)
    sections = SectionsField(public=True, read_only=True)
    product = serializers.CharField(source="product.slug", read_only=True)
    tags = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(read_only=True)
    html_url = serializers.SerializerMethodField()

    def get_tags(self, article: Article) -> list[str]:
        return sorted(t.name for t in article.tags.all())

    def get_html_url(self, article: Article) -> str:
        return self.context["request"].build_absolute_uri(article.get_help_url())


class TagListField(serializers.ListField):
    child = serializers.CharField(max_length=50)

    def to_representation(self, tags) -> list[str]:
        return sorted(t.name for t in tags.all())


class SourceSlugField(serializers.Field):
    """A translation's source, by slug; null for a source."""

    def get_attribute(self, article: Article):
        return article.translation_of

    def to_representation(self, source: Article | None) -> str | None:
        return source.slug if source is not None else None


class SourceSlugFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "articles.api.SourceSlugField"

    def map_serializer_field(self, auto_schema, direction):
        return {**build_basic_type(OpenApiTypes.STR), "nullable": True}


class ArticleSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(max_length=200)
    # Markdown is whitespace-sensitive (an indented first line is a code block): store it as written.
    issue = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    environment = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    resolution = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    cause = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    internal_notes = serializers.CharField(
        allow_blank=True, required=False, trim_whitespace=False, help_text="Markdown for staff only; never shown outside."
    )
    template = TemplateField(
        help_text="The template's name. Omitted with `sections`: the product's or site's default (on create) or the "
        "article's template (on update); omitted without: the standard issue/environment/resolution/cause fields."
    )
    sections = SectionsField()
    product = serializers.SlugRelatedField(slug_field="slug", queryset=Product.objects.all())
    language = serializers.ChoiceField(choices=CONTENT_LANGUAGE_CHOICES, required=False, help_text="The content language.")
    translation_of = SourceSlugField(
        read_only=True, help_text="The source's slug when this article is a translation (else null)."
    )
    tags = TagListField(required=False, max_length=MAX_TAGS)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(kind=Kind.STAFF), required=False)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    review_by = serializers.DateField(allow_null=True, required=False)
    state = serializers.ChoiceField(choices=State.choices, required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    governance = serializers.ChoiceField(choices=Governance.choices, required=False)
    version = serializers.IntegerField(required=False)
    reuse_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    authority = AuthoritySerializer(required=False)
    html_url = serializers.SerializerMethodField()
    note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)
    material = serializers.BooleanField(write_only=True, required=False, default=True)

    def get_html_url(self, article: Article) -> str:
        return self.context["request"].build_absolute_uri(article.get_absolute_url())

    def validate_tags(self, tags: list[str]) -> list[str]:
        # A tag that would be dropped whole (emoji or punctuation only) is a 400, not a silent loss;
        # other changes ("<b>bold</b>" → "bold") show in the answer, which carries the stored tags.
        reading = read_tags(tags)
        if reading.refused:
            raise serializers.ValidationError(reading.refusals())
        return reading.tags

    def validate(self, attrs: dict) -> dict:
        # Size and nesting limits of the Markdown fields, as 400 {"resolution": ["…"]}.
        problems = markdown_problems(attrs, current=self.instance)
        if problems:
            raise serializers.ValidationError({name: [problem] for name, problem in problems.items()})
        self._place_sections(attrs)
        return attrs

    def _place_sections(self, attrs: dict) -> None:
        """`sections` {key: text} into the standard fields and the article's own sections, checked
        against the template the article is saved with (400 {"sections": {key: why}})."""
        texts = attrs.pop("section_texts", None)
        if "template_version" not in attrs and texts is not None:
            product = attrs.get("product") or getattr(self.instance, "product", None)
            attrs["template_version"] = (
                structure.version_for_edit(self.instance) if self.instance else structure.current_version_for_new(product)
            )
        if "template_version" not in attrs:
            return  # the standard fields as before templates (or the article's template, unchanged)
        version = attrs["template_version"]
        sections = structure.sections_of(version)
        keys = {s.key for s in sections}
        texts = texts or {}
        lacking = [key for key in structure.STANDARD_KEYS if key not in keys and attrs.get(key)]
        standard = {key: text for key, text in texts.items() if key in structure.STANDARD_KEYS and key in keys}
        own = {key: text for key, text in texts.items() if key not in standard}
        problems = structure.section_problems(sections, own, current=getattr(self.instance, "sections", None))
        problems.update(markdown_problems(standard, current=self.instance))
        name = version.template.name if version else "Standard"
        problems.update({key: f"The template “{name}” has no section “{key}”." for key in lacking})
        if problems:
            raise serializers.ValidationError({"sections": {key: [problem] for key, problem in problems.items()}})
        attrs.update(standard)
        attrs["sections"] = own

    def to_representation(self, article: Article) -> dict:
        data = super().to_representation(article)
        data["owner"] = article.owner.username
        data["authority"] = AuthoritySerializer().to_representation(article)
        return data


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=State.choices)
    note = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=2000,
        help_text="Why. Required to archive or to reopen a validated article (else 400), kept in the history.",
    )
    version = serializers.IntegerField(required=False, help_text="The version you reviewed; a newer one gets 409.")


class GovernanceSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Governance.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    user = serializers.CharField(source="user.username", default=None, allow_null=True)
    date = serializers.DateTimeField()
    comment = serializers.CharField()
    material = serializers.BooleanField()


def article_for_caller(many: bool = False) -> PolymorphicProxySerializer:
    """What a GET answers depends on the caller: staff get `Article`, everyone else `PublicArticle`."""
    return PolymorphicProxySerializer(
        component_name="ArticleForCaller",
        serializers=[ArticleSerializer, PublicArticleSerializer],
        resource_type_field_name=None,
        many=many,
    )


class TranslationSerializer(serializers.Serializer):
    """Another article of the same translation set, as staff see it."""

    slug = serializers.CharField()
    language = serializers.CharField()
    title = serializers.CharField()
    is_source = serializers.BooleanField()
    state = serializers.CharField()
    audience = serializers.CharField()
    translation_outdated = serializers.BooleanField()
    source_version = serializers.IntegerField(allow_null=True)


class PublicTranslationSerializer(serializers.Serializer):
    """Another article of the same translation set that this reader may open."""

    slug = serializers.CharField()
    language = serializers.CharField()
    title = serializers.CharField()
    html_url = serializers.CharField()


def _translations(request: Request, article: Article, *, public: bool) -> list[dict]:
    """The other articles of `article`'s translation set the caller may open (translations.translation_set)."""
    out = []
    for other in translations.translation_set(article, request.user):
        if other.pk == article.pk:
            continue
        item = {"slug": other.slug, "language": other.language, "title": other.title}
        if public:
            item["html_url"] = request.build_absolute_uri(other.get_help_url())
        else:
            item.update(
                is_source=not other.is_translation,
                state=other.state,
                audience=other.audience,
                translation_outdated=other.translation_outdated,
                source_version=other.source_version,
            )
        out.append(item)
    return out


class ArticleDetailSerializer(ArticleSerializer):
    """One article for staff, with its relations to other articles (articles/relations_api.py)
    and the other articles of its translation set."""

    relations = serializers.SerializerMethodField()
    translations = serializers.SerializerMethodField()

    @extend_schema_field(relations_api.RelationSerializer(many=True))
    def get_relations(self, article: Article) -> list[dict]:
        return relations_api.relations_data(self.context["request"], article)

    @extend_schema_field(TranslationSerializer(many=True))
    def get_translations(self, article: Article) -> list[dict]:
        return _translations(self.context["request"], article, public=False)


class PublicArticleDetailSerializer(PublicArticleSerializer):
    """One article for outside readers, with the relations to articles they may open and the
    translations they may read."""

    language = serializers.CharField(read_only=True)
    relations = serializers.SerializerMethodField()
    translations = serializers.SerializerMethodField()

    @extend_schema_field(relations_api.PublicRelationSerializer(many=True))
    def get_relations(self, article: Article) -> list[dict]:
        return relations_api.relations_data(self.context["request"], article)

    @extend_schema_field(PublicTranslationSerializer(many=True))
    def get_translations(self, article: Article) -> list[dict]:
        return _translations(self.context["request"], article, public=True)


def article_detail_for_caller() -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="ArticleDetailForCaller",
        serializers=[ArticleDetailSerializer, PublicArticleDetailSerializer],
        resource_type_field_name=None,
    )


# --- helpers -----------------------------------------------------------------------------


def _articles(request: Request):
    return (
        Article.objects.visible_to(request.user)
        .select_related("product", "owner", "created_by", "escalation", "template_version__template", "translation_of")
        .prefetch_related("tags", Prefetch("rules", queryset=AuthorityRule.objects.order_by("position", "id")))
    )


def _article_for(request: Request, slug: str) -> Article:
    try:
        return _articles(request).get(slug=slug)
    except Article.DoesNotExist:
        raise Http404("No article found.") from None


def _serializer_for(request: Request):
    return ArticleSerializer if policy.is_staff(request.user) else PublicArticleSerializer


def _split_authority(data: dict) -> tuple[dict, list[dict] | None]:
    authority = data.pop("authority", None)
    if authority is None:
        return {}, None
    changes = {}
    if "escalation" in authority:
        changes["escalation"] = authority["escalation"]
    if "note" in authority:
        changes["authority_note"] = authority["note"]
    rules = [dict(r) for r in authority["rules"]] if "rules" in authority else None
    return changes, rules


# --- endpoints -----------------------------------------------------------------------------

FILTERS = [
    OpenApiParameter(name, str, description=f"Filter by {name}") for name in ("state", "audience", "product", "tag", "owner")
]


@paginated
@extend_schema(
    methods=["GET"],
    parameters=FILTERS,
    responses=article_for_caller(many=True),
)
@extend_schema(methods=["POST"], request=ArticleSerializer, responses={201: ArticleSerializer})
@api_view(["GET", "POST"])
def article_list(request: Request) -> Response:
    if request.method == "POST":
        return _create(request)
    qs = _articles(request)
    params = request.query_params
    for name, lookup in (
        ("state", "state"),
        ("audience", "audience"),
        ("product", "product__slug"),
        ("tag", "tags__name"),
        ("owner", "owner__username"),
    ):
        value = params.get(name, "")
        if value:
            qs = qs.filter(**{lookup: value})
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs.order_by("-updated_at", "-id"), request)
    return paginator.get_paginated_response(_serializer_for(request)(page, many=True, context={"request": request}).data)


def _create(request: Request) -> Response:
    if not policy.is_staff(request.user):
        raise DrfPermissionDenied(policy.can_create(request.user).reason)
    serializer = ArticleSerializer(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    authority_changes, rules = _split_authority(data)
    data.pop("version", None)
    data.pop("material", None)
    article = Article.create(
        by=request.user,
        state=data.pop("state", State.WIP),
        tags=data.pop("tags", []),
        rules=rules or [],
        note=data.pop("note", ""),
        **authority_changes,
        **data,
    )
    article = _article_for(request, article.slug)
    return Response(ArticleSerializer(article, context={"request": request}).data, status=status.HTTP_201_CREATED)


@answers(409, methods=["PATCH"])
@extend_schema(methods=["GET"], responses=article_detail_for_caller())
@extend_schema(methods=["PATCH"], request=ArticleSerializer, responses=ArticleSerializer)
@api_view(["GET", "PATCH"])
@follows_merges("api:article-detail")
def article_detail(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    if article.merged_into_id and request.method == "GET":
        raise Http404("Merged")  # follows_merges answers 301 with the article it was merged into
    if request.method == "GET":
        detail = ArticleDetailSerializer if policy.is_staff(request.user) else PublicArticleDetailSerializer
        return Response(detail(article, context={"request": request}).data)
    if not policy.is_staff(request.user):
        raise DrfPermissionDenied(policy.can_edit(request.user, article).reason)
    serializer = ArticleSerializer(article, data=request.data, partial=True, context={"request": request})
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    if "version" not in data:
        return Response(
            {"detail": "Send the `version` your change is based on (optimistic locking).", "current_version": article.version},
            status=status.HTTP_400_BAD_REQUEST,
        )
    for name, where in (("state", "POST transition/"), ("governance", "POST governance/")):
        if name in data and data[name] != getattr(article, name):
            return Response({"detail": f"Change `{name}` with {where}."}, status=status.HTTP_400_BAD_REQUEST)
        data.pop(name, None)
    base_version = data.pop("version")
    authority_changes, rules = _split_authority(data)
    tags = data.pop("tags", None)
    note, material = data.pop("note", ""), data.pop("material", True)
    article.edit(
        by=request.user,
        base_version=base_version,
        changes={**data, **authority_changes},
        tags=tags,
        rules=rules,
        note=note,
        material=material,
    )
    article = _article_for(request, slug)
    return Response(ArticleSerializer(article, context={"request": request}).data)


@answers(409)
@extend_schema(request=TransitionSerializer, responses=ArticleSerializer)
@api_view(["POST"])
def article_transition(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    serializer = TransitionSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    article.transition(by=request.user, to=data["to"], note=data["note"], base_version=data.get("version"))
    return Response(_serializer_for(request)(_article_for(request, slug), context={"request": request}).data)


@extend_schema(request=GovernanceSerializer, responses=ArticleSerializer)
@api_view(["POST"])
def article_governance(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    serializer = GovernanceSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    article.set_governance(by=request.user, to=serializer.validated_data["to"], note=serializer.validated_data["note"])
    return Response(_serializer_for(request)(_article_for(request, slug), context={"request": request}).data)


@answers(403)
@extend_schema(responses=VersionSerializer(many=True))
@api_view(["GET"])
def article_versions(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    require(policy.can_view_internals(request.user, article))
    return Response(VersionSerializer(versions.history(article), many=True).data)


@extend_schema(
    responses=inline_serializer(
        "Me",
        {
            "username": serializers.CharField(),
            "kind": serializers.CharField(),
            "licence": serializers.CharField(),
            "is_coach": serializers.BooleanField(),
            "is_kb_owner": serializers.BooleanField(),
        },
    )
)
@api_view(["GET"])
def me(request: Request) -> Response:
    user = request.user
    if not user.is_authenticated:
        return Response({"detail": "Not signed in."}, status=status.HTTP_401_UNAUTHORIZED)
    return Response(
        {
            "username": user.username,
            "kind": user.kind,
            "licence": user.licence,
            "is_coach": user.is_coach,
            "is_kb_owner": user.is_kb_owner,
        }
    )
