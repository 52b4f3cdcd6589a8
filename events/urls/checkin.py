"""Routes of the organize area (included by events/urls/__init__.py under the events namespace)."""

from django.urls import path

from events.views import checkin

urlpatterns = [
    path(
        "organize/sessions/<int:session_id>/check-in/",
        checkin.checkin_page,
        name="organize_checkin",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/submit/",
        checkin.checkin_submit,
        name="organize_checkin_submit",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/walk-in/",
        checkin.walk_in_submit,
        name="organize_walk_in",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/counts/",
        checkin.checkin_counts,
        name="organize_checkin_counts",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/snapshot/",
        checkin.checkin_snapshot,
        name="organize_checkin_snapshot",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/sync/",
        checkin.checkin_sync,
        name="organize_checkin_sync",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/manifest.webmanifest",
        checkin.checkin_manifest,
        name="organize_checkin_manifest",
    ),
    # At /organize/ so that the worker's scope covers every session's door page.
    path("organize/check-in-sw.js", checkin.checkin_service_worker, name="checkin_service_worker"),
]
