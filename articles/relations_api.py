"""The API of relations between articles (articles/relations.py): each article's `relations` in
its detail, and `articles/{slug}/relations/` to list, add (POST) and remove (DELETE) them.

The same rules as the article page: a caller sees a relation only when they may open the article
at its other end; adding or removing one needs `policy.can_relate` / `can_unrelate` (403 with the
reason); an article the caller may not open is 404, and naming one as the other end is a 400 that
reads exactly like "no such article".
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from . import policy, relations
from .models import Article, ArticleRelation, RelationKind, require

DIRECTION_HELP = "`out`: this article → the other (“supersedes B”); `in`: the other → this article (“superseded by A”)."


class RelatedArticleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page a person opens: the staff page for staff, the help centre's for others.")


class StaffRelatedArticleSerializer(RelatedArticleSerializer):
    state = serializers.CharField()
    audience = serializers.CharField()


class PublicRelationSerializer(serializers.Serializer):
    """A relation as outside readers get it: no note (staff words), no who or when."""

    closed_schema = True

    kind = serializers.ChoiceField(choices=RelationKind.choices)
    direction = serializers.ChoiceField(choices=[("out", "out"), ("in", "in")], help_text=DIRECTION_HELP)
    label = serializers.CharField(help_text="How the article page words it: “Superseded by”, “Has duplicate”…")
    article = RelatedArticleSerializer()


class RelationSerializer(PublicRelationSerializer):
    closed_schema = False

    id = serializers.IntegerField(help_text="DELETE articles/{slug}/relations/{id}/ removes it.")
    note = serializers.CharField(allow_blank=True)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    article = StaffRelatedArticleSerializer()


class NewRelationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RelationKind.choices, default=RelationKind.RELATED)
    article = serializers.CharField(max_length=500, help_text="The other article: its slug, or the address of its page.")
    note = serializers.CharField(max_length=relations.MAX_NOTE, allow_blank=True, required=False, default="")


def relations_for_caller() -> PolymorphicProxySerializer:
    """What a GET answers depends on the caller: staff get `Relation`s, everyone else `PublicRelation`s."""
    return PolymorphicProxySerializer(
        component_name="RelationForCaller",
        serializers=[RelationSerializer, PublicRelationSerializer],
        resource_type_field_name=None,
        many=True,
    )


def relations_data(request: Request, article: Article) -> list[dict]:
    """`article`'s relations the caller may follow, as the API answers them (one query)."""
    staff = policy.is_staff(request.user)
    return [_as_data(request, link, staff=staff) for link in relations.relations_for(article, request.user)]


def _as_data(request: Request, link: relations.Link, *, staff: bool) -> dict:
    other = link.other
    page = other.get_absolute_url() if staff else other.get_help_url()
    data = {
        "kind": link.kind,
        "direction": link.direction,
        "label": link.label,
        "article": {"slug": other.slug, "title": other.title, "url": request.build_absolute_uri(page)},
    }
    if staff:
        data["article"].update(state=other.state, audience=other.audience)
        relation = link.relation
        data.update(id=relation.pk, note=relation.note, created_by=_username(relation), created_at=relation.created_at)
    return data


def _username(relation: ArticleRelation) -> str:
    return relation.created_by.username


def _article_for(request: Request, slug: str) -> Article:
    article = Article.objects.visible_to(request.user).filter(slug=slug).first()
    if article is None:
        raise Http404("No article found.")
    return article


def _serialized(request: Request, data):
    serializer = RelationSerializer if policy.is_staff(request.user) else PublicRelationSerializer
    return serializer(data, many=isinstance(data, list)).data


@extend_schema(methods=["GET"], responses=relations_for_caller())
@extend_schema(methods=["POST"], request=NewRelationSerializer, responses={201: RelationSerializer})
@api_view(["GET", "POST"])
def article_relations(request: Request, slug: str) -> Response:
    article = _article_for(request, slug)
    if request.method == "GET":
        return Response(_serialized(request, relations_data(request, article)))
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    require(policy.can_relate(request.user, article))
    body = NewRelationSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    other = relations.find_article(request.user, data["article"])
    if other is None:
        return Response({"article": [policy.NO_SUCH_ARTICLE]}, status=status.HTTP_400_BAD_REQUEST)
    relation = relations.relate(from_article=article, to_article=other, kind=data["kind"], by=request.user, note=data["note"])
    made = relations.Link(relation=relation, direction="out", other=other)
    return Response(_serialized(request, _as_data(request, made, staff=True)), status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={204: None})
@api_view(["DELETE"])
def article_relation(request: Request, slug: str, pk: int) -> Response:
    article = _article_for(request, slug)
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    mine = ArticleRelation.objects.filter(Q(from_article=article) | Q(to_article=article)).select_related(
        "from_article", "to_article"
    )
    relation = mine.filter(pk=pk).first()
    other = None if relation is None else relation.to_article if relation.from_article_id == article.pk else relation.from_article
    if other is None or not policy.can_view(request.user, other):
        raise Http404("No such relation.")
    relations.unrelate(relation=relation, by=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)
