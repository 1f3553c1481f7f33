"""The API's JSON parser: DRF's, refusing input the rest of the stack cannot handle (a 400, not a 500)."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

from .jsoninput import loads


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the checks of `jsoninput.loads`: each refusal is a 400 ParseError with the reason."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return loads(stream.read().decode(encoding), strict=api_settings.STRICT_JSON)
        except ValueError as exc:  # UnicodeDecodeError included
            raise ParseError(f"JSON parse error - {exc}") from None
