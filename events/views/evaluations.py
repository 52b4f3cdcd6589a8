"""Answering an evaluation: one page per registration and phase, behind its own token.

No account is needed: the link's token is the credential (selectors/evaluations.py
says how it is made). Every refusal is a page or a form error with a 4xx status,
never a 500, and the page shows no score until the post-evaluation is saved.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events.forms import EvaluationForm, initial_answers
from events.models.evaluations import Phase
from events.selectors import evaluations as selectors
from events.services import evaluations as evaluation_service

from .page_cache import private_page


def _registration(token: str, phase: str):
    registration = selectors.find_by_evaluation_token(token, phase)
    if registration is None:
        raise Http404(_("This link is not valid. It may have been mistyped."))
    return registration


def _review(questions, response) -> list[dict]:
    """After the post-evaluation: each knowledge question, what was chosen, what is right."""
    if response is None:
        return []
    chosen = {a.question_id: {c.pk for c in a.choices.all()} for a in response.answers.all()}
    return [
        {
            "question": question,
            "choices": [
                {
                    "choice": choice,
                    "chosen": choice.pk in chosen.get(question.pk, set()),
                    "correct": choice.is_correct,
                }
                for choice in question.choices.all()
            ],
        }
        for question in questions
        if question.is_knowledge
    ]


@require_http_methods(["GET", "POST"])
def evaluate(request: HttpRequest, token: str, phase: str) -> HttpResponse:
    if phase not in Phase.values:
        raise Http404(_("This link is not valid. It may have been mistyped."))
    registration = _registration(token, phase)
    session = registration.session
    anonymous = session.training.evaluation_anonymous
    closed = selectors.closed_reason(registration, phase)
    saved = None if anonymous else selectors.saved_response(registration, phase)
    completed = phase in selectors.completed_phases(registration)
    questionnaire = (
        saved.questionnaire if saved else selectors.current_questionnaire(session.training_id)
    )
    if questionnaire is None:
        raise Http404(_("This training has no evaluation."))
    questions = selectors.questions_for(questionnaire, phase)
    if not questions:
        raise Http404(_("This training has no evaluation."))
    context = {
        "registration": registration,
        "session": session,
        "phase": phase,
        "phase_label": Phase(phase).label,
        "questionnaire": questionnaire,
        "closed": closed,
        "completed": completed,
        "anonymous": anonymous,
    }
    status = 200
    form = None
    if closed or (anonymous and completed):
        if request.method == "POST":
            status = 409
    else:
        initial = {
            "questionnaire": questionnaire.pk,
            "revision": evaluation_service.revision_of(saved),
            **initial_answers(saved),
        }
        form = EvaluationForm(
            request.POST if request.method == "POST" else None,
            questionnaire=questionnaire,
            questions=questions,
            initial=initial,
        )
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    evaluation_service.submit_evaluation(
                        registration_id=registration.pk,
                        phase=phase,
                        questionnaire_id=form.cleaned_data["questionnaire"],
                        answers=form.answers(),
                        revision=form.cleaned_data["revision"],
                    )
                except evaluation_service.EvaluationRefused as refused:
                    form.add_error(None, str(refused))
                    status = 409
                else:
                    messages.success(request, _("Thank you. Your answers are saved."))
                    return redirect("events:evaluate", token=token, phase=phase)
    context["form"] = form
    if phase == Phase.POST and completed and saved is not None:
        context["review"] = _review(questions, saved)
        context["score"] = saved.score
    return private_page(render(request, "events/evaluations/answer.html", context, status=status))


def manage_page_context(registration) -> dict:
    """The manage page's evaluation section: open links per phase, and what the gate needs."""
    links = []
    completed = selectors.completed_phases(registration)
    for phase in Phase.values:
        if selectors.closed_reason(registration, phase):
            continue
        # The pre-check is for those with a seat, as the emails offer it.
        if phase == Phase.PRE and registration.status == registration.Status.WAITLISTED:
            continue
        if not selectors.has_questions(registration.session.training_id, phase):
            continue
        token = selectors.evaluation_token(registration, phase)
        links.append(
            {
                "phase": phase,
                "label": Phase(phase).label,
                "url": reverse("events:evaluate", args=[token, phase]),
                "completed": phase in completed,
            }
        )
    return {"evaluation_links": links, "gate_requirement": _gate_requirement(registration)}


def _gate_requirement(registration) -> str:
    owed = registration.attended and registration.status == registration.Status.CONFIRMED
    has_certificate = hasattr(registration, "certificate")
    if not owed or has_certificate:
        return ""
    return selectors.gate_requirement(registration)
