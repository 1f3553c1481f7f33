"""Letting a ticketing tool frame a page (the agent panel) while every other page refuses framing.

The site sends `frame-ancestors 'none'` (CSP) and `X-Frame-Options: DENY` everywhere. A view
decorated with `frameable_by_panel_origins` may be framed by the origins in
KCS_PANEL_FRAME_ANCESTORS (e.g. "https://support.example.com"), and by nobody else. The
origins are read per response, so a changed setting needs no code change. X-Frame-Options
cannot name an origin, so it is dropped where origins are set; browsers that understand
`frame-ancestors` (all current ones) follow it instead.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings


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
