from django.apps import AppConfig


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "training"

    def ready(self) -> None:
        from articles.signals import article_changed

        from .signals import article_changed as on_article_changed

        # A material article version makes older acknowledgements stale (see signals.py).
        article_changed.connect(on_article_changed, dispatch_uid="training.article_changed")
