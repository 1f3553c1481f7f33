from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class LicencesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "licences"
    verbose_name = gettext_lazy("Coaches and licences")
