"""View decorators every app's pages share."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from articles import policy


def staff_required(view):
    """Signed-in staff only: anonymous visitors go to sign in; customers and partners have the
    help centre, and the staff workspace does not exist for them (404, not a hint that it does)."""

    @wraps(view)
    def staff_only(request, *args, **kwargs):
        if not policy.is_staff(request.user):
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return login_required(staff_only)
