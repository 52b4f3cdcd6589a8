"""Seats held for sectors, edited on the session's page in the admin (an inline)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.models import SeatHold, Sector
from events.services import seat_holds as seat_hold_service

from .widgets import name_datetime_parts


class SeatHoldFormSet(forms.BaseInlineFormSet):
    """The holds of one session: together never more than its capacity.

    Saving goes through update_seat_holds, under the session lock, which passes on
    seats a smaller or shorter hold frees.
    """

    actor = None  # the user saving, set per request by the inline

    def clean(self) -> None:
        super().clean()
        capacity = self.instance.capacity
        if capacity is None or any(form.errors for form in self.forms):
            return  # the session's own form (or a hold's) already says what is wrong
        held = sum(
            form.cleaned_data.get("seats") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if held > capacity:
            raise ValidationError(
                _(
                    "The seats held for sectors (%(held)s in all) are more than the "
                    "session's capacity (%(capacity)s). Hold fewer seats or raise the capacity."
                ),
                code="holds_over_capacity",
                params={"held": held, "capacity": capacity},
            )

    def save(self, commit: bool = True):
        if not commit:
            return super().save(commit=False)
        return seat_hold_service.update_seat_holds(
            session_id=self.instance.pk,
            write=lambda: super(SeatHoldFormSet, self).save(commit=True),
            actor=self.actor,
        )


class SeatHoldInline(admin.StackedInline):
    model = SeatHold
    formset = SeatHoldFormSet
    extra = 0
    fields = ["sectors", "seats", "until"]
    verbose_name = _("seats held for sectors")
    verbose_name_plural = _(
        "Seats held for sectors (part of the capacity; at the end, free ones open to everyone)"
    )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user
        return formset

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return name_datetime_parts(super().formfield_for_dbfield(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "sectors":
            kwargs["queryset"] = Sector.objects.filter(active=True).order_by("order", "name")
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Whoever may edit the session may edit its holds (the session admin has already
    # limited organizers to their own sessions).
    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("events.view_trainingsession")

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("events.change_trainingsession")

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("events.change_trainingsession")

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("events.change_trainingsession")
