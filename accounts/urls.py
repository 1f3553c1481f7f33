from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from kcs_site.framing import frameable_on_the_way_to_panel

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/code/", frameable_on_the_way_to_panel(views.login_code), name="login_code"),
    path("two-factor/", frameable_on_the_way_to_panel(views.two_factor_page), name="two_factor"),
    path("two-factor/off/", views.two_factor_off, name="two_factor_off"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
