from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"

    def ready(self) -> None:
        from articles.signals import article_changed

        from .signals import article_changed as record_material_update

        # Material article versions become announced updates (see signals.py).
        article_changed.connect(record_material_update, dispatch_uid="notifications.article_changed")
