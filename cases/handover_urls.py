"""Self-service hands over to assisted support: the help centre's contact form."""

from django.urls import path

from . import handover

app_name = "handover"
urlpatterns = [
    path("contact/", handover.contact, name="contact"),
    path("contact/sent/<str:token>/", handover.sent, name="sent"),
]
