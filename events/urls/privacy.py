"""Routes of the privacy area (included by events/urls/__init__.py under the events namespace)."""

from django.urls import path

from events import views_privacy

urlpatterns = [
    path("manage/<str:token>/erase/", views_privacy.erase, name="privacy_erase"),
]
