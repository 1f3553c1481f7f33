from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        # The `uslug` path converter, before any URLconf is read.
        from . import slugs  # noqa: F401
