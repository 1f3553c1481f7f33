from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .lockout import clear_failures_on_sign_in

        user_logged_in.connect(clear_failures_on_sign_in, dispatch_uid="accounts-clear-failures-on-sign-in")
