"""Routes of the calendar feed and the embeddable list (included by events/urls/__init__.py)."""

from django.urls import path

from events.views import feeds

urlpatterns = [
    path("sessions/feed.ics", feeds.sessions_feed, name="sessions_feed"),
    path("embed/sessions/", feeds.embed_sessions, name="embed_sessions"),
]
