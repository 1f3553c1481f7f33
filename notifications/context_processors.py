from .services import unread_count


def bell(request) -> dict:
    """The unread count for the header bell: one indexed COUNT for signed-in people, nothing for others."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
