"""Evaluation admin: questionnaires with their questions, questions with their choices.

Scoped by training: an organizer edits the questionnaires of trainings they organize a
session of. A questionnaire that has answers is read-only; the "new version" action
copies it for editing, so old answers keep the questions they answered.
"""

from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Choice, GateOverride, Question, Questionnaire
from events.selectors import scope
from events.services import evaluations as evaluation_service

from .scoping import RegistrationRowScopedAdmin


class TrainingScopedAdmin(admin.ModelAdmin):
    """Rows reached through a training the user organizes a session of."""

    training_path = "training"

    def get_queryset(self, request):
        trainings = scope.trainings_for_organizer(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.training_path}__in": trainings})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found, or not one of your trainings."))
        return obj

    def questionnaire_of(self, obj) -> Questionnaire:
        raise NotImplementedError

    def _editable(self, obj) -> bool:
        return obj is None or not evaluation_service.is_answered(self.questionnaire_of(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "training":
            kwargs["queryset"] = scope.trainings_for_organizer(request.user)
        if db_field.name == "questionnaire":
            trainings = scope.trainings_for_organizer(request.user).values("pk")
            kwargs["queryset"] = Questionnaire.objects.filter(training__in=trainings)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AnsweredReadOnlyInline:
    """Inline rows of an answered questionnaire can be read, not changed."""

    def _editable(self, obj) -> bool:
        return obj is None or not evaluation_service.is_answered(self.parent_questionnaire(obj))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class QuestionInline(AnsweredReadOnlyInline, admin.StackedInline):
    model = Question
    extra = 0
    show_change_link = True
    fields = [
        ("order", "phase", "kind", "required"),
        "text",
        ("scale_low_label", "scale_high_label"),
        "explanation",
    ]

    def parent_questionnaire(self, obj):
        return obj


class ChoiceInline(AnsweredReadOnlyInline, admin.TabularInline):
    model = Choice
    extra = 3
    fields = ["order", "text", "is_correct"]

    def parent_questionnaire(self, obj):
        return obj.questionnaire


@admin.register(Questionnaire)
class QuestionnaireAdmin(TrainingScopedAdmin):
    list_display = ["training", "version", "title", "answered", "created_at"]
    list_select_related = ["training"]
    readonly_fields = ["version"]
    fields = ["training", "version", "title", "introduction"]
    inlines = [QuestionInline]
    actions = ["make_new_version"]
    search_fields = ["training__title", "title"]

    def questionnaire_of(self, obj):
        return obj

    @admin.display(description=gettext_lazy("answered"), boolean=True)
    def answered(self, obj) -> bool:
        return evaluation_service.is_answered(obj)

    def get_readonly_fields(self, request, obj=None):
        # The training is chosen once; a new version stays with it.
        return [*self.readonly_fields, "training"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.version = evaluation_service.next_version_number(obj.training_id)
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and evaluation_service.is_answered(obj):
            messages.info(
                request,
                _(
                    "This version has answers, so it cannot be changed. Select it in the list "
                    "and run “Make a new version to edit”."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("Make a new version to edit"), permissions=["add"])
    def make_new_version(self, request, queryset):
        for questionnaire in queryset:
            copy = evaluation_service.new_questionnaire_version(
                questionnaire_id=questionnaire.pk, actor=request.user
            )
            messages.success(
                request,
                _("Version %(version)s of “%(training)s” is ready to edit.")
                % {"version": copy.version, "training": questionnaire.training.title},
            )


@admin.register(Question)
class QuestionAdmin(TrainingScopedAdmin):
    training_path = "questionnaire__training"
    list_display = ["text", "questionnaire", "phase", "kind", "order", "required"]
    list_select_related = ["questionnaire__training"]
    list_filter = ["kind", "phase"]
    inlines = [ChoiceInline]

    def questionnaire_of(self, obj):
        return obj.questionnaire

    def get_model_perms(self, request):
        # Reached from the questionnaire page, not from the admin index.
        return {}


@admin.register(GateOverride)
class GateOverrideAdmin(RegistrationRowScopedAdmin):
    """Letting one person's certificate through the evaluation gate, with a reason.

    Added here, written by the service (which records it in the audit trail); an
    override is a record, so it is neither changed nor deleted.
    """

    list_display = ["registration", "reason", "created_at"]
    list_select_related = ["registration"]
    autocomplete_fields = ["registration"]
    fields = ["registration", "reason"]

    def has_add_permission(self, request):
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "registration":
            kwargs["queryset"] = scope.registrations_for_organizer(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = evaluation_service.override_certificate_gate(
            registration_id=obj.registration_id, reason=obj.reason, actor=request.user
        )
        obj.pk = saved.pk
