"""View decorators every app's pages share."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_http_methods

from articles import policy


def staff_required(view: Callable | None = None, *, methods: list[str] | None = None):
    """Signed-in staff only: anonymous visitors go to sign in; customers and partners have the
    help centre, and the staff workspace does not exist for them (404, not a hint that it does).

    `@staff_required(methods=["POST"])` for an action: the method is checked between the two
    (anonymous: sign in; a wrong method: 405; then not staff: 404), the order the pages have
    always answered in.
    """
    if view is None:
        return partial(staff_required, methods=methods)

    @wraps(view)
    def staff_only(request, *args, **kwargs):
        if not policy.is_staff(request.user):
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    checked = staff_only if methods is None else require_http_methods(methods)(staff_only)
    return login_required(checked)
