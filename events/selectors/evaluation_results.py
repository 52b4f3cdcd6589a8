"""Evaluation results, aggregated in the database, for any set of sessions.

The session's results page, its XLSX export and the impact report's learning section
all read evaluation_results(). A handful of grouped queries serve any number of
responses (a test pins it at 12 for 5,000). Questions are grouped by their wording
and kind, so a question carried over into a new questionnaire version counts as one.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery

from events.models import Answer, Completion, Question, Registration, Response, TrainingSession
from events.models.evaluations import Phase

PHASES = (Phase.PRE, Phase.POST)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass(frozen=True)
class ScaleRow:
    text: str
    low_label: str
    high_label: str
    # counts[phase] = [count of 1, ..., count of 5]
    counts: dict[str, list[int]]

    def total(self, phase: str) -> int:
        return sum(self.counts.get(phase, [0] * 5))

    def high(self, phase: str) -> float | None:
        """% answering 4 or 5."""
        counts = self.counts.get(phase, [0] * 5)
        return _percent(counts[3] + counts[4], sum(counts))

    @property
    def counts_pre(self) -> list[int]:
        return self.counts.get(Phase.PRE, [0] * 5)

    @property
    def counts_post(self) -> list[int]:
        return self.counts.get(Phase.POST, [0] * 5)

    @property
    def high_pre(self) -> float | None:
        return self.high(Phase.PRE)

    @property
    def high_post(self) -> float | None:
        return self.high(Phase.POST)


@dataclass(frozen=True)
class KnowledgeRow:
    text: str
    answered: dict[str, int]
    correct: dict[str, int]

    def percent(self, phase: str) -> float | None:
        return _percent(self.correct.get(phase, 0), self.answered.get(phase, 0))

    @property
    def correct_pre(self) -> float | None:
        return self.percent(Phase.PRE)

    @property
    def correct_post(self) -> float | None:
        return self.percent(Phase.POST)


@dataclass(frozen=True)
class FreeText:
    question: str
    phase: str
    text: str


@dataclass(frozen=True)
class EvaluationResults:
    invited: dict[str, int]
    completed: dict[str, int]
    scales: list[ScaleRow]
    knowledge: list[KnowledgeRow]
    average_score: dict[str, float | None]
    paired_count: int
    paired_gain: float | None
    free_text: list[FreeText] = field(default_factory=list)

    def completion_rate(self, phase: str) -> float | None:
        return _percent(self.completed.get(phase, 0), self.invited.get(phase, 0))

    @property
    def completion_pre(self) -> float | None:
        return self.completion_rate(Phase.PRE)

    @property
    def completion_post(self) -> float | None:
        return self.completion_rate(Phase.POST)

    @property
    def has_responses(self) -> bool:
        return any(self.completed.values())


def _question_key(question_id: int, questions: dict[int, Question]) -> tuple[str, str]:
    question = questions[question_id]
    return (question.text, question.kind)


def _completed(session_ids) -> dict[str, int]:
    """How many confirmed people answered each phase, from the completion marks that
    anonymous mode keeps too (a small table, joined to the registrations it names)."""
    counts = dict(
        Completion.objects.filter(
            registration__session__in=session_ids,
            registration__status=Registration.Status.CONFIRMED,
        )
        .values_list("phase")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("phase", "n")
    )
    return {phase: counts.get(phase, 0) for phase in PHASES}


def _invited(session_ids) -> dict[str, int]:
    """Who could answer each phase: confirmed people for the pre-check, those who
    attended for the post-evaluation."""
    counts = Registration.objects.filter(
        session__in=session_ids, status=Registration.Status.CONFIRMED
    ).aggregate(pre=Count("pk"), post=Count("pk", filter=Q(attended=True)))
    return {Phase.PRE: counts["pre"], Phase.POST: counts["post"]}


def _participation(session_ids) -> tuple[dict[str, int], dict[str, int]]:
    """Who could answer each phase and who did: two queries."""
    return _invited(session_ids), _completed(session_ids)


def _average_scores(session_ids) -> dict[str, float | None]:
    averages = dict(
        Response.objects.filter(session__in=session_ids, score__isnull=False)
        .values_list("phase")
        .annotate(avg=Avg("score"))
        .values_list("phase", "avg")
    )
    return {phase: _rounded(averages.get(phase)) for phase in PHASES}


@dataclass(frozen=True)
class LearningSummary:
    """The impact report's learning figures, any number of responses."""

    invited: dict[str, int]
    completed: dict[str, int]
    high_confidence: dict[str, float | None]
    average_score: dict[str, float | None]

    @property
    def has_responses(self) -> bool:
        return any(self.completed.values())

    def completion_rate(self, phase: str) -> float | None:
        return _percent(self.completed.get(phase, 0), self.invited.get(phase, 0))


