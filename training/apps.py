from django.apps import AppConfig
from django.db.models.signals import post_save


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "training"

    def ready(self) -> None:
        from articles.models import RevisionMeta

        from .signals import revision_saved

        # A material article version makes older acknowledgements stale (see signals.py).
        post_save.connect(revision_saved, sender=RevisionMeta, dispatch_uid="training.revision_saved")
