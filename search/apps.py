from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Index updates hang on these receivers: the one sanctioned use of signals (STYLE.md).
        from . import signals

        signals.connect()
