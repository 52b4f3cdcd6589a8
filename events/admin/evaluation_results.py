"""Evaluation results in the organizer admin: per session and per training, and as XLSX.

Mounted under the session admin's URLs. Scoped like the rest: a session or training
outside the user's sessions is a 404. The views call
events.selectors.evaluation_results only.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from events.documents.evaluation_exports import results_xlsx, summary_rows
from events.selectors import scope
from events.selectors.evaluation_results import evaluation_results


class EvaluationResultsViews:
    def __init__(self, model_admin) -> None:
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path(
                "evaluation/training/<int:training_id>/",
                view(self.training_page),
                name="events_training_evaluation",
            ),
            path(
                "evaluation/training/<int:training_id>/results.xlsx",
                view(self.training_xlsx),
                name="events_training_evaluation_xlsx",
            ),
            path(
                "<path:object_id>/evaluation/",
                view(self.session_page),
                name="events_session_evaluation",
            ),
            path(
                "<path:object_id>/evaluation.xlsx",
                view(self.session_xlsx),
                name="events_session_evaluation_xlsx",
            ),
        ]

    def _session(self, request, object_id):
        session = self.model_admin.get_object(request, object_id)  # 404 outside scope
        if not self.model_admin.has_view_permission(request, session):
            raise PermissionDenied
        sessions = scope.sessions_for_organizer(request.user).filter(pk=session.pk)
        return session, sessions, str(session)

    def _training(self, request, training_id):
        if not self.model_admin.has_view_permission(request):
            raise PermissionDenied
        training = scope.trainings_for_organizer(request.user).filter(pk=training_id).first()
        if training is None:
            raise Http404(_("Not found, or not one of your trainings."))
        sessions = scope.sessions_for_organizer(request.user).filter(training_id=training.pk)
        return training, sessions, training.title

    def _page(self, request, *, heading: str, sessions, xlsx_url: str, anonymous: bool):
        results = evaluation_results(sessions)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Evaluation results: %(name)s") % {"name": heading},
            "results": results,
            "summary": summary_rows(results),
            "xlsx_url": xlsx_url,
            "anonymous": anonymous,
            "opts": self.model_admin.model._meta,
        }
        return TemplateResponse(request, "admin/events/evaluation_results.html", context)

    def session_page(self, request, object_id):
        session, sessions, heading = self._session(request, object_id)
        return self._page(
            request,
            heading=heading,
            sessions=sessions,
            xlsx_url=reverse("admin:events_session_evaluation_xlsx", args=[session.pk]),
            anonymous=session.training.evaluation_anonymous,
        )

    def session_xlsx(self, request, object_id):
        session, sessions, heading = self._session(request, object_id)
        return results_xlsx(
            evaluation_results(sessions),
            title=heading,
            filename=f"evaluation-{session.local_starts_at:%Y-%m-%d}-{session.public_id}",
        )

    def training_page(self, request, training_id):
        training, sessions, heading = self._training(request, training_id)
        return self._page(
            request,
            heading=heading,
            sessions=sessions,
            xlsx_url=reverse("admin:events_training_evaluation_xlsx", args=[training.pk]),
            anonymous=training.evaluation_anonymous,
        )

    def training_xlsx(self, request, training_id):
        training, sessions, heading = self._training(request, training_id)
        return results_xlsx(
            evaluation_results(sessions), title=heading, filename=f"evaluation-{training.slug}"
        )
