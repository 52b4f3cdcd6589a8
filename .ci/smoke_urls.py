"""The project's URLs plus one that fails, so that the smoke test sees the real 500 page."""

from django.urls import path

from trafficking_training.urls import *  # noqa: F403
from trafficking_training.urls import urlpatterns as site_urlpatterns


def forced_error(request):
    raise RuntimeError("forced by the production smoke test")


urlpatterns = [path("smoke/error/", forced_error), *site_urlpatterns]
