from .models import Notification


def bell(request) -> dict:
    """The unread count for the header bell: one indexed COUNT for signed-in people, nothing for others."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user, read_at=None).count()}
