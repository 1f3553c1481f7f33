from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def in_sentence(label) -> str:
    """A state or step label inside a sentence: lower case in English ("validated"), as it is in
    languages that capitalise nouns (German "In Arbeit" stays as it is)."""
    text = str(label)
    return text.lower() if (get_language() or "en").startswith("en") else text
