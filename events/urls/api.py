"""/api/v1/: the public read-only API, its OpenAPI schema and its documentation page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from events.views import api
from events.views.cookies import sets_no_cookie

app_name = "api"

router = SimpleRouter()
router.register("sessions", api.SessionViewSet, basename="session")
router.register("trainings", api.TrainingViewSet, basename="training")
router.register("sectors", api.SectorViewSet, basename="sector")

urlpatterns = [
    path("schema/", sets_no_cookie(SpectacularAPIView.as_view()), name="schema"),
    path("docs/", api.DocsView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
