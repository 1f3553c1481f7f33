from django.apps import AppConfig


class InsightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insights"
    verbose_name = "KCS measures"

    def ready(self) -> None:
        from . import measures  # noqa: F401  (each measure module registers its view)
