"""Letting a ticketing tool frame a page (the agent panel) while every other page refuses framing.

The site sends `frame-ancestors 'none'` (CSP) and `X-Frame-Options: DENY` everywhere. A view
decorated with `frameable_by_panel_origins` may be framed by the origins in
KCS_PANEL_FRAME_ANCESTORS (e.g. "https://support.example.com"), and by nobody else. The
origins are read per response, so a changed setting needs no code change. X-Frame-Options
cannot name an origin, so it is dropped where origins are set; browsers that understand
`frame-ancestors` (all current ones) follow it instead.

The sign-in steps (password, two-factor code and set-up) are framed the same way when they lead
back to the panel (`frameable_on_the_way_to_panel`), so an agent signs in inside the sidebar
(docs/decisions/0009-agent-panel-sign-in.md).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def frameable_by_panel_origins(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = list(settings.KCS_PANEL_FRAME_ANCESTORS)
        if origins:
            response._csp_replace = {**getattr(response, "_csp_replace", {}), "frame-ancestors": origins}  # read by CSPMiddleware
            response.xframe_options_exempt = True  # read by XFrameOptionsMiddleware
        return response

    return wrapped


def leads_to_panel(request: HttpRequest) -> bool:
    """Whether this sign-in step goes on to the agent panel: its `next` (posted, in the query
    string, or kept in the session between the password and the code step) is a panel address."""
    from accounts.views import PENDING_KEY  # the two-factor step keeps `next` there

    pending = request.session.get(PENDING_KEY) if hasattr(request, "session") else None
    target = request.POST.get("next") or request.GET.get("next") or (pending.get("next") if isinstance(pending, dict) else "")
    return isinstance(target, str) and target.startswith(reverse("panel:panel"))


def frameable_on_the_way_to_panel(view):
    """A sign-in page that may be framed like the panel when it leads back to it, in the panel's
    compact frame (templates read `request.in_panel_frame`); otherwise it refuses framing as before."""
    panel_framed = frameable_by_panel_origins(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not leads_to_panel(request):
            return view(request, *args, **kwargs)
        request.in_panel_frame = True
        return panel_framed(request, *args, **kwargs)

    return wrapped
