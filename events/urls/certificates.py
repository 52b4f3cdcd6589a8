"""Routes of the certificates area (included by events/urls/__init__.py under the events namespace).

Certificate URLs carry the verification code or the manage token, never an id.
"""

from django.urls import path

from events.views import certificates as views

urlpatterns = [
    path("certificates/verify/", views.verify_lookup, name="certificate_verify_lookup"),
    # path: a code typed with a slash in it still reaches the lookup form, not a bare 404.
    path("certificates/verify/<path:code>/", views.verify, name="certificate_verify"),
    path("certificates/<str:code>/download/", views.download, name="certificate_download"),
    path("manage/<str:token>/certificate.pdf", views.manage_download, name="manage_certificate"),
    path("manage/<str:token>/open-badge.json", views.manage_badge, name="manage_certificate_badge"),
    path(
        "manage/<str:token>/open-badge.jwt",
        views.manage_signed_badge,
        name="manage_certificate_signed_badge",
    ),
]
