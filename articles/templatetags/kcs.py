from django import template
from django.utils.translation import pgettext

from articles import choices, policy
from articles.rendering import public_text, render_markdown

register = template.Library()


@register.filter
def markdown(text: str, prefix: str = "md"):
    """Staff pages only: internal passages are shown, in their marked box."""
    return render_markdown(text, id_prefix=prefix, internal=True)


@register.filter
def public_markdown(text: str, prefix: str = "md"):
    """Pages outside readers see (the help centre): internal passages are left out."""
    return render_markdown(text, id_prefix=prefix)


@register.filter(name="public_text")
def public_text_filter(text: str) -> str:
    """The text outside readers may see, to test for it: {% if article.cause|public_text %}."""
    return public_text(text)


@register.simple_tag(takes_context=True)
def allowed(context, action: str, article):
    """Ask the policy from a template: {% allowed "edit" article as can_edit %}."""
    checks = {
        "edit": policy.can_edit,
        "edit_authority": policy.can_edit_authority,
        "revert": policy.can_revert,
    }
    return bool(checks[action](context["request"].user, article))


@register.simple_tag(takes_context=True)
def is_staff(context) -> bool:
    return policy.is_staff(context["request"].user)


# Questions about the signed-in user a template may ask, answered by the policy, so a page
# shows a link exactly when the view behind it lets the user in.
_USER_QUESTIONS = {
    "coach_or_kb_owner": policy.is_coach_or_kb_owner,
    "view_search_report": policy.can_view_search_report,
    "manage_templates": policy.can_manage_templates,
    "view_translation_queue": policy.can_view_translation_queue,
}


@register.simple_tag(takes_context=True)
def may(context, question: str) -> bool:
    """{% may "view_search_report" as show_report %}: the policy's answer for the signed-in user."""
    return bool(_USER_QUESTIONS[question](context["request"].user))


@register.filter
def choice_label(value: str) -> str:
    """The label of a state, audience or governance value: "not_validated" → "Not validated"."""
    return choices.choice_label(value)


@register.filter
def in_sentence(label) -> str:
    """A label (a state, an audience) inside a sentence: "restores it as not validated". English writes
    it in lower case there; a language that keeps its capitals (German nouns) says so in its catalogue."""
    # Translators: "lower" if a label such as "Not validated" is written in lower case inside a sentence; "keep" if not.
    return str(label).lower() if pgettext("labels inside a sentence", "lower") == "lower" else str(label)
