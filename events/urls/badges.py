"""Routes of the Open Badges area: the issuer's keys and the revocation status lists."""

from django.urls import path

from events.views import badges as views

urlpatterns = [
    # did:web:<host> resolves here; the key ids in signed credentials point into it.
    path(".well-known/did.json", views.did_json, name="badge_did_document"),
    path("badges/status/<int:number>.jwt", views.status_list, name="badge_status_list"),
]
