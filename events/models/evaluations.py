"""Evaluations: a versioned questionnaire per training, and the answers to it.

A questionnaire that has responses is never edited in place: the organizer makes a
new version (services/evaluations.py copies it), and old responses keep pointing
at the questions they answered. The current questionnaire of a training is its
highest version.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .catalog import Training, TrainingSession
from .registrations import Registration


class Phase(models.TextChoices):
    PRE = "pre", _("Pre-check (before the session)")
    POST = "post", _("Post-evaluation (after the session)")


class Questionnaire(models.Model):
    training = models.ForeignKey(
        Training,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="questionnaires",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    title = models.CharField(_("title"), max_length=200, default=_("Training evaluation"))
    introduction = models.TextField(_("introduction"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["training", "-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        constraints = [
            models.UniqueConstraint(
                fields=["training", "version"], name="one_questionnaire_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.training.title} – v{self.version}"


class Question(models.Model):
    class AskedIn(models.TextChoices):
        PRE = "pre", _("Pre-check only")
        POST = "post", _("Post-evaluation only")
        BOTH = "both", _("Both (to measure the gain)")

    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale 1–5")
        SINGLE = "single", _("Single choice (one correct answer)")
        MULTIPLE = "multiple", _("Multiple choice (a set of correct answers)")
        TEXT = "text", _("Free text")

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.CASCADE,
        related_name="questions",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=500)
    phase = models.CharField(
        _("asked in"), max_length=8, choices=AskedIn.choices, default=AskedIn.BOTH
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    scale_low_label = models.CharField(
        _("label of 1"), max_length=100, blank=True, help_text=_("e.g. Not at all confident")
    )
    scale_high_label = models.CharField(
        _("label of 5"), max_length=100, blank=True, help_text=_("e.g. Very confident")
    )
    explanation = models.TextField(
        _("explanation"),
        blank=True,
        help_text=_("Shown with the correct answer after the post-evaluation."),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    @property
    def is_knowledge(self) -> bool:
        return self.kind in {self.Kind.SINGLE, self.Kind.MULTIPLE}

    def asked_in(self, phase: str) -> bool:
        return self.phase in {phase, self.AskedIn.BOTH}


class Choice(models.Model):
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="choices"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("choice"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One person's answers to one phase. Anonymous trainings store it without the person."""

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="evaluation_responses",
    )
    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluation_responses",
    )
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    # Knowledge questions answered correctly, in percent; None without knowledge questions.
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=1, null=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("evaluation response")
        verbose_name_plural = _("evaluation responses")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "phase"],
                condition=Q(registration__isnull=False),
                name="one_response_per_registration_phase",
            ),
        ]
        indexes = [models.Index(fields=["session", "phase"])]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} – {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(
        Response, verbose_name=_("response"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    scale_value = models.PositiveSmallIntegerField(_("scale value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    choices = models.ManyToManyField(Choice, verbose_name=_("choices"), blank=True)
    # Whether a knowledge answer was right, computed when it was saved.
    is_correct = models.BooleanField(_("correct"), null=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question"
            ),
            models.CheckConstraint(
                condition=Q(scale_value__isnull=True) | Q(scale_value__gte=1, scale_value__lte=5),
                name="scale_value_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.scale_value or self.text[:40]}"


class Completion(models.Model):
    """ "This registration completed phase X": kept for gating, also in anonymous mode."""

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="evaluation_completions",
    )
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=1, null=True)
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation completion")
        verbose_name_plural = _("evaluation completions")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "phase"], name="one_completion_per_phase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.phase}"


class GateOverride(models.Model):
    """An organizer let one person's certificate through the evaluation gate, with a reason."""

    registration = models.OneToOneField(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="evaluation_gate_override",
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate gate override")
        verbose_name_plural = _("certificate gate overrides")

    def __str__(self) -> str:
        return self.reason


# What a form hands the evaluation service for one question: the models' own shape of an
# answer before it is saved, so forms and services both depend on the models only.
@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    scale_value: int | None = None
    choice_ids: frozenset[int] = field(default_factory=frozenset)
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return self.scale_value is None and not self.choice_ids and not self.text.strip()
