"""Routes of the organize area (included by events/urls.py under the events namespace)."""

urlpatterns: list = []
