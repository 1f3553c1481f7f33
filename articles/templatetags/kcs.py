from django import template

from articles import policy
from articles.rendering import render_markdown

register = template.Library()


@register.filter
def markdown(text: str, prefix: str = "md"):
    return render_markdown(text, id_prefix=prefix)


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
