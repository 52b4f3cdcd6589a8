"""Routes of the evaluations area: the answer page behind its token, per phase."""

from django.urls import path

from events.views import evaluations as views

urlpatterns = [
    path("evaluate/<str:token>/<str:phase>/", views.evaluate, name="evaluate"),
]
