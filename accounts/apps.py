from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = gettext_lazy("People")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .lockout import clear_failures_on_sign_in

        user_logged_in.connect(clear_failures_on_sign_in, dispatch_uid="accounts-clear-failures-on-sign-in")
