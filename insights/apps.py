from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InsightsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insights"
    verbose_name = gettext_lazy("KCS measures")

    def ready(self) -> None:
        from articles.signals import article_viewed

        from . import counting, measures  # noqa: F401  (each measure module registers its view)

        article_viewed.connect(counting.article_viewed, dispatch_uid="insights.count_view")
