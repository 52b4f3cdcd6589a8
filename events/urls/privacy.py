"""Routes of the privacy area (included by events/urls/__init__.py under the events namespace)."""

from django.urls import path

from events.views import privacy

urlpatterns = [
    path("manage/<str:token>/erase/", privacy.erase, name="privacy_erase"),
]