def learning_summary(sessions: QuerySet[TrainingSession]) -> LearningSummary:
    """Completion, % of scale answers at 4–5, and average score, per phase (1 to 4 queries).

    Without a single completion it stops after the first, cheap query: the report then
    says that no evaluations exist, and needs no invited counts.
    """
    session_ids = sessions.values("pk")
    completed = _completed(session_ids)
    if not any(completed.values()):
        nothing = dict.fromkeys(PHASES)
        return LearningSummary(dict.fromkeys(PHASES, 0), completed, nothing, nothing)
    invited = _invited(session_ids)
    confidence = {
        phase: _percent(high, total)
        for phase, total, high in Answer.objects.filter(
            response__session__in=session_ids, question__kind=Question.Kind.SCALE
        )
        .exclude(scale_value__isnull=True)
        .values_list("response__phase")
        .annotate(total=Count("pk"), high=Count("pk", filter=Q(scale_value__gte=4)))
        .order_by()
        .values_list("response__phase", "total", "high")
    }
    return LearningSummary(
        invited=invited,
        completed=completed,
        high_confidence={phase: confidence.get(phase) for phase in PHASES},
        average_score=_average_scores(session_ids),
    )


def evaluation_results(sessions: QuerySet[TrainingSession]) -> EvaluationResults:
    """Completion, scale distributions, % correct, scores and free text of these sessions."""
    session_ids = sessions.values("pk")
    invited, completed = _participation(session_ids)
    answers = Answer.objects.filter(response__session__in=session_ids)
    answered_questions = answers.values("question_id")
    questions = {q.pk: q for q in Question.objects.filter(pk__in=answered_questions)}

    scale_counts: dict[tuple, dict[str, list[int]]] = defaultdict(dict)
    scale_rows = (
        answers.filter(question__kind=Question.Kind.SCALE, scale_value__isnull=False)
        .values_list("question_id", "response__phase", "scale_value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for question_id, phase, value, n in scale_rows:
        key = _question_key(question_id, questions)
        counts = scale_counts[key].setdefault(phase, [0] * 5)
        counts[value - 1] += n

    answered: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    correct: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    knowledge_rows = (
        answers.filter(is_correct__isnull=False)
        .values_list("question_id", "response__phase")
        .annotate(n=Count("pk"), right=Count("pk", filter=Q(is_correct=True)))
        .order_by()
    )
    for question_id, phase, n, right in knowledge_rows:
        key = _question_key(question_id, questions)
        answered[key][phase] += n
        correct[key][phase] += right

    responses = Response.objects.filter(session__in=session_ids)
    pre_score = Response.objects.filter(
        registration=OuterRef("registration"), phase=Phase.PRE, score__isnull=False
    ).values("score")[:1]
    paired = (
        responses.filter(phase=Phase.POST, registration__isnull=False, score__isnull=False)
        .annotate(pre_score=Subquery(pre_score))
        .filter(pre_score__isnull=False)
        .aggregate(n=Count("pk"), gain=Avg(F("score") - F("pre_score")))
    )
    free_text = [
        FreeText(question=text, phase=phase, text=value)
        for text, phase, value in answers.filter(question__kind=Question.Kind.TEXT)
        .exclude(text="")
        # By question first (text too: two questions may share an order), so that
        # each question's answers come together under it; before ("pre") then after
        # ("post"), which is descending order of the two words.
        .order_by("question__order", "question__text", "-response__phase", "pk")
        .values_list("question__text", "response__phase", "text")
    ]

    ordered = sorted(questions.values(), key=lambda q: (q.order, q.pk))
    seen: set[tuple] = set()
    scales, knowledge = [], []
    for question in ordered:
        key = (question.text, question.kind)
        if key in seen:
            continue
        seen.add(key)
        if key in scale_counts:
            scales.append(
                ScaleRow(
                    text=question.text,
                    low_label=question.scale_low_label,
                    high_label=question.scale_high_label,
                    counts=scale_counts[key],
                )
            )
        elif key in answered:
            knowledge.append(
                KnowledgeRow(text=question.text, answered=answered[key], correct=correct[key])
            )
    return EvaluationResults(
        invited=invited,
        completed=completed,
        scales=scales,
        knowledge=knowledge,
        average_score=_average_scores(session_ids),
        paired_count=paired["n"],
        paired_gain=_rounded(paired["gain"]),
        free_text=free_text,
    )
