"""Languages: the ones the interface speaks and the ones articles may be written in.

The interface languages are Django's `LANGUAGES` (settings); their text lives in each app's
`locale/<code>/LC_MESSAGES/django.po` (`make messages` refreshes and compiles them).

Articles may be written in more languages than the interface speaks: each content language names
the stemming and stop words its text is indexed with, in Whoosh (a Snowball stemmer's language)
and in PostgreSQL (a text search configuration shipped with PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language


@dataclass(frozen=True)
class ContentLanguage:
    code: str  # ISO 639-1, as stored in Article.language and used in URLs and hreflang
    name: str  # the language's own name, as a reader looks for it in a list
    english_name: str
    whoosh: str  # whoosh.lang stemmer / stop word language
    postgres: str  # PostgreSQL text search configuration


CONTENT_LANGUAGES: dict[str, ContentLanguage] = {
    lang.code: lang
    for lang in (
        ContentLanguage("en", "English", "English", "en", "english"),
        ContentLanguage("de", "Deutsch", "German", "de", "german"),
        ContentLanguage("da", "Dansk", "Danish", "da", "danish"),
        ContentLanguage("nl", "Nederlands", "Dutch", "nl", "dutch"),
        ContentLanguage("fr", "Français", "French", "fr", "french"),
        ContentLanguage("es", "Español", "Spanish", "es", "spanish"),
        ContentLanguage("it", "Italiano", "Italian", "it", "italian"),
        ContentLanguage("pt", "Português", "Portuguese", "pt", "portuguese"),
        ContentLanguage("sv", "Svenska", "Swedish", "sv", "swedish"),
        ContentLanguage("no", "Norsk", "Norwegian", "no", "norwegian"),
        ContentLanguage("fi", "Suomi", "Finnish", "fi", "finnish"),
    )
}

# The language articles are written in unless their author says otherwise (and the language every
# existing article was given when languages arrived).
DEFAULT_CONTENT_LANGUAGE = "en"

CONTENT_LANGUAGE_CHOICES = [(lang.code, lang.name) for lang in CONTENT_LANGUAGES.values()]


def content_language(code: str | None) -> str:
    """The content language an interface or browser language code stands for ("de-AT" -> "de"),
    or the default when it names none we know."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in CONTENT_LANGUAGES else DEFAULT_CONTENT_LANGUAGE


def current_content_language() -> str:
    """The content language of the interface language active for this request."""
    return content_language(get_language() or settings.LANGUAGE_CODE)


def interface_language_for(content_code: str) -> str | None:
    """The interface language (a code in settings.LANGUAGES) speaking `content_code`, if any."""
    for code, _name in settings.LANGUAGES:
        if content_language(code) == content_code:
            return code
    return None


def language_name(code: str) -> str:
    lang = CONTENT_LANGUAGES.get(code)
    return lang.name if lang else code
