import re

from django.urls import path, register_converter

from kcs_site.locale import help_prefixes

from . import help_views


class HelpLanguageConverter:
    """The language prefix of a help-centre address (/help/de/…): one of kcs_site.locale's
    help_prefixes, so /help/<anything else>/ is read as an article's slug (and is a 404 when no
    article has it; articles.models.RESERVED_SLUGS keeps language codes free)."""

    regex = "|".join(re.escape(code) for code in sorted(help_prefixes())) or "(?!)"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(HelpLanguageConverter, "helplang")

app_name = "help"

# The same names with and without a language: {% url 'help:detail' slug %} is the default
# language's page, kcs_site.locale.help_url(slug, language) any language's.
urlpatterns = [
    path("", help_views.index, name="index"),
    path("<helplang:lang>/", help_views.index, name="index"),
    path("<helplang:lang>/<uslug:slug>/", help_views.detail, name="detail"),
    path("<uslug:slug>/", help_views.detail, name="detail"),
]
