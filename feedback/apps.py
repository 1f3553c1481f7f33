from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Flags and feedback")

    def ready(self) -> None:
        from articles.signals import article_changed

        from .services import reopen_flags_of_revert, resolve_flags_of_change

        # An edit resolves the flags its editor ticked ("fix it"): Article.edit(resolves=...).
        article_changed.connect(resolve_flags_of_change, dispatch_uid="feedback-resolve-flags-on-edit")
        # A revert to before a flag's fix opens it again.
        article_changed.connect(reopen_flags_of_revert, dispatch_uid="feedback-reopen-flags-on-revert")
