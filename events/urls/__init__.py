from django.urls import include, path

from events import views

app_name = "events"

urlpatterns = [
    path("sessions/", views.catalogue, name="catalogue"),
    path("sessions/<str:public_id>/", views.session_detail, name="session_detail"),
    path("sessions/<str:public_id>/registered/", views.registered, name="registered"),
    path("sessions/<str:public_id>/calendar.ics", views.session_ics, name="session_ics"),
    # Before manage/<token>/, which would otherwise take "resend" for a token.
    path("manage/resend/", views.resend_manage_link, name="resend_manage_link"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/reminders/", views.manage_reminders, name="manage_reminders"),
    path("manage/<str:token>/calendar.ics", views.manage_ics, name="manage_ics"),
    # Each area keeps its routes in its own module.
    path("", include("events.urls.checkin")),
    path("", include("events.urls.certificates")),
    path("", include("events.urls.privacy")),
]
