"""The API's renderers: JSON, and DRF's browsable pages under a slightly wider style policy.

DRF's browsable-API templates put a few `style="float: right"` attributes on their buttons,
which the site's `style-src 'self'` blocks (harmless, but the page looks broken and the console
fills with violations). Those pages, and only those, also allow inline styles; their scripts
are all files, so `script-src` stays `'self'` there too.
"""

from __future__ import annotations

from rest_framework.renderers import BrowsableAPIRenderer as DrfBrowsableAPIRenderer


class BrowsableAPIRenderer(DrfBrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": ["'unsafe-inline'"]}  # read by CSPMiddleware
        return super().render(data, accepted_media_type, renderer_context)
