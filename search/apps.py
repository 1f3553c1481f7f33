from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = gettext_lazy("Search")

    def ready(self) -> None:
        # Index updates hang on these receivers: the one sanctioned use of signals (STYLE.md).
        from . import signals

        signals.connect()
