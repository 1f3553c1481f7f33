from django.urls import path

from . import api

app_name = "accounts_api"

urlpatterns = [
    path("auth/token/", api.obtain_token, name="token"),
    path("auth/tokens/", api.token_list, name="token-list"),
    path("auth/tokens/<int:pk>/", api.token_detail, name="token-detail"),
]
