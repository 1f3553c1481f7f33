from django.apps import AppConfig
from django.db.models.signals import post_save


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        from articles.models import RevisionMeta

        from .signals import revision_saved

        # Material article versions become announced updates (see signals.py).
        post_save.connect(revision_saved, sender=RevisionMeta, dispatch_uid="notifications.revision_saved")
