"""The public read-only API (/api/v1/): trainings, their published sessions and the sectors.

Anonymous and cookie-free: no authentication class runs (settings.REST_FRAMEWORK), so
no session or CSRF cookie is read or set. Every answer carries an ETag computed from
its body, and a request whose If-None-Match matches gets a 304 without the body.
"""

from functools import cached_property

from django.middleware.http import ConditionalGetMiddleware
from django.utils import timezone
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from events.documents import api as documents
from events.filters import SessionFilter
from events.models.tokens import plausible_public_id
from events.selectors import api as selectors
from events.selectors import catalog

conditional_get = decorator_from_middleware(ConditionalGetMiddleware)


class Pagination(PageNumberPagination):
    """{count, next, previous, results}; a page size over the cap gets the cap."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# A 400 names each parameter that was refused, with the reasons.
BAD_PARAMETERS = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description="A parameter has a value that is not allowed; the body names it.",
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object, or no such page.")
TOO_MANY = OpenApiResponse(ErrorSerializer, description="Too many requests: see Retry-After.")


@method_decorator(conditional_get, name="dispatch")
class PublicViewSet(viewsets.GenericViewSet):
    """What every API answer shares: an ETag from its body, and a 304 when it matches."""

    pagination_class = Pagination


@extend_schema_view(
    list=extend_schema(
        summary="Upcoming sessions",
        description="Published sessions that have not ended, soonest first.",
        responses={
            200: documents.SessionSerializer,
            400: BAD_PARAMETERS,
            404: NOT_FOUND,
            429: TOO_MANY,
        },
    ),
    retrieve=extend_schema(
        summary="One session",
        description="A published or cancelled session, by the public id in its page's address.",
        responses={200: documents.SessionSerializer, 404: NOT_FOUND, 429: TOO_MANY},
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    serializer_class = documents.SessionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SessionFilter
    lookup_field = "public_id"

    def get_queryset(self):
        return selectors.api_sessions(now=self.now)

    def get_object(self):
        public_id = self.kwargs["public_id"]
        session = selectors.api_session(public_id) if plausible_public_id(public_id) else None
        if session is None:
            raise NotFound(_("No such session."))
        return session

    @cached_property
    def now(self):
        # One clock for the whole answer: every session's "registration open" and
        # "seats left" are read at the same moment as the list's "not ended".
        return timezone.now()

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": self.now}


@extend_schema_view(
    list=extend_schema(
        summary="Trainings",
        description="Trainings with at least one published session, by title.",
        responses={200: documents.TrainingSerializer, 404: NOT_FOUND, 429: TOO_MANY},
    ),
    retrieve=extend_schema(
        summary="One training",
        responses={200: documents.TrainingSerializer, 404: NOT_FOUND, 429: TOO_MANY},
    ),
)
class TrainingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    serializer_class = documents.TrainingSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.api_trainings()


@extend_schema_view(
    list=extend_schema(
        summary="Sectors",
        description="The sectors a training can target and a registrant can choose.",
        responses={200: documents.SectorSerializer, 404: NOT_FOUND, 429: TOO_MANY},
    ),
)
class SectorViewSet(mixins.ListModelMixin, PublicViewSet):
    serializer_class = documents.SectorSerializer

    def get_queryset(self):
        return catalog.active_sectors()


class DocsView(SpectacularSwaggerView):
    """Swagger UI from drf-spectacular-sidecar's files in /static/.

    Our own page and start-up script (static/js/api-docs.js), not the view's inline
    ones: the site's CSP allows neither inline code nor CDNs, and the stock script
    would print a CSRF token, which sets a cookie, for the "try it" buttons' posts
    that a read-only API has no use for.
    """

    template_name = "api/docs.html"
    title = _("Trainings API")
