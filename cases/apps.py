from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Cases and links")

    def ready(self) -> None:
        from articles.signals import article_changed

        from . import outbound, signals

        # Outbound webhooks: each event queues its deliveries (cases/outbound.py).
        article_changed.connect(outbound.on_article_changed, dispatch_uid="cases.outbound.article_changed")
        signals.link_created.connect(outbound.on_link_created, dispatch_uid="cases.outbound.link_created")
        signals.handover_created.connect(outbound.on_handover_created, dispatch_uid="cases.outbound.handover_created")
