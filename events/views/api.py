"""The public read-only API (/api/v1/): trainings, their published sessions and the sectors.

Anonymous and cookie-free: no authentication class runs (settings.REST_FRAMEWORK), so
no session or CSRF cookie is read, and @sets_no_cookie keeps the middleware from
setting one, even for a request with a malformed cookie. Every answer carries an ETag computed from
its body, and a request whose If-None-Match matches gets a 304 without the body.
"""

from functools import cached_property

from django.middleware.http import ConditionalGetMiddleware
from django.utils import timezone
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from events.documents import api as documents
from events.filters import SessionFilter
from events.models.tokens import plausible_public_id
from events.selectors import api as selectors
from events.selectors import catalog
from events.views.cookies import sets_no_cookie

conditional_get = decorator_from_middleware(ConditionalGetMiddleware)


class Pagination(PageNumberPagination):
    """{count, next, previous, results}; a page size over the cap gets the cap.

    DRF ignores a page size that is not a number; here it is a 400 like any other
    nonsense value, and so is an empty page. A page past the last (or no number) is
    DRF's 404.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        size = int(given) if given.isascii() and given.isdecimal() else 0
        if size < 1:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number of 1 or more.")]}
            )
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        # DRF reads ?page= (empty) as the first page; like any empty filter, it is refused.
        if request.query_params.get(self.page_query_param) == "":
            raise ValidationError({self.page_query_param: [_("Give a page number.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


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
# Answered by the web server itself, before the API, for an address longer than the
# request line it reads (gunicorn: 4,094 bytes).
TOO_LONG = OpenApiResponse(description="The address is too long.")


def list_responses(serializer) -> dict:
    """What a list operation answers, by status."""
    return {200: serializer, 400: BAD_PARAMETERS, 404: NOT_FOUND, 429: TOO_MANY, 414: TOO_LONG}


def one_responses(serializer) -> dict:
    """What an operation on one object answers, by status."""
    return {200: serializer, 404: NOT_FOUND, 429: TOO_MANY, 414: TOO_LONG}


@method_decorator(sets_no_cookie, name="dispatch")
@method_decorator(conditional_get, name="dispatch")
class PublicViewSet(viewsets.GenericViewSet):
    """What every API answer shares: an ETag from its body, and a 304 when it matches."""

    pagination_class = Pagination
    # Any one path segment reaches the view, so a nonsense id gets the API's JSON 404,
    # not the site's HTML one (the router's default leaves out dots, for format suffixes
    # this API does not use).
    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs) -> None:
        """A list's parameters each come once: ?page=2&page=x is refused, not read as one
        of its values (Django's QueryDict would quietly take the last)."""
        super().initial(request, *args, **kwargs)
        if self.action != "list":
            return
        repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
        if repeated:
            raise ValidationError({name: [_("Give this parameter once.")] for name in repeated})


class SessionSchema(AutoSchema):
    """The session list's parameters with the values they accept, read when the schema
    is built: the sectors and trainings of the moment, the lengths the filters allow."""

    def get_override_parameters(self) -> list[OpenApiParameter]:
        if self.view.action != "list":
            return []
        sectors = [sector.slug for sector in catalog.active_sectors()]
        trainings = list(selectors.api_trainings().values_list("slug", flat=True))
        return [
            _parameter("sector", {"type": "string", "enum": sectors} if sectors else str),
            _parameter("training", {"type": "string", "enum": trainings} if trainings else str),
            _parameter("city", {"type": "string", "maxLength": 100}),
            _parameter("state", {"type": "string", "maxLength": 2}),
        ]


def _parameter(name: str, schema) -> OpenApiParameter:
    """A session filter's parameter with the filter's own description."""
    return OpenApiParameter(
        name, schema, description=SessionFilter.base_filters[name].extra["help_text"]
    )


@extend_schema_view(
    list=extend_schema(
        summary="Upcoming sessions",
        description="Published sessions that have not ended, soonest first.",
        responses=list_responses(documents.SessionSerializer),
    ),
    retrieve=extend_schema(
        summary="One session",
        description="A published or cancelled session, by the public id in its page's address.",
        responses=one_responses(documents.SessionSerializer),
    ),
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PublicViewSet):
    serializer_class = documents.SessionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SessionFilter
    lookup_field = "public_id"
    schema = SessionSchema()

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
        responses=list_responses(documents.TrainingSerializer),
    ),
    retrieve=extend_schema(
        summary="One training",
        responses=one_responses(documents.TrainingSerializer),
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
        responses=list_responses(documents.SectorSerializer),
    ),
)
class SectorViewSet(mixins.ListModelMixin, PublicViewSet):
    serializer_class = documents.SectorSerializer

    def get_queryset(self):
        return catalog.active_sectors()


@method_decorator(sets_no_cookie, name="dispatch")
class DocsView(SpectacularSwaggerView):
    """Swagger UI from drf-spectacular-sidecar's files in /static/.

    Our own page and start-up script (static/js/api-docs.js), not the view's inline
    ones: the site's CSP allows neither inline code nor CDNs, and the stock script
    would print a CSRF token, which sets a cookie, for the "try it" buttons' posts
    that a read-only API has no use for.
    """

    template_name = "api/docs.html"
    title = _("Trainings API")
