"""Routes of the certificates area (included by events/urls.py under the events namespace)."""

urlpatterns: list = []
