"""Routes of the organize area (included by events/urls/__init__.py under the events namespace)."""

from django.urls import path

from events import views_organize

urlpatterns = [
    path(
        "organize/sessions/<int:session_id>/check-in/",
        views_organize.checkin_page,
        name="organize_checkin",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/submit/",
        views_organize.checkin_submit,
        name="organize_checkin_submit",
    ),
    path(
        "organize/sessions/<int:session_id>/check-in/counts/",
        views_organize.checkin_counts,
        name="organize_checkin_counts",
    ),
]
