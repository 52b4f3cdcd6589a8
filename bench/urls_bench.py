"""The product's URLs plus /bench/bare/: one query, one small template, full middleware.

It is the baseline our pages are judged against, measured in the same run.
"""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from events.models import AuditEntry, Sector
from trafficking_training.urls import urlpatterns as product_urlpatterns

BARE = engines["django"].from_string(
    "<!doctype html><html lang=en><title>bare</title><p>{{ name }}</p></html>"
)

# The same, inside the site's chrome (navigation, footer): what any page here costs
# before it shows anything of its own. Shown for context; the target uses BARE.
BARE_IN_BASE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<p>{{ name }}</p>{% endblock %}'
)


def bare_in_base(request: HttpRequest) -> HttpResponse:
    sector = Sector.objects.order_by("order").first()
    return HttpResponse(BARE_IN_BASE.render({"name": sector.name}, request))


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    """The write baseline: parse a POST, insert one row in its own transaction."""
    AuditEntry.objects.create(action="bench", detail={"n": request.POST.get("n", "")})
    return HttpResponse(status=201)


def bare(request: HttpRequest) -> HttpResponse:
    sector = Sector.objects.order_by("order").first()
    return HttpResponse(BARE.render({"name": sector.name}, request))


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-base/", bare_in_base),
    path("bench/bare-insert/", bare_insert),
    *product_urlpatterns,
]

handler400 = "trafficking_training.views.bad_request"
handler403 = "trafficking_training.views.permission_denied"
handler404 = "trafficking_training.views.page_not_found"
handler500 = "trafficking_training.views.server_error"
