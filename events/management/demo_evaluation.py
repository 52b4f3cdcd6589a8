"""The demo training's questionnaire (our own wording) and answers for its 2014 session.

Answers go through services.evaluations.submit_evaluation at a moment inside each
phase's window, so the demo data obeys the same rules as real answers.
"""

from datetime import timedelta

from events.models import Choice, Question, Questionnaire, Registration, Training, TrainingSession
from events.models.evaluations import Phase
from events.services import evaluations as evaluation_service

CONFIDENT = ("Not at all confident", "Very confident")
AGREE = ("Strongly disagree", "Strongly agree")

# (phase, kind, text, labels or None, explanation, [(choice, correct), ...])
QUESTIONS = [
    (
        "both",
        "scale",
        "How confident are you that you could recognize signs of human trafficking?",
        CONFIDENT,
        "",
        [],
    ),
    (
        "both",
        "scale",
        "How confident are you that you know how to report a suspected case?",
        CONFIDENT,
        "",
        [],
    ),
    (
        "post",
        "scale",
        "This training will help me identify people at risk in my work.",
        AGREE,
        "",
        [],
    ),
    (
        "both",
        "single",
        "What is the phone number of the National Human Trafficking Hotline?",
        None,
        "The hotline, 1-888-373-7888, answers around the clock, in many languages.",
        [("1-888-373-7888", True), ("1-800-273-8255", False), ("2-1-1", False)],
    ),
    (
        "both",
        "single",
        "How can you reach the hotline by text message?",
        None,
        "Text 233733 (BEFREE). It helps when calling is not safe.",
        [("Text 233733 (BEFREE)", True), ("Text 911", False), ("There is no text line", False)],
    ),
    (
        "both",
        "single",
        "When should you call 911 rather than the hotline?",
        None,
        "Call 911 when someone is in immediate danger; otherwise report to the hotline.",
        [
            ("When someone is in immediate danger", True),
            ("Whenever you notice any indicator", False),
            ("Only once you have proof", False),
        ],
    ),
    (
        "both",
        "single",
        "You suspect a guest is controlled by the person with them. What should you do?",
        None,
        "Never confront a suspected trafficker: it can put you and the victim at risk. "
        "Note what you saw and report it.",
        [
            ("Note what you observe and report it, without confronting anyone", True),
            ("Confront the person who seems to be in control", False),
            ("Wait until you are certain", False),
        ],
    ),
    (
        "both",
        "multiple",
        "Which of these can be indicators of trafficking?",
        None,
        "Someone else holding a person's documents, restricted movement and an unpayable "
        "debt are common signs of control. A second job is not.",
        [
            ("Someone else holds their ID or passport", True),
            ("They are not free to come and go", True),
            ("They owe a debt they can never pay off", True),
            ("They work a second job on weekends", False),
        ],
    ),
    (
        "both",
        "single",
        "Does trafficking require moving a person across a border?",
        None,
        "No. Trafficking is about force, fraud or coercion; a victim may never leave town.",
        [
            ("No, it is about force, fraud or coercion", True),
            ("Yes, across state lines", False),
            ("Yes, across a national border", False),
        ],
    ),
    (
        "both",
        "single",
        "Under U.S. law, a minor involved in commercial sex is a trafficking victim…",
        None,
        "For minors, no force, fraud or coercion needs to be shown.",
        [
            ("…even without force, fraud or coercion", True),
            ("…only if force was used", False),
            ("…only if they were moved from elsewhere", False),
        ],
    ),
    (
        "both",
        "multiple",
        "Which details are useful in a report?",
        None,
        "Describe what you saw: people, vehicles, the date, time and place. Do not guess "
        "at anyone's immigration status.",
        [
            ("Descriptions of the people and vehicles", True),
            ("The date, time and place", True),
            ("Your guess at their immigration status", False),
        ],
    ),
    ("post", "text", "What will you do differently after this training?", None, "", []),
    ("post", "text", "What would make this training better?", None, "", []),
]

FREE_TEXT = [
    "Watch for guests who never hold their own ID, and call the hotline.",
    "Share the hotline number with my team.",
    "Pay attention to workers who cannot leave the site.",
    "More local examples from North Dakota.",
    "",
]


def demo_questionnaire(training: Training) -> Questionnaire:
    """The training's questionnaire, created once (later runs leave it as it is)."""
    existing = Questionnaire.objects.filter(training=training).order_by("-version").first()
    if existing is not None:
        return existing
    questionnaire = Questionnaire.objects.create(
        training=training,
        title="Identifying & Reporting Human Trafficking: evaluation",
        introduction=(
            "A few questions before and after the training. After the training you see "
            "the correct answers and how many of yours were right."
        ),
    )
    for order, (phase, kind, text, labels, explanation, choices) in enumerate(QUESTIONS):
        question = Question.objects.create(
            questionnaire=questionnaire,
            order=order,
            phase=phase,
            kind=kind,
            text=text,
            required=kind != "text",
            scale_low_label=labels[0] if labels else "",
            scale_high_label=labels[1] if labels else "",
            explanation=explanation,
        )
        Choice.objects.bulk_create(
            Choice(question=question, order=n, text=choice, is_correct=correct)
            for n, (choice, correct) in enumerate(choices)
        )
    return questionnaire


def _answer(question: Question, person: int, phase: str):
    """A plausible answer: before, unsure and half right; after, confident and mostly right."""
    before = phase == Phase.PRE
    if question.kind == Question.Kind.SCALE:
        value = 1 + (person + question.order) % 3 if before else 3 + (person + question.order) % 3
        return evaluation_service.AnswerInput(question_id=question.pk, scale_value=value)
    if question.kind == Question.Kind.TEXT:
        text = FREE_TEXT[(person + question.order) % len(FREE_TEXT)]
        return evaluation_service.AnswerInput(question_id=question.pk, text=text)
    choices = list(question.choices.all())
    right = (person + question.order) % (2 if before else 6) != 0
    picked = [c.pk for c in choices if c.is_correct == right] or [choices[0].pk]
    if question.kind == Question.Kind.SINGLE:
        picked = picked[:1]
    return evaluation_service.AnswerInput(question_id=question.pk, choice_ids=frozenset(picked))


def answer_demo_session(session: TrainingSession, questionnaire: Questionnaire) -> int:
    """Pre-checks from most registrants and post-evaluations from most attendees; returns
    how many responses were saved (none on a second run)."""
    if session.evaluation_responses.exists():
        return 0
    saved = 0
    people = Registration.objects.filter(session=session).order_by("pk")
    for person, registration in enumerate(people):
        for phase, moment in (
            (Phase.PRE, session.starts_at - timedelta(days=1)),
            (Phase.POST, session.ends_at + timedelta(days=1)),
        ):
            if person % 4 == 3 or (phase == Phase.POST and not registration.attended):
                continue
            questions = list(
                questionnaire.questions.filter(phase__in=[phase, Question.AskedIn.BOTH])
                .prefetch_related("choices")
                .order_by("order")
            )
            evaluation_service.submit_evaluation(
                registration_id=registration.pk,
                phase=phase,
                questionnaire_id=questionnaire.pk,
                answers=[_answer(question, person, phase) for question in questions],
                revision="",
                now=moment,
            )
            saved += 1
    return saved
