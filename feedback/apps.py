from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = "Flags and feedback"

    def ready(self) -> None:
        from articles.signals import article_edited

        from .views import after_edit

        article_edited.connect(after_edit, dispatch_uid="feedback-resolve-flags-on-edit")
