"""What /api/v1/schema/ says each operation answers: the success body and every error it can give.

Generated clients break on answers the schema does not list, so the error responses are not
written per view but worked out here from what the view is (`ApiSchema`, the project's
`DEFAULT_SCHEMA_CLASS`), with two small marks for what cannot be seen from outside:

- `@paginated`: a function view that pages its list by hand with `PageNumberPagination`; its
  GET answer is documented as the `{count, next, previous, results}` envelope (as DRF's generic
  views get it from `pagination_class`).
- `@answers(403, 409, methods=[...])`: codes the view gives beyond the inferred ones, e.g. 409
  where it checks a `version`, 403 where a GET asks the policy.

Inferred for every operation: 401 (a bad or missing token), 400 when it takes a body or a
required query parameter, 403 for unsafe methods (a policy refusal or a missing CSRF token
under session auth), 404 when the path names an object or the list is paged (a page that does
not exist), 429 when the view is throttled. The bodies are those `kcs_site.api.exception_handler`
and DRF produce: `{"detail": ...}`, field errors for 400, `current_version` with 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import uritemplate
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import PageNumberPagination

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Why, in words a person can read."}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Either `detail` (a message about the whole request), or one entry per field that was "
        "refused: a list of messages, or the same structure for a nested field. `non_field_errors` "
        "holds messages about several fields together."
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "current_version": {"type": "integer", "description": "With a missing `version`: the article's current one."},
    },
    "additionalProperties": {},
}
CONFLICT = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "current_version": {"type": "integer", "description": "The version to base a new attempt on, when there is one."},
    },
    "required": ["detail"],
}

# code -> (component name, schema, description)
ERRORS: dict[int, tuple[str, dict, str]] = {
    400: ("ValidationError", VALIDATION_ERROR, "The request is invalid; nothing was changed."),
    401: ("Error", ERROR, "Not signed in, or the token is invalid."),
    403: ("Error", ERROR, "Refused: `detail` says why (policy, or a missing CSRF token with session auth)."),
    404: ("Error", ERROR, "Not found, or not visible to the caller."),
    409: ("Conflict", CONFLICT, "Based on a stale version, or already done; nothing was changed."),
    415: ("Error", ERROR, "The body's Content-Type is not one the operation reads (JSON, form data)."),
    429: ("Error", ERROR, "Too many requests; try again later."),
}


def paginated(view: Callable) -> Callable:
    """Mark a function view (above `@api_view`) whose GET list is paged with PageNumberPagination."""
    view.cls.pagination_class = PageNumberPagination  # what the views page with
    return view


def answers(*codes: int, methods: Iterable[str] | None = None) -> Callable[[Callable], Callable]:
    """Mark a function view (above `@api_view`) with error codes the schema cannot infer."""

    def mark(view: Callable) -> Callable:
        extra = dict(getattr(view.cls, "kcs_answers", {}))
        for method in methods or ["*"]:
            extra[method.upper()] = frozenset(extra.get(method.upper(), frozenset()) | set(codes))
        view.cls.kcs_answers = extra
        return view

    return mark


class ApiSchema(AutoSchema):
    def _get_paginator(self):
        # Only a GET list is paged: a POST answering a list (several assignments made) is not.
        return super()._get_paginator() if self.method == "GET" else None

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # A serializer with `closed_schema = True` answers exactly its fields; a client tells
        # two answers apart by that (oneOf of the staff and public article).
        if direction == "response" and getattr(serializer, "closed_schema", False):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self.error_codes()):
            responses.setdefault(str(code), self._error_response(code))
        return responses

    def error_codes(self) -> set[int]:
        view, method = self.view, self.method
        codes = set()
        if view.get_authenticators():
            codes.add(401)
        if self._takes_body() or self._requires_query() or self._takes_values_in_address():
            codes.add(400)
        if self._takes_body():
            codes.add(415)
        if method not in SAFE_METHODS:
            codes.add(403)
        if uritemplate.variables(self.path) or (self._get_paginator() and self._is_list_view()):
            codes.add(404)
        if view.get_throttles():
            codes.add(429)
        marks = getattr(type(view), "kcs_answers", {})
        return codes | marks.get("*", set()) | marks.get(method, set())

    def _takes_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE") and self.get_request_serializer() is not None

    def _takes_values_in_address(self) -> bool:
        # kcs_site.middleware answers 400 to a NUL character in any path or query value.
        return bool(
            uritemplate.variables(self.path) or self.get_override_parameters() or (self._get_paginator() and self._is_list_view())
        )

    def _requires_query(self) -> bool:
        return any(
            isinstance(p, OpenApiParameter) and p.required and p.location == OpenApiParameter.QUERY
            for p in self.get_override_parameters()
        )

    def _error_response(self, code: int) -> dict:
        name, schema, description = ERRORS[code]
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return {
            "description": description,
            "content": {media_type: {"schema": component.ref} for media_type in self.map_renderers("media_type")},
        }
