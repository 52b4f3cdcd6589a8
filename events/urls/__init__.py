from django.urls import include, path

from events.views import catalog, offers, registration

app_name = "events"

urlpatterns = [
    path("sessions/", catalog.catalog_page, name="catalog"),
    path("sessions/<str:public_id>/", registration.session_detail, name="session_detail"),
    path("sessions/<str:public_id>/registered/", registration.registered, name="registered"),
    path("sessions/<str:public_id>/calendar.ics", registration.session_ics, name="session_ics"),
    # Before manage/<token>/, which would otherwise take "resend" for a token.
    path("manage/resend/", registration.resend_manage_link, name="resend_manage_link"),
    path("manage/<str:token>/", registration.manage, name="manage"),
    path("manage/<str:token>/cancel/", registration.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/reminders/", registration.manage_reminders, name="manage_reminders"),
    path(
        "manage/<str:token>/unsubscribe/",
        registration.manage_unsubscribe,
        name="manage_unsubscribe",
    ),
    path("manage/<str:token>/calendar.ics", registration.manage_ics, name="manage_ics"),
    path("manage/<str:token>/join/", registration.manage_join, name="manage_join"),
    path("manage/<str:token>/details/", registration.manage_details, name="manage_details"),
    path(
        "manage/<str:token>/register-again/",
        registration.manage_register_again,
        name="manage_register_again",
    ),
    path("manage/<str:token>/offer/claim/", offers.manage_offer_claim, name="manage_offer_claim"),
    path(
        "manage/<str:token>/offer/decline/",
        offers.manage_offer_decline,
        name="manage_offer_decline",
    ),
    # Each area keeps its routes in its own module.
    path("", include("events.urls.checkin")),
    path("", include("events.urls.certificates")),
    path("", include("events.urls.badges")),
    path("", include("events.urls.privacy")),
    path("", include("events.urls.evaluations")),
    path("", include("events.urls.feeds")),
]
