"""A seat offered near the day, on the registrant's manage page: claim it or decline it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.models import Offer
from events.selectors.offers import offer_of
from events.services import offers as offer_service

from .registration import registration_from_token


def _answer(request: HttpRequest, token: str, act, done: str) -> HttpResponse:
    registration = registration_from_token(token)
    offer = offer_of(registration)
    if offer is None:
        messages.error(request, _("No seat has been offered to this registration."))
        return redirect("events:manage", token=token)
    try:
        act(offer_id=offer.pk)
    except offer_service.OfferClosed as closed:
        if closed.status == Offer.Status.CLAIMED:
            messages.info(request, str(closed))
        else:
            messages.warning(request, str(closed))
    else:
        messages.success(request, done)
    return redirect("events:manage", token=token)


@require_POST
def manage_offer_claim(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(
        request, token, offer_service.claim_offer, _("The seat is yours. See you there!")
    )


@require_POST
def manage_offer_decline(request: HttpRequest, token: str) -> HttpResponse:
    return _answer(
        request,
        token,
        offer_service.decline_offer,
        _("You declined the seat. It goes to the next person waiting. Thank you for telling us."),
    )
