from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def get(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def label(labels, name):
    return labels.get(name, {})


@register.simple_tag
def query_with(query: str, name: str, value: str) -> str:
    params = QueryDict(query, mutable=True)
    params[name] = value
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag
def query_without(query: str, name: str) -> str:
    params = QueryDict(query, mutable=True)
    params.pop(name, None)
    params.pop("page", None)
    return params.urlencode()
