"""Public Open Badges documents: the issuer's DID document and the revocation status lists.

Both hold nothing about any person: public keys, and bits at random places. Verifiers
fetch them from anywhere, wallets in a browser included, hence the open CORS header.
"""

import json

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from events.documents.badge_keys import SigningKeyMissing, did_document
from events.documents.badge_status import signed_status_list
from events.selectors import badges as badge_selectors
from events.services.badges import status_list_cache_key

# Lists past this number are never drawn from before 4.3 million certificates have
# badges (see services.badges.draw_status_index); asking for one is a 404.
MAX_LIST_NUMBER = 64


def not_configured() -> HttpResponse:
    """Production without a signing key: say so plainly, never a 500."""
    return HttpResponse(
        _("Signed Open Badges are not set up on this site yet."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )


def _public(response: HttpResponse, *, seconds: int) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=seconds)
    return response


@require_GET
def did_json(request: HttpRequest) -> HttpResponse:
    """/.well-known/did.json: the did:web document with the current and retired keys."""
    try:
        document = did_document()
    except SigningKeyMissing:
        return not_configured()
    response = HttpResponse(json.dumps(document, indent=2), content_type="application/did+json")
    return _public(response, seconds=300)


@require_GET
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    """One revocation status list as a signed VC-JWT, reused for a short while."""
    if number > MAX_LIST_NUMBER:
        raise Http404(_("No such status list."))
    seconds = settings.BADGE_STATUS_LIST_SECONDS
    key = status_list_cache_key(number)
    token = cache.get(key)
    if token is None:
        try:
            token = signed_status_list(number, badge_selectors.revoked_positions(number))
        except SigningKeyMissing:
            return not_configured()
        cache.set(key, token, seconds)
    response = HttpResponse(token, content_type="application/vc+jwt")
    return _public(response, seconds=seconds)
