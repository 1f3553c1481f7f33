from django import template

from notifications.panels import subscription_box as box_for

register = template.Library()


@register.inclusion_tag("notifications/_subscribe_box.html", takes_context=True)
def subscription_box(context, article) -> dict:
    """The subscribe box on the help centre page (the staff article page gets it from its view)."""
    request = context["request"]
    return {"box": box_for(request.user, article), "request": request}
