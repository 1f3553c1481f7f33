from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CoachingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coaching"
    verbose_name = gettext_lazy("Reviews and coaching")
