"""Routes of the privacy area (included by events/urls.py under the events namespace)."""

urlpatterns: list = []
